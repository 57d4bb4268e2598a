// The scheduler's re-seal job after a data key rotation (store/data_keys.h): every value of the
// clinic under its former key is sealed again under the new one, a step a write, and reads the
// same. Real SQLite store, FakeClock.

#include "service/jobs.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>

#include "service/feedback_service.h"
#include "service/key_service.h"
#include "service/scheduler.h"
#include "service/service_test_world.h"
#include "store/sealed_world_test_support.h"

namespace rapport {
namespace {

constexpr std::string_view kMarker = "Thistledown-Orrery-5528";

const InstrumentCatalog& Catalog() {
  static const InstrumentCatalog catalog = *InstrumentCatalog::Shipped();
  return catalog;
}

struct KeysWorld : testing::World {
  NotifierConfig notifier{&ShippedEscalationLadder(), "https://rapport.example"};
  FeedbackService feedback{*store, clock, Catalog(), ShippedAlertRules(),
                           FeedbackWiring{notifier, nullptr, nullptr}};
  Scheduler scheduler{*store, clock};
  KeyService keys{*store, *store, clock};
  SealedWorld sealed;

  KeysWorld() {
    RegisterJobs(scheduler, *store, feedback, notifier, AuthOptions{});
    auto written = WriteEverySealedField(*store, kMarker, clock.Now());
    EXPECT_TRUE(written.has_value()) << written.error().message;
    if (written) sealed = *written;
  }

  // Runs every job due now, and the steps they schedule for now, until none is left.
  int RunAllDue() {
    int ran = 0;
    for (;;) {
      auto step = scheduler.RunDue();
      EXPECT_TRUE(step.has_value());
      if (!step || *step == 0) return ran;
      ran += *step;
    }
  }

  // The sealed clinic's keys by id.
  std::map<std::int64_t, DataKeyStatus> Keys() {
    std::map<std::int64_t, DataKeyStatus> by_id;
    auto listed = store->ListDataKeys();
    EXPECT_TRUE(listed.has_value());
    if (!listed) return by_id;
    for (const DataKeyStatus& key : *listed) {
      if (key.clinic_id == sealed.clinic) by_id[key.id] = key;
    }
    return by_id;
  }
};

TEST(ResealJob, AfterARotationEveryValueIsSealedAgainUnderTheNewKeyAndReadsTheSame) {
  KeysWorld w;
  const auto before = w.Keys();
  ASSERT_EQ(before.size(), 1u);
  const std::int64_t old_key = before.begin()->first;
  const std::int64_t values = before.begin()->second.values;
  ASSERT_GT(values, 20);

  auto rotated = w.keys.RotateDataKey(Actor::System(), w.sealed.clinic);
  ASSERT_TRUE(rotated.has_value()) << rotated.error().message;
  const std::int64_t new_key = *rotated;
  auto keys = w.Keys();
  EXPECT_EQ(keys.at(old_key).state, "retiring");
  EXPECT_EQ(keys.at(old_key).values, values);
  EXPECT_EQ(keys.at(new_key).state, "active");
  EXPECT_EQ(keys.at(new_key).values, 0);

  // What is written now is sealed under the new key (this store made it, so it knows it).
  ASSERT_TRUE(w.store
                  ->Write([&](WriteTxn& txn) {
                    return txn.UpsertFirstStep(FirstStep{w.sealed.client, "new brings", "new hopes",
                                                         "", false, w.clock.Now()});
                  })
                  .has_value());
  keys = w.Keys();
  EXPECT_EQ(keys.at(new_key).values, 2);
  EXPECT_EQ(keys.at(old_key).values, values - 3);

  // The job waits until every server can have begun writing under the new key.
  EXPECT_EQ(w.RunAllDue(), 0);
  EXPECT_EQ(w.Keys().at(old_key).values, values - 3);
  w.clock.Advance(std::chrono::milliseconds(kDataKeyRefreshMs));
  // Several steps, each its own write, until the pass is done.
  EXPECT_GT(w.RunAllDue(), 1);
  keys = w.Keys();
  EXPECT_EQ(keys.at(old_key).values, 0);
  EXPECT_EQ(keys.at(old_key).state, "retired");
  EXPECT_EQ(keys.at(new_key).values, values - 3 + 2);
  const auto jobs = *w.store->ListJobs(w.sealed.clinic, kResealDataKeysJob);
  ASSERT_GT(jobs.size(), 1u);
  for (const Job& job : jobs) EXPECT_EQ(job.state, JobState::kDone) << job.key;

  // Old values read the same (the first step as rewritten), after a restart too.
  auto step = w.store->GetFirstStep(w.sealed.client);
  ASSERT_TRUE(step.has_value());
  EXPECT_EQ(step->brings, "new brings");
  auto note = w.store->GetSessionNoteOfAppointment(w.sealed.appointment);
  ASSERT_TRUE(note.has_value());
  EXPECT_EQ(note->addenda.front().text, Words(kMarker, "the addendum"));
  w.store.reset();
  w.store = w.db.Open();
  ASSERT_NE(w.store, nullptr);
  auto messages = w.store->ListEpisodeMessages(w.sealed.episode);
  ASSERT_TRUE(messages.has_value());
  EXPECT_EQ(messages->front().body, Words(kMarker, "a message"));
}

TEST(ResealJob, OtherClinicsKeepTheirKeysAndTheirValues) {
  KeysWorld w;
  std::map<ClinicId, std::int64_t> before;
  const auto listed = w.store->ListDataKeys();
  ASSERT_TRUE(listed.has_value());
  for (const DataKeyStatus& key : *listed) before[key.clinic_id] = key.values;
  ASSERT_EQ(before.size(), 2u) << "clinic A (its guardians' consent notes) and the sealed one";
  ASSERT_TRUE(w.keys.RotateDataKey(Actor::System(), w.sealed.clinic).has_value());
  w.clock.Advance(std::chrono::milliseconds(kDataKeyRefreshMs));
  w.RunAllDue();
  const auto after = w.store->ListDataKeys();
  ASSERT_TRUE(after.has_value());
  for (const DataKeyStatus& key : *after) {
    if (key.clinic_id == w.sealed.clinic) continue;
    EXPECT_EQ(key.state, "active") << "clinic " << key.clinic_id;
    EXPECT_EQ(key.values, before.at(key.clinic_id)) << "clinic " << key.clinic_id;
  }
}

}  // namespace
}  // namespace rapport
