// A clinic's own questionnaire definition file (instruments/*.json is the shipped set), as
// `rapport serve` and the other subcommands read it: LoadInstrumentCatalog (config/
// instrument_files.h) hands each file's text to InstrumentCatalog::AddDefinition beside the
// shipped questionnaires. A definition it accepts is then used as Rapport uses one: scored with
// every item at its lowest and at its highest value and with every item left blank, both as a
// live submission and as a paper form, its answers read from JSON and from a list, and written
// out as JSON (GET /api/v1/instruments/{code}).
// Oracle, besides the sanitizers: every scale score lies within the range the definition's items
// give the scale.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "domain/catalog.h"
#include "domain/scoring.h"

namespace {

using rapport::Answers;
using rapport::Completeness;
using rapport::Instrument;
using rapport::InstrumentCatalog;
using rapport::ItemType;
using rapport::Json;

const InstrumentCatalog& Shipped() {
  static const InstrumentCatalog catalog = [] {
    auto shipped = InstrumentCatalog::Shipped();
    if (!shipped) {
      std::fprintf(stderr, "the shipped questionnaires do not load: %s\n",
                   shipped.error().message.c_str());
      std::abort();
    }
    return *std::move(shipped);
  }();
  return catalog;
}

// Every item answered at one end of its range (text items with a few words).
Answers AtEnd(const Instrument& instrument, bool highest) {
  Answers answers;
  for (const auto& item : instrument.items) {
    switch (item.type) {
      case ItemType::kChoice:
        if (!item.options.empty()) {
          answers.values[item.id] =
              highest ? item.options.back().value : item.options.front().value;
        }
        break;
      case ItemType::kSlider: answers.values[item.id] = highest ? item.max : item.min; break;
      case ItemType::kText: answers.texts[item.id] = "A few words."; break;
    }
  }
  return answers;
}

Json AnswersJson(const Answers& answers) {
  Json out = Json::object();
  for (const auto& [id, value] : answers.values) out[id] = value;
  for (const auto& [id, text] : answers.texts) out[id] = text;
  return out;
}

// Scores `answers` both ways, checking each scale score against its range.
void ScoreAll(const Instrument& instrument, const Answers& answers) {
  for (const Completeness completeness :
       {Completeness::kRequireRequired, Completeness::kAllowMissing}) {
    auto score = rapport::Score(instrument, answers, completeness);
    if (!score) continue;
    for (const auto& scale : score->scales) {
      const rapport::Scale* defined = instrument.FindScale(scale.id);
      if (scale.score && defined != nullptr &&
          !(*scale.score >= defined->min_score - 1e-9 &&
            *scale.score <= defined->max_score + 1e-9)) {
        std::fprintf(stderr, "scale %s scored %.17g, outside %g to %g\n", scale.id.c_str(),
                     *scale.score, defined->min_score, defined->max_score);
        __builtin_trap();
      }
    }
    (void)rapport::ScoreResultToJson(*score).dump();
  }
}

void Use(const Instrument& instrument) {
  for (const Answers& answers : {AtEnd(instrument, false), AtEnd(instrument, true), Answers{}}) {
    ScoreAll(instrument, answers);
    if (auto read = rapport::AnswersFromJson(instrument, AnswersJson(answers))) {
      ScoreAll(instrument, *read);
    }
  }
  std::string list;
  for (std::size_t i = 0; i < instrument.items.size(); ++i) list += i == 0 ? "0" : ",1";
  if (auto read = rapport::AnswersFromList(instrument, list)) ScoreAll(instrument, *read);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  InstrumentCatalog catalog = Shipped();
  if (!catalog.AddDefinition(text, "clinic/fuzz.json")) return 0;
  const Instrument& instrument = catalog.entries().back().instrument;
  Use(instrument);

  (void)rapport::InstrumentToJson(instrument).dump();
  return 0;
}
