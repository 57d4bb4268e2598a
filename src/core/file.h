#pragma once
// Whole-file reads and writes, for the command-line tools and the benchmarks that time them.
// Bytes go through unchanged (no newline translation). Thread-compatible.

#include <string>
#include <string_view>

#include "core/result.h"

namespace rapport {

// The bytes of the file at `path`. kNotFound "cannot open PATH" when it cannot be opened or
// read (no such file, no permission, a folder).
Result<std::string> ReadWholeFile(const std::string& path);

// Replaces the file at `path` with `content`, creating it when needed. kUnavailable "cannot
// write PATH" when it cannot be opened, written or closed.
Status WriteWholeFile(const std::string& path, std::string_view content);

}  // namespace rapport
