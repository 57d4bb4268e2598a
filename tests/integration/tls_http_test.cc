// Native TLS over real sockets: sign-in and its cookie, the security headers and HSTS, the live
// and room WebSockets over wss, the protocol limits (no TLS 1.1, TLS 1.2 only with ECDHE and
// AEAD, ALPN http/1.1, no session tickets), plain HTTP and silence at the TLS port, and a
// certificate replaced while the server runs. A real server on port 0 with a certificate made
// for the test; the clients verify it as their only authority.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>
#include <vector>

#include "http/tls_context.h"
#include "http_fixture.h"
#include "tls_certificate.h"
#include "tls_client.h"

namespace rapport::testing {
namespace {

constexpr const char* kHsts = "max-age=63072000; includeSubDomains";

// Every line of a Set-Cookie header (repeats are joined by "\n").
std::vector<std::string> Cookies(const HttpReply& reply) {
  std::vector<std::string> out;
  const std::string all = reply.Header("set-cookie");
  std::size_t at = 0;
  while (at < all.size()) {
    const std::size_t end = std::min(all.find('\n', at), all.size());
    out.push_back(all.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

// Connects, writes `bytes` and reads until the server closes the connection. `closed` stays
// false when the server still held it open after `patience`: a bail-out so that such a server
// fails the test instead of stalling it, not a measured time.
struct UntilClosed {
  bool closed = false;
  std::string data;
};
UntilClosed SendUntilClosed(std::uint16_t port, const std::string& bytes,
                            std::chrono::seconds patience = std::chrono::seconds(30)) {
  UntilClosed out;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
      ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(bytes.size())) {
    ADD_FAILURE() << "cannot reach the server";
    if (fd >= 0) ::close(fd);
    return out;
  }
  const auto give_up = std::chrono::steady_clock::now() + patience;
  while (std::chrono::steady_clock::now() < give_up) {
    pollfd ready{fd, POLLIN, 0};
    if (::poll(&ready, 1, 100) != 1) continue;
    char chunk[4096];
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) {
      out.closed = n == 0 || errno == ECONNRESET;
      break;
    }
    out.data.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

void ExpectSecurityHeaders(const HttpReply& reply, const std::string& what) {
  const std::string csp = reply.Header("content-security-policy");
  EXPECT_EQ(csp.find("default-src 'self'"), 0u) << what;
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << what;
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << what;
  EXPECT_EQ(csp.find("unsafe-eval"), std::string::npos) << what;
  EXPECT_EQ(reply.Header("x-content-type-options"), "nosniff") << what;
  EXPECT_EQ(reply.Header("referrer-policy"), "no-referrer") << what;
  EXPECT_EQ(reply.Header("x-frame-options"), "DENY") << what;
}

class TlsHttpTest : public HttpTest {
 protected:
  void SetUp() override {
    HttpTest::SetUp();
    certificate_ = files_.Make("server");
    auto tls = LoadTlsContext({certificate_.certificate, certificate_.key});
    ASSERT_TRUE(tls.has_value()) << tls.error().message;
    options_.tls = *tls;
    client_ = TrustingOnly(certificate_.certificate_pem);
  }

  TlsBrowser SignedInOverTls(const std::string& email) {
    TlsBrowser browser(client_, port_);
    const HttpReply reply = browser.Login(email, std::string(kPassword));
    EXPECT_EQ(reply.status, 200u) << email << ": " << reply.body;
    return browser;
  }

  // A client context that offers only what `limit` allows, trusting the test certificate.
  template <typename Limit>
  std::shared_ptr<ssl::context> ClientWith(Limit limit) {
    auto context = TrustingOnly(certificate_.certificate_pem);
    limit(context->native_handle());
    return context;
  }

  TlsTestFiles files_;
  TestCertificate certificate_;
  std::shared_ptr<ssl::context> client_;
};

TEST_F(TlsHttpTest, SignInOverTlsSetsSecureHttpOnlyStrictCookiesAndTheSessionWorks) {
  StartServer();
  TlsBrowser tara(client_, port_);
  const HttpReply reply = tara.Login("t1@a.test", std::string(kPassword));
  ASSERT_EQ(reply.status, 200u) << reply.body;
  const std::vector<std::string> cookies = Cookies(reply);
  ASSERT_EQ(cookies.size(), 2u) << "the session and the device";
  EXPECT_EQ(cookies[0].rfind("rapport_session=", 0), 0u);
  for (const std::string& cookie : cookies) {
    EXPECT_NE(cookie.find("; HttpOnly"), std::string::npos) << cookie;
    EXPECT_NE(cookie.find("; SameSite=Strict"), std::string::npos) << cookie;
    EXPECT_NE(cookie.find("; Path=/"), std::string::npos) << cookie;
    EXPECT_NE(cookie.find("; Secure"), std::string::npos) << cookie;
  }
  EXPECT_EQ(reply.Header("strict-transport-security"), kHsts);
  EXPECT_EQ(reply.Header("cache-control"), "no-store");

  const HttpReply me = tara.Get("/api/v1/me");
  ASSERT_EQ(me.status, 200u) << me.body;
  EXPECT_EQ(me.json()["user"]["email"], "t1@a.test");
  // The server's own absolute links say https.
  const HttpReply bundle = tara.Get("/fhir/Questionnaire");
  ASSERT_EQ(bundle.status, 200u) << bundle.body;
  EXPECT_EQ(bundle.json()["link"][0]["url"].get<std::string>().rfind(
                "https://127.0.0.1:" + std::to_string(port_) + "/fhir/Questionnaire", 0),
            0u)
      << bundle.body.substr(0, 300);
  // A write with the CSRF token: signing out clears the cookie, Secure as it was set.
  const HttpReply out = tara.Post("/api/v1/auth/logout", Json::object());
  EXPECT_EQ(out.status, 204u) << out.body;
  EXPECT_NE(out.Header("set-cookie").find("; Secure"), std::string::npos);
  EXPECT_EQ(tara.Get("/api/v1/me").status, 401u);
}

TEST_F(TlsHttpTest, EveryAnswerOverTlsCarriesHstsAndTheSecurityHeadersAndApiAnswersNoStore) {
  StartServer();
  struct Probe {
    std::string method;
    std::string target;
    unsigned status;
  };
  for (const Probe& probe : std::vector<Probe>{{"GET", "/healthz", 200},
                                               {"GET", "/api/v1/me", 401},
                                               {"GET", "/api/v1/no-such-thing", 404},
                                               {"DELETE", "/api/v1/clients", 405},
                                               {"GET", "/fhir/metadata", 200},
                                               {"GET", "/fhir/Patient/1", 401},
                                               {"GET", "/some/page/of/the/app", 404}}) {
    const std::string what = probe.method + " " + probe.target;
    const HttpReply reply = SendTls(*client_, port_, probe.method, probe.target);
    EXPECT_EQ(reply.status, probe.status) << what << ": " << reply.body;
    ExpectSecurityHeaders(reply, what);
    EXPECT_EQ(reply.Header("strict-transport-security"), kHsts) << what;
    if (probe.target.starts_with("/api/") || probe.target.starts_with("/fhir/")) {
      EXPECT_EQ(reply.Header("cache-control"), "no-store") << what;
    }
  }
  // A request the server cannot read is answered (400) with them too.
  TlsConnection connection(*client_, port_);
  ASSERT_TRUE(connection.ok()) << connection.error().message();
  const std::string answer = connection.SendRaw("NOT HTTP AT ALL\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
  EXPECT_NE(answer.find("Strict-Transport-Security: max-age=63072000; includeSubDomains\r\n"),
            std::string::npos)
      << answer;
  EXPECT_NE(answer.find("Cache-Control: no-store\r\n"), std::string::npos) << answer;
}

TEST_F(HttpTest, HstsOnlyWhenTheRequestCameOverTls) {
  options_.trust_proxy_headers = true;
  StartServer();
  EXPECT_EQ(Send(port_, "GET", "/healthz").Header("strict-transport-security"), "");
  EXPECT_EQ(Send(port_, "GET", "/api/v1/me", "", {{"X-Forwarded-Proto", "http"}})
                .Header("strict-transport-security"),
            "");
  // The trusted proxy says the browser came over https.
  const HttpReply proxied = Send(port_, "GET", "/api/v1/me", "", {{"X-Forwarded-Proto", "https"}});
  EXPECT_EQ(proxied.Header("strict-transport-security"), kHsts);
  ExpectSecurityHeaders(proxied, "through the proxy");
  EXPECT_EQ(proxied.Header("cache-control"), "no-store");
}

TEST_F(HttpTest, ForwardedHttpsBringsNoHstsWithoutTrust) {
  StartServer();
  const HttpReply reply = Send(port_, "GET", "/api/v1/me", "", {{"X-Forwarded-Proto", "https"}});
  EXPECT_EQ(reply.status, 401u);
  EXPECT_EQ(reply.Header("strict-transport-security"), "");
  ExpectSecurityHeaders(reply, "plain HTTP");
}

TEST_F(HttpTest, ACertificateCannotBeSwappedIntoAPlainServer) {
  StartServer();
  TlsTestFiles files;
  const TestCertificate certificate = files.Make("server");
  auto tls = LoadTlsContext({certificate.certificate, certificate.key});
  ASSERT_TRUE(tls.has_value()) << tls.error().message;
  const Status replaced = server_->ReplaceTls(*tls);
  ASSERT_FALSE(replaced.has_value());
  EXPECT_EQ(replaced.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(Send(port_, "GET", "/healthz").status, 200u) << "still plain HTTP";
}

TEST_F(TlsHttpTest, TheLiveSocketWorksOverWssUntilSignOut) {
  StartServer();
  TlsBrowser tara = SignedInOverTls("t1@a.test");
  TlsSocket page(tara, "/api/v1/live");
  ASSERT_TRUE(page.open()) << page.error().message();
  EXPECT_EQ(page.response().result_int(), 101u);
  EXPECT_EQ(page.response()["Strict-Transport-Security"], kHsts);
  page.Send(Json{{"type", "hello"}, {"csrf", tara.csrf()}}.dump());
  EXPECT_FALSE(page.NextOf("ready").is_null());

  EXPECT_EQ(server_->live().Publish(world_.t1, R"({"type":"alert","alert_id":7})"), 1);
  const Json event = page.NextOf("alert");
  ASSERT_FALSE(event.is_null());
  EXPECT_EQ(event["alert_id"], 7);

  // Signing out closes the session's live page at once.
  EXPECT_EQ(tara.Post("/api/v1/auth/logout", Json::object()).status, 204u);
  EXPECT_EQ(page.Next(), "");
  EXPECT_TRUE(page.ended_by_server()) << page.error().message();
}

TEST_F(TlsHttpTest, ASessionRoomWorksOverWssAndClosesCleanlyWhenTheTherapistEndsIt) {
  auto appointment = world_.store->GetAppointment(world_.a_c1);
  ASSERT_TRUE(appointment.has_value());
  appointment->modality = Modality::kVideo;
  ASSERT_TRUE(
      world_.store->Write([&](WriteTxn& txn) { return txn.UpdateAppointment(*appointment); })
          .has_value());
  world_.clock.Set(appointment->starts_at - 5 * 60 * 1000);
  StartServer();

  TlsBrowser tara = SignedInOverTls("t1@a.test");
  TlsBrowser cleo = SignedInOverTls("c1@a.test");
  TlsRoomPage therapist(tara, world_.a_c1);
  ASSERT_TRUE(therapist.open()) << therapist.error().message();
  EXPECT_EQ(therapist.Hello()["you"]["presence"], "admitted");
  TlsRoomPage client(cleo, world_.a_c1);
  ASSERT_TRUE(client.open()) << client.error().message();
  EXPECT_EQ(client.Hello()["you"]["presence"], "waiting");

  therapist.Say({{"type", "admit"}, {"user", world_.c1}});
  EXPECT_FALSE(client.NextOf("admitted").is_null());
  client.Say({{"type", "chat"}, {"text", "Can you hear me?"}});
  EXPECT_EQ(therapist.NextOf("chat")["text"], "Can you hear me?");

  therapist.Say({{"type", "end"}});
  EXPECT_FALSE(client.NextOf("ended").is_null());
  // The server closes the WebSocket with its closing handshake, close_notify included.
  EXPECT_EQ(client.Next(), "");
  EXPECT_EQ(client.error(), websocket::error::closed) << client.error().message();
  EXPECT_EQ(client.close_code(), static_cast<int>(websocket::close_code::normal));
  const auto session = world_.store->GetRoomSession(world_.a_c1);
  ASSERT_TRUE(session.has_value() && session->has_value());
  EXPECT_TRUE((*session)->ended_at.has_value());
}

TEST_F(TlsHttpTest, TlsThirteenIsChosenWithHttp11AsTheOnlyApplicationProtocol) {
  StartServer();
  TlsConnection browser_like(*client_, port_, kAlpnBrowser);
  ASSERT_TRUE(browser_like.ok()) << browser_like.error().message();
  EXPECT_EQ(browser_like.version(), TLS1_3_VERSION);
  EXPECT_EQ(browser_like.alpn(), "http/1.1");
  EXPECT_EQ(browser_like.Exchange("GET", "/healthz").status, 200u);

  TlsConnection without_alpn(*client_, port_, "");
  ASSERT_TRUE(without_alpn.ok()) << without_alpn.error().message();
  EXPECT_EQ(without_alpn.alpn(), "");

  TlsConnection http2_only(*client_, port_, "\x02h2");
  EXPECT_FALSE(http2_only.ok());
  EXPECT_EQ(http2_only.reason(), SSL_R_TLSV1_ALERT_NO_APPLICATION_PROTOCOL)
      << http2_only.error().message();
}

TEST_F(TlsHttpTest, TlsOlderThanOnePointTwoIsRefused) {
  StartServer();
  // A client that really offers TLS 1.0 and 1.1 (OpenSSL 3 needs security level 0 for them).
  auto old = ClientWith([](SSL_CTX* context) {
    SSL_CTX_set_security_level(context, 0);
    SSL_CTX_set_cipher_list(context, "DEFAULT@SECLEVEL=0");
    SSL_CTX_set_min_proto_version(context, TLS1_VERSION);
    SSL_CTX_set_max_proto_version(context, TLS1_1_VERSION);
  });
  TlsConnection connection(*old, port_);
  EXPECT_FALSE(connection.ok());
  // The server's refusal (a protocol_version alert), not the client's own.
  EXPECT_EQ(connection.reason(), SSL_R_TLSV1_ALERT_PROTOCOL_VERSION)
      << connection.error().message();
  EXPECT_EQ(SendTls(*client_, port_, "GET", "/healthz").status, 200u);
}

TEST_F(TlsHttpTest, TlsOnePointTwoTakesOnlyEcdheWithAnAeadCipher) {
  StartServer();
  const auto tls12_with = [&](const char* ciphers) {
    return ClientWith([ciphers](SSL_CTX* context) {
      SSL_CTX_set_max_proto_version(context, TLS1_2_VERSION);
      SSL_CTX_set_cipher_list(context, ciphers);
    });
  };
  auto gcm = tls12_with("ECDHE-ECDSA-AES128-GCM-SHA256");
  TlsConnection aead(*gcm, port_);
  ASSERT_TRUE(aead.ok()) << aead.error().message();
  EXPECT_EQ(aead.version(), TLS1_2_VERSION);
  EXPECT_EQ(aead.Exchange("GET", "/healthz").status, 200u);

  for (const char* refused : {"ECDHE-ECDSA-AES128-SHA256", "ECDHE-ECDSA-AES256-SHA"}) {
    auto cbc = tls12_with(refused);
    TlsConnection connection(*cbc, port_);
    EXPECT_FALSE(connection.ok()) << refused;
    EXPECT_EQ(connection.reason(), SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE)
        << refused << ": " << connection.error().message();
  }
}

TEST_F(TlsHttpTest, NoSessionTicketIsIssued) {
  StartServer();
  TlsConnection tls13(*client_, port_);
  ASSERT_TRUE(tls13.ok()) << tls13.error().message();
  // A TLS 1.3 ticket would come after the handshake, before the answer: read it all.
  EXPECT_EQ(tls13.Exchange("GET", "/healthz").status, 200u);
  EXPECT_FALSE(tls13.resumable());

  auto tls12 =
      ClientWith([](SSL_CTX* context) { SSL_CTX_set_max_proto_version(context, TLS1_2_VERSION); });
  TlsConnection connection(*tls12, port_);
  ASSERT_TRUE(connection.ok()) << connection.error().message();
  EXPECT_EQ(connection.Exchange("GET", "/healthz").status, 200u);
  EXPECT_FALSE(connection.has_ticket());
}

TEST_F(TlsHttpTest, PlainHttpToTheTlsPortIsClosedUnansweredAndTheServerGoesOn) {
  StartServer();
  const UntilClosed raw = SendUntilClosed(
      port_, "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(raw.closed);
  EXPECT_EQ(raw.data.find("HTTP/1.1"), std::string::npos) << raw.data;
  EXPECT_EQ(SendTls(*client_, port_, "GET", "/healthz").status, 200u);
}

TEST_F(TlsHttpTest, AConnectionThatNeverStartsItsHandshakeIsClosedAtTheRequestTimeout) {
  options_.request_timeout = std::chrono::milliseconds(200);
  StartServer();
  const UntilClosed raw = SendUntilClosed(port_, "");
  EXPECT_TRUE(raw.closed);
  EXPECT_TRUE(raw.data.empty());
  EXPECT_EQ(SendTls(*client_, port_, "GET", "/healthz").status, 200u);
}

TEST_F(TlsHttpTest, ARenewedCertificateServesNewConnectionsWhileOpenOnesGoOn) {
  StartServer();
  TlsBrowser tara = SignedInOverTls("t1@a.test");
  TlsSocket page(tara, "/api/v1/live");
  ASSERT_TRUE(page.open()) << page.error().message();
  page.Send(Json{{"type", "hello"}, {"csrf", tara.csrf()}}.dump());
  ASSERT_FALSE(page.NextOf("ready").is_null());

  const TestCertificate renewed = files_.Make("renewed");
  auto tls = LoadTlsContext({renewed.certificate, renewed.key});
  ASSERT_TRUE(tls.has_value()) << tls.error().message;
  ASSERT_TRUE(server_->ReplaceTls(*tls).has_value());

  auto trusting_renewed = TrustingOnly(renewed.certificate_pem);
  EXPECT_EQ(SendTls(*trusting_renewed, port_, "GET", "/healthz").status, 200u);
  TlsConnection old_trust(*client_, port_);
  EXPECT_FALSE(old_trust.ok());
  EXPECT_EQ(old_trust.reason(), SSL_R_CERTIFICATE_VERIFY_FAILED) << old_trust.error().message();
  // The page opened before still gets its events.
  EXPECT_EQ(server_->live().Publish(world_.t1, R"({"type":"alert","alert_id":8})"), 1);
  EXPECT_EQ(page.NextOf("alert")["alert_id"], 8);
}

}  // namespace
}  // namespace rapport::testing
