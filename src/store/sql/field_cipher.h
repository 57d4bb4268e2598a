#pragma once
// Internal to the store's SQL (store/sql/), for both engines: which columns hold free text that is
// sealed at rest, and the form a sealed value takes. Pure and thread-safe; the keys themselves are
// the key ring's (key_ring.h).
//
// A sealed value is the text
//
//   rk1.<data key id>.<base64 of nonce | ciphertext | tag>
//
// XChaCha20-Poly1305 (core/crypto.h's TextSealer) under the data key <id> of the row's clinic, with
// the associated data naming the table, the column and the values of the row's owner columns
// (FieldContext): a value copied into another column, or into a row of another episode, client or
// record, does not open. An empty text is stored as it is (an empty field says nothing), and so is
// NULL.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace rapport {

// Every sealed column.
enum class Field : std::uint8_t {
  kResponseAnswers,
  kDraftAnswers,
  kAlertAcknowledgeNote,
  kAlertResolveNote,
  kPlanContent,
  kPlanClientComment,
  kPlanEventPayload,
  kRequestNote,
  kRequestReply,
  kGuardianException,
  kGuardianConsentNote,
  kMessageBody,
  kClientPreferences,
  kFirstStepBrings,
  kFirstStepHopes,
  kFirstStepWorries,
  kEndingWords,
  kNoteSections,
  kAddendumText,
  kChangeReason,
  kChangeToOutside,
  kChangePacket,
  kRuptureWhatHappened,
  kRuptureWhatWasSaid,
  kRuptureWhatChanges,
  kStandingCourtOrder,
  kStandingContactNote,
  kConsentNote,
  kDisclosureReason,
  kNotificationBody,
};

// A sealed column and what binds its values to their row.
struct SealedColumn {
  Field field;
  std::string_view table;
  std::string_view column;
  // Columns of the row that never change once it is written; their values are sealed in with the
  // text, so that the text opens only in a row with the same values.
  std::vector<std::string_view> owner;
  // The row's primary key (integer columns), in order: the order a scan of the table follows.
  std::vector<std::string_view> key;
  // SQL for the clinic whose data key seals the row, over the table named `t`.
  std::string_view clinic;
};

// Every sealed column, in Field's order.
std::span<const SealedColumn> SealedColumns();
const SealedColumn& Sealed(Field field);

// The values of a row's owner columns, as text: an integer in decimal, a missing one (NULL) as "".
// The store's typed queries and the scans over whole tables (which read them as CAST(... AS TEXT))
// must agree exactly.
using Owner = std::vector<std::string>;

inline std::string OwnerText(std::int64_t value) {
  return std::to_string(value);
}
inline std::string OwnerText(int value) {
  return std::to_string(value);
}
inline std::string OwnerText(const std::optional<std::int64_t>& value) {
  return value ? std::to_string(*value) : std::string();
}
inline std::string OwnerText(std::string_view value) {
  return std::string(value);
}
inline std::string OwnerText(const std::string& value) {
  return value;
}
inline std::string OwnerText(const char* value) {
  return value;
}

template <typename... Values>
Owner OwnerOf(const Values&... values) {
  return Owner{OwnerText(values)...};
}

// The associated data of a value of `column` in the row whose owner columns hold `owner`.
std::string FieldContext(const SealedColumn& column, std::span<const std::string> owner);

// "table.column of owner=value, ...": how an error names a field, with ids and codes, never text.
std::string NameField(const SealedColumn& column, std::span<const std::string> owner);

inline constexpr std::string_view kSealedPrefix = "rk1.";

// Whether `stored` has the form of a sealed value (it may still fail to open).
bool IsSealedValue(std::string_view stored);
// The data key id a sealed value names; nullopt when `stored` is not of the sealed form.
std::optional<std::int64_t> SealedKeyId(std::string_view stored);
// The sealed form of `sealed` (TextSealer::Seal's base64) under data key `key_id`.
std::string FormatSealed(std::int64_t key_id, std::string_view sealed);
// The base64 part of a sealed value ("" when `stored` is not of the sealed form).
std::string_view SealedPart(std::string_view stored);

}  // namespace rapport
