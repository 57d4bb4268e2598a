// rapport score: scores questionnaire answers from the command line or a CSV file, one JSON
// object per respondent per line, so that researchers and clinics can score paper forms in bulk.

#include <fmt/format.h>

#include <charconv>
#include <ostream>
#include <vector>

#include "cli/commands.h"
#include "config/instrument_files.h"
#include "core/text.h"
#include "domain/scoring.h"

namespace rapport {

namespace {

constexpr const char* kScoreUsage =
    "usage: rapport score INSTRUMENT (--answers V1,V2,... | --answers JSON | --csv FILE)\n"
    "                    [--instruments-dir DIR]\n"
    "  --answers  values in the questionnaire's item order, an entry left empty if unanswered;\n"
    "             or an object of item id to answer: '{\"asq_1\": 1, \"asq_2\": 0}'\n"
    "  --csv      one respondent per row; the header names the item ids\n"
    "A screening questionnaire's line carries its result as \"screen\" (and as \"band\").\n";

// Splits one CSV record (RFC 4180 quoting; no embedded newlines).
Result<std::vector<std::string>> SplitCsv(std::string_view line) {
  std::vector<std::string> cells;
  std::string cell;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c == '"' && cell.empty()) {
      quoted = true;
    } else if (c == ',') {
      cells.push_back(std::move(cell));
      cell.clear();
    } else if (c != '\r') {
      cell += c;
    }
  }
  if (quoted) return Fail(Error::InvalidArgument("a quoted cell is not closed"));
  cells.push_back(std::move(cell));
  return cells;
}

// Turns one CSV row into Answers, by the header's item ids.
Result<Answers> RowAnswers(const Instrument& inst, const std::vector<std::string>& header,
                           const std::vector<std::string>& cells) {
  if (cells.size() != header.size()) {
    return Fail(Error::InvalidArgument(
        fmt::format("has {} cells but the header has {}", cells.size(), header.size())));
  }
  Json answers = Json::object();
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const std::string value(Trim(cells[i], kBlanks));
    if (value.empty() || value == "NA") continue;
    const Item* item = inst.FindItem(header[i]);
    if (item != nullptr && item->type == ItemType::kText) {
      answers[header[i]] = value;
      continue;
    }
    double number = 0;
    const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (ec != std::errc{} || ptr != value.data() + value.size()) {
      return Fail(Error::Field("answers/" + header[i], fmt::format("'{}' is not a number", value)));
    }
    answers[header[i]] = number;
  }
  return AnswersFromJson(inst, answers);
}

std::string ScoreLine(const ScoreResult& r) {
  Json j = ScoreResultToJson(r);
  j.erase("scales");
  return j.dump();
}

}  // namespace

int RunScoreCommand(Args raw_args, std::ostream& out, std::ostream& err) {
  std::vector<std::string> args(raw_args.begin(), raw_args.end());
  const auto dir = TakeInstrumentsDir(args);
  std::optional<std::string> answers_arg, csv_arg;
  std::string code;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if ((args[i] == "--answers" || args[i] == "--csv") && i + 1 < args.size()) {
      (args[i] == "--answers" ? answers_arg : csv_arg) = args[i + 1];
      ++i;
    } else if (args[i] == "--help" || args[i] == "-h") {
      out << kScoreUsage;
      return 0;
    } else if (code.empty() && !args[i].starts_with("-")) {
      code = args[i];
    } else {
      err << fmt::format("rapport score: unexpected argument '{}'\n{}", args[i], kScoreUsage);
      return 2;
    }
  }
  if (code.empty() || answers_arg.has_value() == csv_arg.has_value()) {
    err << "rapport score: give an instrument and exactly one of --answers or --csv\n"
        << kScoreUsage;
    return 2;
  }
  auto catalog = LoadInstrumentCatalog(dir);
  if (!catalog) {
    err << "rapport score: " << catalog.error().message << "\n";
    return 1;
  }
  const Instrument* inst = catalog->Find(code);
  if (inst == nullptr) {
    err << fmt::format(
        "rapport score: no questionnaire with the code '{}' (see `rapport instruments list`)\n",
        code);
    return 1;
  }

  if (answers_arg) {
    const auto first = answers_arg->find_first_not_of(" \t");
    auto answers = [&]() -> Result<Answers> {
      if (first == std::string::npos || (*answers_arg)[first] != '{') {
        return AnswersFromList(*inst, *answers_arg);
      }
      RAPPORT_ASSIGN_OR_RETURN(const Json json, ParseJson(*answers_arg));
      return AnswersFromJson(*inst, json);
    }();
    if (!answers) {
      err << "rapport score: " << answers.error().message << "\n";
      return 1;
    }
    auto scored = Score(*inst, *answers, Completeness::kAllowMissing);
    if (!scored) {
      err << "rapport score: " << scored.error().message << "\n";
      return 1;
    }
    out << ScoreLine(*scored) << "\n";
    return 0;
  }

  auto text = ReadTextFile(*csv_arg);
  if (!text) {
    err << "rapport score: " << text.error().message << "\n";
    return 1;
  }
  std::vector<std::string> lines;
  {
    std::size_t start = 0;
    while (start <= text->size()) {
      const std::size_t nl = text->find('\n', start);
      std::string line =
          text->substr(start, nl == std::string::npos ? std::string::npos : nl - start);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      lines.push_back(std::move(line));
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
    while (!lines.empty() && lines.back().empty()) lines.pop_back();
  }
  if (lines.empty()) {
    err << fmt::format("rapport score: {}: the file is empty; it needs a header of item ids\n",
                       *csv_arg);
    return 1;
  }
  auto header = SplitCsv(lines[0]);
  if (!header) {
    err << fmt::format("rapport score: {}: line 1: {}\n", *csv_arg, header.error().message);
    return 1;
  }
  for (auto& h : *header) {
    h = std::string(Trim(h, kBlanks));
    if (inst->FindItem(h) == nullptr) {
      err << fmt::format("rapport score: {}: line 1: '{}' is not an item of {}\n", *csv_arg, h,
                         code);
      return 1;
    }
  }
  bool any_bad = false;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const int row = static_cast<int>(i);  // data rows count from 1, after the header
    auto result = [&]() -> Result<ScoreResult> {
      RAPPORT_ASSIGN_OR_RETURN(auto cells, SplitCsv(lines[i]));
      RAPPORT_ASSIGN_OR_RETURN(auto answers, RowAnswers(*inst, *header, cells));
      return Score(*inst, answers, Completeness::kAllowMissing);
    }();
    if (result) {
      out << ScoreLine(*result) << "\n";
    } else {
      any_bad = true;
      out << Json{{"row", row}, {"error", result.error().message}}.dump() << "\n";
    }
  }
  return any_bad ? 1 : 0;
}

}  // namespace rapport
