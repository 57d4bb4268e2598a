// rapport keys status | rotate [--clinic ID] | rotate-master --new-master-key PATH: the keys that
// seal the database's free text at rest (docs/encryption.md).

#include <fmt/format.h>

#include <charconv>
#include <map>
#include <ostream>
#include <vector>

#include "cli/commands.h"
#include "cli/print_error.h"
#include "config/command_options.h"
#include "core/clock.h"
#include "service/key_service.h"
#include "store/data_keys.h"
#include "store/store.h"

namespace rapport {

namespace {

Result<ClinicId> ParseClinic(const std::string& text) {
  ClinicId id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc{} || end != text.data() + text.size() || id <= 0) {
    return Fail(Error::Field("--clinic", "must be a clinic id (a positive number)"));
  }
  return id;
}

int PrintStatus(Store& store, KeyService& keys, std::ostream& out, std::ostream& err) {
  auto listed = keys.ListDataKeys(Actor::System());
  if (!listed) {
    cli::PrintError(err, "keys", listed.error());
    return 1;
  }
  auto clinics = store.ListClinics();
  if (!clinics) {
    cli::PrintError(err, "keys", clinics.error());
    return 1;
  }
  std::map<ClinicId, std::vector<DataKeyStatus>> by_clinic;
  for (const DataKeyStatus& key : *listed) by_clinic[key.clinic_id].push_back(key);
  for (const Clinic& clinic : *clinics) {
    out << fmt::format("clinic {} \"{}\"\n", clinic.id, clinic.name);
    const auto found = by_clinic.find(clinic.id);
    if (found == by_clinic.end()) {
      out << "  no data key yet (one is made with the first words written)\n";
      continue;
    }
    for (const DataKeyStatus& key : found->second) {
      out << fmt::format("  {:<8} key {:>4}  since {}  sealing {} values\n", key.state, key.id,
                         FormatIso8601(key.created_at), key.values);
    }
  }
  return 0;
}

int Rotate(Store& store, KeyService& keys, const CommandLine& parsed, std::ostream& out,
           std::ostream& err) {
  std::vector<ClinicId> clinics;
  if (auto text = parsed.Get("--clinic")) {
    auto id = ParseClinic(*text);
    if (!id) {
      cli::PrintError(err, "keys", id.error());
      return 2;
    }
    clinics.push_back(*id);
  } else {
    auto all = store.ListClinics();
    if (!all) {
      cli::PrintError(err, "keys", all.error());
      return 1;
    }
    for (const Clinic& clinic : *all) clinics.push_back(clinic.id);
  }
  for (const ClinicId clinic : clinics) {
    auto made = keys.RotateDataKey(Actor::System(), clinic);
    if (!made) {
      err << fmt::format("rapport keys: clinic {}: {}\n", clinic, made.error().message);
      return 1;
    }
    out << fmt::format(
        "clinic {}: data key {} is active; the values under its former keys are sealed again by "
        "the server's scheduler (see `rapport keys status`)\n",
        clinic, *made);
  }
  return 0;
}

int RotateMaster(KeyService& keys, const CommandLine& parsed, std::ostream& out,
                 std::ostream& err) {
  const std::optional<std::string> path = parsed.Get("--new-master-key");
  if (!path || path->empty()) {
    err << "rapport keys: rotate-master needs --new-master-key PATH, the new master key file\n";
    return 2;
  }
  auto wrapped = keys.RotateMasterKey(Actor::System(), *path);
  if (!wrapped) {
    cli::PrintError(err, "keys", wrapped.error());
    return 1;
  }
  out << fmt::format(
      "{} data keys are wrapped under the master key in {} now.\n"
      "Restart every app server with --master-key {} (or put that file where the old one was).\n"
      "Servers still running keep serving with the keys they hold; keep the old master key file "
      "until every one of them has restarted, then destroy it, and back up the new one apart from "
      "the database.\n",
      *wrapped, *path, *path);
  return 0;
}

}  // namespace

std::unique_ptr<CommandLine> KeysCommandLine() {
  auto line = std::make_unique<CommandLine>(
      "keys", "status | rotate [--clinic ID] | rotate-master --new-master-key PATH [options]",
      "The keys that seal the database's free text at rest (docs/encryption.md).");
  line->Words("ACTION", "status, rotate or rotate-master", 1)
      .Option("--clinic", "ID", "rotate: only this clinic's data key (default every clinic's)")
      .Option("--new-master-key", "PATH",
              "rotate-master: the master key file to wrap every data key under (made when it "
              "does not exist)")
      .Footer(
          "status: each clinic's data keys and how many values each still seals.\n"
          "rotate: a new data key for the clinic; the values under the old one are sealed again "
          "by the running server's scheduler.\n"
          "rotate-master: every data key wrapped again under the new master key; restart every "
          "app server with --master-key PATH.");
  DeclareStoreFiles(*line);
  return line;
}

int RunKeysCommand(Store& store, DataKeyAdmin& keys, Args args, std::ostream& out,
                   std::ostream& err) {
  const std::unique_ptr<CommandLine> parsed = KeysCommandLine();
  if (auto stop = parsed->Read(args, out, err)) return *stop;
  const auto refuse = [&] {
    err << "rapport keys: say status, rotate [--clinic ID] or rotate-master --new-master-key "
           "PATH\n"
        << parsed->Usage();
    return 2;
  };
  if (parsed->words().size() != 1) return refuse();
  const std::string& action = parsed->words()[0];
  KeyService service(store, keys, SystemClock::Instance());
  if (action == "status" && !parsed->Get("--clinic") && !parsed->Get("--new-master-key")) {
    return PrintStatus(store, service, out, err);
  }
  if (action == "rotate" && !parsed->Get("--new-master-key")) {
    return Rotate(store, service, *parsed, out, err);
  }
  if (action == "rotate-master" && !parsed->Get("--clinic")) {
    return RotateMaster(service, *parsed, out, err);
  }
  return refuse();
}

}  // namespace rapport
