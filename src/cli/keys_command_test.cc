// rapport keys, run as main() runs it but with string streams and a real SQLite database in a
// temporary folder.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/crypto.h"
#include "store/sqlite/sqlite_store.h"

namespace rapport {
namespace {

using ::testing::HasSubstr;

struct CommandRun {
  int code = 0;
  std::string out;
  std::string err;
};

class KeysCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(InitCrypto().has_value());
    dir_ = std::filesystem::temp_directory_path() / ("rapport-keys-test-" + RandomHex(8));
    std::filesystem::create_directories(dir_);
    SqliteStoreOptions options;
    options.path = Path("rapport.db");
    auto opened = SqliteStore::Open(options);
    ASSERT_TRUE(opened.has_value()) << opened.error().message;
    store_ = std::move(*opened);
    // Two clinics, the first with a client who has written their first step.
    ASSERT_TRUE(store_
                    ->Write([&](WriteTxn& txn) -> Status {
                      RAPPORT_ASSIGN_OR_RETURN(clinic_, txn.InsertClinic(Clinic{0, "North", {}}));
                      RAPPORT_ASSIGN_OR_RETURN(other_, txn.InsertClinic(Clinic{0, "South", {}}));
                      NewUser u;
                      u.clinic_id = clinic_;
                      u.email = "client@example.org";
                      u.display_name = "Client";
                      RAPPORT_ASSIGN_OR_RETURN(client_, txn.InsertUser(u));
                      return txn.UpsertFirstStep(
                          FirstStep{client_, "sleep", "calm", "cost", false, 1});
                    })
                    .has_value());
  }
  void TearDown() override {
    store_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  CommandRun Keys(std::vector<std::string> args) {
    std::ostringstream out;
    std::ostringstream err;
    CommandRun run;
    run.code = RunKeysCommand(*store_, *store_, args, out, err);
    run.out = out.str();
    run.err = err.str();
    return run;
  }

  std::filesystem::path dir_;
  std::unique_ptr<SqliteStore> store_;
  ClinicId clinic_ = 0;
  ClinicId other_ = 0;
  UserId client_ = 0;
};

TEST_F(KeysCommandTest, StatusNamesEachClinicsKeysAndTheValuesTheySeal) {
  const CommandRun run = Keys({"status"});
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("clinic 1 \"North\""));
  EXPECT_THAT(run.out, HasSubstr("active   key    1"));
  EXPECT_THAT(run.out, HasSubstr("sealing 3 values"));
  EXPECT_THAT(run.out, HasSubstr("clinic 2 \"South\"\n  no data key yet"));
}

TEST_F(KeysCommandTest, RotateMakesANewActiveKeyAndTheOldOneRetiring) {
  const CommandRun run = Keys({"rotate", "--clinic", "1"});
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("clinic 1: data key 2 is active"));
  const CommandRun status = Keys({"status"});
  EXPECT_THAT(status.out, HasSubstr("retiring key    1"));
  EXPECT_THAT(status.out, HasSubstr("active   key    2"));
  // Without --clinic, every clinic gets a new key (the second its first).
  const CommandRun all = Keys({"rotate"});
  EXPECT_EQ(all.code, 0) << all.err;
  EXPECT_THAT(all.out, HasSubstr("clinic 1: data key 3"));
  EXPECT_THAT(all.out, HasSubstr("clinic 2: data key 4"));
  // What was written reads the same.
  EXPECT_EQ(store_->GetFirstStep(client_)->hopes, "calm");
}

TEST_F(KeysCommandTest, RotateRefusesABadOrUnknownClinicNamingIt) {
  CommandRun run = Keys({"rotate", "--clinic", "north"});
  EXPECT_EQ(run.code, 2);
  EXPECT_THAT(run.err, HasSubstr("--clinic"));
  run = Keys({"rotate", "--clinic", "99"});
  EXPECT_EQ(run.code, 1);
  EXPECT_THAT(run.err, HasSubstr("clinic 99"));
  EXPECT_THAT(Keys({"status"}).out, ::testing::Not(HasSubstr("retiring")));
}

TEST_F(KeysCommandTest, RotateMasterWrapsEveryKeyUnderTheNewFileAndSaysWhatToDoNext) {
  EXPECT_EQ(Keys({"rotate-master"}).code, 2);
  const std::string same = Path("rapport.db.master-key");
  CommandRun run = Keys({"rotate-master", "--new-master-key", same});
  EXPECT_EQ(run.code, 1);
  EXPECT_THAT(run.err, HasSubstr("in use already"));

  const std::string fresh = Path("next.master-key");
  run = Keys({"rotate-master", "--new-master-key", fresh});
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("1 data keys are wrapped under the master key in " + fresh));
  EXPECT_THAT(run.out, HasSubstr("--master-key " + fresh));
  EXPECT_TRUE(std::filesystem::exists(fresh));
  // Reopened with the new file, the database reads as before.
  store_.reset();
  SqliteStoreOptions options;
  options.path = Path("rapport.db");
  options.master_key_path = fresh;
  auto reopened = SqliteStore::Open(options);
  ASSERT_TRUE(reopened.has_value()) << reopened.error().message;
  EXPECT_EQ((*reopened)->GetFirstStep(client_)->brings, "sleep");
}

TEST_F(KeysCommandTest, AnythingElseIsRefusedWithTheUsage) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{}, {"spin"}, {"status", "--clinic", "1"}, {"rotate", "extra"}}) {
    const CommandRun run = Keys(args);
    EXPECT_EQ(run.code, 2);
    EXPECT_THAT(run.err, HasSubstr("usage: rapport keys"));
  }
  EXPECT_EQ(Keys({"status", "--frobnicate", "1"}).code, 2);
}

}  // namespace
}  // namespace rapport
