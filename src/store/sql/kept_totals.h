#pragma once
// Internal to the store's SQL (store/sql/), for both engines: reading the latest totals an answer
// series keeps (the `recent` column of response_series, a JSON array of [submitted_at, id, total,
// band]) and writing them back with a new answer's total among them. The caseload reads hundreds of
// these per view, so the compact form the store writes is read directly; anything else (escapes in
// a band, spaces, a form edited by hand) goes through the general JSON parser and reads the same.
// Pure and thread-safe.

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/caseload_records.h"

namespace rapport {

// The totals of `text` in the order written, or kInternal when `text` is not an array of
// [integer, integer, number, string].
Result<std::vector<ScoredPoint>> ParseKeptTotals(std::string_view text);

// `points` in the compact form, in their order; kInternal for a total that is not finite.
Result<std::string> FormatKeptTotals(const std::vector<ScoredPoint>& points);

// `kept` with `added` among them, keeping the latest kKeptTotals by (submitted_at, id), oldest
// first.
std::vector<ScoredPoint> WithLatest(std::vector<ScoredPoint> kept, ScoredPoint added);

}  // namespace rapport
