#include "core/command_line.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <map>
#include <ostream>

namespace rapport {

// Every value option writes into a list of its own (a map's nodes never move), and Get reads the
// last, so "given twice, the last counts" holds without CLI11's policy for single values.
struct CommandLine::Values {
  std::map<std::string, std::vector<std::string>, std::less<>> lists;
  std::map<std::string, CLI::Option*, std::less<>> options;
};

namespace {

constexpr std::size_t kLineWidth = 80;
constexpr std::size_t kNameColumn = 30;

// `text` with line breaks between words so that no line is longer than `width` (a word longer
// than that stands on a line of its own); the breaks already in it are kept.
std::string Wrap(std::string_view text, std::size_t width) {
  std::string wrapped;
  std::size_t column = 0;
  std::size_t at = 0;
  while (at < text.size()) {
    if (text[at] == '\n') {
      wrapped += '\n';
      column = 0;
      ++at;
      continue;
    }
    if (text[at] == ' ') {
      ++at;
      continue;
    }
    const std::size_t end = std::min(text.find_first_of(" \n", at), text.size());
    const std::string_view word = text.substr(at, end - at);
    if (column > 0 && column + 1 + word.size() > width) {
      wrapped += '\n';
      column = 0;
    } else if (column > 0) {
      wrapped += ' ';
      ++column;
    }
    wrapped += word;
    column += word.size();
    at = end;
  }
  return wrapped;
}

// The help a person reads: the usage line with the words they type, not CLI11's [OPTIONS] and
// TEXT badges, then what the command does; every text wrapped to a terminal's width.
class HelpFormatter : public CLI::Formatter {
 public:
  explicit HelpFormatter(std::string line) : line_(std::move(line)) { column_width(kNameColumn); }
  std::string make_description(const CLI::App* /*app*/) const override { return ""; }
  std::string make_usage(const CLI::App* app, std::string /*name*/) const override {
    return "Usage: " + line_ + "\n\n" + Wrap(app->get_description(), kLineWidth) + "\n";
  }
  std::string make_option_opts(const CLI::Option* option) const override {
    return option->get_positional() ? "" : CLI::Formatter::make_option_opts(option);
  }
  std::string make_option_desc(const CLI::Option* option) const override {
    return Wrap(option->get_description(), kLineWidth - kNameColumn);
  }
  std::string make_footer(const CLI::App* app) const override {
    return app->get_footer().empty() ? "" : Wrap(app->get_footer(), kLineWidth) + "\n";
  }

 private:
  std::string line_;
};

// CLI11 names an option whose value is missing as "--roi: 1 required TEXT missing".
std::string OptionOf(const std::string& message) {
  return message.substr(0, message.find(':'));
}

}  // namespace

CommandLine::CommandLine(std::string command, std::string synopsis, std::string about)
    : command_(std::move(command)),
      synopsis_(std::move(synopsis)),
      app_(std::make_unique<CLI::App>(std::move(about), "rapport " + command_)),
      values_(std::make_unique<Values>()) {
  app_->formatter(std::make_shared<HelpFormatter>(
      fmt::format("rapport {}{}{}", command_, synopsis_.empty() ? "" : " ", synopsis_)));
  app_->set_help_flag("-h,--help", "this text");
  // Unknown words are answered below, in the same words for every command.
  app_->allow_extras();
}

CommandLine::~CommandLine() = default;

CommandLine& CommandLine::Option(std::string_view name, std::string_view value_name,
                                 std::string_view help) {
  Repeatable(name, value_name, help);
  return *this;
}

CommandLine& CommandLine::Repeatable(std::string_view name, std::string_view value_name,
                                     std::string_view help) {
  std::vector<std::string>& list = values_->lists[std::string(name)];
  CLI::Option* option = app_->add_option(std::string(name), list, std::string(help))
                            ->type_name(std::string(value_name))
                            ->expected(1)
                            ->allow_extra_args(false)
                            ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  values_->options[std::string(name)] = option;
  return *this;
}

CommandLine& CommandLine::Flag(std::string_view name, std::string_view help) {
  values_->options[std::string(name)] =
      app_->add_flag(std::string(name))->description(std::string(help));
  return *this;
}

CommandLine& CommandLine::Words(std::string_view name, std::string_view help, int most) {
  // Any number is read, so that a word too many is named below rather than by CLI11.
  app_->add_option(std::string(name), words_, std::string(help))
      ->expected(0, CLI::detail::expected_max_vector_size);
  most_words_ = most;
  return *this;
}

CommandLine& CommandLine::Footer(std::string_view text) {
  app_->footer(std::string(text));
  return *this;
}

std::optional<int> CommandLine::Read(std::span<const std::string> args, std::ostream& out,
                                     std::ostream& err) {
  const Result<bool> help = Parse(args);
  if (!help) {
    err << fmt::format("rapport {}: {}\n{}", command_, help.error().message, Usage());
    return 2;
  }
  if (*help) {
    out << Help();
    return 0;
  }
  return std::nullopt;
}

Result<bool> CommandLine::Parse(std::span<const std::string> args) {
  const auto refuse = [](std::string why) { return Fail(Error::InvalidArgument(std::move(why))); };
  try {
    // CLI11 takes the words last first.
    app_->parse(std::vector<std::string>(args.rbegin(), args.rend()));
  } catch (const CLI::CallForHelp&) {
    return true;
  } catch (const CLI::ArgumentMismatch& e) {
    return refuse(OptionOf(e.what()) + ": needs a value");
  } catch (const CLI::ParseError& e) {
    return refuse(e.what());
  }
  const std::vector<std::string> extra = app_->remaining();
  if (!extra.empty()) {
    const std::string& word = extra.front();
    if (word.starts_with("-")) {
      return refuse(fmt::format("unknown option '{}'", word.substr(0, word.find('='))));
    }
    return refuse(fmt::format("unexpected '{}'", word));
  }
  if (most_words_ >= 0 && words_.size() > static_cast<std::size_t>(most_words_)) {
    return refuse(fmt::format("unexpected '{}'", words_[static_cast<std::size_t>(most_words_)]));
  }
  return false;
}

std::optional<std::string> CommandLine::Get(std::string_view name) const {
  const auto it = values_->lists.find(name);
  if (it == values_->lists.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::string CommandLine::Get(std::string_view name, std::string_view fallback) const {
  return Get(name).value_or(std::string(fallback));
}

std::vector<std::string> CommandLine::GetAll(std::string_view name) const {
  const auto it = values_->lists.find(name);
  return it == values_->lists.end() ? std::vector<std::string>{} : it->second;
}

bool CommandLine::Has(std::string_view flag) const {
  const auto it = values_->options.find(flag);
  return it != values_->options.end() && it->second->count() > 0;
}

std::string CommandLine::Help() const {
  return app_->help();
}

std::string CommandLine::Usage() const {
  return fmt::format("usage: rapport {}{}{} (rapport {} --help says more)\n", command_,
                     synopsis_.empty() ? "" : " ", synopsis_, command_);
}

}  // namespace rapport
