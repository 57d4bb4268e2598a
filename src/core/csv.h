#pragma once
// Writing CSV (RFC 4180) for exports people open in a spreadsheet.

#include <string>
#include <string_view>

namespace rapport {

// One field, quoted when it holds a comma, a quote or a line break; quotes doubled.
inline std::string CsvField(std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(field);
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace rapport
