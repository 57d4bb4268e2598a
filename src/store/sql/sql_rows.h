#pragma once
// Internal to the store's SQL (store/sql/), for both engines: the small helpers every query file
// shares to turn statements into records and results. Header-only templates; stateless and
// thread-safe.

#include <fmt/format.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/sql/sealed_fields.h"
#include "store/sql/sql_connection.h"

namespace rapport {

// A value the CHECK constraints should have kept out: the file was edited by hand or is damaged.
template <typename T>
inline Result<T> FromColumn(Result<T> parsed, std::string_view what) {
  if (!parsed) return Fail(Error::Internal(fmt::format("corrupt {} in the database", what)));
  return parsed;
}

// The one row of `q`, or kNotFound with `missing`.
template <typename Reader>
auto One(SqlQuery& q, Reader read, std::string_view missing) -> decltype(read(q)) {
  RAPPORT_ASSIGN_OR_RETURN(const bool row, q.Step());
  if (!row) return Fail(Error::NotFound(std::string(missing)));
  return read(q);
}

// Every row of `q`.
template <typename Reader>
auto All(SqlQuery& q, Reader read) -> Result<std::vector<typename decltype(read(q))::value_type>> {
  std::vector<typename decltype(read(q))::value_type> rows;
  for (;;) {
    RAPPORT_ASSIGN_OR_RETURN(const bool row, q.Step());
    if (!row) return rows;
    auto value = read(q);
    if (!value) return Fail(std::move(value).error());
    rows.push_back(std::move(*value));
  }
}

// Readers of one row that open its sealed fields with `f`, for One() and All().
auto Opening(SealedFields& f, auto read) {
  return [&f, read](const SqlQuery& row) { return read(f, row); };
}

// An id column where 0 (none, or the system) is stored as NULL.
inline std::optional<std::int64_t> IdOrNull(std::int64_t id) {
  return id == 0 ? std::nullopt : std::optional<std::int64_t>(id);
}

// An UPDATE or DELETE of one record by id: kNotFound when it changed nothing.
inline Status ChangedOne(Result<int> changed, std::string_view missing) {
  if (!changed) return Fail(std::move(changed).error());
  if (*changed == 0) return Fail(Error::NotFound(std::string(missing)));
  return Ok();
}

// A statement's success without its count of changed rows.
inline Status Done(const Result<int>& changed) {
  if (!changed) return Fail(changed.error());
  return Ok();
}

template <typename T>
inline Result<T> NameMissing(Result<T> result, std::string_view message) {
  if (!result) return Fail(NameMissingReference(std::move(result).error(), message));
  return result;
}

}  // namespace rapport
