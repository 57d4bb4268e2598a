// rapport: one binary, many subcommands. This is the only place a concrete store is chosen.

#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "http/serve.h"
#include "service/audit_service.h"
#include "store/postgres/pg_store.h"
#include "store/sqlite/sqlite_store.h"

namespace {

constexpr const char* kUsage = R"(rapport: feedback-informed care and the therapeutic relationship

Usage: rapport COMMAND [options]

Commands:
  serve [--db PATH] [options]        serve the web app and the API (see `rapport serve --help`)
  demo [--db PATH]                   seed the demo clinic into an empty database
  migrate [--db PATH]                apply database migrations and exit
  user add [--db PATH] --email E --name N --role R   add a user
  audit verify [--db PATH]           check the audit trail's sealed chain against its checkpoints
  audit checkpoint [--db PATH]       record the chain's current head outside the database
  score INSTRUMENT --answers V,V,... | --csv FILE   score questionnaire answers
  instruments list | show CODE | validate FILE      the questionnaires available
  sync mea|ccf|batch|susy ...        nonverbal synchrony (see `rapport sync --help`)
  --version                          print the version

The database defaults to ./data/rapport.db. The audit chain's key is kept outside it, in
PATH.audit-key unless --audit-key KEYFILE says elsewhere; its checkpoints go to
PATH.audit-checkpoints unless --checkpoints FILE says elsewhere. The key that seals the words of
secure messages is kept in PATH.message-key unless --message-key KEYFILE says elsewhere; back it
up with the database (without it, the messages cannot be read).

--db postgresql://USER@HOST/NAME (or postgres://...) uses a PostgreSQL database instead, shared by
a clinic group's several app servers. The keys and checkpoints are then files of each server,
./data/rapport.db.audit-key, .message-key and .audit-checkpoints unless the options above say
elsewhere: give every server of one database the same two keys.
)";

// Whether --db names a PostgreSQL database rather than an SQLite file.
bool IsPostgresUri(std::string_view db) {
  return db.starts_with("postgresql://") || db.starts_with("postgres://");
}

// Removes `--NAME VALUE` (or `--NAME=VALUE`) from args and returns VALUE, or `fallback`.
std::string TakeOption(std::vector<std::string>& args, const std::string& name,
                       std::string fallback) {
  std::string path = std::move(fallback);
  const std::string flag = "--" + name;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == flag && i + 1 < args.size()) {
      path = args[i + 1];
      args.erase(args.begin() + static_cast<std::ptrdiff_t>(i),
                 args.begin() + static_cast<std::ptrdiff_t>(i) + 2);
      break;
    }
    if (args[i].starts_with(flag + "=")) {
      path = args[i].substr(flag.size() + 1);
      args.erase(args.begin() + static_cast<std::ptrdiff_t>(i));
      break;
    }
  }
  return path;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    std::cout << "rapport 0.1.0\n";
    return 0;
  }
  const std::string command = args[0];
  args.erase(args.begin());

  if (command == "sync") return rapport::RunSyncCommand(args, std::cout, std::cerr);
  if (command == "score") return rapport::RunScoreCommand(args, std::cout, std::cerr);
  if (command == "instruments") return rapport::RunInstrumentsCommand(args, std::cout, std::cerr);

  if (command != "serve" && command != "demo" && command != "migrate" && command != "user" &&
      command != "audit") {
    std::cerr << fmt::format("rapport: unknown command '{}'\n\n{}", command, kUsage);
    return 2;
  }
  if (command == "serve" && rapport::WantsServeHelp(args)) {
    std::cout << rapport::kServeUsage;
    return 0;
  }
  if (auto ok = rapport::InitCrypto(); !ok) {
    std::cerr << "rapport: " << ok.error().message << "\n";
    return 1;
  }
  const std::string db = TakeOption(args, "db", "data/rapport.db");
  const bool postgres = IsPostgresUri(db);
  // Files of this server: beside the SQLite file, or where the default SQLite file would be.
  const std::string files = postgres ? std::string("data/rapport.db") : db;
  const std::string audit_key = TakeOption(args, "audit-key", files + ".audit-key");
  const std::string message_key = TakeOption(args, "message-key", files + ".message-key");
  // One default for every command that writes or reads checkpoints; serve and audit take it as
  // their own --checkpoints option.
  const std::string checkpoints = TakeOption(args, "checkpoints", files + ".audit-checkpoints");
  if (command == "serve" || command == "audit") args.push_back("--checkpoints=" + checkpoints);
  // Named in messages without the connection string, which may hold a password.
  const std::string shown = postgres ? std::string("(PostgreSQL)") : db;
  rapport::Result<std::unique_ptr<rapport::SqlStore>> store =
      rapport::Fail(rapport::Error::Internal("not opened"));
  if (postgres) {
    rapport::PostgresStoreOptions options;
    options.conninfo = db;
    options.audit_key_path = audit_key;
    options.message_key_path = message_key;
    store = rapport::SqlStore::Open(options);
  } else {
    rapport::SqliteStoreOptions options;
    options.path = db;
    options.audit_key_path = audit_key;
    options.message_key_path = message_key;
    store = rapport::SqlStore::Open(options);
  }
  if (!store) {
    std::cerr << fmt::format("rapport: cannot open database {}: {}\n", shown,
                             store.error().message);
    return 1;
  }
  if (command == "migrate") {
    std::cout << fmt::format("database {} is at schema version {}\n", shown,
                             (*store)->SchemaVersion());
    return 0;
  }
  if (command == "serve") {
    return rapport::RunServeCommand(**store, &(*store)->events(), args, std::cout, std::cerr);
  }
  if (command == "demo" || command == "user") {
    const int code = command == "demo"
                         ? rapport::RunDemoCommand(**store, args, std::cout, std::cerr)
                         : rapport::RunUserCommand(**store, args, std::cout, std::cerr);
    if (code != 0) return code;
    // What the command wrote to the audit trail is anchored outside the database at once.
    auto checkpoint = rapport::MakeCheckpoint(**store, rapport::SystemClock::Instance().Now());
    if (!checkpoint) {
      std::cerr << "rapport: audit checkpoint: " << checkpoint.error().message << "\n";
      return 1;
    }
    if (auto ok = rapport::AppendCheckpoint(checkpoints, *checkpoint); !ok) {
      std::cerr << "rapport: " << ok.error().message << "\n";
      return 1;
    }
    return 0;
  }
  return rapport::RunAuditCommand(**store, args, std::cout, std::cerr);
}
