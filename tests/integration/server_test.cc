// The server's own guarantees over real sockets: health, static files, security headers,
// limits, timeouts, logging and graceful stop.

#include <fmt/format.h>
#include <sqlite3.h>

#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "core/crypto.h"
#include "core/wait_test_support.h"
#include "http_fixture.h"

namespace rapport::testing {
namespace {

namespace fs = std::filesystem;

TEST_F(HttpTest, HealthzIsAlwaysOk) {
  StartServer();
  HttpReply reply = Send(port_, "GET", "/healthz");
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.json(), (Json{{"status", "ok"}}));
}

TEST_F(HttpTest, ReadyzAnswersWhenTheDatabaseDoes) {
  StartServer();
  HttpReply reply = Send(port_, "GET", "/readyz");
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.json()["status"], "ready");
}

TEST_F(HttpTest, ReadyzIsUnavailableWhileTheDatabaseCannotBeWritten) {
  if (TestEngine() != nullptr) GTEST_SKIP() << "holds SQLite's write lock on the test's file";
  StartServer();
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open_v2(world_.db.path().c_str(), &other, SQLITE_OPEN_READWRITE, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  HttpReply locked = Send(port_, "GET", "/readyz");
  EXPECT_EQ(locked.status, 503u) << "reads still work, writes do not";
  ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  EXPECT_EQ(Send(port_, "GET", "/readyz").status, 200u);
}

TEST(RapportServe, HelpListsEveryOptionAndTouchesNoDatabase) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("rapport-help-" + RandomHex(6));
  std::filesystem::create_directories(dir);
  const std::string db = (dir / "never.db").string();
  const std::string command = std::string(RAPPORT_BINARY) + " serve --db " + db + " --help";
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string help;
  char chunk[512];
  while (const std::size_t n = std::fread(chunk, 1, sizeof chunk, pipe)) help.append(chunk, n);
  const int status = ::pclose(pipe);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  for (const char* option : {"--db", "--listen", "--web", "--instruments-dir", "--trust-proxy",
                             "--smtp-url", "--mail-from", "--base-url", "--test-clock"}) {
    EXPECT_NE(help.find(option), std::string::npos) << option << " missing from:\n" << help;
  }
  EXPECT_FALSE(std::filesystem::exists(db)) << "asking for help created a database";
  std::filesystem::remove_all(dir);
}

TEST(HttpServer, ReadyzIsUnavailableWithoutADatabase) {
  ServerOptions options;
  options.port = 0;
  options.log_sink = [](std::string_view) {};
  Server server(options, ApiServices{});
  auto port = server.Start();
  ASSERT_TRUE(port.has_value());
  EXPECT_EQ(Send(*port, "GET", "/readyz").status, 503u);
  EXPECT_EQ(Send(*port, "GET", "/healthz").status, 200u);
  server.Stop();
}

TEST_F(HttpTest, EveryResponseCarriesTheSecurityHeaders) {
  StartServer();
  for (const char* target : {"/healthz", "/api/v1/me", "/api/v1/nope", "/anything"}) {
    HttpReply reply = Send(port_, "GET", target);
    EXPECT_EQ(reply.Header("content-security-policy").find("default-src 'self'"), 0u) << target;
    EXPECT_EQ(reply.Header("x-content-type-options"), "nosniff") << target;
    EXPECT_EQ(reply.Header("referrer-policy"), "no-referrer") << target;
    EXPECT_EQ(reply.Header("x-frame-options"), "DENY") << target;
    EXPECT_FALSE(reply.Header("x-request-id").empty()) << target;
  }
  EXPECT_EQ(Send(port_, "GET", "/api/v1/me").Header("cache-control"), "no-store");
}

TEST_F(HttpTest, UnknownApiRouteIsAProblemNotTheApp) {
  StartServer();
  HttpReply reply = Send(port_, "GET", "/api/v1/no-such-thing");
  EXPECT_EQ(reply.status, 404u);
  EXPECT_EQ(reply.Header("content-type"), "application/problem+json");
  EXPECT_EQ(reply.json()["status"], 404);
}

TEST_F(HttpTest, WrongMethodIs405WithAllow) {
  StartServer();
  HttpReply reply = Send(port_, "DELETE", "/api/v1/clients");
  EXPECT_EQ(reply.status, 405u);
  EXPECT_EQ(reply.Header("allow"), "GET, POST");
  EXPECT_EQ(reply.Header("content-type"), "application/problem+json");
}

class StaticHttpTest : public HttpTest {
 protected:
  void SetUp() override {
    HttpTest::SetUp();
    base_ = fs::temp_directory_path() / ("rapport-web-" + RandomHex(6));
    fs::create_directories(base_ / "dist" / "assets");
    std::ofstream(base_ / "dist" / "index.html") << "<!doctype html><title>Rapport</title>";
    std::ofstream(base_ / "dist" / "assets" / "index-a1b2c3.js") << "export{}";
    std::ofstream(base_ / "secret.txt") << "outside the web root";
    options_.web_root = base_ / "dist";
    StartServer();
  }
  void TearDown() override {
    HttpTest::TearDown();
    fs::remove_all(base_);
  }
  fs::path base_;
};

TEST_F(StaticHttpTest, ServesTheAppWithTypesAndCaching) {
  HttpReply index = Send(port_, "GET", "/");
  EXPECT_EQ(index.status, 200u);
  EXPECT_EQ(index.Header("content-type"), "text/html; charset=utf-8");
  HttpReply asset = Send(port_, "GET", "/assets/index-a1b2c3.js");
  EXPECT_EQ(asset.status, 200u);
  EXPECT_EQ(asset.Header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(asset.Header("cache-control"), "public, max-age=31536000, immutable");
}

TEST_F(StaticHttpTest, ABrowserThatAcceptsGzipGetsTheBuiltFileAndRevalidatesItWithoutABody) {
  std::ofstream(base_ / "dist" / "assets" / "index-a1b2c3.js.gz", std::ios::binary) << "GZ BYTES";
  const HttpReply packed =
      Send(port_, "GET", "/assets/index-a1b2c3.js", {}, {{"Accept-Encoding", "gzip, deflate"}});
  EXPECT_EQ(packed.status, 200u);
  EXPECT_EQ(packed.body, "GZ BYTES");
  EXPECT_EQ(packed.Header("content-encoding"), "gzip");
  EXPECT_EQ(packed.Header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(packed.Header("vary"), "Accept-Encoding");
  const std::string etag(packed.Header("etag"));
  ASSERT_FALSE(etag.empty());

  const RawReply again = SendRaw(port_,
                                 "GET /assets/index-a1b2c3.js HTTP/1.1\r\nHost: x\r\n"
                                 "Accept-Encoding: gzip\r\nIf-None-Match: " +
                                     etag + "\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(again.data.rfind("HTTP/1.1 304", 0), 0u) << again.data;
  EXPECT_EQ(again.data.substr(again.data.find("\r\n\r\n") + 4), "") << "no body after a 304";
  EXPECT_NE(again.data.find("ETag: " + etag), std::string::npos) << again.data;

  const HttpReply plain = Send(port_, "GET", "/assets/index-a1b2c3.js");
  EXPECT_EQ(plain.body, "export{}");
  EXPECT_EQ(plain.Header("content-encoding"), "");
}

TEST_F(StaticHttpTest, UnknownAppPathsGetIndexHtml) {
  HttpReply reply = Send(port_, "GET", "/clients/3?tab=plan");
  EXPECT_EQ(reply.status, 200u);
  EXPECT_NE(reply.body.find("<title>Rapport</title>"), std::string::npos);
}

TEST_F(StaticHttpTest, HeadSendsHeadersWithoutBody) {
  RawReply raw = SendRaw(port_, "HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(raw.data.rfind("HTTP/1.1 200", 0), 0u) << raw.data;
  EXPECT_EQ(raw.data.find("<title>"), std::string::npos);
}

TEST_F(StaticHttpTest, NoDirectoryTraversal) {
  for (const char* target :
       {"/../secret.txt", "/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt",
        "/%2e%2e%2fsecret.txt", "/assets/%2e%2e/%2e%2e/secret.txt", "/..%5csecret.txt"}) {
    RawReply raw = SendRaw(
        port_, std::string("GET ") + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(raw.data.find("outside the web root"), std::string::npos) << target;
    EXPECT_EQ(raw.data.rfind("HTTP/1.1 ", 0), 0u) << target;
  }
}

TEST_F(HttpTest, OversizeBodyIs413) {
  StartServer();
  std::string big(options_.body_limit + 1, 'x');
  HttpReply reply =
      Send(port_, "POST", "/api/v1/auth/login", big, {{"Content-Type", "application/json"}});
  EXPECT_EQ(reply.status, 413u);
  EXPECT_EQ(reply.Header("content-type"), "application/problem+json");
}

TEST_F(HttpTest, OversizeChunkedBodyIs413) {
  options_.body_limit = 1024;
  StartServer();
  std::string chunk(800, 'x');
  std::string raw =
      "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 2; ++i) raw += "320\r\n" + chunk + "\r\n";
  raw += "0\r\n\r\n";
  RawReply reply = SendRaw(port_, raw);
  EXPECT_EQ(reply.data.rfind("HTTP/1.1 413", 0), 0u) << reply.data.substr(0, 80);
}

TEST_F(HttpTest, HeaderTooLargeIs431) {
  StartServer();
  std::string raw = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: " +
                    std::string(options_.header_limit + 10, 'a') + "\r\n\r\n";
  RawReply reply = SendRaw(port_, raw);
  EXPECT_EQ(reply.data.rfind("HTTP/1.1 431", 0), 0u) << reply.data.substr(0, 80);
  EXPECT_TRUE(reply.closed_by_server);
}

// RFC 9112 §6.1 and §6.3: a body framed any way but one plain "chunked", or by both chunking and
// a length, could be read differently by a proxy in front; it is refused and the connection
// closed, before any route runs.
TEST_F(HttpTest, AnyTransferEncodingButExactlyChunkedIs400AndClosesTheConnection) {
  StartServer();
  const std::string body = R"({"email":"t1@a.test","password":"x"})";
  const std::string length = std::to_string(body.size());
  for (const std::string& framing : std::vector<std::string>{
           "Transfer-Encoding: xchunked\r\nContent-Length: " + length,
           "Transfer-Encoding: chunked, identity\r\nContent-Length: " + length,
           "Transfer-Encoding: chunked\r\nContent-Length: " + length,
           "Transfer-Encoding: identity\r\nContent-Length: " + length,
           std::string("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked"),
       }) {
    RawReply reply = SendRaw(port_,
                             "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n"
                             "Content-Type: application/json\r\n" +
                                 framing + "\r\n\r\n" + body);
    EXPECT_EQ(reply.data.rfind("HTTP/1.1 400", 0), 0u) << framing << ": " << reply.data;
    EXPECT_TRUE(reply.closed_by_server) << framing;
  }
  // Plain chunking still works.
  RawReply chunked =
      SendRaw(port_,
              "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
              "Content-Type: application/json\r\nTransfer-Encoding: Chunked\r\n\r\n" +
                  fmt::format("{:x}\r\n{}\r\n0\r\n\r\n", body.size(), body));
  EXPECT_EQ(chunked.data.rfind("HTTP/1.1 401", 0), 0u) << chunked.data.substr(0, 200);
}

TEST_F(HttpTest, GarbageIs400) {
  StartServer();
  RawReply reply = SendRaw(port_, "HELLO THERE\r\n\r\n");
  EXPECT_EQ(reply.data.rfind("HTTP/1.1 400", 0), 0u) << reply.data.substr(0, 80);
}

TEST_F(HttpTest, SlowRequestIsCutOffWithoutAnAnswer) {
  options_.request_timeout = std::chrono::milliseconds(200);
  StartServer();
  // Promises a body and never sends it. The client's own timeout (20 s) is far longer than the
  // server's, so a close seen here was the server's doing.
  RawReply reply = SendRaw(port_,
                           "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n"
                           "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{");
  EXPECT_TRUE(reply.closed_by_server);
  EXPECT_TRUE(reply.data.empty()) << reply.data;
}

TEST_F(HttpTest, SilentConnectionIsCutOff) {
  options_.request_timeout = std::chrono::milliseconds(200);
  StartServer();
  RawReply reply = SendRaw(port_, "");
  EXPECT_TRUE(reply.closed_by_server);
}

TEST_F(HttpTest, BeyondTheConnectionCapANewConnectionIsClosedAndTheOthersAreStillServed) {
  options_.max_connections = 2;
  StartServer();
  asio::io_context ioc;
  std::vector<asio::ip::tcp::socket> held;
  for (int i = 0; i < 2; ++i) {
    held.emplace_back(ioc);
    held.back().connect({asio::ip::make_address("127.0.0.1"), port_});
    SetReceiveTimeout(held.back(), std::chrono::seconds(20));
    // One answered request each, so both are surely accepted before the third comes.
    asio::write(held.back(), asio::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")));
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> response;
    bhttp::read(held.back(), buffer, response);
    ASSERT_EQ(response.result_int(), 200u);
  }
  RawReply refused = SendRaw(port_, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(refused.closed_by_server);
  EXPECT_EQ(refused.data.find("HTTP/1.1 200"), std::string::npos);
  EXPECT_EQ(server_->refused_connections(), 1);

  // The held connections still work, and once one goes, a newcomer is served again.
  asio::write(
      held[0],
      asio::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")));
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> response;
  bhttp::read(held[0], buffer, response);
  EXPECT_EQ(response.result_int(), 200u);
  held[0].close();
  std::uint32_t status = 0;
  for (int attempt = 0; attempt < 1000 && status != 200u; ++attempt) {
    status = Send(port_, "GET", "/healthz").status;
    if (status != 200u) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(status, 200u);
}

TEST_F(HttpTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  StartServer();
  RawReply reply = SendRaw(port_,
                           "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                           "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::size_t first = reply.data.find("HTTP/1.1 200");
  ASSERT_NE(first, std::string::npos);
  EXPECT_NE(reply.data.find("HTTP/1.1 200", first + 1), std::string::npos);
}

TEST_F(HttpTest, LogsOneJsonLinePerRequestWithoutPersonalData) {
  StartServer();
  Browser therapist = SignedIn("t1@a.test");
  therapist.Get("/api/v1/clients/" + std::to_string(world_.c1) + "?secret=query");
  Send(port_, "GET", "/api/v1/invitations/SECRETTOKEN123");
  server_->Stop();  // every log line is written before the connection ends
  std::vector<std::string> lines = LogLines();
  ASSERT_EQ(lines.size(), 3u);
  for (const std::string& line : lines) {
    EXPECT_EQ(line.find("t1@a.test"), std::string::npos) << line;
    EXPECT_EQ(line.find("Cleo"), std::string::npos) << line;
    EXPECT_EQ(line.find("secret=query"), std::string::npos) << line;
    EXPECT_EQ(line.find("SECRETTOKEN123"), std::string::npos) << line;
    EXPECT_EQ(line.find(kPassword), std::string::npos) << line;
  }
  auto login = ParseJson(lines[0]);
  ASSERT_TRUE(login.has_value()) << lines[0];
  EXPECT_EQ((*login)["method"], "POST");
  EXPECT_EQ((*login)["route"], "/api/v1/auth/login");
  EXPECT_EQ((*login)["status"], 200);
  for (const char* key : {"time", "duration_ms", "bytes", "request_id"}) {
    EXPECT_TRUE(login->contains(key)) << key;
  }
  EXPECT_EQ((*ParseJson(lines[1]))["route"], "/api/v1/clients/{id}");
  EXPECT_EQ((*ParseJson(lines[2]))["route"], "/api/v1/invitations/{token}");
}

TEST_F(HttpTest, StopClosesIdleKeepAliveConnectionsAndReturns) {
  StartServer();
  asio::io_context ioc;
  asio::ip::tcp::socket idle(ioc);
  idle.connect({asio::ip::make_address("127.0.0.1"), port_});
  SetReceiveTimeout(idle, std::chrono::seconds(20));
  std::string request = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  asio::write(idle, asio::buffer(request));
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> response;
  bhttp::read(idle, buffer, response);
  EXPECT_EQ(response.result_int(), 200u);
  EXPECT_TRUE(response.keep_alive());
  server_->Stop();
  char byte;
  beast::error_code ec;
  idle.read_some(asio::buffer(&byte, 1), ec);
  EXPECT_EQ(ec, asio::error::eof);
  EXPECT_EQ(Send(port_, "GET", "/healthz").status, 0u);  // no longer accepting
}

TEST_F(HttpTest, StopLetsARequestInFlightFinish) {
  // A grace period far longer than the test, so that only Stop() waiting for the request, and
  // not the grace running out, can decide how the request ends.
  options_.shutdown_grace = std::chrono::minutes(5);
  StartServer();
  Browser therapist = SignedIn("t1@a.test");
  const auto before = world_.store->ListAppointmentsOfEpisode(world_.e_c1);
  ASSERT_TRUE(before.has_value());

  // Holding the store's single writer keeps any request that writes inside its handler, blocked
  // in Store::Write(), until it is released: a request in flight for as long as the test needs.
  std::promise<void> holding;
  std::promise<void> release;
  const std::shared_future<void> released = release.get_future().share();
  Status held;
  std::thread holder([&] {
    held = world_.store->Write([&](WriteTxn&) -> Status {
      holding.set_value();
      released.wait();
      return Ok();
    });
  });
  holding.get_future().wait();

  HttpReply reply;
  std::thread client([&] {
    reply = therapist.Post(
        "/api/v1/episodes/" + std::to_string(world_.e_c1) + "/appointments",
        {{"starts_at", "2026-07-01T10:00:00Z"}, {"duration_minutes", 50}, {"modality", "video"}});
  });
  // Nothing else writes: a queued write is the request's handler at work.
  const bool in_flight = WaitUntil([&] { return world_.store->write_stats().queued > 0; });

  std::atomic<bool> stop_returned{false};
  std::thread stopper;
  bool stopping = false;
  bool returned_while_held = false;
  if (in_flight) {
    stopper = std::thread([&] {
      server_->Stop();
      stop_returned = true;
    });
    // Stop() is under way once a new connection is no longer answered.
    stopping = WaitUntil([&] { return Send(port_, "GET", "/healthz").status == 0; });
    returned_while_held = stop_returned.load();
  }
  release.set_value();
  holder.join();
  client.join();
  if (stopper.joinable()) stopper.join();

  ASSERT_TRUE(in_flight) << "the request never reached its handler";
  ASSERT_TRUE(stopping) << "Stop() went on accepting connections";
  EXPECT_TRUE(held.has_value()) << held.error().message;
  EXPECT_FALSE(returned_while_held) << "Stop() returned while a request was being handled";
  EXPECT_TRUE(stop_returned.load());
  // Answered in full: the whole body arrived (the client reads to Content-Length) and parses.
  EXPECT_EQ(reply.status, 201u) << reply.body;
  EXPECT_TRUE(reply.json().contains("id")) << reply.body;
  const auto after = world_.store->ListAppointmentsOfEpisode(world_.e_c1);
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->size(), before->size() + 1);
}

TEST_F(HttpTest, RequestsRacingStopAreAnsweredInFullOrRefused) {
  StartServer();
  Browser therapist = SignedIn("t1@a.test");
  // Many writes racing Stop(): each is either answered in full or never started (connection
  // refused); none is answered with a broken response.
  std::vector<std::thread> writers;
  std::atomic<int> answered{0}, refused{0}, broken{0};
  for (int i = 0; i < 8; ++i) {
    writers.emplace_back([&, i] {
      HttpReply reply =
          therapist.Post("/api/v1/episodes/" + std::to_string(world_.e_c1) + "/appointments",
                         {{"starts_at", "2026-07-0" + std::to_string(1 + i) + "T10:00:00Z"},
                          {"duration_minutes", 50},
                          {"modality", "video"}});
      if (reply.status == 201) {
        ++answered;
      } else if (reply.status == 0) {
        ++refused;
      } else {
        ++broken;
      }
    });
  }
  server_->Stop();
  for (auto& t : writers) t.join();
  EXPECT_EQ(broken.load(), 0);
  auto stored = world_.store->ListAppointmentsOfEpisode(world_.e_c1);
  ASSERT_TRUE(stored.has_value());
  // Every answered write is stored (the one seeded appointment plus at least those).
  EXPECT_GE(static_cast<int>(stored->size()), 1 + answered.load());
}

}  // namespace
}  // namespace rapport::testing
