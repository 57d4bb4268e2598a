#pragma once
// Result<T>: a value or an Error. g++ 12's std::expected has no and_then/transform, so errors
// propagate by early return, helped by the two macros below.
//
// Result is std::expected with one addition: it is [[nodiscard]]. A call whose Result is dropped
// does not compile (clang's -Werror in the dev build), so an error cannot vanish unseen. Where a
// failure truly changes nothing, say so with `(void)` and a comment.

#include <expected>
#include <utility>

#include "core/error.h"

namespace rapport {

template <typename T>
class [[nodiscard]] Result : public std::expected<T, Error> {
 public:
  using std::expected<T, Error>::expected;
  Result() = default;
};

// A Result with nothing in it on success.
using Status = Result<void>;

inline std::unexpected<Error> Fail(Error error) {
  return std::unexpected<Error>(std::move(error));
}

inline Status Ok() {
  return {};
}

}  // namespace rapport

#define RAPPORT_CONCAT_INNER_(a, b) a##b
#define RAPPORT_CONCAT_(a, b) RAPPORT_CONCAT_INNER_(a, b)

// RAPPORT_RETURN_IF_ERROR(expr): evaluates a Status or Result and returns its error, if any.
// The temporary's name carries the line number so that nesting (a lambda inside a function
// that also uses the macro) does not shadow.
#define RAPPORT_RETURN_IF_ERROR(expr) \
  RAPPORT_RETURN_IF_ERROR_IMPL_(RAPPORT_CONCAT_(rapport_status_, __LINE__), expr)
#define RAPPORT_RETURN_IF_ERROR_IMPL_(tmp, expr)          \
  do {                                                    \
    if (auto tmp = (expr); !tmp.has_value()) {            \
      return ::std::unexpected(::std::move(tmp).error()); \
    }                                                     \
  } while (false)

// RAPPORT_ASSIGN_OR_RETURN(lhs, expr): `lhs = *expr` or return expr's error.
#define RAPPORT_ASSIGN_OR_RETURN(lhs, expr) \
  RAPPORT_ASSIGN_OR_RETURN_IMPL_(RAPPORT_CONCAT_(rapport_result_, __LINE__), lhs, expr)
#define RAPPORT_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr)  \
  auto tmp = (expr);                                    \
  if (!tmp.has_value()) {                               \
    return ::std::unexpected(::std::move(tmp).error()); \
  }                                                     \
  lhs = ::std::move(*tmp)
