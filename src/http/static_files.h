#pragma once
// StaticFiles: serves the built web app from one directory. Guarantees that no request can read
// outside the root (".." segments, encoded or not, and symlinks leading out are refused), sends
// index.html for unknown paths so the single-page app can route them, and marks Vite's hashed
// assets (under /assets/) immutable. Immutable after construction; thread-safe.

#include <filesystem>
#include <string>
#include <string_view>

#include "http/message.h"

namespace rapport {

class StaticFiles {
 public:
  explicit StaticFiles(std::filesystem::path root);

  // GET/HEAD of a decoded path ("/assets/index-3f2a.js"). 404 problem when nothing fits and
  // no index.html exists.
  HttpResponse Serve(std::string_view path) const;

 private:
  // The file for `path` inside the root, or empty when absent or unsafe.
  std::filesystem::path Resolve(std::string_view path) const;
  HttpResponse FileResponse(const std::filesystem::path& file, bool immutable) const;

  std::filesystem::path root_;  // canonical, or empty when the directory does not exist
};

// "text/html; charset=utf-8" etc. by extension; application/octet-stream when unknown.
std::string_view ContentTypeFor(std::string_view extension);

}  // namespace rapport
