// Raw bytes as they arrive on a connection of `rapport serve`: Beast's request parser with the
// limits the server sets (ServerOptions' header and body limits, headers read first and the body
// after), then the server's steps for each complete request: refusing ambiguous framing, the
// WebSocket upgrade check (RoomSocketAppointment), translation into an HttpRequest (percent
// decoding, headers, cookies), dispatch through the real router over the demo clinic
// (api_world.h), and the answer turned back into a Beast response and written out. Requests may
// follow each other on one connection (keep-alive), as many as fit.
//
// In the input, `$session`, `$csrf`, `$client`, `$episode`, `$appointment` and `$therapist` stand
// for the therapist's session cookie, CSRF token and records (ApiWorld::Placeholder), so that seeds
// reach the routes behind sign-in.
//
// The framing check, the translation and the answer's way back are the server's own
// (http/beast_message.h), for a plain-HTTP server that does not trust proxy headers.
// Oracles: api_world.h's.

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

#include "api_world.h"
#include "http/asio.h"
#include "http/beast_message.h"
#include "http/room_socket.h"
#include "http/server.h"

namespace {

using rapport::HttpRequest;
using rapport::HttpResponse;
using rapport::fuzz::ApiWorld;
namespace beast = rapport::beast;
namespace bhttp = rapport::bhttp;
namespace websocket = rapport::websocket;
using rapport::BeastRequest;

// The limits a default server reads requests with.
const rapport::ServerOptions& ServerDefaults() {
  static const rapport::ServerOptions defaults;
  return defaults;
}

constexpr int kMostRequestsPerInput = 8;

std::string_view Std(beast::string_view text) {
  return {text.data(), text.size()};
}

// Feeds `bytes` to `parser` until it stops (the headers are done, or the message when eager) or
// needs more than there is. Returns the bytes it used; `ec` as Beast's reads leave it, with the
// end of the input as the connection closing.
std::size_t Feed(bhttp::request_parser<bhttp::string_body>& parser, std::string_view bytes,
                 bool until_done, beast::error_code& ec) {
  std::size_t used = 0;
  for (;;) {
    if (until_done ? parser.is_done() : parser.is_header_done()) return used;
    const std::size_t n =
        parser.put(boost::asio::buffer(bytes.data() + used, bytes.size() - used), ec);
    used += n;
    if (ec == bhttp::error::need_more || (!ec && n == 0)) {
      ec = {};
      if (n == 0 || used == bytes.size()) {
        parser.put_eof(ec);
        if (!ec) ec = bhttp::error::partial_message;
        return used;
      }
      continue;
    }
    if (ec) return used;
  }
}

// The input with each `$name` the world knows replaced by its value.
std::string Substitute(std::string_view input, const ApiWorld& world) {
  std::string out;
  out.reserve(input.size());
  for (std::size_t i = 0; i < input.size(); ++i) {
    if (input[i] == '$') {
      std::size_t end = i + 1;
      while (end < input.size() && input[end] >= 'a' && input[end] <= 'z') ++end;
      const std::string value = world.Placeholder(input.substr(i + 1, end - i - 1));
      if (!value.empty()) {
        out += value;
        i = end - 1;
        continue;
      }
    }
    out += input[i];
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)ApiWorld::Instance();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ApiWorld& world = ApiWorld::Instance();
  const std::string bytes =
      Substitute(std::string_view(reinterpret_cast<const char*>(data), size), world);
  std::string_view rest = bytes;
  for (int n = 0; n < kMostRequestsPerInput && !rest.empty(); ++n) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(ServerDefaults().header_limit));
    parser.body_limit(ServerDefaults().body_limit);
    parser.eager(false);
    beast::error_code ec;
    std::size_t used = Feed(parser, rest, /*until_done=*/false, ec);
    // The server answers 431, 413 or 400, or nothing, and closes.
    if (ec) return 0;
    if (rapport::AmbiguousFraming(parser.get())) return 0;
    parser.eager(true);
    used += Feed(parser, rest.substr(used), /*until_done=*/true, ec);
    if (ec) return 0;
    rest.remove_prefix(used);

    BeastRequest& beast_request = parser.get();
    if (websocket::is_upgrade(beast_request)) {
      // The live page's and the rooms' sockets: room_message_fuzz takes their messages.
      const std::string_view target = Std(beast_request.target());
      if (target == "/api/v1/live" || rapport::RoomSocketAppointment(target) != 0) return 0;
    }
    const bool keep_alive = beast_request.keep_alive();
    const unsigned version = beast_request.version();
    HttpRequest request = rapport::TranslateRequest(
        beast_request, rapport::RequestOrigin{"192.0.2.3", "http://127.0.0.1:8080", false, false});
    HttpResponse response = world.Dispatch(request);
    world.AfterRequest(request, response);
    std::ostringstream written;
    written << rapport::ToBeastResponse(std::move(response), request, version);
    if (!keep_alive) break;
  }
  return 0;
}
