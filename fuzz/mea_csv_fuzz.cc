// The movement files `rapport sync` reads (analysis/sync_series.h): MEA text, plain CSV with a
// header and OpenFace's CSV, then what `rapport sync ccf` does with a session it could read:
// preprocessing (skip, smoothing, scaling; clean or rMEA's arithmetic), the windowed lagged
// cross-correlation and its summary.
//
// An input is one line of options, then the file:
//   mea p1=1,2 p2=3 fps=10 smooth=0.5 scale lag=1 window=4 increment=2
//   0.1 0.2 0.0
//   ...
// The first word is the reader (mea, csv, openface; anything else picks one by the line's length),
// the others `rapport sync`'s flags: p1, p2 (MEA: column lists read by ParseColumnList; CSV: column
// names), fps, skip, smooth, lag, window, increment (numbers read by ParseCell, as the command
// reads them), scale, rmea, abs, fisher, rotation, confidence. OpenFace takes two files, person
// 1's and person 2's, separated by a line "---". The flags are kept within what a session
// of a few thousand samples makes sensible, so that no input asks for hours of arithmetic.
// Oracle, besides the sanitizers: every cell of a plain correlation matrix is an r in [-1, 1].

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/sync_ccf.h"
#include "analysis/sync_preprocess.h"
#include "analysis/sync_series.h"

namespace {

using rapport::DyadSeries;

struct Flags {
  std::string reader;
  std::map<std::string, std::string, std::less<>> values;

  bool Has(std::string_view name) const { return values.contains(name); }
  std::string Get(std::string_view name) const {
    const auto it = values.find(name);
    return it == values.end() ? std::string() : it->second;
  }
  // The flag's number, or `fallback` when absent or unreadable; then kept within [low, high].
  double Number(std::string_view name, double fallback, double low, double high) const {
    double value = fallback;
    if (const auto it = values.find(name); it != values.end()) {
      if (auto parsed = rapport::ParseCell(it->second); parsed && !rapport::IsMissing(*parsed)) {
        value = *parsed;
      }
    }
    return std::clamp(value, low, high);
  }
};

Flags ReadFlags(std::string_view line) {
  Flags flags;
  bool first = true;
  while (!line.empty()) {
    const std::size_t space = line.find(' ');
    const std::string_view word = line.substr(0, space);
    line = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
    if (word.empty()) continue;
    if (first) {
      flags.reader = std::string(word);
      first = false;
      continue;
    }
    const std::size_t equals = word.find('=');
    flags.values[std::string(word.substr(0, equals))] =
        equals == std::string_view::npos ? std::string() : std::string(word.substr(equals + 1));
  }
  return flags;
}

rapport::Result<DyadSeries> Read(const Flags& flags, std::string_view text, std::size_t line_size) {
  std::string reader = flags.reader;
  if (reader != "mea" && reader != "csv" && reader != "openface") {
    reader = line_size % 3 == 0 ? "mea" : line_size % 3 == 1 ? "csv" : "openface";
  }
  if (reader == "mea") {
    std::vector<int> p1 = {1}, p2 = {2};
    if (!flags.Get("p1").empty()) {
      RAPPORT_ASSIGN_OR_RETURN(p1, rapport::ParseColumnList(flags.Get("p1")));
    }
    if (!flags.Get("p2").empty()) {
      RAPPORT_ASSIGN_OR_RETURN(p2, rapport::ParseColumnList(flags.Get("p2")));
    }
    return rapport::ParseMeaText(text, p1, p2);
  }
  if (reader == "csv") return rapport::ParsePlainCsv(text, flags.Get("p1"), flags.Get("p2"));
  rapport::OpenFaceOptions options;
  options.min_confidence = flags.Number("confidence", 0.8, 0, 1);
  if (flags.Has("rotation")) options.movement = rapport::PoseMovement::kRotation;
  const std::size_t split = text.find("\n---\n");
  const std::string_view first = text.substr(0, split);
  const std::string_view second =
      split == std::string_view::npos ? std::string_view() : text.substr(split + 5);
  DyadSeries series;
  RAPPORT_ASSIGN_OR_RETURN(series.s1, rapport::ParseOpenFaceCsv(first, options));
  RAPPORT_ASSIGN_OR_RETURN(series.s2, rapport::ParseOpenFaceCsv(second, options));
  const std::size_t n = std::min(series.s1.size(), series.s2.size());
  series.s1.resize(n);
  series.s2.resize(n);
  return series;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string_view line = input.substr(0, newline);
  const std::string_view text =
      newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
  const Flags flags = ReadFlags(line);

  auto series = Read(flags, text, line.size());
  if (!series) return 0;
  series->fps = flags.Number("fps", 25, 0.5, 100);
  rapport::PreprocessOptions pre;
  pre.skip_seconds = flags.Number("skip", 0, 0, 100);
  pre.smooth_seconds = flags.Number("smooth", 0, 0, 10);
  pre.scale = flags.Has("scale");
  pre.rmea_compat = flags.Has("rmea");
  auto ready = rapport::Preprocess(*series, pre);
  if (!ready) return 0;

  rapport::CcfOptions options;
  options.fps = series->fps;
  options.lag_seconds = flags.Number("lag", 5, 0, 30);
  options.window_seconds = flags.Number("window", 60, 0, 120);
  options.increment_seconds = flags.Number("increment", 30, 0, 120);
  options.absolute = flags.Has("abs");
  options.fisher_z = flags.Has("fisher");
  options.rmea_compat = pre.rmea_compat;
  auto matrix = rapport::ComputeCcf(ready->s1, ready->s2, options);
  if (!matrix) return 0;
  (void)rapport::Summarize(*matrix);
  if (!options.fisher_z) {
    for (const double r : matrix->values) {
      if (!std::isnan(r) && !(r >= -1.0 - 1e-9 && r <= 1.0 + 1e-9)) {
        std::fprintf(stderr, "a correlation of %.17g\n", r);
        __builtin_trap();
      }
    }
  }
  return 0;
}
