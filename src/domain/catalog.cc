#include "domain/catalog.h"

#include <fmt/format.h>

#include "domain/shipped_data.h"

namespace rapport {

Status InstrumentCatalog::Add(Instrument instrument, std::string origin) {
  if (const CatalogEntry* existing = FindEntry(instrument.code)) {
    return Fail(Error::AlreadyExists(fmt::format("{}: the code {} is already used by {}", origin,
                                                 instrument.code, existing->origin)));
  }
  entries_.push_back({std::move(instrument), std::move(origin)});
  return Ok();
}

const CatalogEntry* InstrumentCatalog::FindEntry(std::string_view code) const {
  for (const auto& e : entries_) {
    if (e.instrument.code == code) return &e;
  }
  return nullptr;
}

const Instrument* InstrumentCatalog::Find(std::string_view code) const {
  const CatalogEntry* e = FindEntry(code);
  return e == nullptr ? nullptr : &e->instrument;
}

Status InstrumentCatalog::AddDefinition(std::string_view json_text, std::string origin) {
  auto json = ParseJson(json_text);
  if (!json) {
    return Fail(Error::InvalidArgument(fmt::format("{}: not valid JSON", origin),
                                       {FieldError{origin, "not valid JSON"}}));
  }
  auto instrument = ParseInstrument(*json);
  if (!instrument) {
    Error e = instrument.error();
    e.message = fmt::format("{}: {}", origin, e.message);
    return Fail(std::move(e));
  }
  return Add(std::move(*instrument), std::move(origin));
}

Result<InstrumentCatalog> InstrumentCatalog::Shipped() {
  InstrumentCatalog catalog;
  for (const auto& def : ShippedInstrumentDefinitions()) {
    RAPPORT_RETURN_IF_ERROR(catalog.AddDefinition(def.json, "shipped:" + std::string(def.file)));
  }
  return catalog;
}

}  // namespace rapport
