#include "store/sql/sql_connection.h"

namespace rapport {

Error NameMissingReference(Error error, std::string_view message) {
  if (error.code == ErrorCode::kInvalidArgument && error.message == kMissingReferenceMessage) {
    error.message = std::string(message);
  }
  return error;
}

Result<int> SqlQuery::Run() {
  for (;;) {
    RAPPORT_ASSIGN_OR_RETURN(const bool row, Step());
    if (!row) break;
  }
  return statement_->Changes();
}

Result<std::int64_t> SqlQuery::RunReturningId() {
  RAPPORT_ASSIGN_OR_RETURN(const bool row, Step());
  if (!row) return Fail(Error::Internal("database error: INSERT returned no id"));
  const std::int64_t id = Int(0);
  RAPPORT_RETURN_IF_ERROR(Run());
  return id;
}

}  // namespace rapport
