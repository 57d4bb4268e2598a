// rapport: one binary, many subcommands. This is the only place a concrete store is chosen.

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "cli/commands.h"
#include "config/command_options.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "http/serve.h"
#include "service/audit_service.h"
#include "store/move/store_move.h"
#include "store/postgres/pg_store.h"
#include "store/sqlite/sqlite_store.h"

namespace {

constexpr const char* kUsage = R"(rapport: feedback-informed care and the therapeutic relationship

Usage: rapport COMMAND [options]

Commands:
  serve [--db PATH] [options]        serve the web app and the API (see `rapport serve --help`)
  demo [--db PATH]                   seed the demo clinic into an empty database
  migrate [--db PATH]                apply database migrations and exit
  migrate --from sqlite:PATH --to postgresql://USER@HOST/NAME
                                     move a clinic from its SQLite file into an empty PostgreSQL
                                     database, verifying every table and the audit chain
  user add [--db PATH] --email E --name N --role R   add a user
  audit verify [--db PATH]           check the audit trail's sealed chain against its checkpoints
  audit checkpoint [--db PATH]       record the chain's current head outside the database
  keys status | rotate [--clinic ID] | rotate-master --new-master-key PATH
                                     the keys that seal free text at rest (docs/encryption.md)
  backup [--db PATH] --to FILE [--force]
                                     copy the database while it serves, checked (docs/backup.md)
  restore --from FILE --db PATH [--force]
                                     put a backup in place once it and its audit chain check out
  score INSTRUMENT --answers V,V,... | --csv FILE   score questionnaire answers
  instruments list | show CODE | validate FILE      the questionnaires available
  sync mea|ccf|batch|susy ...        nonverbal synchrony (see `rapport sync --help`)
  --version                          print the version

`rapport COMMAND --help` lists every option of a command.

The database defaults to ./data/rapport.db. The audit chain's key is kept outside it, in
PATH.audit-key unless --audit-key KEYFILE says elsewhere; its checkpoints go to
PATH.audit-checkpoints unless --checkpoints FILE says elsewhere. The key that seals the words of
secure messages is kept in PATH.message-key unless --message-key KEYFILE says elsewhere; back it
up with the database (without it, the messages cannot be read). The master key, which wraps the
keys that seal every free text (answers, plans, notes, messages), is kept in PATH.master-key unless
--master-key KEYFILE says elsewhere: back it up apart from the database; without it nothing
written can be read.

--db postgresql://USER@HOST/NAME (or postgres://...) uses a PostgreSQL database instead, shared by
a clinic group's several app servers. The keys and checkpoints are then files of each server,
./data/rapport.db.audit-key, .message-key, .master-key and .audit-checkpoints unless the options
above say elsewhere (the master key beside the message key file given): give every server of one
database the same three keys.

A move to PostgreSQL (migrate --from/--to) copies the SQLite file's data, which stays as it was,
into a PostgreSQL database that holds no clinic yet. The SQLite database's key files
(PATH.audit-key, PATH.message-key and PATH.master-key, or --audit-key, --message-key and
--master-key) stay the keys of the moved clinic: the audit chain and the free text are sealed with
them. Stop the clinic's app server before moving it.
)";

// `uri` without a password, whether in its user part (postgresql://USER:PASSWORD@HOST/NAME) or in
// its query (?password=...): it is printed for the operator to copy.
std::string WithoutPassword(std::string_view uri) {
  std::string shown(uri);
  const std::size_t scheme = shown.find("://");
  if (scheme == std::string::npos) return shown;
  const std::size_t start = scheme + 3;
  const std::size_t end = std::min(shown.find_first_of("/?#", start), shown.size());
  const std::string_view authority = std::string_view(shown).substr(start, end - start);
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    if (const std::size_t colon = authority.find(':'); colon < at) {
      shown.erase(start + colon, at - colon);
    }
  }
  const std::size_t question = shown.find('?');
  if (question == std::string::npos) return shown;
  std::string query;
  std::string_view rest = std::string_view(shown).substr(question + 1);
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view part = rest.substr(0, amp);
    if (!part.starts_with("password=")) query += (query.empty() ? "" : "&") + std::string(part);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
  }
  return shown.substr(0, question) + (query.empty() ? "" : "?" + query);
}

// `text` as one word of a shell command line, quoted when it holds anything but plain characters
// (a URI's ? and &), so that the line can be pasted as it is.
std::string ShellWord(std::string_view text) {
  const bool plain = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("@%+=:,./_-").find(c) != std::string_view::npos;
  });
  if (plain) return std::string(text);
  std::string quoted = "'";
  for (const char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// `path` made absolute, for a line an operator copies to servers started elsewhere.
std::string Absolute(const std::string& path) {
  std::error_code error;
  const std::filesystem::path absolute = std::filesystem::absolute(path, error);
  return error ? path : absolute.lexically_normal().string();
}

// Walks the audit chain of `store` and compares it with the last checkpoint in `checkpoints`
// (when the file exists): the line to print when it holds, an error saying where it breaks when
// not.
rapport::Result<std::string> VerifyAuditChain(rapport::Store& store,
                                              const std::string& checkpoints) {
  RAPPORT_ASSIGN_OR_RETURN(const std::optional<rapport::AuditCheckpoint> last,
                           rapport::ReadLastCheckpoint(store, checkpoints));
  RAPPORT_ASSIGN_OR_RETURN(const rapport::ChainReport report,
                           rapport::AuditService::VerifyChain(store, last));
  if (!report.ok) {
    return rapport::Fail(rapport::Error::FailedPrecondition(
        fmt::format("broken at entry {}: {}", report.first_broken_seq, report.reason)));
  }
  std::string line = fmt::format("{} entries", report.entries_checked);
  if (last) {
    line += fmt::format(", matching the last checkpoint ({} entries at {})", last->seq,
                        rapport::FormatIso8601(last->at));
  }
  return line;
}

// rapport migrate --from sqlite:PATH --to postgresql://...: moves the clinic, then verifies the
// audit chain where it now lives. The source's chain is verified first, so that a wrong key file
// is found before anything is written.
int RunMoveCommand(const rapport::CommandLine& line) {
  constexpr std::string_view kSqlite = "sqlite:";
  const std::string from = line.Get("--from", "");
  const std::string to = line.Get("--to", "");
  if (from.empty()) {
    std::cerr << "rapport migrate: --to needs --from sqlite:PATH, the SQLite database to move\n";
    return 2;
  }
  if (to.empty()) {
    std::cerr << "rapport migrate: --from needs --to postgresql://USER@HOST/NAME, the PostgreSQL "
                 "database to move it into\n";
    return 2;
  }
  if (!from.starts_with(kSqlite) || from.size() == kSqlite.size() ||
      from.starts_with("sqlite://")) {
    std::cerr
        << "rapport migrate: --from must be sqlite: followed by the SQLite file's path, as in "
           "sqlite:data/rapport.db\n";
    return 2;
  }
  // Never echoed: a connection string may hold a password.
  if (!rapport::IsPostgresUri(to)) {
    std::cerr << "rapport migrate: --to must be a PostgreSQL URI, postgresql://USER@HOST/NAME (or "
                 "postgres://...)\n";
    return 2;
  }
  const std::string path = from.substr(kSqlite.size());
  const std::string audit_key = line.Get("--audit-key", path + ".audit-key");
  const std::string message_key = line.Get("--message-key", path + ".message-key");
  const std::string master_key = line.Get("--master-key", path + ".master-key");
  const std::string checkpoints = line.Get("--checkpoints", path + ".audit-checkpoints");
  if (line.Get("--db")) {
    std::cerr << "rapport migrate: a move names its databases with --from and --to, not --db\n";
    return 2;
  }
  std::error_code ignored;
  if (!std::filesystem::is_regular_file(path, ignored)) {
    std::cerr << fmt::format("rapport migrate: there is no SQLite database at {}\n", path);
    return 1;
  }
  // A key file that is not there would be made anew, and nothing sealed before would open.
  for (const auto& [key, option] :
       {std::pair{audit_key, "--audit-key"}, std::pair{message_key, "--message-key"}}) {
    if (!std::filesystem::is_regular_file(key, ignored)) {
      std::cerr << fmt::format(
          "rapport migrate: the key file {} does not exist: give the SQLite database's own with "
          "{}\n",
          key, option);
      return 1;
    }
  }

  rapport::SqliteStoreOptions source;
  source.path = path;
  source.read_connections = 1;
  source.audit_key_path = audit_key;
  source.message_key_path = message_key;
  source.master_key_path = master_key;
  {
    auto store = rapport::SqlStore::Open(source);
    if (!store) {
      std::cerr << fmt::format("rapport migrate: cannot open database {}: {}\n", path,
                               store.error().message);
      return 1;
    }
    if (auto verified = VerifyAuditChain(**store, checkpoints); !verified) {
      std::cerr << fmt::format(
          "rapport migrate: the SQLite database's audit chain does not verify with the key {} "
          "({}); nothing was moved\n",
          audit_key, verified.error().message);
      return 1;
    }
  }

  rapport::PostgresStoreOptions target;
  target.conninfo = to;
  target.read_connections = 1;
  target.audit_key_path = audit_key;
  target.message_key_path = message_key;
  target.master_key_path = master_key;
  const std::string shown = WithoutPassword(to);
  std::cout << fmt::format("moving {} into {}\n", path, shown);
  const rapport::Result<rapport::MoveReport> report = rapport::MoveSqliteToPostgres(source, target);
  if (!report) {
    std::cerr << fmt::format("rapport migrate: the clinic was not moved: {}\n",
                             report.error().message);
    return 1;
  }
  for (const rapport::TableCopy& table : report->tables) {
    std::cout << fmt::format("  {:<28} {:>9} rows  {}\n", table.table, table.rows_to,
                             table.hash_to.substr(0, 16));
  }
  std::cout << fmt::format(
      "{} tables copied at schema version {}, each with equal row counts and content hashes\n",
      report->tables.size(), report->schema_version);

  auto moved = rapport::SqlStore::Open(target);
  if (!moved) {
    std::cerr << fmt::format(
        "rapport migrate: the clinic was copied, but cannot be opened on "
        "PostgreSQL: {}\n",
        moved.error().message);
    return 1;
  }
  const rapport::Result<std::string> verified = VerifyAuditChain(**moved, checkpoints);
  if (!verified) {
    std::cerr << fmt::format(
        "rapport migrate: the clinic was copied, but its audit chain does not verify on "
        "PostgreSQL ({}): do not start app servers on it\n",
        verified.error().message);
    return 1;
  }
  std::cout << fmt::format("audit chain OK on PostgreSQL: {}\n", *verified);
  std::cout << fmt::format(
      "start every app server with --db {} --audit-key {} --message-key {} --master-key {}\n",
      ShellWord(shown), ShellWord(Absolute(audit_key)), ShellWord(Absolute(message_key)),
      ShellWord(Absolute(master_key)));
  return 0;
}

// `rapport migrate`: the schema of the database --db names, or a move with --from and --to.
std::unique_ptr<rapport::CommandLine> MigrateCommandLine() {
  auto line = std::make_unique<rapport::CommandLine>(
      "migrate", "[--db PATH] | --from sqlite:PATH --to postgresql://USER@HOST/NAME [options]",
      "Applies the database's migrations and exits; or moves a clinic from its SQLite file into "
      "an empty PostgreSQL database, verifying every table and the audit chain. The SQLite "
      "file's key files (PATH.audit-key, PATH.message-key, PATH.master-key unless named) stay "
      "the moved clinic's keys. Stop the clinic's app server before moving it.");
  line->Option("--from", "sqlite:PATH", "a move: the SQLite database to move")
      .Option("--to", "postgresql://USER@HOST/NAME", "a move: the PostgreSQL database to fill");
  rapport::DeclareStoreFiles(*line);
  return line;
}

// The command line of a command that runs on a store, read before the store is opened; null
// for a word that is no such command.
std::unique_ptr<rapport::CommandLine> StoreCommandLine(const std::string& command) {
  if (command == "serve") return rapport::ServeCommandLine();
  if (command == "demo") return rapport::DemoCommandLine();
  if (command == "migrate") return MigrateCommandLine();
  if (command == "user") return rapport::UserCommandLine();
  if (command == "audit") return rapport::AuditCommandLine();
  if (command == "keys") return rapport::KeysCommandLine();
  return nullptr;
}

// `rapport sync mea ...` runs rapport-mea, built and installed beside this program, with the same
// words: it alone links FFmpeg, so no other command pays for loading the video libraries.
int RunMeaBeside(const std::vector<std::string>& args) {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  const std::filesystem::path mea =
      (ec ? std::filesystem::path(".") : self.parent_path()) / "rapport-mea";
  std::vector<std::string> words = {mea.string()};
  words.insert(words.end(), args.begin() + 1, args.end());  // the words after "mea"
  std::vector<char*> argv;
  for (std::string& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);
  std::cout.flush();
  execv(mea.c_str(), argv.data());
  const int error = errno;
  std::cerr << fmt::format(
      "rapport sync mea: cannot run {}: {}; motion energy from video runs in rapport-mea, which "
      "is built and installed beside rapport\n",
      mea.string(), std::strerror(error));
  return 1;
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

  if (command == "sync" && !args.empty() && args[0] == "mea") return RunMeaBeside(args);
  if (command == "sync") return rapport::RunSyncCommand(args, std::cout, std::cerr);
  if (command == "score") return rapport::RunScoreCommand(args, std::cout, std::cerr);
  if (command == "instruments") return rapport::RunInstrumentsCommand(args, std::cout, std::cerr);

  const bool backup = command == "backup" || command == "restore";
  const std::unique_ptr<rapport::CommandLine> line = StoreCommandLine(command);
  if (!backup && line == nullptr) {
    std::cerr << fmt::format("rapport: unknown command '{}'\n\n{}", command, kUsage);
    return 2;
  }
  // --help and a wrong word are answered before any database is opened or created.
  if (line != nullptr) {
    if (auto stop = line->Read(args, std::cout, std::cerr)) return *stop;
  }
  if (auto ok = rapport::InitCrypto(); !ok) {
    std::cerr << "rapport: " << ok.error().message << "\n";
    return 1;
  }
  // They choose the engine by --db themselves and never open the store: a restore's target must
  // not be migrated, nor given key files, before the backup is known to be good.
  if (command == "backup") return rapport::RunBackupCommand(args, std::cout, std::cerr);
  if (command == "restore") return rapport::RunRestoreCommand(args, std::cout, std::cerr);
  if (command == "migrate" && (line->Get("--from") || line->Get("--to"))) {
    return RunMoveCommand(*line);
  }
  const rapport::StoreFiles files = rapport::ReadStoreFiles(*line);
  const std::string& db = files.db;
  const std::string& checkpoints = files.checkpoints;
  // One default for every command that writes or reads checkpoints; serve and audit read it as
  // their own --checkpoints option.
  if ((command == "serve" || command == "audit") && !line->Get("--checkpoints")) {
    args.push_back("--checkpoints=" + checkpoints);
  }
  // Named in messages without the connection string, which may hold a password.
  const std::string shown = files.shown();
  rapport::Result<std::unique_ptr<rapport::SqlStore>> store =
      rapport::Fail(rapport::Error::Internal("not opened"));
  if (files.postgres()) {
    rapport::PostgresStoreOptions options;
    options.conninfo = db;
    options.audit_key_path = files.audit_key;
    options.message_key_path = files.message_key;
    options.master_key_path = files.master_key;
    store = rapport::SqlStore::Open(options);
  } else {
    rapport::SqliteStoreOptions options;
    options.path = db;
    options.audit_key_path = files.audit_key;
    options.message_key_path = files.message_key;
    options.master_key_path = files.master_key;
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
  if (command == "keys") {
    return rapport::RunKeysCommand(**store, **store, args, std::cout, std::cerr);
  }
  return rapport::RunAuditCommand(**store, args, std::cout, std::cerr);
}
