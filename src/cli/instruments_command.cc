// rapport instruments: what questionnaires this installation can use, and a check for a clinic's
// own definition file before it is dropped into the instruments folder.

#include <fmt/format.h>

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "config/command_options.h"
#include "config/instrument_files.h"

namespace rapport {

int RunInstrumentsCommand(Args raw_args, std::ostream& out, std::ostream& err) {
  CommandLine line("instruments", "list | show CODE | validate FILE [--instruments-dir DIR]",
                   "The questionnaires this installation can use, and a check of a clinic's own "
                   "definition file before it is put in the instruments folder.");
  line.Words("ACTION [CODE|FILE]",
             "list; show and a questionnaire's code; validate and a definition file", 2);
  DeclareInstrumentsDir(line);
  if (auto stop = line.Read(raw_args, out, err)) return *stop;
  const std::optional<std::string> dir = ReadInstrumentsDir(line);
  const std::vector<std::string>& args = line.words();
  if (args.empty()) {
    err << line.Usage();
    return 2;
  }
  const std::string verb = args[0];
  if ((verb == "list" && args.size() != 1) ||
      ((verb == "show" || verb == "validate") && args.size() != 2)) {
    err << line.Usage();
    return 2;
  }
  auto catalog = LoadInstrumentCatalog(dir);
  if (!catalog) {
    err << "rapport instruments: " << catalog.error().message << "\n";
    return 1;
  }
  if (verb == "list") {
    for (const auto& e : catalog->entries()) {
      const auto& i = e.instrument;
      out << fmt::format("{:<15} {:<8} {:<14} {}  ({})\n", i.code, ToString(i.purpose),
                         i.validated ? "validated" : "not validated", i.title, e.origin);
    }
    return 0;
  }
  if (verb == "show") {
    const Instrument* inst = catalog->Find(args[1]);
    if (inst == nullptr) {
      err << fmt::format("rapport instruments: no questionnaire with the code '{}'\n", args[1]);
      return 1;
    }
    out << InstrumentToJson(*inst).dump(2) << "\n";
    return 0;
  }
  if (verb == "validate") {
    auto text = ReadTextFile(args[1]);
    if (!text) {
      err << "rapport instruments: " << text.error().message << "\n";
      return 1;
    }
    auto added = catalog->AddDefinition(*text, args[1]);
    if (!added) {
      err << "rapport instruments: " << args[1] << " is not valid:\n";
      if (added.error().fields.empty()) err << "  " << added.error().message << "\n";
      for (const auto& f : added.error().fields)
        err << "  " << f.field << ": " << f.message << "\n";
      return 1;
    }
    const Instrument& inst = catalog->entries().back().instrument;
    out << fmt::format("{}: valid ({}, {} items, {} scale{}, {})\n", args[1], inst.code,
                       inst.items.size(), inst.scales.size(), inst.scales.size() == 1 ? "" : "s",
                       inst.validated ? "validated" : "not validated");
    return 0;
  }
  err << fmt::format("rapport instruments: unknown action '{}'\n{}", verb, line.Usage());
  return 2;
}

}  // namespace rapport
