#pragma once
// Writing CSV (RFC 4180) for exports people open in a spreadsheet.

#include <string>
#include <string_view>

namespace rapport {

namespace csv_detail {

// A plain decimal number such as "-2", "+1.5" or "-0.25e3": safe to leave as it is.
inline bool IsPlainNumber(std::string_view text) {
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
  bool digits = false, point = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      digits = true;
    } else if (c == '.' && !point) {
      point = true;
    } else {
      break;
    }
  }
  if (!digits) return false;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
    const std::size_t exponent = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    if (i == exponent) return false;
  }
  return i == text.size();
}

}  // namespace csv_detail

// One field, quoted when it holds a comma, a quote or a line break; quotes doubled. A field a
// spreadsheet would take for a formula (it starts with =, +, -, @, a tab or a carriage return,
// and is not a plain number) gets a leading apostrophe, so a name or a note typed as
// "=HYPERLINK(...)" shows as text instead of running when the export is opened.
inline std::string CsvField(std::string_view field) {
  std::string text;
  if (!field.empty() &&
      std::string_view("=+-@\t\r").find(field.front()) != std::string_view::npos &&
      !csv_detail::IsPlainNumber(field)) {
    text = "'";
  }
  text += field;
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace rapport
