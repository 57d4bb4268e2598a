#include "store/postgres/pg_test_cluster.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>  // mkdtemp
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

extern char** environ;

namespace rapport {

namespace {

constexpr const char* kDebianBin = "/usr/lib/postgresql/15/bin";
// The cluster's superuser, whoever runs initdb.
constexpr const char* kSuperuser = "rapport";
// How long pg_ctl waits for the server to start or stop, in seconds.
constexpr const char* kPgCtlTimeout = "60";
constexpr int kLogTailLines = 25;

bool HasServerPrograms(const std::string& bin) {
  constexpr std::array<const char*, 3> kPrograms = {"initdb", "pg_ctl", "postgres"};
  return std::all_of(kPrograms.begin(), kPrograms.end(), [&](const char* name) {
    return access(fmt::format("{}/{}", bin, name).c_str(), X_OK) == 0;
  });
}

std::string FindServerPrograms() {
  if (HasServerPrograms(kDebianBin)) return kDebianBin;
  // Another layout (a source build, another distribution): ask pg_config where it put them.
  FILE* pipe = popen("pg_config --bindir 2>/dev/null", "r");
  if (pipe == nullptr) return {};
  std::string line;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) line += buffer;
  pclose(pipe);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  return !line.empty() && HasServerPrograms(line) ? line : std::string();
}

const std::string& ServerPrograms() {
  static const std::string bin = FindServerPrograms();
  return bin;
}

// The last lines of a log, for an error that says why the server did not start.
std::string Tail(const std::string& path) {
  std::ifstream in(path);
  if (!in) return fmt::format("({} is missing)", path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(std::move(line));
  const std::size_t from = lines.size() > kLogTailLines ? lines.size() - kLogTailLines : 0;
  std::string tail;
  for (std::size_t i = from; i < lines.size(); ++i) tail += fmt::format("\n  {}", lines[i]);
  return tail.empty() ? fmt::format("({} is empty)", path) : tail;
}

// With TCP off the port only names the socket file and seeds the server's shared memory key;
// one no other process holds keeps both apart from any other server on the machine.
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd >= 0) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t size = sizeof address;
    if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
      close(fd);
      return ntohs(address.sin_port);
    }
    close(fd);
  }
  return 40000 + static_cast<int>(getpid() % 20000);  // no network at all: any number will do
}

// "a'b\c" -> 'a\'b\\c', a value in a libpq connection string.
std::string ConninfoValue(std::string_view value) {
  std::string quoted = "'";
  for (const char c : value) {
    if (c == '\'' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "'";
}

// The environment of the server programs: none of the caller's PG* settings (PGDATA, PGPORT,
// PGOPTIONS) and English messages, whatever the machine's locale.
std::vector<std::string> ServerEnvironment() {
  std::vector<std::string> environment;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view variable = *entry;
    if (variable.starts_with("PG") || variable.starts_with("LC_") || variable.starts_with("LANG")) {
      continue;
    }
    environment.emplace_back(variable);
  }
  environment.emplace_back("LC_ALL=C");
  return environment;
}

// Writes `message` to standard error from a forked child, where only async-signal-safe calls
// are allowed.
void ChildFail(const char* message) {
  const ssize_t ignored = write(STDERR_FILENO, message, std::strlen(message));
  static_cast<void>(ignored);
}

}  // namespace

bool PgTestCluster::Available() {
  return !ServerPrograms().empty();
}

Result<std::unique_ptr<PgTestCluster>> PgTestCluster::Start() {
  std::unique_ptr<PgTestCluster> cluster(new PgTestCluster());
  cluster->bin_ = ServerPrograms();
  if (cluster->bin_.empty()) {
    return Fail(Error::Unavailable(
        fmt::format("the PostgreSQL server programs are not installed (looked in {} and in "
                    "`pg_config --bindir`)",
                    kDebianBin)));
  }
  // initdb and postgres refuse to run as root: they then run as nobody, in a folder under /tmp
  // (which any user can reach, unlike a root's TMPDIR).
  std::string base = "/tmp";
  if (geteuid() == 0) {
    const passwd* nobody = getpwnam("nobody");
    if (nobody == nullptr) {
      return Fail(Error::Unavailable(
          "running as root, and there is no user `nobody` to run the PostgreSQL server as"));
    }
    const group* nogroup = getgrnam("nogroup");
    cluster->drop_privileges_ = true;
    cluster->uid_ = nobody->pw_uid;
    cluster->gid_ = nogroup != nullptr ? nogroup->gr_gid : nobody->pw_gid;
  } else if (const char* tmpdir = std::getenv("TMPDIR");
             tmpdir != nullptr && *tmpdir != '\0' && std::strlen(tmpdir) < 60) {
    // Only a short one: a Unix socket's path has at most 107 bytes.
    base = tmpdir;
  }
  std::string folder = base + "/rapport-pg-XXXXXX";
  if (mkdtemp(folder.data()) == nullptr) {
    return Fail(Error::Unavailable(
        fmt::format("cannot create a folder in {}: {}", base, std::strerror(errno))));
  }
  cluster->folder_ = folder;
  if (cluster->drop_privileges_ && chown(folder.c_str(), cluster->uid_, cluster->gid_) != 0) {
    return Fail(Error::Unavailable(
        fmt::format("cannot give {} to nobody: {}", folder, std::strerror(errno))));
  }
  // The socket lives here: the tests' own user must reach it whoever owns the folder.
  if (chmod(folder.c_str(), 0755) != 0) {
    return Fail(
        Error::Unavailable(fmt::format("cannot open up {}: {}", folder, std::strerror(errno))));
  }
  cluster->port_ = FreePort();

  const std::string initdb_log = folder + "/initdb.log";
  // --no-sync skips only initdb's own flush of the files it creates, which die with the folder
  // anyway; the server keeps fsync on.
  const int initdb = cluster->Run({cluster->bin_ + "/initdb", "--pgdata=" + cluster->DataFolder(),
                                   std::string("--username=") + kSuperuser, "--auth=trust",
                                   "--encoding=UTF8", "--locale=C", "--no-sync"},
                                  initdb_log);
  if (initdb != 0) {
    return Fail(Error::Unavailable(
        fmt::format("initdb failed (exit status {}):{}", initdb, Tail(initdb_log))));
  }

  {
    // After initdb's own settings: a socket in the folder and no TCP at all, and fsync on as in
    // production, so that commits here cost what they will cost there.
    std::string quoted_folder;
    for (const char c : folder) quoted_folder += c == '\'' ? std::string("''") : std::string(1, c);
    std::ofstream conf(cluster->DataFolder() + "/postgresql.conf", std::ios::app);
    conf << "\n# PgTestCluster\n"
         << "listen_addresses = ''\n"
         << "unix_socket_directories = '" << quoted_folder << "'\n"
         << "port = " << cluster->port_ << "\n"
         << "fsync = on\n";
    if (!conf.flush()) {
      return Fail(Error::Unavailable(
          fmt::format("cannot write the configuration in {}", cluster->DataFolder())));
    }
  }

  const std::string server_log = folder + "/server.log";
  const std::string pg_ctl_log = folder + "/pg_ctl.log";
  const int pg_ctl = cluster->Run(
      {cluster->bin_ + "/pg_ctl", "start", "--pgdata=" + cluster->DataFolder(),
       "--log=" + server_log, "--wait", std::string("--timeout=") + kPgCtlTimeout, "--silent"},
      pg_ctl_log);
  if (pg_ctl != 0) {
    return Fail(Error::Unavailable(
        fmt::format("the PostgreSQL server did not start (pg_ctl exit status {}):{}\nserver log:{}",
                    pg_ctl, Tail(pg_ctl_log), Tail(server_log))));
  }
  cluster->started_ = true;
  std::ofstream port_file(folder + "/port");
  port_file << cluster->port_ << "\n";
  if (!port_file.flush()) {
    return Fail(Error::Unavailable(fmt::format("cannot write {}/port", folder)));
  }
  return cluster;
}

Result<PgTestCluster*> PgTestCluster::Shared() {
  static Result<std::unique_ptr<PgTestCluster>> shared = []() {
    if (const char* state = std::getenv("RAPPORT_TEST_PG"); state != nullptr && *state != '\0') {
      std::ifstream in(state);
      std::string folder;
      if (!std::getline(in, folder) || folder.empty()) {
        return Result<std::unique_ptr<PgTestCluster>>(Fail(Error::Unavailable(
            fmt::format("the test run's PostgreSQL server did not start (see {})", state))));
      }
      return Attach(folder);
    }
    return Start();
  }();
  if (!shared) return Fail(shared.error());
  return shared->get();
}

std::string PgTestCluster::UniqueName(std::string_view prefix) {
  static std::atomic<int> counter{0};
  return fmt::format("{}_{}_{}", prefix, getpid(), ++counter);
}

Result<std::unique_ptr<PgTestCluster>> PgTestCluster::Attach(const std::string& folder) {
  std::unique_ptr<PgTestCluster> cluster(new PgTestCluster());
  std::ifstream port_file(folder + "/port");
  if (!(port_file >> cluster->port_) || cluster->port_ <= 0) {
    return Fail(Error::Unavailable(fmt::format("no test PostgreSQL server runs in {}", folder)));
  }
  cluster->bin_ = ServerPrograms();
  cluster->folder_ = folder;
  cluster->started_ = true;
  cluster->owner_ = false;
  struct stat info{};
  if (geteuid() == 0 && stat((folder + "/data").c_str(), &info) == 0 && info.st_uid != 0) {
    cluster->drop_privileges_ = true;
    cluster->uid_ = info.st_uid;
    cluster->gid_ = info.st_gid;
  }
  return cluster;
}

PgTestCluster::~PgTestCluster() {
  if (folder_.empty() || !owner_) return;
  Stop();
  std::error_code ignored;
  std::filesystem::remove_all(folder_, ignored);
}

void PgTestCluster::Stop() {
  const std::string pid_file = DataFolder() + "/postmaster.pid";
  // Also after a failed start: pg_ctl may have given up on a server that came up later.
  if (!started_ && access(pid_file.c_str(), F_OK) != 0) return;
  const int stopped = Run({bin_ + "/pg_ctl", "stop", "--pgdata=" + DataFolder(), "--mode=fast",
                           "--wait", std::string("--timeout=") + kPgCtlTimeout, "--silent"},
                          folder_ + "/pg_ctl.log");
  started_ = false;
  if (stopped == 0) return;
  // pg_ctl could not stop it: end the server's process directly, never to leave it running.
  std::ifstream in(pid_file);
  pid_t pid = 0;
  if (!(in >> pid) || pid <= 1) return;
  kill(pid, SIGQUIT);  // immediate shutdown; its children follow
  for (int i = 0; i < 200 && kill(pid, 0) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (kill(pid, 0) == 0) kill(pid, SIGKILL);
}

std::string PgTestCluster::conninfo(std::string_view dbname) const {
  return fmt::format("host={} port={} user={} dbname={}", ConninfoValue(folder_), port_, kSuperuser,
                     ConninfoValue(dbname));
}

std::string PgTestCluster::uri(std::string_view dbname) const {
  // Everything but the unreserved characters and '/' is percent-encoded, so that any folder
  // reads back as it is.
  std::string host;
  for (const char c : folder_) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
    host += plain ? std::string(1, c) : fmt::format("%{:02X}", static_cast<unsigned char>(c));
  }
  return fmt::format("postgresql://{}@/{}?host={}&port={}", kSuperuser, dbname, host, port_);
}

Status PgTestCluster::CreateDatabase(std::string_view name, std::string_view from_template) {
  if (from_template.empty()) return Administer(name, fmt::format("CREATE DATABASE {}", name));
  RAPPORT_RETURN_IF_ERROR(Administer(from_template, "SELECT 1"));  // a plain name too
  return Administer(name, fmt::format("CREATE DATABASE {} TEMPLATE {}", name, from_template));
}

Status PgTestCluster::DropDatabase(std::string_view name) {
  // FORCE: a test that failed half way may have left a connection open.
  return Administer(name, fmt::format("DROP DATABASE IF EXISTS {} WITH (FORCE)", name));
}

Status PgTestCluster::Administer(std::string_view name, const std::string& sql) {
  const bool plain =
      !name.empty() && name.size() <= 63 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
      });
  if (!plain) return Fail(Error::InvalidArgument(fmt::format("not a database name: {}", name)));
  PGconn* conn = PQconnectdb(conninfo("postgres").c_str());
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    Error error = Error::Unavailable(fmt::format(
        "cannot reach the test cluster: {}", conn != nullptr ? PQerrorMessage(conn) : "no memory"));
    PQfinish(conn);
    return Fail(std::move(error));
  }
  PGresult* result = PQexec(conn, sql.c_str());
  Status status = Ok();
  if (PQresultStatus(result) != PGRES_COMMAND_OK && PQresultStatus(result) != PGRES_TUPLES_OK) {
    status = Fail(Error::Internal(fmt::format("{} failed: {}", sql, PQerrorMessage(conn))));
  }
  PQclear(result);
  PQfinish(conn);
  return status;
}

int PgTestCluster::Run(const std::vector<std::string>& argv, const std::string& log) const {
  // Everything the child needs is made here: between fork and exec only async-signal-safe calls.
  std::vector<std::string> arguments = argv;
  std::vector<char*> arg_pointers;
  for (std::string& argument : arguments) arg_pointers.push_back(argument.data());
  arg_pointers.push_back(nullptr);
  std::vector<std::string> environment = ServerEnvironment();
  std::vector<char*> env_pointers;
  for (std::string& variable : environment) env_pointers.push_back(variable.data());
  env_pointers.push_back(nullptr);

  const int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (out < 0 || in < 0) {
    if (out >= 0) close(out);
    if (in >= 0) close(in);
    return -1;
  }
  if (drop_privileges_ && fchown(out, uid_, gid_) != 0) {
    close(out);
    close(in);
    return -1;
  }
  const char* const folder = folder_.c_str();
  const bool drop = drop_privileges_;
  const uid_t uid = uid_;
  const gid_t gid = gid_;
  const pid_t pid = fork();
  if (pid == 0) {
    if (dup2(in, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
        dup2(out, STDERR_FILENO) < 0) {
      _exit(126);
    }
    // The server outlives this call: it must not hold on to the tests' own files and sockets.
    close_range(3, ~0U, 0);
    if (chdir(folder) != 0) {
      ChildFail("cannot enter the cluster's folder\n");
      _exit(126);
    }
    if (drop && (setgroups(0, nullptr) != 0 || setgid(gid) != 0 || setuid(uid) != 0)) {
      ChildFail("cannot switch to the user nobody\n");
      _exit(126);
    }
    execve(arg_pointers[0], arg_pointers.data(), env_pointers.data());
    ChildFail("cannot run a PostgreSQL program\n");
    _exit(127);
  }
  close(out);
  close(in);
  if (pid < 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace rapport
