#pragma once
// Reads a clinic's own questionnaire definitions (*.json in one folder) into the catalog beside
// the shipped ones. The folder comes from --instruments-dir or RAPPORT_INSTRUMENTS_DIR
// (config/command_options.h).

#include <optional>
#include <string>

#include "core/result.h"
#include "domain/catalog.h"

namespace rapport {

// The shipped questionnaires plus every *.json file in `clinic_dir` (sorted by name). Any broken
// file fails the whole load, naming the file and the place in it: a clinic must never run with a
// questionnaire silently missing.
Result<InstrumentCatalog> LoadInstrumentCatalog(const std::optional<std::string>& clinic_dir);

// Reads a whole file; kNotFound / kUnavailable with the path in the message.
Result<std::string> ReadTextFile(const std::string& path);

}  // namespace rapport
