#include "analysis/sync_series.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>

#include "core/text.h"

namespace rapport {
namespace {

// Blanks and the carriage return of a file written on Windows.
constexpr std::string_view kLineBlanks = " \t\r";

std::string_view Unquote(std::string_view s) {
  s = Trim(s, kLineBlanks);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

// Splits text into lines (LF or CRLF); the line numbers are 1-based positions in `text`.
std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

// The blank-separated cells of `line` into `cells` (cleared first, so that one vector serves a
// whole file).
void SplitWhitespace(std::string_view line, std::vector<std::string_view>& cells) {
  cells.clear();
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
    if (j > i) cells.push_back(line.substr(i, j - i));
    i = j;
  }
}

std::vector<std::string_view> SplitComma(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    std::size_t end = line.find(',', start);
    if (end == std::string_view::npos) {
      out.push_back(line.substr(start));
      return out;
    }
    out.push_back(line.substr(start, end - start));
    start = end + 1;
  }
}

bool IsBlank(std::string_view line) {
  return Trim(line, kLineBlanks).empty();
}

// True, with `value`, when `cell` is a finite number as it stands (no sign, quotes or blanks to
// take off first); what this leaves is read by ParseCell, which takes every form.
bool ReadPlainNumber(std::string_view cell, double& value) {
  if (cell.empty()) return false;
  const char first = cell.front();
  if (!((first >= '0' && first <= '9') || first == '-' || first == '.')) return false;
  const auto [ptr, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
  return ec == std::errc() && ptr == cell.data() + cell.size() && std::isfinite(value);
}

Error LineError(std::size_t line, std::string message) {
  return Error::InvalidArgument(fmt::format("line {}: {}", line, message));
}

}  // namespace

Result<double> ParseCell(std::string_view cell) {
  cell = Unquote(cell);
  if (cell.empty() || cell == "NA" || cell == "NaN" || cell == "nan") return kNaN;
  if (cell.front() == '+') cell.remove_prefix(1);
  double value = 0;
  auto [ptr, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
  if (ec != std::errc() || ptr != cell.data() + cell.size() || !std::isfinite(value)) {
    return Fail(Error::InvalidArgument(fmt::format("'{}' is not a number", cell)));
  }
  return value;
}

Result<std::vector<int>> ParseColumnList(std::string_view text) {
  std::vector<int> columns;
  for (std::string_view part : SplitComma(text)) {
    part = Trim(part, kLineBlanks);
    int value = 0;
    auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || ec != std::errc() || ptr != part.data() + part.size() || value < 1) {
      return Fail(Error::InvalidArgument(
          fmt::format("'{}' is not a list of column numbers (1-based, e.g. 1,2)", text)));
    }
    columns.push_back(value);
  }
  return columns;
}

Result<DyadSeries> ParseMeaText(std::string_view text, std::span<const int> p1_columns,
                                std::span<const int> p2_columns) {
  if (p1_columns.empty() || p2_columns.empty()) {
    return Fail(Error::InvalidArgument("each person needs at least one column"));
  }
  int needed = 0;
  for (int c : p1_columns) needed = std::max(needed, c);
  for (int c : p2_columns) needed = std::max(needed, c);

  DyadSeries series;
  // A row per line, near enough: the series grow once.
  const auto newlines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
  series.s1.reserve(newlines + 1);
  series.s2.reserve(newlines + 1);
  std::optional<std::size_t> width;
  std::vector<double> row;
  std::vector<std::string_view> cells;
  bool first_content = true;
  std::size_t line_no = 0;
  // Line by line (LF or CRLF), with 1-based line numbers for errors.
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    start = end + 1;
    ++line_no;
    if (IsBlank(line)) continue;
    SplitWhitespace(line, cells);
    if (first_content) {
      first_content = false;
      bool all_names = true;
      for (std::string_view cell : cells) {
        std::string_view bare = Unquote(cell);
        if (bare == "NA" || ParseCell(cell).has_value()) all_names = false;
      }
      if (all_names) continue;  // a header of region names
    }
    if (!width) {
      width = cells.size();
      if (static_cast<int>(cells.size()) < needed) {
        return Fail(LineError(
            line_no, fmt::format("{} columns, but column {} was asked for", cells.size(), needed)));
      }
    } else if (cells.size() != *width) {
      return Fail(LineError(
          line_no, fmt::format("{} columns where earlier rows have {}", cells.size(), *width)));
    }
    row.clear();
    for (std::size_t c = 0; c < cells.size(); ++c) {
      // Most cells are plain numbers: read them at once, and leave the rest to ParseCell.
      double value = 0;
      if (!ReadPlainNumber(cells[c], value)) {
        auto parsed = ParseCell(cells[c]);
        if (!parsed) {
          return Fail(
              LineError(line_no, fmt::format("column {}: {}", c + 1, parsed.error().message)));
        }
        value = *parsed;
      }
      row.push_back(value);
    }
    auto sum = [&](std::span<const int> columns) {
      double total = 0;
      for (int c : columns) total += row[static_cast<std::size_t>(c - 1)];  // NaN propagates
      return total;
    };
    series.s1.push_back(sum(p1_columns));
    series.s2.push_back(sum(p2_columns));
  }
  if (series.s1.empty()) return Fail(Error::InvalidArgument("the file has no data rows"));
  return series;
}

Result<DyadSeries> ParsePlainCsv(std::string_view text, std::string_view p1, std::string_view p2) {
  const std::vector<std::string_view> lines = Lines(text);
  std::size_t header_index = 0;
  while (header_index < lines.size() && IsBlank(lines[header_index])) ++header_index;
  if (header_index == lines.size()) return Fail(Error::InvalidArgument("the file is empty"));
  const std::vector<std::string_view> header = SplitComma(lines[header_index]);
  auto find_column = [&](std::string_view name, std::size_t fallback) -> Result<std::size_t> {
    if (name.empty()) {
      if (fallback >= header.size()) {
        return Fail(LineError(header_index + 1, "the header needs at least two columns"));
      }
      return fallback;
    }
    for (std::size_t c = 0; c < header.size(); ++c) {
      if (Unquote(header[c]) == name) return c;
    }
    return Fail(LineError(header_index + 1, fmt::format("no column named '{}'", name)));
  };
  RAPPORT_ASSIGN_OR_RETURN(const std::size_t c1, find_column(p1, 0));
  RAPPORT_ASSIGN_OR_RETURN(const std::size_t c2, find_column(p2, 1));

  DyadSeries series;
  for (std::size_t i = header_index + 1; i < lines.size(); ++i) {
    if (IsBlank(lines[i])) continue;
    const std::vector<std::string_view> cells = SplitComma(lines[i]);
    if (cells.size() != header.size()) {
      return Fail(LineError(
          i + 1, fmt::format("{} cells where the header has {}", cells.size(), header.size())));
    }
    auto v1 = ParseCell(cells[c1]);
    if (!v1)
      return Fail(LineError(i + 1, fmt::format("column {}: {}", c1 + 1, v1.error().message)));
    auto v2 = ParseCell(cells[c2]);
    if (!v2)
      return Fail(LineError(i + 1, fmt::format("column {}: {}", c2 + 1, v2.error().message)));
    series.s1.push_back(*v1);
    series.s2.push_back(*v2);
  }
  if (series.s1.empty()) return Fail(Error::InvalidArgument("the file has no data rows"));
  return series;
}

Result<std::vector<double>> ParseOpenFaceCsv(std::string_view text,
                                             const OpenFaceOptions& options) {
  const std::vector<std::string_view> lines = Lines(text);
  std::size_t header_index = 0;
  while (header_index < lines.size() && IsBlank(lines[header_index])) ++header_index;
  if (header_index == lines.size()) return Fail(Error::InvalidArgument("the file is empty"));
  const std::vector<std::string_view> header = SplitComma(lines[header_index]);
  auto column = [&](std::string_view name) -> std::optional<std::size_t> {
    for (std::size_t c = 0; c < header.size(); ++c) {
      if (Unquote(header[c]) == name) return c;
    }
    return std::nullopt;
  };
  const bool rotation = options.movement == PoseMovement::kRotation;
  const char* names[3] = {rotation ? "pose_Rx" : "pose_Tx", rotation ? "pose_Ry" : "pose_Ty",
                          rotation ? "pose_Rz" : "pose_Tz"};
  std::size_t pose[3];
  for (int k = 0; k < 3; ++k) {
    auto c = column(names[k]);
    if (!c) {
      return Fail(LineError(header_index + 1,
                            fmt::format("no column '{}': is this an OpenFace CSV?", names[k])));
    }
    pose[k] = *c;
  }
  const std::optional<std::size_t> confidence = column("confidence");
  const std::optional<std::size_t> success = column("success");

  std::vector<double> movement;
  double previous[3] = {kNaN, kNaN, kNaN};
  for (std::size_t i = header_index + 1; i < lines.size(); ++i) {
    if (IsBlank(lines[i])) continue;
    const std::vector<std::string_view> cells = SplitComma(lines[i]);
    if (cells.size() != header.size()) {
      return Fail(LineError(
          i + 1, fmt::format("{} cells where the header has {}", cells.size(), header.size())));
    }
    auto cell = [&](std::size_t c) -> Result<double> {
      auto v = ParseCell(cells[c]);
      if (!v) return Fail(LineError(i + 1, fmt::format("column {}: {}", c + 1, v.error().message)));
      return *v;
    };
    bool usable = true;
    if (confidence) {
      RAPPORT_ASSIGN_OR_RETURN(const double conf, cell(*confidence));
      if (IsMissing(conf) || conf < options.min_confidence) usable = false;
    }
    if (success) {
      RAPPORT_ASSIGN_OR_RETURN(const double ok, cell(*success));
      if (IsMissing(ok) || ok == 0) usable = false;
    }
    double current[3];
    for (int k = 0; k < 3; ++k) {
      RAPPORT_ASSIGN_OR_RETURN(current[k], cell(pose[k]));
      if (!usable) current[k] = kNaN;
    }
    const double dx = current[0] - previous[0];
    const double dy = current[1] - previous[1];
    const double dz = current[2] - previous[2];
    movement.push_back(std::sqrt(dx * dx + dy * dy + dz * dz));  // NaN if either frame is
    for (int k = 0; k < 3; ++k) previous[k] = current[k];
  }
  if (movement.empty()) return Fail(Error::InvalidArgument("the file has no data rows"));
  return movement;
}

}  // namespace rapport
