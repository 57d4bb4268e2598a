// The outbox end to end with the real `rapport` binary and a real SMTP server on loopback: the
// server is killed with SIGKILL after a risk answer was committed and before its mail went out;
// restarted, it sends every notification exactly once.

#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "core/crypto.h"
#include "domain/test_instruments.h"
#include "http_client.h"
#include "notify/smtp_sink.h"
#include "rapport_process.h"
#include "service/service_test_world.h"

namespace rapport::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDemoPassword = "notification test password";

// A loopback port nothing listens on: a relay that refuses every connection.
std::uint16_t RefusingPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

// Jordan's (client@demo.rapport) active episode, as their therapist sees it.
std::int64_t JordansEpisode(Browser& therapist) {
  for (const Json& client : therapist.Get("/api/v1/clients").json()) {
    const Json detail =
        therapist.Get("/api/v1/clients/" + std::to_string(client["id"].get<std::int64_t>())).json();
    if (detail["email"] != "client@demo.rapport") continue;
    for (const Json& episode : detail["episodes"]) {
      if (episode["status"] != "ended") return episode["id"].get<std::int64_t>();
    }
  }
  return 0;
}

// Mails to `address` about alert `alert_id` (the submission may raise other alerts too, each with
// its own mail). Quoted-printable soft line breaks are joined before looking for the link.
std::size_t MailsAbout(const SmtpSink& sink, const std::string& address, std::int64_t alert_id) {
  const std::string link = "/alerts/" + std::to_string(alert_id) + "\r\n";
  std::size_t n = 0;
  for (const ReceivedMail& m : sink.Messages()) {
    std::string text = m.data;
    for (std::size_t at; (at = text.find("=\r\n")) != std::string::npos;) text.erase(at, 3);
    const bool about = text.find(link) != std::string::npos;
    for (const std::string& to : m.rcpt_tos) n += to == address && about ? 1 : 0;
  }
  return n;
}

TEST(NotificationDurability, AMailQueuedBeforeASigkillIsSentExactlyOnceAfterTheRestart) {
  if (rapport::testing::TestEngine() != nullptr) {
    GTEST_SKIP() << "drives `rapport serve` on an SQLite file";
  }
  ASSERT_TRUE(InitCrypto().has_value());
  const fs::path dir = fs::temp_directory_path() / ("rapport-outbox-" + RandomHex(6));
  fs::create_directories(dir);
  const std::string db = (dir / "rapport.db").string();
  ASSERT_EQ(RunRapport({"demo", "--db", db}, kDemoPassword), 0);

  std::int64_t alert_id = 0;
  {
    // The relay refuses: the alert's mail is committed but cannot have gone out.
    ServeProcess server(db, {"--smtp-url", "smtp://127.0.0.1:" + std::to_string(RefusingPort())});
    ASSERT_NE(server.port(), 0);
    Browser therapist(server.port());
    ASSERT_EQ(therapist.Login("therapist@demo.rapport", kDemoPassword).status, 200u);
    const std::int64_t episode = JordansEpisode(therapist);
    ASSERT_NE(episode, 0);
    Browser client(server.port());
    ASSERT_EQ(client.Login("client@demo.rapport", kDemoPassword).status, 200u);
    HttpReply submitted = client.Post("/api/v1/episodes/" + std::to_string(episode) + "/responses",
                                      {{"instrument", "PHQ-9"},
                                       {"respondent", "client"},
                                       {"answers", testing_support::Phq9(1, 2)}});
    ASSERT_EQ(submitted.status, 201u) << submitted.body;
    EXPECT_EQ(server.Kill(SIGKILL), -SIGKILL);
  }

  auto sink = SmtpSink::Start();
  ASSERT_TRUE(sink.has_value()) << sink.error().message;
  ServeProcess restarted(db, {"--smtp-url", (*sink)->Url()});
  ASSERT_NE(restarted.port(), 0);
  Browser therapist(restarted.port());
  ASSERT_EQ(therapist.Login("therapist@demo.rapport", kDemoPassword).status, 200u);
  for (const Json& a : therapist.Get("/api/v1/alerts?state=open").json()) {
    if (a["kind"] == "risk" && a["client_name"] == "Jordan") {
      alert_id = a["id"].get<std::int64_t>();
      break;
    }
  }
  ASSERT_NE(alert_id, 0) << "the alert survived the kill";

  // The killed server may have claimed the mail (a 30 s lease) or failed once (a retry 5 s
  // later): allow a generous minute for it to arrive and for every delivery to settle.
  const std::string target = "/api/v1/alerts/" + std::to_string(alert_id);
  bool settled = false;
  for (int i = 0; i < 600 && !settled; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const Json detail = therapist.Get(target).json();
    settled = MailsAbout(**sink, "therapist@demo.rapport", alert_id) > 0;
    for (const Json& d : detail["deliveries"]) {
      if (d["state"] == "pending" || d["state"] == "sending") settled = false;
    }
  }
  ASSERT_TRUE(settled) << therapist.Get(target).body;
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // a second mail would be late
  EXPECT_EQ(MailsAbout(**sink, "therapist@demo.rapport", alert_id), 1u);
  std::map<std::string, int> per_recipient_and_channel;
  const Json deliveries = therapist.Get(target).json()["deliveries"];
  for (const Json& d : deliveries) {
    const std::string key = d["recipient_name"].dump() + "/" + d["channel"].get<std::string>() +
                            "/" + std::to_string(d["step"].get<int>());
    ++per_recipient_and_channel[key];
    if (d["channel"] == "email") {
      EXPECT_EQ(d["state"], "sent");
    }
  }
  for (const auto& [key, count] : per_recipient_and_channel) EXPECT_EQ(count, 1) << key;
  EXPECT_EQ(restarted.Kill(SIGTERM), 0);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace rapport::testing
