#include "store/postgres/pg_backup.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <libpq-fe.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "store/postgres/pg_connection.h"
#include "store/postgres/pg_migrations.h"

namespace rapport {

namespace {

namespace fs = std::filesystem;

// What a program wrote and how it ended.
struct ProgramRun {
  int status = -1;  // its exit status; -1 when it did not exit
  std::string out;
  std::string err;
};

// The last few lines of what a program wrote to its error output, on one line, for a message.
std::string Tail(const std::string& text) {
  constexpr std::size_t kLines = 4;
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  if (lines.empty()) return "it gave no reason";
  std::string tail;
  for (std::size_t i = lines.size() > kLines ? lines.size() - kLines : 0; i < lines.size(); ++i) {
    tail += (tail.empty() ? "" : " ") + lines[i];
  }
  return tail;
}

// Runs `argv` (its first word looked for on PATH) with no input and this process's environment,
// and PGPASSWORD set to `password` when that is not empty; returns what it wrote. kUnavailable
// when it cannot be started (naming the package when it is not installed).
Result<ProgramRun> RunProgram(const std::vector<std::string>& argv, const std::string& password) {
  std::array<int, 2> out{-1, -1};
  std::array<int, 2> err{-1, -1};
  if (::pipe2(out.data(), O_CLOEXEC) != 0 || ::pipe2(err.data(), O_CLOEXEC) != 0) {
    const int error = errno;
    for (const int fd : {out[0], out[1], err[0], err[1]}) {
      if (fd >= 0) ::close(fd);
    }
    return Fail(
        Error::Unavailable(fmt::format("cannot run {}: {}", argv.front(), std::strerror(error))));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);

  std::vector<std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view variable(*entry);
    if (!password.empty() && variable.starts_with("PGPASSWORD=")) continue;
    environment.emplace_back(variable);
  }
  if (!password.empty()) environment.push_back("PGPASSWORD=" + password);
  std::vector<std::string> words = argv;
  std::vector<char*> arg_pointers;
  for (std::string& word : words) arg_pointers.push_back(word.data());
  arg_pointers.push_back(nullptr);
  std::vector<char*> env_pointers;
  for (std::string& variable : environment) env_pointers.push_back(variable.data());
  env_pointers.push_back(nullptr);

  pid_t pid = -1;
  const int spawned = ::posix_spawnp(&pid, words.front().c_str(), &actions, nullptr,
                                     arg_pointers.data(), env_pointers.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  ::close(err[1]);
  if (spawned != 0) {
    ::close(out[0]);
    ::close(err[0]);
    if (spawned == ENOENT) {
      return Fail(Error::Unavailable(
          fmt::format("{} was not found: install the PostgreSQL client programs (Debian: "
                      "postgresql-client)",
                      argv.front())));
    }
    return Fail(
        Error::Unavailable(fmt::format("cannot run {}: {}", argv.front(), std::strerror(spawned))));
  }

  ProgramRun run;
  std::array<pollfd, 2> streams{pollfd{out[0], POLLIN, 0}, pollfd{err[0], POLLIN, 0}};
  std::array<std::string*, 2> sinks{&run.out, &run.err};
  std::array<char, 65536> chunk{};
  int open_streams = 2;
  while (open_streams > 0) {
    if (::poll(streams.data(), streams.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (std::size_t i = 0; i < streams.size(); ++i) {
      if (streams[i].fd < 0 || streams[i].revents == 0) continue;
      const ssize_t got = ::read(streams[i].fd, chunk.data(), chunk.size());
      if (got > 0) {
        sinks[i]->append(chunk.data(), static_cast<std::size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        ::close(streams[i].fd);
        streams[i].fd = -1;  // poll() skips it from now on
        --open_streams;
      }
    }
  }
  for (const pollfd& stream : streams) {
    if (stream.fd >= 0) ::close(stream.fd);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// A connection string split into what may be shown and passed on a command line, and its
// password.
struct SplitConnection {
  std::string conninfo;  // keyword='value' pairs, every one but the password
  std::string password;  // empty when it has none
  std::string dbname;
  std::string host;
  std::string port;
};

std::string QuotedValue(std::string_view value) {
  std::string quoted = "'";
  for (const char c : value) {
    if (c == '\'' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "'";
}

Result<SplitConnection> Split(const std::string& conninfo) {
  char* message = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &message);
  if (message != nullptr) PQfreemem(message);  // it may quote the string, password and all
  if (options == nullptr) {
    return Fail(Error::InvalidArgument(
        "the PostgreSQL connection string does not read as a libpq connection string or URI"));
  }
  SplitConnection split;
  for (const PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    if (option->val == nullptr || *option->val == '\0') continue;
    const std::string_view keyword(option->keyword);
    if (keyword == "password") {
      split.password = option->val;
      continue;
    }
    if (keyword == "dbname") split.dbname = option->val;
    if (keyword == "host") split.host = option->val;
    if (keyword == "port") split.port = option->val;
    if (!split.conninfo.empty()) split.conninfo += ' ';
    split.conninfo += fmt::format("{}={}", keyword, QuotedValue(option->val));
  }
  PQconninfoFree(options);
  return split;
}

// Whether the list of an archive's contents (pg_restore --list) has an entry of `kind` ("TABLE",
// or "TABLE DATA" for its rows) for the table `name`. Each entry is a line "ID; OID OID KIND
// SCHEMA NAME OWNER".
bool ListsEntry(std::string_view list, std::string_view kind, std::string_view name) {
  std::istringstream lines{std::string(list)};
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line.front() == ';') continue;
    std::istringstream words(line);
    std::vector<std::string> word;
    for (std::string w; words >> w;) word.push_back(w);
    if (word.size() < 7 || word[3] != "TABLE") continue;
    const bool data = word[4] == "DATA";
    if (data != (kind == "TABLE DATA")) continue;
    const std::size_t at = data ? 6 : 5;
    if (at < word.size() && word[at] == name) return true;
  }
  return false;
}

// The highest version in schema_migrations' rows as pg_restore writes them out (a COPY block, one
// row a line, tab-separated, ended by "\."); 0 when there are none.
int HighestVersion(std::string_view script) {
  std::istringstream lines{std::string(script)};
  bool in_rows = false;
  int highest = 0;
  for (std::string line; std::getline(lines, line);) {
    if (!in_rows) {
      in_rows = line.starts_with("COPY ") && line.find("schema_migrations") != std::string::npos;
      continue;
    }
    if (line == "\\.") break;
    const std::string_view first = std::string_view(line).substr(0, line.find('\t'));
    int version = 0;
    const auto [end, error] = std::from_chars(first.data(), first.data() + first.size(), version);
    // A row this check cannot read leaves the version as read so far.
    if (error == std::errc() && end == first.data() + first.size()) {
      highest = std::max(highest, version);
    }
  }
  return highest;
}

// Names of the user's objects in the database on `c` (relations, functions, types outside the
// system's schemas), at most a few: none in an empty database.
Result<std::vector<std::string>> UserObjects(SqlConnection& c) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery query,
      c.Prepare("SELECT name FROM ("
                "SELECT n.nspname || '.' || r.relname AS name FROM pg_class r JOIN pg_namespace n "
                "ON n.oid = r.relnamespace WHERE n.nspname <> 'information_schema' AND "
                "n.nspname NOT LIKE 'pg!_%' ESCAPE '!' "
                "UNION ALL SELECT n.nspname || '.' || p.proname || '()' FROM pg_proc p JOIN "
                "pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname <> "
                "'information_schema' AND n.nspname NOT LIKE 'pg!_%' ESCAPE '!' "
                "UNION ALL SELECT n.nspname || '.' || t.typname FROM pg_type t JOIN pg_namespace n "
                "ON n.oid = t.typnamespace WHERE t.typtype IN ('d', 'e', 'r', 'm') AND "
                "n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg!_%' ESCAPE '!'"
                ") objects ORDER BY name LIMIT 6"));
  std::vector<std::string> names;
  for (;;) {
    RAPPORT_ASSIGN_OR_RETURN(const bool row, query.Step());
    if (!row) return names;
    names.push_back(query.Text(0));
  }
}

// The user's schemas (outside the system's) of the database on `c`.
Result<std::vector<std::string>> UserSchemas(SqlConnection& c) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery query,
      c.Prepare("SELECT nspname FROM pg_namespace WHERE nspname <> 'information_schema' AND "
                "nspname NOT LIKE 'pg!_%' ESCAPE '!' ORDER BY nspname"));
  std::vector<std::string> names;
  for (;;) {
    RAPPORT_ASSIGN_OR_RETURN(const bool row, query.Step());
    if (!row) return names;
    names.push_back(query.Text(0));
  }
}

std::string Listed(const std::vector<std::string>& names) {
  std::string listed;
  for (std::size_t i = 0; i < names.size() && i < 5; ++i) listed += (i ? ", " : "") + names[i];
  if (names.size() > 5) listed += ", ...";
  return listed;
}

// Drops, in one transaction, everything a restore made in a database that was empty before it:
// the schemas that were not there (`schemas_before` were), and every relation, function and type
// in those that were. Then the database holds no object of the user's, as before the restore.
Status DropRestored(SqlConnection& c, const std::vector<std::string>& schemas_before) {
  std::vector<std::string> drops;
  {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery query,
        c.Prepare("SELECT format('DROP SCHEMA %I CASCADE', nspname), nspname FROM pg_namespace "
                  "WHERE nspname <> 'information_schema' AND nspname NOT LIKE 'pg!_%' ESCAPE '!'"));
    for (;;) {
      RAPPORT_ASSIGN_OR_RETURN(const bool row, query.Step());
      if (!row) break;
      if (std::find(schemas_before.begin(), schemas_before.end(), query.Text(1)) ==
          schemas_before.end()) {
        drops.push_back(query.Text(0));
      }
    }
  }
  // In the schemas that were there before: tables (their indexes, triggers, identity sequences and
  // row types go with them), then any other relation, function or type left.
  const std::string in_old_schemas =
      "n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg!_%' ESCAPE '!'";
  const std::vector<std::string> lists = {
      fmt::format("SELECT format('DROP TABLE IF EXISTS %I.%I CASCADE', n.nspname, r.relname) "
                  "FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace WHERE {} AND "
                  "r.relkind IN ('r', 'p', 'f')",
                  in_old_schemas),
      fmt::format("SELECT format('DROP VIEW IF EXISTS %I.%I CASCADE', n.nspname, r.relname) FROM "
                  "pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace WHERE {} AND "
                  "r.relkind = 'v'",
                  in_old_schemas),
      fmt::format("SELECT format('DROP MATERIALIZED VIEW IF EXISTS %I.%I CASCADE', n.nspname, "
                  "r.relname) FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace "
                  "WHERE {} AND r.relkind = 'm'",
                  in_old_schemas),
      fmt::format("SELECT format('DROP SEQUENCE IF EXISTS %I.%I CASCADE', n.nspname, r.relname) "
                  "FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace WHERE {} AND "
                  "r.relkind = 'S'",
                  in_old_schemas),
      fmt::format("SELECT format('DROP ROUTINE IF EXISTS %s CASCADE', p.oid::regprocedure) FROM "
                  "pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE {}",
                  in_old_schemas),
      fmt::format("SELECT format('DROP TYPE IF EXISTS %I.%I CASCADE', n.nspname, t.typname) FROM "
                  "pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE {} AND "
                  "t.typtype IN ('d', 'e', 'r', 'm')",
                  in_old_schemas),
  };
  RAPPORT_RETURN_IF_ERROR(c.Exec("BEGIN"));
  const auto undo = [&]() -> Status {
    for (const std::string& drop : drops) RAPPORT_RETURN_IF_ERROR(c.Exec(drop));
    // Each list is read after the drops before it, which take dependent objects along.
    for (const std::string& list : lists) {
      std::vector<std::string> statements;
      {
        RAPPORT_ASSIGN_OR_RETURN(SqlQuery query, c.Prepare(list));
        for (;;) {
          RAPPORT_ASSIGN_OR_RETURN(const bool row, query.Step());
          if (!row) break;
          statements.push_back(query.Text(0));
        }
      }
      for (const std::string& statement : statements) RAPPORT_RETURN_IF_ERROR(c.Exec(statement));
    }
    return c.Exec("COMMIT");
  };
  const Status undone = undo();
  if (!undone) c.RollbackIfOpen();
  return undone;
}

// Ends a read transaction on any path.
class EndTransaction {
 public:
  explicit EndTransaction(SqlConnection& c) : c_(c) {}
  EndTransaction(const EndTransaction&) = delete;
  EndTransaction& operator=(const EndTransaction&) = delete;
  ~EndTransaction() { c_.RollbackIfOpen(); }

 private:
  SqlConnection& c_;
};

// What arrived in the database of `options.conninfo`, checked.
Result<PgRestoreReport> CheckArrived(const PgRestoreOptions& options) {
  RAPPORT_ASSIGN_OR_RETURN(auto reader,
                           PgConnection::Open(options.conninfo, SqlConnection::Mode::kReader));
  PgRestoreReport report;
  RAPPORT_ASSIGN_OR_RETURN(report.digest, DigestDatabase(*reader));
  RAPPORT_RETURN_IF_ERROR(CheckSchemaVersion(report.digest.schema_version, PostgresMigrations()));
  RAPPORT_ASSIGN_OR_RETURN(report.audit_verified,
                           CheckRestoredData(*reader, report.digest, options.keys));
  return report;
}

}  // namespace

std::string PostgresDatabaseName(const std::string& conninfo) {
  const Result<SplitConnection> split = Split(conninfo);
  if (!split) return "the PostgreSQL database";
  std::string name = split->dbname.empty()
                         ? std::string("the PostgreSQL database")
                         : fmt::format("the PostgreSQL database {}", split->dbname);
  if (!split->host.empty()) {
    name += fmt::format(" on {}", split->host);
    if (!split->port.empty()) name += ":" + split->port;
  }
  return name;
}

Result<PgBackupReport> BackupPostgres(const PgBackupOptions& options) {
  if (options.conninfo.empty() || options.to.empty()) {
    return Fail(Error::InvalidArgument("a backup needs the database and the backup file"));
  }
  RAPPORT_ASSIGN_OR_RETURN(const SplitConnection connection, Split(options.conninfo));
  RAPPORT_RETURN_IF_ERROR(RequireFolderOf(options.to));
  std::error_code error;
  if (!options.replace && fs::exists(options.to, error)) {
    return Fail(Error::AlreadyExists(fmt::format("{} already exists", options.to)));
  }

  // One snapshot for the archive and the figures: exported from this transaction to pg_dump, and
  // read here too, while the app servers go on writing.
  RAPPORT_ASSIGN_OR_RETURN(auto reader,
                           PgConnection::Open(options.conninfo, SqlConnection::Mode::kReader));
  RAPPORT_RETURN_IF_ERROR(reader->Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
  EndTransaction end(*reader);
  std::string snapshot;
  {
    RAPPORT_ASSIGN_OR_RETURN(SqlQuery query, reader->Prepare("SELECT pg_export_snapshot()"));
    RAPPORT_ASSIGN_OR_RETURN(const bool row, query.Step());
    if (!row) return Fail(Error::Unavailable("the database exported no snapshot"));
    snapshot = query.Text(0);
  }
  PgBackupReport report;
  RAPPORT_ASSIGN_OR_RETURN(report.digest, DigestDatabase(*reader));

  RAPPORT_ASSIGN_OR_RETURN(TempFile temp, TempFile::Beside(options.to, "partial"));
  RAPPORT_ASSIGN_OR_RETURN(
      const ProgramRun dump,
      RunProgram({"pg_dump", "--format=custom", "--no-password", "--snapshot=" + snapshot,
                  "--file=" + temp.path(), "--dbname=" + connection.conninfo},
                 connection.password));
  if (dump.status != 0) {
    return Fail(Error::Unavailable(
        fmt::format("pg_dump failed (exit status {}): {}", dump.status, Tail(dump.err))));
  }
  reader->RollbackIfOpen();  // the snapshot is no longer needed
  RAPPORT_RETURN_IF_ERROR(temp.Sync());
  RAPPORT_ASSIGN_OR_RETURN(const ProgramRun list,
                           RunProgram({"pg_restore", "--list", temp.path()}, ""));
  if (list.status != 0 || !ListsEntry(list.out, "TABLE DATA", "audit")) {
    return Fail(Error::Unavailable(
        fmt::format("the archive pg_dump wrote does not read back whole: {}", Tail(list.err))));
  }
  report.bytes = FileSizeOf(temp.path());
  RAPPORT_RETURN_IF_ERROR(temp.MoveTo(options.to, options.replace));
  return report;
}

Result<PgRestoreReport> RestorePostgres(const PgRestoreOptions& options) {
  if (options.from.empty() || options.conninfo.empty()) {
    return Fail(Error::InvalidArgument("a restore needs the backup file and the database"));
  }
  const std::string& from = options.from;
  RAPPORT_RETURN_IF_ERROR(RequireBackupFile(from));
  RAPPORT_ASSIGN_OR_RETURN(const SplitConnection connection, Split(options.conninfo));

  // The archive, before the database is touched.
  RAPPORT_ASSIGN_OR_RETURN(const ProgramRun list, RunProgram({"pg_restore", "--list", from}, ""));
  if (list.status != 0) {
    return Fail(Error::FailedPrecondition(fmt::format(
        "{} is not a PostgreSQL backup that pg_restore can read: {}", from, Tail(list.err))));
  }
  for (const std::string_view table : {"schema_migrations", "audit"}) {
    if (!ListsEntry(list.out, "TABLE", table)) {
      return Fail(Error::FailedPrecondition(fmt::format(
          "{}: it is not a backup of a Rapport database: it has no {} table", from, table)));
    }
  }
  RAPPORT_ASSIGN_OR_RETURN(
      const ProgramRun versions,
      RunProgram({"pg_restore", "--data-only", "--table=schema_migrations", "--file=-", from}, ""));
  if (versions.status != 0) {
    return Fail(Error::FailedPrecondition(
        fmt::format("{}: its schema version cannot be read: {}", from, Tail(versions.err))));
  }
  if (const Status known = CheckSchemaVersion(HighestVersion(versions.out), PostgresMigrations());
      !known) {
    return Fail(Error{known.error().code, fmt::format("{}: {}", from, known.error().message), {}});
  }
  RAPPORT_RETURN_IF_ERROR(ReadClinicKeys(options.keys));

  // The database: empty, or nothing happens.
  const std::string named = PostgresDatabaseName(options.conninfo);
  RAPPORT_ASSIGN_OR_RETURN(auto target,
                           PgConnection::Open(options.conninfo, SqlConnection::Mode::kWriter));
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<std::string> held, UserObjects(*target));
  if (!held.empty()) {
    return Fail(Error::FailedPrecondition(fmt::format(
        "{} is not empty (it holds {}): a backup is restored only into an empty database", named,
        Listed(held))));
  }
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<std::string> schemas_before, UserSchemas(*target));

  RAPPORT_ASSIGN_OR_RETURN(
      const ProgramRun restore,
      RunProgram({"pg_restore", "--single-transaction", "--exit-on-error", "--no-owner",
                  "--no-privileges", "--no-password", "--dbname=" + connection.conninfo, from},
                 connection.password));
  if (restore.status != 0) {
    return Fail(Error::Unavailable(fmt::format(
        "pg_restore failed (exit status {}): {}; it ran in one transaction, so {} is empty as it "
        "was",
        restore.status, Tail(restore.err), named)));
  }

  Result<PgRestoreReport> arrived = CheckArrived(options);
  if (!arrived) {
    const Status undone = DropRestored(*target, schemas_before);
    Result<std::vector<std::string>> left = Fail(Error::Internal("not dropped"));
    left = undone ? UserObjects(*target) : Result<std::vector<std::string>>(Fail(undone.error()));
    if (!left || !left->empty()) {
      return Fail(Error::Internal(fmt::format(
          "{}; what pg_restore made in {} could not all be dropped again ({}): drop the database "
          "and create it anew before another restore",
          arrived.error().message, named,
          left ? "it still holds " + Listed(*left) : left.error().message)));
    }
    return Fail(Error{arrived.error().code,
                      fmt::format("{}; what pg_restore made was dropped again, so {} is empty as "
                                  "it was",
                                  arrived.error().message, named),
                      {}});
  }
  return arrived;
}

}  // namespace rapport
