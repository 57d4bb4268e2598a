#include "http/static_files.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <system_error>

#include "http/problem.h"
#include "http/router.h"

namespace rapport {

namespace fs = std::filesystem;

std::string_view ContentTypeFor(std::string_view extension) {
  struct Entry {
    std::string_view extension;
    std::string_view type;
  };
  static constexpr Entry kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".wasm", "application/wasm"},
  };
  for (const Entry& entry : kTypes) {
    if (entry.extension == extension) return entry.type;
  }
  return "application/octet-stream";
}

StaticFiles::StaticFiles(fs::path root) {
  std::error_code ec;
  fs::path canonical = fs::canonical(root, ec);
  if (!ec && fs::is_directory(canonical, ec)) root_ = std::move(canonical);
}

fs::path StaticFiles::Resolve(std::string_view path) const {
  if (root_.empty()) return {};
  fs::path candidate = root_;
  for (std::string_view segment : SplitPath(path)) {
    // The path is already percent-decoded, so "%2e%2e" arrives here as "..".
    if (segment == ".." || segment == "." || segment.find('\\') != std::string_view::npos ||
        segment.find('\0') != std::string_view::npos || segment.front() == '.') {
      return {};
    }
    candidate /= segment;
  }
  std::error_code ec;
  fs::path real = fs::canonical(candidate, ec);
  if (ec || !fs::is_regular_file(real, ec)) return {};
  // A symlink inside the root must not lead out of it.
  auto [root_end, real_it] = std::mismatch(root_.begin(), root_.end(), real.begin(), real.end());
  if (root_end != root_.end()) return {};
  return real;
}

HttpResponse StaticFiles::FileResponse(const fs::path& file, bool immutable) const {
  std::ifstream in(file, std::ios::binary);
  if (!in) return ProblemResponse(404, "No such file.");
  HttpResponse response;
  response.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  response.content_type = std::string(ContentTypeFor(file.extension().string()));
  response.headers.emplace_back("Cache-Control",
                                immutable ? "public, max-age=31536000, immutable" : "no-cache");
  return response;
}

HttpResponse StaticFiles::Serve(std::string_view path) const {
  if (fs::path file = Resolve(path); !file.empty()) {
    return FileResponse(file, path.starts_with("/assets/"));
  }
  // A missing asset is a real 404 (answering it with HTML would confuse the browser); any other
  // path is a route of the single-page app.
  if (path.starts_with("/assets/")) return ProblemResponse(404, "No such file.");
  if (fs::path index = Resolve("/index.html"); !index.empty()) return FileResponse(index, false);
  return ProblemResponse(404, "The web app is not installed on this server.");
}

}  // namespace rapport
