#include "cli/admin_args.h"

#include <fmt/format.h>

#include <ostream>

namespace rapport::cli {

std::optional<std::string> ParsedArgs::Get(const std::string& name) const {
  if (auto it = flags.find(name); it != flags.end()) return it->second;
  return std::nullopt;
}

Result<ParsedArgs> ParseArgs(Args args, const std::set<std::string>& known_flags) {
  ParsedArgs parsed;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!arg.starts_with("--")) {
      parsed.positional.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (!known_flags.contains(name)) {
      return Fail(Error::Field("--" + name, "is not a known option"));
    }
    if (!value) {
      if (i + 1 >= args.size() || args[i + 1].starts_with("--")) {
        return Fail(Error::Field("--" + name, "needs a value"));
      }
      value = args[++i];
    }
    parsed.flags[name] = *value;
  }
  return parsed;
}

void PrintError(std::ostream& err, std::string_view command, const Error& error) {
  if (error.fields.empty() || error.code != ErrorCode::kInvalidArgument) {
    err << fmt::format("rapport {}: {}\n", command, error.message);
  }
  for (const FieldError& f : error.fields) {
    err << fmt::format("rapport {}: {}: {}\n", command, f.field, f.message);
  }
}

}  // namespace rapport::cli
