// rapport user add: creates a user from the command line, as the system operator.

#include <fmt/format.h>
#include <termios.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <iostream>
#include <ostream>

#include "cli/commands.h"
#include "cli/print_error.h"
#include "config/command_options.h"
#include "core/clock.h"
#include "service/actor.h"
#include "service/clinic_service.h"

namespace rapport {

namespace {

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
                              const CommandLine& parsed, std::ostream& out) {
  if (auto text = parsed.Get("--clinic")) {
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
  const std::string name = parsed.Get("--clinic-name", "My practice");
  RAPPORT_ASSIGN_OR_RETURN(const ClinicId id, clinics.CreateClinic(system, name));
  out << fmt::format("created clinic {} \"{}\"\n", id, name);
  return id;
}

}  // namespace

std::unique_ptr<CommandLine> UserCommandLine() {
  auto line = std::make_unique<CommandLine>(
      "user", "add --email E --name N --role ROLE [--clinic ID] [--clinic-name NAME] [options]",
      "Adds a user, as the system operator.");
  line->Words("ACTION", "add", 1)
      .Option("--email", "E", "the user's e-mail address, which they sign in with")
      .Option("--name", "N", "the name people see")
      .Option("--role", "ROLE", "admin, supervisor, therapist, client or guardian")
      .Option("--clinic", "ID", "the clinic, by id; needed when the database holds several")
      .Option("--clinic-name", "NAME",
              "on a database without a clinic, the name of the one made first (default \"My "
              "practice\")")
      .Footer(
          "The password comes from RAPPORT_PASSWORD, or is asked for on a terminal; without "
          "either the user is created without one and an invitation link is printed.");
  DeclareStoreFiles(*line);
  return line;
}

int RunUserCommand(Store& store, Args args, std::ostream& out, std::ostream& err) {
  const std::unique_ptr<CommandLine> parsed = UserCommandLine();
  if (auto stop = parsed->Read(args, out, err)) return *stop;
  if (parsed->words() != std::vector<std::string>{"add"}) {
    err << "rapport user: say add\n" << parsed->Usage();
    return 2;
  }
  std::vector<std::string> missing;
  for (const char* required : {"--email", "--name", "--role"}) {
    if (!parsed->Get(required)) missing.emplace_back(required);
  }
  if (!missing.empty()) {
    err << fmt::format("rapport user: missing {}\n", fmt::join(missing, ", "));
    err << parsed->Usage();
    return 2;
  }
  auto role = ParseRole(parsed->Get("--role", ""));
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
  input.email = parsed->Get("--email", "");
  input.display_name = parsed->Get("--name", "");
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
