#include "core/file.h"

#include <fmt/format.h>

#include <sys/stat.h>

#include <cstdio>
#include <memory>

namespace rapport {
namespace {

struct CloseFile {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, CloseFile>;

}  // namespace

Result<std::string> ReadWholeFile(const std::string& path) {
  const File file(std::fopen(path.c_str(), "rb"));
  if (!file) return Fail(Error::NotFound(fmt::format("cannot open {}", path)));
  // A folder opens on Linux; it cannot be read as a file.
  struct stat info{};
  if (::fstat(::fileno(file.get()), &info) != 0 || S_ISDIR(info.st_mode)) {
    return Fail(Error::NotFound(fmt::format("cannot open {}", path)));
  }
  // One read of a regular file's size, then whatever is left: all of a pipe, or what a file
  // gained meanwhile.
  std::string bytes;
  if (S_ISREG(info.st_mode) && info.st_size > 0) {
    bytes.resize(static_cast<std::size_t>(info.st_size));
    bytes.resize(std::fread(bytes.data(), 1, bytes.size(), file.get()));
  }
  char chunk[1 << 16];
  for (std::size_t got; (got = std::fread(chunk, 1, sizeof chunk, file.get())) > 0;) {
    bytes.append(chunk, got);
  }
  if (std::ferror(file.get())) return Fail(Error::NotFound(fmt::format("cannot open {}", path)));
  return bytes;
}

Status WriteWholeFile(const std::string& path, std::string_view content) {
  std::FILE* raw = std::fopen(path.c_str(), "wb");
  if (raw == nullptr) return Fail(Error::Unavailable(fmt::format("cannot write {}", path)));
  const bool written = std::fwrite(content.data(), 1, content.size(), raw) == content.size();
  const bool closed = std::fclose(raw) == 0;
  if (!written || !closed) return Fail(Error::Unavailable(fmt::format("cannot write {}", path)));
  return Ok();
}

}  // namespace rapport
