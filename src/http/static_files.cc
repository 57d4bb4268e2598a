#include "http/static_files.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <fstream>
#include <iterator>
#include <optional>
#include <system_error>

#include <fmt/format.h>

#include "core/text.h"
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

namespace {

bool SameLetters(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

// The q value of one Accept-Encoding element's parameters (";q=0.5"); 1 when absent, 0 when
// unreadable (a browser never sends that: refusing is the safe reading).
double QualityOf(std::string_view parameters) {
  while (!parameters.empty()) {
    const std::size_t semicolon = parameters.find(';');
    const std::string_view parameter = Trim(parameters.substr(0, semicolon), kBlanks);
    parameters = semicolon == std::string_view::npos ? "" : parameters.substr(semicolon + 1);
    if (parameter.size() < 2 || !SameLetters(parameter.substr(0, 2), "q=")) continue;
    const std::string_view number = parameter.substr(2);
    double q = 0;
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), q);
    return ec == std::errc() && end == number.data() + number.size() ? q : 0;
  }
  return 1;
}

// Calls `each(token, rest)` for every comma-separated element of a header value.
template <typename Each>
void ForEachElement(std::string_view value, Each each) {
  while (!value.empty()) {
    const std::size_t comma = value.find(',');
    const std::string_view element = Trim(value.substr(0, comma), kBlanks);
    value = comma == std::string_view::npos ? "" : value.substr(comma + 1);
    if (!element.empty()) each(element);
  }
}

// The compressed forms a build may leave beside a file, the better first.
struct Encoding {
  std::string_view coding;
  std::string_view suffix;
};
constexpr Encoding kEncodings[] = {{"br", ".br"}, {"gzip", ".gz"}};

// A strong validator of one representation: the file's size and time written, and its coding.
// Empty when the file cannot be read for them: such a response carries no ETag.
std::string EntityTag(const fs::path& file, std::string_view coding) {
  std::error_code size_error;
  std::error_code time_error;
  const auto size = fs::file_size(file, size_error);
  const auto written = fs::last_write_time(file, time_error).time_since_epoch();
  if (size_error || time_error) return {};
  const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(written).count();
  return fmt::format("\"{:x}-{:x}{}{}\"", size, nanos, coding.empty() ? "" : "-", coding);
}

}  // namespace

bool AcceptsEncoding(std::string_view accept_encoding, std::string_view coding) {
  std::optional<double> named;
  std::optional<double> any;
  ForEachElement(accept_encoding, [&](std::string_view element) {
    const std::size_t semicolon = element.find(';');
    const std::string_view token = Trim(element.substr(0, semicolon), kBlanks);
    const double q =
        semicolon == std::string_view::npos ? 1 : QualityOf(element.substr(semicolon + 1));
    if (SameLetters(token, coding)) {
      named = q;
    } else if (token == "*") {
      any = q;
    }
  });
  if (named) return *named > 0;
  return any && *any > 0;
}

bool NoneMatchNames(std::string_view if_none_match, std::string_view etag) {
  bool found = false;
  ForEachElement(if_none_match, [&](std::string_view element) {
    if (element == "*" || element == etag ||
        (element.starts_with("W/") && element.substr(2) == etag)) {
      found = true;
    }
  });
  return found;
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

HttpResponse StaticFiles::FileResponse(std::string_view path, const fs::path& file, bool immutable,
                                       std::string_view accept_encoding,
                                       std::string_view if_none_match) const {
  // The compressed sibling the browser takes, if the build left one; found as any file is, so a
  // sibling that is a symlink out of the root is refused too.
  fs::path chosen = file;
  std::string_view coding;
  bool compressed_exists = false;
  for (const Encoding& encoding : kEncodings) {
    fs::path sibling = Resolve(std::string(path) + std::string(encoding.suffix));
    if (sibling.empty()) continue;
    compressed_exists = true;
    if (coding.empty() && AcceptsEncoding(accept_encoding, encoding.coding)) {
      chosen = std::move(sibling);
      coding = encoding.coding;
    }
  }
  HttpResponse response;
  const std::string etag = EntityTag(chosen, coding);
  response.headers.emplace_back("Cache-Control",
                                immutable ? "public, max-age=31536000, immutable" : "no-cache");
  if (!etag.empty()) response.headers.emplace_back("ETag", etag);
  if (compressed_exists) response.headers.emplace_back("Vary", "Accept-Encoding");
  if (!etag.empty() && !if_none_match.empty() && NoneMatchNames(if_none_match, etag)) {
    response.status = 304;  // no body: the browser's copy is this one
    return response;
  }
  std::ifstream in(chosen, std::ios::binary);
  if (!in) return ProblemResponse(404, "No such file.");
  response.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  response.content_type = std::string(ContentTypeFor(file.extension().string()));
  if (!coding.empty()) response.headers.emplace_back("Content-Encoding", std::string(coding));
  return response;
}

HttpResponse StaticFiles::Serve(std::string_view path, std::string_view accept_encoding,
                                std::string_view if_none_match) const {
  if (fs::path file = Resolve(path); !file.empty()) {
    return FileResponse(path, file, path.starts_with("/assets/"), accept_encoding, if_none_match);
  }
  // A missing asset is a real 404 (answering it with HTML would confuse the browser); any other
  // path is a route of the single-page app.
  if (path.starts_with("/assets/")) return ProblemResponse(404, "No such file.");
  if (fs::path index = Resolve("/index.html"); !index.empty()) {
    return FileResponse("/index.html", index, false, accept_encoding, if_none_match);
  }
  return ProblemResponse(404, "The web app is not installed on this server.");
}

}  // namespace rapport
