#pragma once
// libcurl plumbing shared by the senders in this folder: the once-per-process global
// initialisation, owning handles, and URL parsing. InitCurl is thread-safe; each handle belongs
// to the one call that made it.

#include <curl/curl.h>

#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

namespace rapport {

// curl_global_init exactly once per process, however many threads ask; the result is remembered.
Status InitCurl();

struct CurlEasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;
Result<CurlEasy> NewCurlEasy();

struct CurlListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using CurlList = std::unique_ptr<curl_slist, CurlListDeleter>;
Status CurlListAppend(CurlList& list, const std::string& item);

// curl_easy_setopt with its result checked; `value` must have the exact type the option takes
// (long, not int).
template <typename T>
Status CurlSet(CURL* handle, CURLoption option, T value) {
  const CURLcode rc = curl_easy_setopt(handle, option, value);
  if (rc != CURLE_OK) {
    return Fail(
        Error::Internal(std::string("libcurl refused an option: ") + curl_easy_strerror(rc)));
  }
  return Ok();
}

// The parts of a URL as libcurl itself will read it (lower-case scheme, host without
// brackets for IPv6). Errors are kInvalidArgument without a field and never quote the URL,
// which may hold a secret.
struct UrlParts {
  std::string scheme;
  std::string host;
  std::string port;  // empty when the URL gives none
  std::string path;  // "/" when the URL gives none
  bool has_user_info = false;
  bool has_query = false;
  bool has_fragment = false;
};
Result<UrlParts> ParseUrl(std::string_view url);

// localhost, 127.0.0.0/8 and ::1: addresses that never leave the machine.
bool IsLoopbackHost(std::string_view host);

}  // namespace rapport
