#pragma once
// Bivariate movement series for synchrony analysis and the readers that build them from text.
// Missing samples are NaN everywhere in the synchrony engine: a reader never turns a missing
// cell into zero. Readers are pure (they take the text, not a path) and report the 1-based line
// of the first problem. All functions are thread-compatible; values are plain and copyable.

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace rapport {

// Two equally long movement series sampled at `fps`; s1 is person 1 (by convention the client),
// s2 person 2 (the therapist). NaN marks a missing sample.
struct DyadSeries {
  std::vector<double> s1;
  std::vector<double> s2;
  double fps = 25.0;
  std::size_t size() const { return s1.size(); }
};

// The engine's missing marker.
inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// True when `v` is the engine's missing marker.
inline bool IsMissing(double v) {
  return v != v;
}

// Parses one cell: "NA", "NaN" and "" are missing (NaN); anything else must be a finite number.
Result<double> ParseCell(std::string_view cell);

// MEA text: whitespace-separated numbers, one row per frame, one column per region. Person 1 is
// the sum of the 1-based columns `p1_columns`, person 2 of `p2_columns`; a person's sample is
// missing when any of its regions is. A first line made only of non-numeric names (rMEA's
// `"pat" "th"` header) is skipped; blank lines are ignored.
Result<DyadSeries> ParseMeaText(std::string_view text, std::span<const int> p1_columns,
                                std::span<const int> p2_columns);

// Plain CSV with a header row; `p1` and `p2` name the columns (the first two columns when empty).
Result<DyadSeries> ParsePlainCsv(std::string_view text, std::string_view p1 = {},
                                 std::string_view p2 = {});

// Which part of OpenFace's head pose becomes movement.
enum class PoseMovement : std::uint8_t {
  kTranslation,  // Euclidean change of pose_Tx/Ty/Tz (millimetres per frame)
  kRotation,     // Euclidean change of pose_Rx/Ry/Rz (radians per frame)
};

struct OpenFaceOptions {
  PoseMovement movement = PoseMovement::kTranslation;
  // A frame whose tracking confidence is below this, or whose `success` is 0, is missing, and
  // so is the movement into and out of it.
  double min_confidence = 0.8;
};

// One person's OpenFace FeatureExtraction CSV -> frame-to-frame head movement. The first frame
// has no predecessor and is missing. Column names may carry OpenFace's leading spaces.
Result<std::vector<double>> ParseOpenFaceCsv(std::string_view text, const OpenFaceOptions& options);

// Parses "1,2,5" into {1,2,5}; every entry must be a positive integer.
Result<std::vector<int>> ParseColumnList(std::string_view text);

}  // namespace rapport
