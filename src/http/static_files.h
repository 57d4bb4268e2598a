#pragma once
// StaticFiles: serves the built web app from one directory. Guarantees that no request can read
// outside the root (".." segments, encoded or not, and symlinks leading out are refused), sends
// index.html for unknown paths so the single-page app can route them, and marks Vite's hashed
// assets (under /assets/) immutable. A file built with compressed siblings ("app.js.br",
// "app.js.gz", made when the web app is built) is sent compressed to a browser that accepts it,
// chosen by Accept-Encoding, with Vary; every file has an ETag, and a request whose If-None-Match
// names it gets 304 and no body. Immutable after construction; thread-safe.

#include <filesystem>
#include <string>
#include <string_view>

#include "http/message.h"

namespace rapport {

class StaticFiles {
 public:
  explicit StaticFiles(std::filesystem::path root);

  // GET/HEAD of a decoded path ("/assets/index-3f2a.js") with the request's Accept-Encoding and
  // If-None-Match headers (empty when absent). 404 problem when nothing fits and no index.html
  // exists.
  HttpResponse Serve(std::string_view path, std::string_view accept_encoding = {},
                     std::string_view if_none_match = {}) const;

 private:
  // The file for `path` inside the root, or empty when absent or unsafe.
  std::filesystem::path Resolve(std::string_view path) const;
  HttpResponse FileResponse(std::string_view path, const std::filesystem::path& file,
                            bool immutable, std::string_view accept_encoding,
                            std::string_view if_none_match) const;

  std::filesystem::path root_;  // canonical, or empty when the directory does not exist
};

// "text/html; charset=utf-8" etc. by extension; application/octet-stream when unknown.
std::string_view ContentTypeFor(std::string_view extension);

// Whether an Accept-Encoding header value accepts `coding` ("br", "gzip"): named with a q above 0,
// or not named and "*" with a q above 0 (RFC 9110, 12.5.3).
bool AcceptsEncoding(std::string_view accept_encoding, std::string_view coding);

// Whether an If-None-Match header value names `etag` (or is "*"); weak and strong tags compare
// alike, as RFC 9110's weak comparison for GET wants.
bool NoneMatchNames(std::string_view if_none_match, std::string_view etag);

}  // namespace rapport
