#pragma once
// Internal to the admin subcommands (demo, user, audit): a small flag parser that accepts
// "--name VALUE" and "--name=VALUE" and refuses anything it was not told about. Value type.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/result.h"

namespace rapport::cli {

struct ParsedArgs {
  std::vector<std::string> positional;
  std::map<std::string, std::string> flags;  // without the leading dashes

  std::optional<std::string> Get(const std::string& name) const;
};

// kInvalidArgument (field "--flag") for an unknown flag or a flag without its value.
Result<ParsedArgs> ParseArgs(Args args, const std::set<std::string>& known_flags);

// Prints an error and its field errors as "rapport <command>: ..." lines.
void PrintError(std::ostream& err, std::string_view command, const Error& error);

}  // namespace rapport::cli
