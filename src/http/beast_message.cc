#include "http/beast_message.h"

#include <string_view>
#include <utility>

namespace rapport {

namespace {

std::string_view Std(beast::string_view text) {
  return {text.data(), text.size()};
}

std::string LowerCase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
  }
  return out;
}

}  // namespace

bool AmbiguousFraming(const BeastRequest& request) {
  const auto [first, last] = request.equal_range(bhttp::field::transfer_encoding);
  if (first == last) return false;
  if (std::next(first) != last) return true;
  std::string_view value = Std(first->value());
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (!beast::iequals(beast::string_view(value.data(), value.size()), "chunked")) return true;
  return request.find(bhttp::field::content_length) != request.end();
}

HttpRequest TranslateRequest(BeastRequest& in, const RequestOrigin& origin) {
  HttpRequest request;
  request.method = std::string(in.method_string());
  std::string_view target = Std(in.target());
  const std::size_t question = target.find('?');
  if (question != std::string_view::npos) request.query = std::string(target.substr(question + 1));
  // A path that does not decode cleanly matches no route and no file.
  request.path = PercentDecode(target.substr(0, question), false).value_or("/\x01invalid");
  for (const auto& field : in) {
    std::string name = LowerCase(Std(field.name_string()));
    auto [it, inserted] = request.headers.emplace(name, std::string(field.value()));
    if (!inserted) {
      it->second += name == "cookie" ? "; " : ", ";
      it->second += std::string(field.value());
    }
  }
  request.body = std::move(in.body());
  request.remote_address = origin.remote_address;
  request.base_url = origin.base_url;
  request.secure = origin.tls;
  if (origin.trust_proxy_headers) {
    request.secure = origin.tls || LowerCase(request.Header("x-forwarded-proto")) == "https";
    // The proxy appends the address it saw last.
    std::string_view forwarded = request.Header("x-forwarded-for");
    if (!forwarded.empty()) {
      const std::size_t comma = forwarded.rfind(',');
      std::string_view last =
          comma == std::string_view::npos ? forwarded : forwarded.substr(comma + 1);
      while (!last.empty() && last.front() == ' ') last.remove_prefix(1);
      if (!last.empty()) request.remote_address = std::string(last);
    }
  }
  return request;
}

BeastResponse ToBeastResponse(HttpResponse response, const HttpRequest& request, unsigned version) {
  BeastResponse out{static_cast<bhttp::status>(response.status), version};
  out.set(bhttp::field::server, "rapport");
  if (!response.content_type.empty()) out.set(bhttp::field::content_type, response.content_type);
  SetSecurityHeaders(out, request.secure);
  if (!request.request_id.empty()) out.set("X-Request-Id", request.request_id);
  bool has_cache_control = false;
  for (auto& [name, value] : response.headers) {
    if (beast::iequals(name, "cache-control")) has_cache_control = true;
    out.insert(name, value);
  }
  // Static files choose their own caching; everything else, above all API data, is never stored
  // by a browser or proxy.
  if (response.no_store || !has_cache_control) out.set(bhttp::field::cache_control, "no-store");
  out.body() = std::move(response.body);
  out.prepare_payload();
  return out;
}

}  // namespace rapport
