#include "core/json.h"

#include <fmt/format.h>

#include <utility>

#include "core/field_problems.h"

namespace rapport {

Result<Json> ParseJson(std::string_view text) {
  Json parsed = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return Fail(Error::InvalidArgument("The request body is not valid JSON.",
                                       {FieldError{"", "not valid JSON"}}));
  }
  return parsed;
}

bool HasInvisibleControls(std::string_view text) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    const unsigned char b0 = byte(i), b1 = byte(i + 1);
    if (b0 == 0xC2 && b1 >= 0x80 && b1 <= 0x9F) return true;  // C1 controls
    if (b0 == 0xD8 && b1 == 0x9C) return true;                // U+061C arabic letter mark
    if (b0 != 0xE2 || i + 2 >= text.size()) continue;
    const unsigned char b2 = byte(i + 2);
    if (b1 == 0x80 && (b2 == 0x8E || b2 == 0x8F)) return true;  // U+200E, U+200F
    if (b1 == 0x80 && b2 >= 0xA8 && b2 <= 0xAE) return true;    // U+2028-U+202E
    if (b1 == 0x81 && b2 >= 0xA6 && b2 <= 0xA9) return true;    // U+2066-U+2069
  }
  return false;
}

bool IsCleanUtf8(std::string_view text) {
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == 0) return false;
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c >> 5) == 0x6) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c >> 4) == 0xE) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c >> 3) == 0x1E) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc >> 6) != 0x2) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong encodings, surrogates and out-of-range code points are all invalid.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

JsonObjectReader::JsonObjectReader(const Json& object, std::string prefix)
    : object_(object), prefix_(std::move(prefix)) {
  if (!object_.is_object()) {
    not_object_ = true;
    errors_.push_back(
        {prefix_.empty() ? "" : prefix_.substr(0, prefix_.size() - 1), "must be a JSON object"});
  }
}

std::string JsonObjectReader::FieldName(std::string_view key) const {
  return prefix_ + std::string(key);
}

void JsonObjectReader::AddError(std::string_view key, std::string message) {
  errors_.push_back({FieldName(key), std::move(message)});
}

const Json* JsonObjectReader::Find(std::string_view key, bool required) {
  if (not_object_) return nullptr;
  seen_.emplace(key);
  const auto it = object_.find(key);
  if (it == object_.end() || (it->is_null() && !required)) {
    if (required) AddError(key, "is required");
    return nullptr;
  }
  if (it->is_null()) {
    AddError(key, "is required");
    return nullptr;
  }
  return &*it;
}

const Json* JsonObjectReader::Required(std::string_view key) {
  return Find(key, true);
}
const Json* JsonObjectReader::Optional(std::string_view key) {
  return Find(key, false);
}

namespace {
std::optional<std::string> ReadString(JsonObjectReader& r, const Json* v, std::string_view key,
                                      std::size_t max_length) {
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) {
    r.AddError(key, "must be a string");
    return std::nullopt;
  }
  const auto& s = v->get_ref<const std::string&>();
  if (!IsCleanUtf8(s)) {
    r.AddError(key, "must be valid UTF-8 text without NUL characters");
    return std::nullopt;
  }
  if (s.size() > max_length) {
    r.AddError(key, fmt::format("must be at most {} bytes long", max_length));
    return std::nullopt;
  }
  return s;
}

std::optional<std::int64_t> ReadInt(JsonObjectReader& r, const Json* v, std::string_view key) {
  if (v == nullptr) return std::nullopt;
  if (v->is_number_integer()) return v->get<std::int64_t>();
  if (v->is_number_unsigned()) {
    const auto u = v->get<std::uint64_t>();
    if (u <= static_cast<std::uint64_t>(INT64_MAX)) return static_cast<std::int64_t>(u);
  }
  r.AddError(key, "must be an integer");
  return std::nullopt;
}

std::optional<double> ReadNumber(JsonObjectReader& r, const Json* v, std::string_view key) {
  if (v == nullptr) return std::nullopt;
  if (!v->is_number()) {
    r.AddError(key, "must be a number");
    return std::nullopt;
  }
  return v->get<double>();
}
}  // namespace

std::optional<std::string> JsonObjectReader::RequiredString(std::string_view key,
                                                            std::size_t max_length) {
  return ReadString(*this, Find(key, true), key, max_length);
}
std::optional<std::string> JsonObjectReader::OptionalString(std::string_view key,
                                                            std::size_t max_length) {
  return ReadString(*this, Find(key, false), key, max_length);
}
std::optional<std::int64_t> JsonObjectReader::RequiredInt(std::string_view key) {
  return ReadInt(*this, Find(key, true), key);
}
std::optional<std::int64_t> JsonObjectReader::OptionalInt(std::string_view key) {
  return ReadInt(*this, Find(key, false), key);
}
std::optional<double> JsonObjectReader::RequiredNumber(std::string_view key) {
  return ReadNumber(*this, Find(key, true), key);
}
std::optional<double> JsonObjectReader::OptionalNumber(std::string_view key) {
  return ReadNumber(*this, Find(key, false), key);
}
std::optional<bool> JsonObjectReader::OptionalBool(std::string_view key) {
  const Json* v = Find(key, false);
  if (v == nullptr) return std::nullopt;
  if (!v->is_boolean()) {
    AddError(key, "must be true or false");
    return std::nullopt;
  }
  return v->get<bool>();
}

Status JsonObjectReader::Finish() {
  if (!not_object_) {
    for (const auto& [key, value] : object_.items()) {
      if (!seen_.contains(key)) AddError(key, "is not a known field");
    }
  }
  if (errors_.empty()) return Ok();
  return Fail(InvalidFields("Some fields need attention: ", std::move(errors_)));
}

}  // namespace rapport
