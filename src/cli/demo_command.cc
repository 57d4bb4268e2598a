// rapport demo: seeds the demo clinic into an empty database.

#include <fmt/format.h>

#include <cstdlib>
#include <ostream>

#include "cli/admin_args.h"
#include "cli/commands.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "demo/demo.h"

namespace rapport {

int RunDemoCommand(Store& store, Args args, std::ostream& out, std::ostream& err) {
  auto parsed = cli::ParseArgs(args, {});
  if (!parsed || !parsed->positional.empty()) {
    err << "rapport demo: takes no arguments besides --db PATH\n";
    return 2;
  }
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
