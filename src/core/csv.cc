#include "core/csv.h"

#include <fmt/format.h>

namespace rapport {

Result<std::vector<CsvRecord>> ReadCsv(std::string_view text) {
  constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
  if (text.starts_with(kByteOrderMark)) text.remove_prefix(kByteOrderMark.size());
  std::vector<CsvRecord> records;
  if (text.empty()) return records;
  CsvRecord record{.fields = {}, .line = 1};
  std::string field;
  int line = 1;
  std::size_t i = 0;
  const auto end_record = [&] {
    record.fields.push_back(std::move(field));
    field.clear();
    records.push_back(std::move(record));
    record = CsvRecord{.fields = {}, .line = line};
  };
  while (i < text.size()) {
    const char c = text[i];
    if (c == '"' && field.empty()) {
      // A quoted field runs to the quote that is not doubled.
      const int opened_on = line;
      ++i;
      while (true) {
        if (i >= text.size()) {
          return Fail(Error::InvalidArgument(
              fmt::format("line {}: a quoted field is not closed", opened_on)));
        }
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        if (text[i] == '\n') ++line;
        field += text[i++];
      }
      const bool ends = i == text.size() || text[i] == ',' || text[i] == '\n' ||
                        (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n');
      if (!ends) {
        return Fail(Error::InvalidArgument(
            fmt::format("line {}: text after a quoted field's closing quote", line)));
      }
      continue;
    }
    if (c == ',') {
      record.fields.push_back(std::move(field));
      field.clear();
      ++i;
    } else if (c == '\n' || (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) {
      i += c == '\r' ? 2 : 1;
      ++line;
      end_record();
    } else {
      field += c;
      ++i;
    }
  }
  // A last line without its line break still ends a record.
  if (!text.ends_with('\n')) end_record();
  return records;
}

}  // namespace rapport
