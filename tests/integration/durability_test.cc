// Durability end to end with the real `rapport` binary: many concurrent writers, the server
// killed with SIGKILL in the middle, restarted on the same database: every write that was
// answered 2xx is there, and the audit chain verifies.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "core/clock.h"
#include "core/crypto.h"
#include "http_client.h"
#include "rapport_process.h"
#include "service/service_test_world.h"

#ifndef RAPPORT_BINARY
#error "RAPPORT_BINARY must name the rapport executable"
#endif

namespace rapport::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDemoPassword = "durability test password";

TEST(Durability, EveryAnsweredWriteSurvivesSigkillAndTheAuditChainVerifies) {
  if (rapport::testing::TestEngine() != nullptr) {
    GTEST_SKIP() << "drives `rapport serve` on an SQLite file";
  }
  ASSERT_TRUE(InitCrypto().has_value());
  const fs::path dir = fs::temp_directory_path() / ("rapport-durability-" + RandomHex(6));
  fs::create_directories(dir);
  const std::string db = (dir / "rapport.db").string();
  ASSERT_EQ(RunRapport({"demo", "--db", db}, kDemoPassword), 0);

  std::int64_t episode_id = 0;
  std::set<std::int64_t> acknowledged;
  std::mutex mutex;
  {
    ServeProcess server(db);
    ASSERT_NE(server.port(), 0);
    Browser therapist(server.port());
    ASSERT_EQ(therapist.Login("therapist@demo.rapport", kDemoPassword).status, 200u);
    const Json clients = therapist.Get("/api/v1/clients").json();
    for (const Json& client : clients) {
      const Json detail =
          therapist.Get("/api/v1/clients/" + std::to_string(client["id"].get<std::int64_t>()))
              .json();
      for (const Json& episode : detail["episodes"]) {
        if (episode["status"] != "ended") episode_id = episode["id"].get<std::int64_t>();
      }
      if (episode_id != 0) break;
    }
    ASSERT_NE(episode_id, 0);
    const std::string target = "/api/v1/episodes/" + std::to_string(episode_id) + "/appointments";

    constexpr int kWriters = 32;
    std::atomic<bool> server_gone{false};
    std::atomic<int> answered{0};
    std::atomic<int> failed_otherwise{0};
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; ++w) {
      writers.emplace_back([&, w] {
        for (int i = 0; !server_gone.load(); ++i) {
          // Distinct times so that each appointment is recognisable.
          const int minute = (w * 1000 + i) % (60 * 24 * 365);
          const std::string starts_at =
              FormatIso8601(1'900'000'000'000LL + std::int64_t{minute} * 60'000 * 60);
          HttpReply reply = therapist.Post(
              target, {{"starts_at", starts_at}, {"duration_minutes", 50}, {"modality", "video"}});
          if (reply.status == 201) {
            std::lock_guard lock(mutex);
            acknowledged.insert(reply.json()["id"].get<std::int64_t>());
            ++answered;
          } else if (reply.status == 0) {
            return;  // the server is gone
          } else {
            ++failed_otherwise;
          }
        }
      });
    }
    while (answered.load() < 300) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_EQ(server.Kill(SIGKILL), -SIGKILL);
    server_gone = true;
    for (auto& t : writers) t.join();
    EXPECT_EQ(failed_otherwise.load(), 0);
  }

  ServeProcess restarted(db);
  ASSERT_NE(restarted.port(), 0);
  Browser therapist(restarted.port());
  ASSERT_EQ(therapist.Login("therapist@demo.rapport", kDemoPassword).status, 200u);
  HttpReply list =
      therapist.Get("/api/v1/episodes/" + std::to_string(episode_id) + "/appointments");
  ASSERT_EQ(list.status, 200u);
  std::set<std::int64_t> present;
  for (const Json& a : list.json()) present.insert(a["id"].get<std::int64_t>());
  std::size_t missing = 0;
  for (std::int64_t id : acknowledged) missing += present.count(id) == 0 ? 1 : 0;
  EXPECT_EQ(missing, 0u) << "of " << acknowledged.size() << " acknowledged writes";
  EXPECT_GE(acknowledged.size(), 300u);
  // A graceful stop this time.
  EXPECT_EQ(restarted.Kill(SIGTERM), 0);

  EXPECT_EQ(RunRapport({"audit", "verify", "--db", db}, kDemoPassword), 0);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace rapport::testing
