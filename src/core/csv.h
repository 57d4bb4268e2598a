#pragma once
// CSV (RFC 4180): writing exports people open in a spreadsheet, and reading the files people
// bring (a spreadsheet's export, with its byte order mark and CRLF line ends).

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

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

// One record of a CSV file and the line it starts on (1-based; a quoted field may hold line
// breaks, so a record can span several lines).
struct CsvRecord {
  std::vector<std::string> fields;
  int line = 0;
};

// Every record of `text`: fields split at commas, a quoted field's commas, doubled quotes and
// line breaks kept as text; CRLF and LF both end a record; a UTF-8 byte order mark at the start
// is dropped, and so is a last line break. An empty line is a record of one empty field.
// kInvalidArgument naming the line for a quote left open or text after a closing quote.
Result<std::vector<CsvRecord>> ReadCsv(std::string_view text);

}  // namespace rapport
