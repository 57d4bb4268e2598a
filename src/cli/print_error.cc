#include "cli/print_error.h"

#include <fmt/format.h>

#include <ostream>

namespace rapport::cli {

void PrintError(std::ostream& err, std::string_view command, const Error& error) {
  if (error.fields.empty() || error.code != ErrorCode::kInvalidArgument) {
    err << fmt::format("rapport {}: {}\n", command, error.message);
  }
  for (const FieldError& f : error.fields) {
    err << fmt::format("rapport {}: {}: {}\n", command, f.field, f.message);
  }
}

}  // namespace rapport::cli
