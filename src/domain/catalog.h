#pragma once
// InstrumentCatalog: every questionnaire a clinic can use: the shipped ones plus the clinic's own
// definition files (licensed questionnaires it holds a licence for). Codes are unique. Built once
// at start-up, then read-only and safe to share between threads.

#include <memory>
#include <string>
#include <vector>

#include "domain/instrument.h"

namespace rapport {

struct CatalogEntry {
  Instrument instrument;
  std::string origin;  // "shipped:phq9.json" or the clinic file's path
};

class InstrumentCatalog {
 public:
  // Adds a definition; kAlreadyExists naming both origins when the code is taken.
  Status Add(Instrument instrument, std::string origin);
  const Instrument* Find(std::string_view code) const;  // case-sensitive code, e.g. "PHQ-9"
  const CatalogEntry* FindEntry(std::string_view code) const;
  const std::vector<CatalogEntry>& entries() const { return entries_; }

  // The shipped definitions only.
  static Result<InstrumentCatalog> Shipped();
  // Parses one more definition's text into the catalog; errors name `origin`.
  Status AddDefinition(std::string_view json_text, std::string origin);

 private:
  std::vector<CatalogEntry> entries_;
};

}  // namespace rapport
