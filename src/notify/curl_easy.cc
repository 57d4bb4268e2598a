#include "notify/curl_easy.h"

namespace rapport {

Status InitCurl() {
  // A function-local static is initialised once even when threads race to it, which is what
  // curl_global_init needs: it is not itself safe to call concurrently on every platform.
  static const CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (rc != CURLE_OK) {
    return Fail(Error::Internal(std::string("libcurl could not be initialised: ") +
                                curl_easy_strerror(rc)));
  }
  return Ok();
}

Result<CurlEasy> NewCurlEasy() {
  RAPPORT_RETURN_IF_ERROR(InitCurl());
  CurlEasy handle(curl_easy_init());
  if (!handle) return Fail(Error::Internal("libcurl could not make a handle"));
  return handle;
}

Status CurlListAppend(CurlList& list, const std::string& item) {
  curl_slist* grown = curl_slist_append(list.get(), item.c_str());
  if (grown == nullptr) return Fail(Error::Internal("libcurl ran out of memory"));
  static_cast<void>(list.release());
  list.reset(grown);
  return Ok();
}

namespace {

struct CurlUrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};

// One part of a parsed URL, or empty when the URL has none.
std::string Part(CURLU* url, CURLUPart part, bool* present = nullptr) {
  char* value = nullptr;
  const CURLUcode rc = curl_url_get(url, part, &value, 0);
  if (present != nullptr) *present = rc == CURLUE_OK;
  if (rc != CURLUE_OK || value == nullptr) return {};
  std::string out(value);
  curl_free(value);
  return out;
}

}  // namespace

Result<UrlParts> ParseUrl(std::string_view url) {
  RAPPORT_RETURN_IF_ERROR(InitCurl());
  std::unique_ptr<CURLU, CurlUrlDeleter> handle(curl_url());
  if (!handle) return Fail(Error::Internal("libcurl ran out of memory"));
  const std::string text(url);
  if (text.find_first_of(" \t\r\n") != std::string::npos ||
      curl_url_set(handle.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) {
    return Fail(Error::InvalidArgument("is not a valid URL"));
  }
  UrlParts parts;
  parts.scheme = Part(handle.get(), CURLUPART_SCHEME);
  parts.host = Part(handle.get(), CURLUPART_HOST);
  if (parts.host.size() >= 2 && parts.host.front() == '[' && parts.host.back() == ']') {
    parts.host = parts.host.substr(1, parts.host.size() - 2);
  }
  parts.port = Part(handle.get(), CURLUPART_PORT);
  parts.path = Part(handle.get(), CURLUPART_PATH);
  bool user = false;
  bool password = false;
  Part(handle.get(), CURLUPART_USER, &user);
  Part(handle.get(), CURLUPART_PASSWORD, &password);
  parts.has_user_info = user || password;
  Part(handle.get(), CURLUPART_QUERY, &parts.has_query);
  Part(handle.get(), CURLUPART_FRAGMENT, &parts.has_fragment);
  return parts;
}

bool IsLoopbackHost(std::string_view host) {
  if (host == "localhost" || host == "::1") return true;
  // libcurl has already normalised IPv4 literals to dotted quads.
  if (!host.starts_with("127.")) return false;
  int dots = 0;
  for (const char c : host) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots == 3;
}

}  // namespace rapport
