// rapport demo: seeds the demo clinic into an empty database.

#include <fmt/format.h>

#include <cstdlib>
#include <ostream>

#include "cli/commands.h"
#include "cli/print_error.h"
#include "config/command_options.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "demo/demo.h"

namespace rapport {

std::unique_ptr<CommandLine> DemoCommandLine() {
  auto line = std::make_unique<CommandLine>(
      "demo", "[--db PATH]",
      "Seeds the demo clinic, Riverside Counselling, into an empty database: its people, their "
      "plans and a season of sessions and answers. Every demo account shares one password, "
      "RAPPORT_DEMO_PASSWORD when set, otherwise made up and printed once.");
  DeclareStoreFiles(*line);
  return line;
}

int RunDemoCommand(Store& store, Args args, std::ostream& out, std::ostream& err) {
  if (auto stop = DemoCommandLine()->Read(args, out, err)) return *stop;
  std::string password;
  bool generated = false;
  if (const char* from_env = std::getenv("RAPPORT_DEMO_PASSWORD"); from_env && *from_env) {
    password = from_env;
  } else {
    password = RandomToken(12);
    generated = true;
  }
  auto summary = SeedDemo(store, SystemClock::Instance().Now(), password);
  if (!summary) {
    cli::PrintError(err, "demo", summary.error());
    return 1;
  }
  out << fmt::format("Seeded \"{}\": {} accounts, {} episodes, {} appointments.\n", kDemoClinicName,
                     summary->accounts.size(), summary->episodes, summary->appointments);
  if (generated) {
    out << fmt::format("Password for every demo account: {}\n", password);
    out << "(shown only this once; set RAPPORT_DEMO_PASSWORD to choose it yourself)\n";
  } else {
    out << "Password for every demo account: the value of RAPPORT_DEMO_PASSWORD\n";
  }
  out << "Accounts:\n";
  for (const DemoAccount& a : summary->accounts) {
    out << fmt::format("  {:<11} {:<30} {}\n", ToString(a.role), a.email, a.display_name);
  }
  return 0;
}

}  // namespace rapport
