#include "config/instrument_files.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace rapport {

Result<std::string> ReadTextFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Fail(Error::NotFound(fmt::format("{}: no such file", path)));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(Error::Unavailable(fmt::format("{}: cannot be read", path)));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Result<InstrumentCatalog> LoadInstrumentCatalog(const std::optional<std::string>& clinic_dir) {
  RAPPORT_ASSIGN_OR_RETURN(InstrumentCatalog catalog, InstrumentCatalog::Shipped());
  if (!clinic_dir) return catalog;
  std::error_code ec;
  if (!std::filesystem::is_directory(*clinic_dir, ec)) {
    return Fail(
        Error::NotFound(fmt::format("{}: the instruments folder does not exist", *clinic_dir)));
  }
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(*clinic_dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") {
      files.push_back(entry.path().string());
    }
  }
  if (ec) return Fail(Error::Unavailable(fmt::format("{}: {}", *clinic_dir, ec.message())));
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    RAPPORT_ASSIGN_OR_RETURN(std::string text, ReadTextFile(file));
    RAPPORT_RETURN_IF_ERROR(catalog.AddDefinition(text, file));
  }
  return catalog;
}

}  // namespace rapport
