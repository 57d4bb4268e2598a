#pragma once
// JSON helpers for the edges (HTTP bodies, data files). Parsing never throws.
// JsonObjectReader reads one object's fields with type checks, collects every problem as a
// FieldError (so a client sees all of them at once) and rejects fields it was not asked about.
// Not thread-safe; use one reader per request.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace rapport {

using Json = nlohmann::json;

// Parses `text` as JSON; a syntax error becomes kInvalidArgument naming the byte offset.
Result<Json> ParseJson(std::string_view text);

// The reader's own limit for free text whose real limit is checked after its line breaks are
// normalised: it only keeps an absurd body out.
inline constexpr std::size_t kMaxTextReadBytes = 64 * 1024;

class JsonObjectReader {
 public:
  // `prefix` is prepended to field names in errors ("plan/goals/0/").
  explicit JsonObjectReader(const Json& object, std::string prefix = {});

  // Each getter records an error when the field is absent (Required*) or of the wrong type, and
  // then returns nullopt. Strings are checked for valid UTF-8, no NUL bytes, and max_length bytes.
  std::optional<std::string> RequiredString(std::string_view key, std::size_t max_length = 1000);
  std::optional<std::string> OptionalString(std::string_view key, std::size_t max_length = 1000);
  std::optional<std::int64_t> RequiredInt(std::string_view key);
  std::optional<std::int64_t> OptionalInt(std::string_view key);
  std::optional<double> RequiredNumber(std::string_view key);
  std::optional<double> OptionalNumber(std::string_view key);
  std::optional<bool> OptionalBool(std::string_view key);
  // Returns the raw value (object, array, anything) when present.
  const Json* Required(std::string_view key);
  const Json* Optional(std::string_view key);

  // Adds an error of the caller's own (e.g. a value out of range).
  void AddError(std::string_view key, std::string message);
  bool HasErrors() const { return !errors_.empty(); }
  std::string FieldName(std::string_view key) const;

  // Reports fields never asked about as "unknown field", then returns every error collected
  // as one kInvalidArgument Error, or Ok.
  Status Finish();

 private:
  const Json* Find(std::string_view key, bool required);

  const Json& object_;
  std::string prefix_;
  std::set<std::string, std::less<>> seen_;
  std::vector<FieldError> errors_;
  bool not_object_ = false;
};

// True when `text` is valid UTF-8 without NUL bytes.
bool IsCleanUtf8(std::string_view text);

// True when valid UTF-8 `text` holds a character that changes how the text around it is shown
// without being seen itself: the bidirectional controls (U+061C, U+200E, U+200F, U+202A-U+202E,
// U+2066-U+2069), the C1 controls (U+0080-U+009F) and the line and paragraph separators
// (U+2028, U+2029). A name with U+202E shows its end reversed.
bool HasInvisibleControls(std::string_view text);

}  // namespace rapport
