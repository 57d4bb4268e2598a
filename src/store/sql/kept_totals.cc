#include "store/sql/kept_totals.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <iterator>
#include <optional>
#include <system_error>
#include <tuple>
#include <type_traits>

#include "core/json.h"

namespace rapport {

namespace {

Error Corrupt() {
  return Error::Internal("corrupt answer series in the database");
}

// Reads the compact form SQLite writes, [[1,2,3.5,"band"],...], or nullopt for anything else.
class CompactReader {
 public:
  explicit CompactReader(std::string_view text)
      : p_(text.data()), end_(text.data() + text.size()) {}

  std::optional<std::vector<ScoredPoint>> Read() {
    std::vector<ScoredPoint> out;
    if (!Take('[')) return std::nullopt;
    if (Take(']')) return AtEnd() ? std::optional(std::move(out)) : std::nullopt;
    do {
      ScoredPoint point;
      if (!Take('[') || !Number(point.submitted_at) || !Take(',') || !Number(point.id) ||
          !Take(',') || !Number(point.total) || !Take(',') || !String(point.band) || !Take(']')) {
        return std::nullopt;
      }
      out.push_back(std::move(point));
    } while (Take(','));
    if (!Take(']') || !AtEnd()) return std::nullopt;
    return out;
  }

 private:
  bool AtEnd() const { return p_ == end_; }

  bool Take(char c) {
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }

  template <typename T>
  bool Number(T& value) {
    if (p_ == end_ || (*p_ != '-' && (*p_ < '0' || *p_ > '9'))) return false;  // no "nan"
    const auto [next, error] = std::from_chars(p_, end_, value);
    if (error != std::errc() || next == p_) return false;
    if constexpr (std::is_integral_v<T>) {
      if (next != end_ && (*next == '.' || *next == 'e' || *next == 'E')) return false;
    }
    p_ = next;
    return true;
  }

  // A string without escapes or control characters.
  bool String(std::string& value) {
    if (!Take('"')) return false;
    const char* start = p_;
    while (p_ != end_ && *p_ != '"') {
      if (*p_ == '\\' || static_cast<unsigned char>(*p_) < 0x20) return false;
      ++p_;
    }
    if (p_ == end_) return false;
    value.assign(start, p_);
    ++p_;
    return true;
  }

  const char* p_;
  const char* end_;
};

Result<std::vector<ScoredPoint>> ParseGeneral(std::string_view text) {
  const Json kept = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!kept.is_array()) return Fail(Corrupt());
  std::vector<ScoredPoint> out;
  for (const Json& point : kept) {
    if (!point.is_array() || point.size() != 4 || !point[0].is_number_integer() ||
        !point[1].is_number_integer() || !point[2].is_number() || !point[3].is_string()) {
      return Fail(Corrupt());
    }
    out.push_back(ScoredPoint{point[0].get<Timestamp>(), point[1].get<ResponseId>(),
                              point[2].get<double>(), point[3].get<std::string>()});
  }
  return out;
}

}  // namespace

Result<std::vector<ScoredPoint>> ParseKeptTotals(std::string_view text) {
  if (std::optional<std::vector<ScoredPoint>> compact = CompactReader(text).Read()) {
    return std::move(*compact);
  }
  return ParseGeneral(text);
}

Result<std::string> FormatKeptTotals(const std::vector<ScoredPoint>& points) {
  std::string out = "[";
  for (const ScoredPoint& p : points) {
    if (!std::isfinite(p.total)) return Fail(Error::Internal("a total that is not a number"));
    if (out.size() > 1) out += ',';
    fmt::format_to(std::back_inserter(out), "[{},{},{},{}]", p.submitted_at, p.id, p.total,
                   Json(p.band).dump(-1, ' ', false, Json::error_handler_t::replace));
  }
  out += ']';
  return out;
}

std::vector<ScoredPoint> WithLatest(std::vector<ScoredPoint> kept, ScoredPoint added) {
  kept.push_back(std::move(added));
  std::sort(kept.begin(), kept.end(), [](const ScoredPoint& a, const ScoredPoint& b) {
    return std::tie(a.submitted_at, a.id) < std::tie(b.submitted_at, b.id);
  });
  const auto keep = static_cast<std::size_t>(kKeptTotals);
  if (kept.size() > keep) kept.erase(kept.begin(), kept.end() - keep);
  return kept;
}

}  // namespace rapport
