// The operator's subcommands, run as main() runs them but with string streams and a temporary
// database.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/clock.h"
#include "demo/demo.h"
#include "service/auth_service.h"
#include "service/service_test_world.h"

namespace rapport {
namespace {

struct CommandRun {
  int code = 0;
  std::string out;
  std::string err;
};

using Command = int (*)(Store&, Args, std::ostream&, std::ostream&);

CommandRun Call(Command command, Store& store, std::vector<std::string> args) {
  std::ostringstream out;
  std::ostringstream err;
  CommandRun run;
  run.code = command(store, args, out, err);
  run.out = out.str();
  run.err = err.str();
  return run;
}

// Environment variables the commands read, set for one test and restored after it.
class EnvVar {
 public:
  EnvVar(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~EnvVar() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }
  EnvVar(const EnvVar&) = delete;
  EnvVar& operator=(const EnvVar&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

class AdminCommands : public ::testing::Test {
 protected:
  void SetUp() override {
    // Never wait for a password on a terminal the test happens to run in.
    ASSERT_NE(std::freopen("/dev/null", "r", stdin), nullptr);
    store_ = db_.Open();
    ASSERT_NE(store_, nullptr);
  }

  bool CanSignIn(const std::string& email, const std::string& password) {
    AuthService auth(*store_, SystemClock::Instance(), testing::FastAuth());
    return auth.Login(email, password, "127.0.0.1", "test").has_value();
  }

  testing::TempDb db_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(AdminCommands, DemoSeedsAnEmptyDatabaseAndPrintsTheAccountsOnce) {
  EnvVar password("RAPPORT_DEMO_PASSWORD", "riverside demo password");
  const CommandRun run = Call(RunDemoCommand, *store_, {});
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_NE(run.out.find("Riverside Counselling (demo)"), std::string::npos);
  for (const char* email :
       {"admin@demo.rapport", "supervisor@demo.rapport", "therapist@demo.rapport",
        "client@demo.rapport", "guardian@demo.rapport"}) {
    EXPECT_NE(run.out.find(email), std::string::npos) << email;
    EXPECT_TRUE(CanSignIn(email, "riverside demo password")) << email;
  }
  // A password the operator chose is not echoed back.
  EXPECT_EQ(run.out.find("riverside demo password"), std::string::npos);
}

TEST_F(AdminCommands, DemoGeneratesAndPrintsAPasswordWhenNoneIsGiven) {
  EnvVar password("RAPPORT_DEMO_PASSWORD", nullptr);
  const CommandRun run = Call(RunDemoCommand, *store_, {});
  ASSERT_EQ(run.code, 0) << run.err;
  const std::string marker = "Password for every demo account: ";
  const auto at = run.out.find(marker);
  ASSERT_NE(at, std::string::npos);
  const auto start = at + marker.size();
  const std::string generated = run.out.substr(start, run.out.find('\n', start) - start);
  EXPECT_GE(generated.size(), 12u);
  EXPECT_TRUE(CanSignIn("therapist@demo.rapport", generated));
}

TEST_F(AdminCommands, DemoRefusesADatabaseThatIsNotEmpty) {
  EnvVar password("RAPPORT_DEMO_PASSWORD", "riverside demo password");
  ASSERT_EQ(Call(RunDemoCommand, *store_, {}).code, 0);
  const CommandRun again = Call(RunDemoCommand, *store_, {});
  EXPECT_EQ(again.code, 1);
  EXPECT_NE(again.err.find("empty database"), std::string::npos);
  EXPECT_EQ(Call(RunDemoCommand, *store_, {"--clinics", "2"}).code, 2);
}

TEST_F(AdminCommands, UserAddOnAnEmptyDatabaseCreatesTheClinicAndAUserWhoCanSignIn) {
  EnvVar password("RAPPORT_PASSWORD", "a long operator password");
  const CommandRun run = Call(RunUserCommand, *store_,
                              {"add", "--email", "Owner@Practice.test", "--name", "Olu Owner",
                               "--role", "admin", "--clinic-name", "Harbour Therapy"});
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_NE(run.out.find("created clinic"), std::string::npos);
  EXPECT_NE(run.out.find("owner@practice.test"), std::string::npos);
  EXPECT_EQ(run.out.find("invitation"), std::string::npos);
  auto clinics = store_->ListClinics();
  ASSERT_TRUE(clinics.has_value());
  ASSERT_EQ(clinics->size(), 1u);
  EXPECT_EQ(clinics->front().name, "Harbour Therapy");
  EXPECT_TRUE(CanSignIn("owner@practice.test", "a long operator password"));
}

TEST_F(AdminCommands, UserAddWithoutAPasswordPrintsAnInvitationLink) {
  EnvVar password("RAPPORT_PASSWORD", nullptr);
  const CommandRun run =
      Call(RunUserCommand, *store_,
           {"add", "--email=t@practice.test", "--name=Tess T", "--role=therapist"});
  ASSERT_EQ(run.code, 0) << run.err;
  const auto at = run.out.find("/invite/");
  ASSERT_NE(at, std::string::npos);
  const std::string token = run.out.substr(at + 8, run.out.find('\n', at) - at - 8);
  AuthService auth(*store_, SystemClock::Instance(), testing::FastAuth());
  auto info = auth.PeekInvitation(token);
  ASSERT_TRUE(info.has_value()) << info.error().message;
  EXPECT_EQ(info->email, "t@practice.test");
  EXPECT_EQ(info->role, Role::kTherapist);
}

TEST_F(AdminCommands, UserAddRejectsBadFlagsWithUsageAndExitTwo) {
  EnvVar password("RAPPORT_PASSWORD", "a long operator password");
  const CommandRun missing = Call(RunUserCommand, *store_, {"add", "--email", "x@practice.test"});
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("--name"), std::string::npos);
  EXPECT_NE(missing.err.find("--role"), std::string::npos);

  const CommandRun unknown = Call(
      RunUserCommand, *store_,
      {"add", "--email", "x@practice.test", "--name", "X", "--role", "admin", "--colour", "blue"});
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(unknown.err.find("--colour"), std::string::npos);

  const CommandRun role =
      Call(RunUserCommand, *store_,
           {"add", "--email", "x@practice.test", "--name", "X", "--role", "wizard"});
  EXPECT_EQ(role.code, 2);
  EXPECT_NE(role.err.find("--role"), std::string::npos);

  EXPECT_EQ(Call(RunUserCommand, *store_, {}).code, 2);
  EXPECT_EQ(Call(RunUserCommand, *store_, {"remove"}).code, 2);
  EXPECT_EQ(Call(RunUserCommand, *store_, {"add", "--email"}).code, 2);
  EXPECT_TRUE(store_->ListClinics()->empty());
}

TEST_F(AdminCommands, UserAddReportsInvalidInputAndTakenEmailsAsErrors) {
  EnvVar password("RAPPORT_PASSWORD", "a long operator password");
  ASSERT_EQ(Call(RunUserCommand, *store_,
                 {"add", "--email", "a@practice.test", "--name", "Ann", "--role", "admin"})
                .code,
            0);
  const CommandRun taken =
      Call(RunUserCommand, *store_,
           {"add", "--email", "A@practice.test", "--name", "Ann 2", "--role", "therapist"});
  EXPECT_EQ(taken.code, 1);
  EXPECT_NE(taken.err.find("email: is already in use"), std::string::npos);
  const CommandRun bad = Call(RunUserCommand, *store_,
                              {"add", "--email", "nope", "--name", "Ann 3", "--role", "therapist"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("email:"), std::string::npos);
  const CommandRun no_clinic = Call(RunUserCommand, *store_,
                                    {"add", "--email", "b@practice.test", "--name", "Bea", "--role",
                                     "therapist", "--clinic", "99"});
  EXPECT_EQ(no_clinic.code, 1);
  EXPECT_NE(no_clinic.err.find("clinic_id"), std::string::npos);
}

TEST_F(AdminCommands, AuditVerifyPassesOnAnIntactChain) {
  EnvVar password("RAPPORT_DEMO_PASSWORD", "riverside demo password");
  ASSERT_EQ(Call(RunDemoCommand, *store_, {}).code, 0);
  const CommandRun run = Call(RunAuditCommand, *store_, {"verify"});
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.out.rfind("audit chain OK: ", 0), 0u) << run.out;
  EXPECT_NE(run.out.find(" entries"), std::string::npos);
}

TEST_F(AdminCommands, AuditVerifyNamesTheFirstBrokenEntryAndExitsOne) {
  EnvVar password("RAPPORT_DEMO_PASSWORD", "riverside demo password");
  ASSERT_EQ(Call(RunDemoCommand, *store_, {}).code, 0);
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_.path().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "DROP TRIGGER IF EXISTS audit_no_update;"
                         "UPDATE audit SET action = 'read' WHERE seq = 7;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  store_ = db_.Open();
  ASSERT_NE(store_, nullptr);
  const CommandRun run = Call(RunAuditCommand, *store_, {"verify"});
  EXPECT_EQ(run.code, 1);
  EXPECT_EQ(run.out.rfind("audit chain broken at entry 7: ", 0), 0u) << run.out;
}

TEST_F(AdminCommands, AuditWithoutVerifyIsAUsageError) {
  EXPECT_EQ(Call(RunAuditCommand, *store_, {}).code, 2);
  EXPECT_EQ(Call(RunAuditCommand, *store_, {"check"}).code, 2);
  EXPECT_EQ(Call(RunAuditCommand, *store_, {"verify", "--fast", "1"}).code, 2);
}

}  // namespace
}  // namespace rapport
