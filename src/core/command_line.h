#pragma once
// One command's words, declared once: CLI11 reads them and writes the command's --help from the
// same declarations, so the help can never forget an option the command takes. The command reads
// the values as text and checks them with messages of its own. Only command_line.cc sees CLI11.

#include <iosfwd>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace CLI {
class App;
}

namespace rapport {

class CommandLine {
 public:
  // `command` as typed after `rapport` ("backup", "sync ccf"); `synopsis` what follows it in the
  // usage line ("--to FILE [options]"); `about` one or two sentences that open the help.
  CommandLine(std::string command, std::string synopsis, std::string about);
  ~CommandLine();
  CommandLine(const CommandLine&) = delete;
  CommandLine& operator=(const CommandLine&) = delete;

  // --NAME VALUE or --NAME=VALUE (`name` with its dashes); when given twice, the last counts.
  CommandLine& Option(std::string_view name, std::string_view value_name, std::string_view help);
  // The same, repeatable: every value counts, in the order given.
  CommandLine& Repeatable(std::string_view name, std::string_view value_name,
                          std::string_view help);
  // --NAME alone.
  CommandLine& Flag(std::string_view name, std::string_view help);
  // The words without dashes, at most `most` of them (-1: any number), named `name` in the help.
  CommandLine& Words(std::string_view name, std::string_view help, int most);
  // Text closing the help, after the options.
  CommandLine& Footer(std::string_view text);

  // Reads `args`. Returns the exit status when the command must stop here: 0 after printing the
  // help to `out` for --help or -h, 2 after printing "rapport COMMAND: why" and the usage line to
  // `err` for an unknown option, an option without its value or a word too many. nullopt: go on.
  std::optional<int> Read(std::span<const std::string> args, std::ostream& out, std::ostream& err);
  // Reads `args` without printing anything: true when --help or -h was asked for; a wrong word
  // is kInvalidArgument saying why, as Read would print it.
  Result<bool> Parse(std::span<const std::string> args);

  std::optional<std::string> Get(std::string_view name) const;
  std::string Get(std::string_view name, std::string_view fallback) const;
  std::vector<std::string> GetAll(std::string_view name) const;
  bool Has(std::string_view flag) const;
  const std::vector<std::string>& words() const { return words_; }

  // The generated help, and the usage line ("usage: rapport COMMAND SYNOPSIS") with a pointer to
  // it, which commands print after an error of their own.
  std::string Help() const;
  std::string Usage() const;

 private:
  struct Values;
  std::string command_;
  std::string synopsis_;
  std::unique_ptr<CLI::App> app_;
  std::unique_ptr<Values> values_;
  std::vector<std::string> words_;
  int most_words_ = 0;
};

}  // namespace rapport
