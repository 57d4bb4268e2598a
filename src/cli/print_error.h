#pragma once
// Internal to the subcommands: how an error from the services reaches the operator's terminal.

#include <iosfwd>
#include <string_view>

#include "core/result.h"

namespace rapport::cli {

// Prints an error and its field errors as "rapport <command>: ..." lines.
void PrintError(std::ostream& err, std::string_view command, const Error& error);

}  // namespace rapport::cli
