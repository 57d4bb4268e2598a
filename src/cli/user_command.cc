// rapport user add: creates a user from the command line, as the system operator.

#include <fmt/format.h>
#include <termios.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <iostream>
#include <ostream>

#include "cli/admin_args.h"
#include "cli/commands.h"
#include "core/clock.h"
#include "service/actor.h"
#include "service/clinic_service.h"

namespace rapport {

namespace {

constexpr std::string_view kUsage =
    "usage: rapport user add --email E --name N --role admin|supervisor|therapist|client|guardian\n"
    "                        [--clinic ID] [--clinic-name NAME] [--db PATH]\n"
    "The password comes from RAPPORT_PASSWORD, or is asked for on a terminal; without either the\n"
    "user is created without one and an invitation link is printed.\n"
    "On a database without a clinic, a clinic named --clinic-name (default \"My practice\") is\n"
    "created first.\n";

// Reads one line from the terminal without echoing it.
std::string ReadHidden(std::ostream& prompt_to, std::string_view prompt) {
  prompt_to << prompt << std::flush;
  termios old_settings{};
  const bool restore = tcgetattr(STDIN_FILENO, &old_settings) == 0;
  if (restore) {
    termios quiet = old_settings;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (restore) tcsetattr(STDIN_FILENO, TCSAFLUSH, &old_settings);
  prompt_to << "\n";
  return line;
}

// The password for the new user: from the environment, a terminal, or none (invite instead).
Result<std::string> ChoosePassword(std::ostream& err) {
  if (const char* from_env = std::getenv("RAPPORT_PASSWORD"); from_env && *from_env) {
    return std::string(from_env);
  }
  if (isatty(STDIN_FILENO) == 0) return std::string();
  std::string first =
      ReadHidden(err, "Password (leave empty to print an invitation link instead): ");
  if (first.empty()) return first;
  const std::string second = ReadHidden(err, "Repeat the password: ");
  if (first != second) return Fail(Error::Field("password", "the two entries differ"));
  return first;
}

Result<ClinicId> ChooseClinic(Store& store, ClinicService& clinics, const Actor& system,
                              const cli::ParsedArgs& parsed, std::ostream& out) {
  if (auto text = parsed.Get("clinic")) {
    ClinicId id = 0;
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), id);
    if (ec != std::errc{} || end != text->data() + text->size() || id <= 0) {
      return Fail(Error::Field("--clinic", "must be a clinic id (a positive number)"));
    }
    return id;
  }
  RAPPORT_ASSIGN_OR_RETURN(auto all, store.ListClinics());
  if (all.size() == 1) return all[0].id;
  if (all.size() > 1) {
    return Fail(Error::Field("--clinic", "this database has several clinics; choose one by id"));
  }
  const std::string name = parsed.Get("clinic-name").value_or("My practice");
  RAPPORT_ASSIGN_OR_RETURN(const ClinicId id, clinics.CreateClinic(system, name));
  out << fmt::format("created clinic {} \"{}\"\n", id, name);
  return id;
}

}  // namespace

int RunUserCommand(Store& store, Args args, std::ostream& out, std::ostream& err) {
  auto parsed = cli::ParseArgs(args, {"email", "name", "role", "clinic", "clinic-name"});
  if (!parsed) {
    cli::PrintError(err, "user", parsed.error());
    err << kUsage;
    return 2;
  }
  if (parsed->positional.size() != 1 || parsed->positional[0] != "add") {
    err << kUsage;
    return 2;
  }
  std::vector<std::string> missing;
  for (const char* required : {"email", "name", "role"}) {
    if (!parsed->Get(required)) missing.push_back(fmt::format("--{}", required));
  }
  if (!missing.empty()) {
    err << fmt::format("rapport user: missing {}\n", fmt::join(missing, ", "));
    err << kUsage;
    return 2;
  }
  auto role = ParseRole(parsed->Get("role").value_or(""));
  if (!role) {
    err << fmt::format("rapport user: --role {}\n", role.error().fields.empty()
                                                        ? role.error().message
                                                        : role.error().fields[0].message);
    return 2;
  }

  auto password = ChoosePassword(err);
  if (!password) {
    cli::PrintError(err, "user", password.error());
    return 1;
  }
  const Actor system = Actor::System();
  ClinicService clinics(store, SystemClock::Instance());
  auto clinic = ChooseClinic(store, clinics, system, *parsed, out);
  if (!clinic) {
    cli::PrintError(err, "user", clinic.error());
    return 1;
  }
  NewUserInput input;
  input.email = parsed->Get("email").value_or("");
  input.display_name = parsed->Get("name").value_or("");
  input.role = *role;
  input.password = *password;
  input.clinic_id = *clinic;
  auto created = clinics.CreateUser(system, input);
  if (!created) {
    cli::PrintError(err, "user", created.error());
    return 1;
  }
  out << fmt::format("created {} {} <{}> in clinic {}\n", ToString(created->user.role),
                     created->user.id, created->user.email, created->user.clinic_id);
  if (created->invitation) {
    out << fmt::format("invitation link (single use, until {}): {}\n",
                       FormatIso8601(created->invitation->expires_at), created->invitation->path);
  }
  return 0;
}

}  // namespace rapport
