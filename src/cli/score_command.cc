// rapport score: scores questionnaire answers from the command line or a CSV file, one JSON
// object per respondent per line, so that researchers and clinics can score paper forms in bulk.

#include <fmt/format.h>

#include <charconv>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "config/command_options.h"
#include "config/instrument_files.h"
#include "core/csv.h"
#include "core/text.h"
#include "domain/scoring.h"

namespace rapport {

namespace {

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

int RunScoreCommand(Args args, std::ostream& out, std::ostream& err) {
  CommandLine command("score", "INSTRUMENT (--answers V1,V2,... | --answers JSON | --csv FILE)",
                      "Scores questionnaire answers, one JSON object per respondent per command.");
  command.Words("INSTRUMENT", "the questionnaire's code, as `rapport instruments list` shows it", 1)
      .Option("--answers", "VALUES",
              "values in the questionnaire's item order, an entry left empty if unanswered; or "
              "an object of item id to answer: '{\"asq_1\": 1, \"asq_2\": 0}'")
      .Option("--csv", "FILE", "one respondent per row; the header names the item ids")
      .Footer(
          "A screening questionnaire's line carries its result as \"screen\" (and as "
          "\"band\").");
  DeclareInstrumentsDir(command);
  if (auto stop = command.Read(args, out, err)) return *stop;
  const std::optional<std::string> dir = ReadInstrumentsDir(command);
  const std::optional<std::string> answers_arg = command.Get("--answers");
  const std::optional<std::string> csv_arg = command.Get("--csv");
  const std::string code = command.words().empty() ? std::string() : command.words().front();
  if (code.empty() || answers_arg.has_value() == csv_arg.has_value()) {
    err << "rapport score: give an instrument and exactly one of --answers or --csv\n"
        << command.Usage();
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
  auto records = ReadCsv(*text);
  if (!records) {
    err << fmt::format("rapport score: {}: {}\n", *csv_arg, records.error().message);
    return 1;
  }
  // Blank lines at the end are not respondents.
  while (!records->empty() && records->back().fields == std::vector<std::string>{""}) {
    records->pop_back();
  }
  if (records->empty()) {
    err << fmt::format("rapport score: {}: the file is empty; it needs a header of item ids\n",
                       *csv_arg);
    return 1;
  }
  std::vector<std::string> header = std::move(records->front().fields);
  for (auto& h : header) {
    h = std::string(Trim(h, kBlanks));
    if (inst->FindItem(h) == nullptr) {
      err << fmt::format("rapport score: {}: line 1: '{}' is not an item of {}\n", *csv_arg, h,
                         code);
      return 1;
    }
  }
  bool any_bad = false;
  for (std::size_t i = 1; i < records->size(); ++i) {
    const int row = static_cast<int>(i);  // data rows count from 1, after the header
    auto result = [&]() -> Result<ScoreResult> {
      RAPPORT_ASSIGN_OR_RETURN(auto answers, RowAnswers(*inst, header, (*records)[i].fields));
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
