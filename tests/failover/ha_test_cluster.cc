#include "ha_test_cluster.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>  // mkdtemp
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>

#include "core/crypto.h"
#include "http_client.h"

extern char** environ;

namespace rapport::testing {

namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

constexpr const char* kPgBin = "/usr/lib/postgresql/15/bin";
constexpr const char* kSystemPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
// The superuser Patroni creates (deploy/patroni/patroni.yml, authentication.superuser).
constexpr const char* kSuperuser = "postgres";
// The app servers' role and database (deploy/README.md, "Bootstrap").
constexpr const char* kAppRole = "rapport";
constexpr const char* kAppDatabase = "rapport";

// The machines of deploy/: the first database machine, whose files are written for it, and the
// second, and each one's Patroni node name.
constexpr const char* kFirstNode = "db1";
constexpr const char* kFirstAddress = "10.0.0.11";
struct ShippedNode {
  const char* name;
  const char* address;
};
constexpr ShippedNode kShippedNodes[] = {{"db1", "10.0.0.11"}, {"db2", "10.0.0.12"}};
constexpr const char* kShippedEtcdHosts = "10.0.0.11:2379,10.0.0.12:2379,10.0.0.13:2379";

// Waits for the guardian's pipe to close. "done" means everything was stopped already;
// anything else (the end of the pipe: the test process is gone) stops what is left: the
// process groups listed in pgids, then every postmaster of the folder, and removes the folder.
constexpr const char* kGuardianScript = R"sh(
folder="$1"
read -r word
[ "$word" = done ] && exit 0
for group in $(cat "$folder/pgids" 2>/dev/null); do kill -KILL "-$group" 2>/dev/null; done
for round in QUIT KILL; do
  for file in "$folder"/*/data/postmaster.pid; do
    [ -f "$file" ] || continue
    pid=$(head -n 1 "$file")
    grep -qa "$folder" "/proc/$pid/cmdline" 2>/dev/null && kill "-$round" "$pid" 2>/dev/null
  done
  sleep 3
done
# The shared memory of a postmaster that was killed: still its own (key, creator) and unused.
for file in "$folder"/*/data/postmaster.pid; do
  [ -f "$file" ] || continue
  pid=$(head -n 1 "$file")
  set -- $(sed -n 7p "$file")
  [ $# -eq 2 ] || continue
  awk -v key="$1" -v id="$2" -v pid="$pid" \
    '$1 == key && $2 == id && $5 == pid && $7 == 0 { found = 1 } END { exit !found }' \
    /proc/sysvipc/shm && ipcrm -m "$2"
done
rm -rf "$folder"
)sh";

std::string FindProgram(std::string_view name) {
  std::string_view rest = kSystemPath;
  while (!rest.empty()) {
    const std::size_t colon = rest.find(':');
    const std::string path = fmt::format("{}/{}", rest.substr(0, colon), name);
    if (access(path.c_str(), X_OK) == 0) return path;
    rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
  }
  return {};
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Fail(Error::Unavailable(fmt::format("cannot read {}", path)));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Status WriteFile(const std::string& path, const std::string& text, mode_t mode) {
  {
    std::ofstream out(path, std::ios::trunc);
    out << text;
    if (!out.flush()) return Fail(Error::Unavailable(fmt::format("cannot write {}", path)));
  }
  if (chmod(path.c_str(), mode) != 0) {
    return Fail(Error::Unavailable(fmt::format("cannot set the mode of {}", path)));
  }
  return Ok();
}

std::string Tail(const std::string& path, int lines) {
  std::ifstream in(path);
  if (!in) return fmt::format("({} is missing)", path);
  std::vector<std::string> all;
  for (std::string line; std::getline(in, line);) all.push_back(std::move(line));
  const std::size_t from = all.size() > static_cast<std::size_t>(lines)
                               ? all.size() - static_cast<std::size_t>(lines)
                               : 0;
  std::string tail;
  for (std::size_t i = from; i < all.size(); ++i) tail += fmt::format("\n  {}", all[i]);
  return tail.empty() ? fmt::format("({} is empty)", path) : tail;
}

// Loopback ports no process holds now, all different, and none of the well-known ones the
// deployment uses (those are below the kernel's range of ephemeral ports anyway).
class PortPicker {
 public:
  Result<std::uint16_t> Next() {
    for (int attempt = 0; attempt < 100; ++attempt) {
      const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd < 0) break;
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      socklen_t size = sizeof address;
      const bool bound = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                         getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0;
      close(fd);
      if (!bound) break;
      const std::uint16_t port = ntohs(address.sin_port);
      if (port >= 10000 && taken_.insert(port).second) return port;
    }
    return Fail(Error::Unavailable("no free loopback port"));
  }

 private:
  std::set<std::uint16_t> taken_;
};

// A configuration file as lines, each split at its first '#' into the setting and the comment.
// Replacements reach the settings only, so that a value also named in a comment is replaced
// where it takes effect and the count of replacements is the count of settings changed.
class ConfigText {
 public:
  explicit ConfigText(const std::string& text) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      const std::size_t hash = line.find('#');
      lines_.push_back(
          {line.substr(0, hash), hash == std::string::npos ? std::string() : line.substr(hash)});
    }
  }

  // Replaces `from` by `to` in the settings of the lines whose comment holds `marker` (every
  // line when it is empty). kInternal when there is none: the shipped file changed.
  Status Replace(std::string_view from, std::string_view to, std::string_view marker = {}) {
    int count = 0;
    for (Line& line : lines_) {
      if (!marker.empty() && line.comment.find(marker) == std::string::npos) continue;
      for (std::size_t at = line.setting.find(from); at != std::string::npos;
           at = line.setting.find(from, at + to.size())) {
        line.setting.replace(at, from.size(), to);
        ++count;
      }
    }
    if (count == 0) return Fail(Error::Internal(fmt::format("no '{}' to replace", from)));
    return Ok();
  }

  // Replaces every `prefix` followed by one or more characters `more` accepts, and not preceded
  // by a letter, digit or underscore, by what `to` makes of the matched text; kInternal when
  // there is none.
  template <typename More, typename Make>
  Status ReplaceRuns(std::string_view prefix, More more, Make to) {
    int count = 0;
    for (Line& line : lines_) {
      std::string& text = line.setting;
      for (std::size_t at = text.find(prefix); at != std::string::npos;
           at = text.find(prefix, at)) {
        std::size_t end = at + prefix.size();
        while (end < text.size() && more(text[end])) ++end;
        const bool word_start =
            at == 0 ||
            !(std::isalnum(static_cast<unsigned char>(text[at - 1])) || text[at - 1] == '_');
        if (end == at + prefix.size() || !word_start) {
          at = end;
          continue;
        }
        const std::string replacement = to(text.substr(at, end - at));
        text.replace(at, end - at, replacement);
        at += replacement.size();
        ++count;
      }
    }
    if (count == 0) return Fail(Error::Internal(fmt::format("no '{}...' to replace", prefix)));
    return Ok();
  }

  // Calls `edit` with the words of each line's setting (split at blanks); a line whose words it
  // changes is written back as the words joined by one space, after the line's indentation;
  // one it empties is left out.
  template <typename Edit>
  void EditWords(Edit edit) {
    std::vector<Line> kept;
    for (Line& line : lines_) {
      std::istringstream in(line.setting);
      std::vector<std::string> words;
      for (std::string word; in >> word;) words.push_back(word);
      const std::vector<std::string> before = words;
      edit(words);
      if (words != before) {
        if (words.empty() && line.comment.empty()) continue;
        std::string setting = line.setting.substr(0, line.setting.find_first_not_of(" \t"));
        for (std::size_t i = 0; i < words.size(); ++i) setting += (i ? " " : "") + words[i];
        line.setting = setting;
      }
      kept.push_back(std::move(line));
    }
    lines_ = std::move(kept);
  }

  std::string str() const {
    std::string text;
    for (const Line& line : lines_) text += line.setting + line.comment + "\n";
    return text;
  }

 private:
  struct Line {
    std::string setting;
    std::string comment;
  };
  std::vector<Line> lines_;
};

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsLower(char c) {
  return c >= 'a' && c <= 'z';
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

// Runs `sql` on `conninfo`; the first column of the first row, if any.
Result<std::string> Query(const std::string& conninfo, const std::string& sql) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    Error error = Error::Unavailable(
        fmt::format("cannot connect: {}", conn != nullptr ? PQerrorMessage(conn) : "no memory"));
    PQfinish(conn);
    return Fail(std::move(error));
  }
  PGresult* result = PQexec(conn, sql.c_str());
  Result<std::string> out = std::string();
  if (PQresultStatus(result) != PGRES_COMMAND_OK && PQresultStatus(result) != PGRES_TUPLES_OK) {
    out = Fail(Error::Internal(fmt::format("{}: {}", sql, PQerrorMessage(conn))));
  } else if (PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) > 0) {
    out = std::string(PQgetvalue(result, 0, 0));
  }
  PQclear(result);
  PQfinish(conn);
  return out;
}

// Whether process `pid` runs (a zombie has ended).
bool Alive(pid_t pid) {
  if (pid <= 0) return false;
  std::ifstream stat(fmt::format("/proc/{}/stat", pid));
  std::string text;
  if (!std::getline(stat, text)) return false;
  const std::size_t paren = text.rfind(')');
  return paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] != 'Z';
}

// The processes whose parent is `pid`.
std::vector<pid_t> ChildrenOf(pid_t pid) {
  std::vector<pid_t> children;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string text;
    if (!std::getline(stat, text)) continue;
    const std::size_t paren = text.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream fields(text.substr(paren + 2));
    char state = 0;
    pid_t parent = 0;
    if (fields >> state >> parent && parent == pid) children.push_back(std::stoi(name));
  }
  return children;
}

bool WaitUntilGone(pid_t pid, milliseconds timeout) {
  const auto deadline = steady_clock::now() + timeout;
  while (Alive(pid)) {
    if (steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return true;
}

// Reaps child `pid` if it ended within `timeout`; its status, or -1.
int Reap(pid_t pid, milliseconds timeout) {
  const auto deadline = steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) return status;
    if (done < 0 && errno != EINTR) return -1;
    if (steady_clock::now() > deadline) return -1;
    std::this_thread::sleep_for(milliseconds(20));
  }
}

void ChildFail(const char* message) {
  const ssize_t ignored = write(STDERR_FILENO, message, std::strlen(message));
  static_cast<void>(ignored);
}

}  // namespace

std::vector<std::string> HaTestCluster::MissingPrograms() {
  std::vector<std::string> missing;
  for (const char* program : {"patroni", "etcd", "haproxy", "openssl"}) {
    if (FindProgram(program).empty()) missing.emplace_back(program);
  }
  for (const char* program : {"initdb", "postgres", "pg_ctl", "pg_rewind", "pg_basebackup"}) {
    if (access(fmt::format("{}/{}", kPgBin, program).c_str(), X_OK) != 0) {
      missing.push_back(fmt::format("{}/{}", kPgBin, program));
    }
  }
  return missing;
}

Result<std::unique_ptr<HaTestCluster>> HaTestCluster::Start(const Options& options) {
  std::unique_ptr<HaTestCluster> cluster(new HaTestCluster());
  RAPPORT_RETURN_IF_ERROR(cluster->Prepare(options));
  RAPPORT_RETURN_IF_ERROR(cluster->WriteConfiguration(options));
  if (Status started = cluster->StartAll(); !started) {
    return Fail(Error::Unavailable(started.error().message + cluster->Diagnostics()));
  }
  return cluster;
}

Status HaTestCluster::Prepare(const Options& options) {
  if (const std::vector<std::string> missing = MissingPrograms(); !missing.empty()) {
    std::string names;
    for (const std::string& name : missing) names += (names.empty() ? "" : ", ") + name;
    return Fail(Error::Unavailable("not installed: " + names));
  }
  if (!fs::is_regular_file(options.deploy_dir + "/patroni/patroni.yml")) {
    return Fail(Error::Unavailable(fmt::format("no deployment in {}", options.deploy_dir)));
  }
  // PostgreSQL refuses root: as root, everything of the deployment runs as nobody, in a folder
  // under /tmp that nobody can reach.
  if (geteuid() == 0) {
    const passwd* nobody = getpwnam("nobody");
    if (nobody == nullptr) return Fail(Error::Unavailable("there is no user nobody"));
    const group* nogroup = getgrnam("nogroup");
    drop_privileges_ = true;
    uid_ = nobody->pw_uid;
    gid_ = nogroup != nullptr ? nogroup->gr_gid : nobody->pw_gid;
  }
  std::string folder = "/tmp/rapport-ha-XXXXXX";
  if (mkdtemp(folder.data()) == nullptr) {
    return Fail(Error::Unavailable(fmt::format("cannot create {}: {}", folder, strerror(errno))));
  }
  folder_ = folder;
  if (chmod(folder_.c_str(), 0755) != 0) {
    return Fail(Error::Unavailable(fmt::format("cannot open up {}", folder_)));
  }

  // The guardian: a shell, in a session of its own and no child of this process (so that
  // neither a signal to this process's group nor a kill of its process tree reaches it), that
  // cleans up when this process ends without doing so.
  int pipe_ends[2];
  if (pipe2(pipe_ends, O_CLOEXEC) != 0) return Fail(Error::Unavailable("cannot make a pipe"));
  const std::string script = kGuardianScript;
  const pid_t first = fork();
  if (first == 0) {
    setsid();
    if (fork() != 0) _exit(0);
    const int devnull = open("/dev/null", O_RDWR);
    if (dup2(pipe_ends[0], STDIN_FILENO) < 0 || dup2(devnull, STDOUT_FILENO) < 0 ||
        dup2(devnull, STDERR_FILENO) < 0) {
      _exit(126);
    }
    close_range(3, ~0U, 0);
    execl("/bin/sh", "sh", "-c", script.c_str(), "sh", folder.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(pipe_ends[0]);
  guardian_ = pipe_ends[1];
  if (first < 0) return Fail(Error::Unavailable("cannot start the guardian"));
  Reap(first, seconds(5));

  for (const char* sub : {"etcd", "haproxy", "app"}) {
    const std::string path = folder_ + "/" + sub;
    if (mkdir(path.c_str(), 0755) != 0 || (drop_privileges_ && std::string_view(sub) != "app" &&
                                           chown(path.c_str(), uid_, gid_) != 0)) {
      return Fail(Error::Unavailable(fmt::format("cannot create {}", path)));
    }
  }
  return Ok();
}

Status HaTestCluster::WriteConfiguration(const Options& options) {
  PortPicker ports;
  RAPPORT_ASSIGN_OR_RETURN(etcd_client_port_, ports.Next());
  RAPPORT_ASSIGN_OR_RETURN(etcd_peer_port_, ports.Next());
  RAPPORT_ASSIGN_OR_RETURN(database_port_, ports.Next());
  RAPPORT_ASSIGN_OR_RETURN(http_port_, ports.Next());
  RAPPORT_ASSIGN_OR_RETURN(https_port_, ports.Next());

  // etcd: the member of db1, alone in its cluster.
  {
    RAPPORT_ASSIGN_OR_RETURN(const std::string text,
                             ReadFile(options.deploy_dir + "/etcd/etcd.env"));
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      if (line.empty() || line[0] == '#') continue;
      const std::size_t eq = line.find('=');
      if (eq == std::string::npos) {
        return Fail(Error::Internal("etcd.env: not NAME=VALUE: " + line));
      }
      std::string value = line.substr(eq + 1);
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      etcd_env_[line.substr(0, eq)] = value;
    }
    for (const char* required : {"ETCD_NAME", "ETCD_DATA_DIR", "ETCD_INITIAL_CLUSTER"}) {
      if (!etcd_env_.contains(required)) {
        return Fail(Error::Internal(fmt::format("etcd.env sets no {}", required)));
      }
    }
    etcd_name_ = etcd_env_["ETCD_NAME"];
    int replaced = 0;
    for (auto& [name, value] : etcd_env_) {
      for (const auto& [from, to] :
           {std::pair{fmt::format("http://{}:2379", kFirstAddress),
                      fmt::format("http://127.0.0.1:{}", etcd_client_port_)},
            std::pair{fmt::format("http://{}:2380", kFirstAddress),
                      fmt::format("http://127.0.0.1:{}", etcd_peer_port_)}}) {
        if (name == "ETCD_INITIAL_CLUSTER") continue;
        for (std::size_t at = value.find(from); at != std::string::npos; at = value.find(from)) {
          value.replace(at, from.size(), to);
          ++replaced;
        }
      }
    }
    if (replaced != 4) {
      return Fail(Error::Internal(
          fmt::format("etcd.env: expected db1's four URLs (listen and advertise, peer and client), "
                      "replaced {}",
                      replaced)));
    }
    etcd_env_["ETCD_INITIAL_CLUSTER"] =
        fmt::format("{}=http://127.0.0.1:{}", etcd_name_, etcd_peer_port_);
    etcd_env_["ETCD_DATA_DIR"] = folder_ + "/etcd/data";
  }

  // A password for each CHANGE-ME of the run, the same wherever it appears.
  std::map<std::string, std::string> passwords;
  const auto password = [&passwords](const std::string& placeholder) {
    auto [it, added] = passwords.try_emplace(placeholder);
    if (added) it->second = "test-" + RandomHex(12);
    return it->second;
  };

  // Patroni: one configuration per node.
  RAPPORT_ASSIGN_OR_RETURN(const std::string shipped_yml,
                           ReadFile(options.deploy_dir + "/patroni/patroni.yml"));
  for (const ShippedNode& shipped : kShippedNodes) {
    Node node;
    node.name = shipped.name;
    RAPPORT_ASSIGN_OR_RETURN(node.pg_port, ports.Next());
    RAPPORT_ASSIGN_OR_RETURN(node.rest_port, ports.Next());
    const std::string node_folder = fmt::format("{}/{}", folder_, node.name);
    if (mkdir(node_folder.c_str(), 0700) != 0 ||
        (drop_privileges_ && chown(node_folder.c_str(), uid_, gid_) != 0)) {
      return Fail(Error::Unavailable(fmt::format("cannot create {}", node_folder)));
    }
    ConfigText yml(shipped_yml);
    const auto edit = [&node](Status status) -> Status {
      if (!status) {
        return Fail(Error::Internal(
            fmt::format("patroni.yml for {}: {}", node.name, status.error().message)));
      }
      return Ok();
    };
    // The per-node edit deploy/README.md gives.
    if (node.name != kFirstNode) {
      RAPPORT_RETURN_IF_ERROR(edit(yml.Replace(kFirstNode, node.name, "# per node")));
      RAPPORT_RETURN_IF_ERROR(edit(yml.Replace(kFirstAddress, shipped.address, "# per node")));
    }
    RAPPORT_RETURN_IF_ERROR(edit(yml.Replace(fmt::format("{}:8008", shipped.address),
                                             fmt::format("127.0.0.1:{}", node.rest_port))));
    RAPPORT_RETURN_IF_ERROR(edit(yml.Replace(fmt::format("{}:5432", shipped.address),
                                             fmt::format("127.0.0.1:{}", node.pg_port))));
    RAPPORT_RETURN_IF_ERROR(
        edit(yml.Replace(kShippedEtcdHosts, fmt::format("127.0.0.1:{}", etcd_client_port_))));
    RAPPORT_RETURN_IF_ERROR(edit(yml.Replace("/var/lib/postgresql/15/rapport", DataFolder(node))));
    RAPPORT_RETURN_IF_ERROR(
        edit(yml.Replace("/var/lib/postgresql/15-rapport.pgpass", node_folder + "/pgpass")));
    RAPPORT_RETURN_IF_ERROR(edit(yml.Replace("/var/run/postgresql", node_folder)));
    // What is left of the machines' addresses are pg_hba's: every one is this machine.
    RAPPORT_RETURN_IF_ERROR(edit(yml.ReplaceRuns(
        "10.0.0.", IsDigit, [](const std::string&) { return std::string("127.0.0.1"); })));
    RAPPORT_RETURN_IF_ERROR(edit(yml.ReplaceRuns("CHANGE-ME-", IsLower, password)));
    if (options.timings) {
      const Timings& t = *options.timings;
      for (const auto& [key, value] : {std::pair{"ttl", t.ttl}, std::pair{"loop_wait", t.loop_wait},
                                       std::pair{"retry_timeout", t.retry_timeout}}) {
        RAPPORT_RETURN_IF_ERROR(
            edit(yml.ReplaceRuns(fmt::format("{}: ", key), IsDigit, [&](const std::string&) {
              return fmt::format("{}: {}", key, value);
            })));
      }
    }
    node.config = node_folder + "/patroni.yml";
    // Patroni's configuration holds passwords: its user's alone, as deploy/README.md installs it.
    RAPPORT_RETURN_IF_ERROR(WriteFile(node.config, yml.str(), 0600));
    if (drop_privileges_ && chown(node.config.c_str(), uid_, gid_) != 0) {
      return Fail(Error::Unavailable(fmt::format("cannot give {} to nobody", node.config)));
    }
    nodes_.push_back(std::move(node));
  }
  if (!passwords.contains("CHANGE-ME-superuser")) {
    return Fail(Error::Internal("patroni.yml has no CHANGE-ME-superuser password"));
  }
  superuser_password_ = passwords["CHANGE-ME-superuser"];
  app_password_ = "test-" + RandomHex(12);

  // HAProxy's certificate: self-signed for localhost, made for this run.
  const std::string certificate = folder_ + "/haproxy/certificate.pem";
  const std::string key = folder_ + "/haproxy/key.pem";
  ca_file_ = certificate;
  {
    RAPPORT_ASSIGN_OR_RETURN(
        const pid_t openssl,
        SpawnAs("openssl",
                {FindProgram("openssl"), "req", "-x509", "-newkey", "ec", "-pkeyopt",
                 "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                 "-addext", "subjectAltName=DNS:localhost", "-keyout", key, "-out", certificate},
                {"PATH=" + std::string(kSystemPath)}, /*drop_privileges=*/false));
    const int status = Reap(openssl, seconds(30));
    std::erase_if(children_, [&](const Child& c) { return c.pid == openssl; });
    if (status != 0) {
      return Fail(Error::Unavailable("openssl could not make a certificate:" +
                                     Tail(folder_ + "/openssl.log", 10)));
    }
  }
  RAPPORT_ASSIGN_OR_RETURN(const std::string certificate_text, ReadFile(certificate));
  RAPPORT_ASSIGN_OR_RETURN(const std::string key_text, ReadFile(key));
  const std::string pem = folder_ + "/haproxy/rapport.pem";
  RAPPORT_RETURN_IF_ERROR(WriteFile(pem, certificate_text + key_text, 0600));
  if (drop_privileges_ && chown(pem.c_str(), uid_, gid_) != 0) {
    return Fail(Error::Unavailable("cannot give the certificate to nobody"));
  }

  // HAProxy.
  RAPPORT_ASSIGN_OR_RETURN(const std::string shipped_cfg,
                           ReadFile(options.deploy_dir + "/haproxy/haproxy.cfg"));
  ConfigText cfg(shipped_cfg);
  std::map<std::string, std::uint16_t> addresses = {
      {"10.0.0.13:5000", database_port_},
      {"10.0.0.13:80", http_port_},
      {"10.0.0.13:443", https_port_},
  };
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    addresses[fmt::format("{}:5432", kShippedNodes[i].address)] = nodes_[i].pg_port;
  }
  std::set<std::string> seen;
  std::string unmapped;
  int certificates = 0;
  int health_ports = 0;
  bool logged = false;
  std::vector<std::string> app_addresses;
  cfg.EditWords([&](std::vector<std::string>& words) {
    if (words.empty()) return;
    if (words[0] == "chroot" || words[0] == "user" || words[0] == "group") {
      words.clear();
      return;
    }
    if (words.size() >= 2 && words[0] == "log" && words[1] == "/dev/log") {
      if (logged) {
        words.clear();
      } else {
        words = {"log", "stdout", "format", "raw", "local0"};
        logged = true;
      }
      return;
    }
    for (std::size_t i = 0; i < words.size(); ++i) {
      std::string& word = words[i];
      if (word == "/run/haproxy/admin.sock") word = folder_ + "/haproxy/admin.sock";
      if (i > 0 && words[i - 1] == "crt") {
        word = pem;
        ++certificates;
      }
      if (!word.starts_with("10.0.0.")) continue;
      if (const auto it = addresses.find(word); it != addresses.end()) {
        seen.insert(word);
        // A database server's health check goes to its own node's Patroni.
        if (words[0] == "server") {
          for (std::size_t j = 0; j < nodes_.size(); ++j) {
            if (word != fmt::format("{}:5432", kShippedNodes[j].address)) continue;
            for (std::size_t k = i + 1; k + 1 < words.size(); ++k) {
              if (words[k] == "port" && words[k + 1] == "8008") {
                words[k + 1] = std::to_string(nodes_[j].rest_port);
                ++health_ports;
              }
            }
          }
        }
        word = fmt::format("127.0.0.1:{}", it->second);
      } else if (word.ends_with(":8080") && words[0] == "server") {
        // An app server: the order of first mention numbers them.
        auto known = std::find(app_addresses.begin(), app_addresses.end(), word);
        if (known == app_addresses.end()) {
          app_addresses.push_back(word);
          known = app_addresses.end() - 1;
        }
        word = fmt::format("@app{}", known - app_addresses.begin());
      } else {
        unmapped += " " + word;
      }
    }
  });
  if (!unmapped.empty()) return Fail(Error::Internal("haproxy.cfg: unmapped address" + unmapped));
  if (seen.size() != addresses.size()) {
    return Fail(Error::Internal("haproxy.cfg: not every expected address is there"));
  }
  if (certificates == 0 || health_ports != static_cast<int>(nodes_.size()) || !logged ||
      app_addresses.empty()) {
    return Fail(Error::Internal(
        "haproxy.cfg: expected a certificate, a Patroni health check port 8008 on each database "
        "server, a log line and app servers on :8080"));
  }
  for (std::size_t i = 0; i < app_addresses.size(); ++i) {
    RAPPORT_ASSIGN_OR_RETURN(const std::uint16_t port, ports.Next());
    app_ports_.push_back(port);
  }
  std::string haproxy_text = cfg.str();
  for (std::size_t i = 0; i < app_ports_.size(); ++i) {
    const std::string mark = fmt::format("@app{}", i);
    const std::string address = fmt::format("127.0.0.1:{}", app_ports_[i]);
    for (std::size_t at = haproxy_text.find(mark); at != std::string::npos;
         at = haproxy_text.find(mark, at)) {
      haproxy_text.replace(at, mark.size(), address);
    }
  }
  RAPPORT_RETURN_IF_ERROR(WriteFile(folder_ + "/haproxy/haproxy.cfg", haproxy_text, 0644));
  return Ok();
}

Result<pid_t> HaTestCluster::SpawnAs(const std::string& name, const std::vector<std::string>& argv,
                                     const std::vector<std::string>& env, bool drop_privileges) {
  // Everything the child needs is made here: between fork and exec only async-signal-safe calls.
  std::vector<std::string> arguments = argv;
  std::vector<char*> arg_pointers;
  for (std::string& argument : arguments) arg_pointers.push_back(argument.data());
  arg_pointers.push_back(nullptr);
  std::vector<std::string> environment = env;
  std::vector<char*> env_pointers;
  for (std::string& variable : environment) env_pointers.push_back(variable.data());
  env_pointers.push_back(nullptr);

  const std::string log = fmt::format("{}/{}.log", folder_, name);
  const int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (out < 0 || in < 0) {
    if (out >= 0) close(out);
    if (in >= 0) close(in);
    return Fail(Error::Unavailable(fmt::format("cannot open {}", log)));
  }
  const std::string working =
      fs::is_directory(folder_ + "/" + name) ? folder_ + "/" + name : folder_;
  const char* const working_folder = working.c_str();
  const uid_t uid = uid_;
  const gid_t gid = gid_;
  const pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    if (dup2(in, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
        dup2(out, STDERR_FILENO) < 0) {
      _exit(126);
    }
    close_range(3, ~0U, 0);
    if (chdir(working_folder) != 0) {
      ChildFail("cannot enter the test folder\n");
      _exit(126);
    }
    if (drop_privileges && (setgroups(0, nullptr) != 0 || setgid(gid) != 0 || setuid(uid) != 0)) {
      ChildFail("cannot switch to the user nobody\n");
      _exit(126);
    }
    execve(arg_pointers[0], arg_pointers.data(), env_pointers.data());
    ChildFail("cannot run the program\n");
    _exit(127);
  }
  close(out);
  close(in);
  if (pid < 0) return Fail(Error::Unavailable(fmt::format("cannot start {}", name)));
  setpgid(pid, pid);  // also here: the child may not have run yet when a signal is sent
  children_.push_back({name, pid, false});
  // For the guardian, should this process end without stopping the group.
  std::ofstream(folder_ + "/pgids", std::ios::app) << pid << "\n";
  return pid;
}

Result<pid_t> HaTestCluster::SpawnService(const std::string& name,
                                          const std::vector<std::string>& argv,
                                          const std::vector<std::string>& env) {
  RAPPORT_ASSIGN_OR_RETURN(const pid_t pid, SpawnAs(name, argv, env, drop_privileges_));
  children_.back().service = true;
  return pid;
}

Result<pid_t> HaTestCluster::Spawn(const std::string& name, const std::vector<std::string>& argv,
                                   const std::vector<std::string>& extra_env) {
  std::vector<std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    if (!std::string_view(*entry).starts_with("PG")) env.emplace_back(*entry);
  }
  env.insert(env.end(), extra_env.begin(), extra_env.end());
  return SpawnAs(name, argv, env, /*drop_privileges=*/false);
}

Status HaTestCluster::StartAll() {
  std::vector<std::string> etcd_env = {"PATH=" + std::string(kSystemPath), "LC_ALL=C"};
  for (const auto& [name, value] : etcd_env_) etcd_env.push_back(name + "=" + value);
  RAPPORT_RETURN_IF_ERROR(SpawnService("etcd", {FindProgram("etcd")}, etcd_env));

  for (Node& node : nodes_) {
    RAPPORT_ASSIGN_OR_RETURN(node.patroni,
                             SpawnService(node.name, {FindProgram("patroni"), node.config},
                                          {"PATH=" + std::string(kSystemPath), "LC_ALL=C.UTF-8",
                                           fmt::format("HOME={}/{}", folder_, node.name)}));
  }
  RAPPORT_RETURN_IF_ERROR(SpawnService(
      "haproxy", {FindProgram("haproxy"), "-db", "-f", folder_ + "/haproxy/haproxy.cfg"},
      {"PATH=" + std::string(kSystemPath)}));
  RAPPORT_RETURN_IF_ERROR(AwaitLeaderWithSyncStandby(seconds(120)));
  return AwaitPrimaryThroughHaproxy(seconds(30));
}

HaTestCluster::Node* HaTestCluster::FindNode(const std::string& name) {
  for (Node& node : nodes_) {
    if (node.name == name) return &node;
  }
  return nullptr;
}

const HaTestCluster::Node* HaTestCluster::FindNode(const std::string& name) const {
  for (const Node& node : nodes_) {
    if (node.name == name) return &node;
  }
  return nullptr;
}

Result<Json> HaTestCluster::ClusterState() const {
  for (const Node& node : nodes_) {
    if (node.killed) continue;
    const HttpReply reply = Send(node.rest_port, "GET", "/cluster");
    if (reply.status != 200) continue;
    Json state = reply.json();
    if (state.is_object() && state.contains("members")) return state;
  }
  return Fail(Error::Unavailable("no Patroni REST API answers GET /cluster"));
}

Result<std::string> HaTestCluster::AwaitLeaderWithSyncStandby(seconds timeout) const {
  const auto deadline = steady_clock::now() + timeout;
  std::string last = "(no answer)";
  while (steady_clock::now() < deadline) {
    if (const Result<Json> state = ClusterState(); state) {
      last = state->dump();
      std::string leader;
      bool sync = false;
      for (const Json& member : (*state)["members"]) {
        const std::string role = member.value("role", "");
        const std::string status = member.value("state", "");
        if (role == "leader" && status == "running") leader = member.value("name", "");
        if (role == "sync_standby" && (status == "running" || status == "streaming")) sync = true;
      }
      if (!leader.empty() && sync) return leader;
    }
    std::this_thread::sleep_for(milliseconds(250));
  }
  return Fail(Error::Unavailable(fmt::format(
      "no leader with a synchronous standby after {} s; last state: {}", timeout.count(), last)));
}

Result<std::string> HaTestCluster::AwaitNewLeader(const std::string& former,
                                                  seconds timeout) const {
  const auto deadline = steady_clock::now() + timeout;
  std::string last = "(no answer)";
  while (steady_clock::now() < deadline) {
    if (const Result<Json> state = ClusterState(); state) {
      last = state->dump();
      for (const Json& member : (*state)["members"]) {
        std::string name = member.value("name", "");
        if (member.value("role", "") != "leader" || member.value("state", "") != "running" ||
            name == former) {
          continue;
        }
        const Result<std::string> primary =
            Query(NodeConninfo(name, "postgres"), "SELECT NOT pg_is_in_recovery()");
        if (primary && *primary == "t") return name;
      }
    }
    std::this_thread::sleep_for(milliseconds(250));
  }
  return Fail(Error::Unavailable(
      fmt::format("no new leader after {} s; last state: {}", timeout.count(), last)));
}

Status HaTestCluster::AwaitPrimaryThroughHaproxy(seconds timeout) const {
  const std::string through =
      fmt::format("host=127.0.0.1 port={} user={} password={} dbname=postgres connect_timeout=5",
                  database_port_, kSuperuser, ConninfoValue(superuser_password_));
  const auto deadline = steady_clock::now() + timeout;
  std::string last;
  while (steady_clock::now() < deadline) {
    const Result<std::string> primary = Query(through, "SELECT NOT pg_is_in_recovery()");
    if (primary && *primary == "t") return Ok();
    last = primary ? "it leads to a standby" : primary.error().message;
    std::this_thread::sleep_for(milliseconds(250));
  }
  return Fail(Error::Unavailable("HAProxy does not lead to the primary: " + last));
}

std::string HaTestCluster::NodeConninfo(const std::string& name, const std::string& dbname) const {
  const Node* node = FindNode(name);
  return fmt::format("host=127.0.0.1 port={} user={} password={} dbname={} connect_timeout=5",
                     node != nullptr ? node->pg_port : 0, kSuperuser,
                     ConninfoValue(superuser_password_), ConninfoValue(dbname));
}

std::string HaTestCluster::AppDatabaseUri() const {
  return fmt::format("postgresql://{}@127.0.0.1:{}/{}", kAppRole, database_port_, kAppDatabase);
}

Status HaTestCluster::CreateAppDatabase() {
  RAPPORT_ASSIGN_OR_RETURN(const std::string leader, AwaitLeaderWithSyncStandby(seconds(30)));
  const std::string conninfo = NodeConninfo(leader, "postgres");
  RAPPORT_RETURN_IF_ERROR(
      Query(conninfo, fmt::format("CREATE ROLE {} LOGIN PASSWORD '{}'", kAppRole, app_password_)));
  RAPPORT_RETURN_IF_ERROR(
      Query(conninfo, fmt::format("CREATE DATABASE {} OWNER {} LOCALE 'C' TEMPLATE template0",
                                  kAppDatabase, kAppRole)));
  app_pgpass_ = folder_ + "/app/pgpass";
  return WriteFile(
      app_pgpass_,
      fmt::format("127.0.0.1:{}:{}:{}:{}\n", database_port_, kAppDatabase, kAppRole, app_password_),
      0600);
}

pid_t HaTestCluster::Postmaster(const Node& node) const {
  std::ifstream in(DataFolder(node) + "/postmaster.pid");
  pid_t pid = 0;
  if (!(in >> pid) || pid <= 1) return -1;
  // A pid file left behind may name a process that is no postmaster of this folder.
  std::ifstream cmdline(fmt::format("/proc/{}/cmdline", pid));
  std::string text((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
  return text.find(DataFolder(node)) != std::string::npos ? pid : -1;
}

Status HaTestCluster::KillNode(const std::string& name) {
  Node* node = FindNode(name);
  if (node == nullptr || node->killed) {
    return Fail(Error::NotFound(fmt::format("no running node {}", name)));
  }
  const pid_t postmaster = Postmaster(*node);
  // The postmaster's shared memory segment (line 7 of postmaster.pid: key and id), which it can
  // no longer remove itself.
  {
    std::ifstream in(DataFolder(*node) + "/postmaster.pid");
    std::string line;
    for (int i = 0; i < 7 && std::getline(in, line); ++i) {
    }
    std::istringstream fields(line);
    Node::Segment segment;
    if (postmaster > 0 && fields >> segment.key >> segment.id) {
      segment.creator = postmaster;
      node->segments.push_back(segment);
    }
  }
  // Patroni first, so that nothing starts PostgreSQL again; then the postmaster, stopped so that
  // it starts no new process while its children are counted, and all of them at once.
  kill(-node->patroni, SIGKILL);
  if (postmaster > 0) {
    kill(postmaster, SIGSTOP);
    std::vector<pid_t> doomed = ChildrenOf(postmaster);
    doomed.push_back(postmaster);
    for (const pid_t pid : doomed) kill(pid, SIGKILL);
    for (const pid_t pid : doomed) WaitUntilGone(pid, seconds(10));
  }
  Reap(node->patroni, seconds(10));
  std::erase_if(children_, [&](const Child& c) { return c.pid == node->patroni; });
  node->killed = true;
  return Ok();
}

Status HaTestCluster::RestartNode(const std::string& name) {
  Node* node = FindNode(name);
  if (node == nullptr || !node->killed) {
    return Fail(Error::NotFound(fmt::format("no killed node {}", name)));
  }
  RAPPORT_ASSIGN_OR_RETURN(node->patroni,
                           SpawnService(node->name, {FindProgram("patroni"), node->config},
                                        {"PATH=" + std::string(kSystemPath), "LC_ALL=C.UTF-8",
                                         fmt::format("HOME={}/{}", folder_, node->name)}));
  node->killed = false;
  return Ok();
}

int HaTestCluster::Stop(pid_t pid, int signal, milliseconds grace) {
  const auto it = std::find_if(children_.begin(), children_.end(),
                               [&](const Child& c) { return c.pid == pid; });
  if (it == children_.end()) return -1;
  kill(-pid, signal);
  int status = Reap(pid, grace);
  if (status == -1) {
    kill(-pid, SIGKILL);
    status = Reap(pid, seconds(10));
  }
  kill(-pid, SIGKILL);  // anything the process left behind in its group
  children_.erase(it);
  return status;
}

int HaTestCluster::Await(pid_t pid, milliseconds timeout) {
  const int status = Reap(pid, timeout);
  if (status == -1) return Stop(pid, SIGKILL, milliseconds(0));
  kill(-pid, SIGKILL);
  std::erase_if(children_, [&](const Child& c) { return c.pid == pid; });
  return status;
}

void HaTestCluster::StopPostmaster(const Node& node) {
  const pid_t postmaster = Postmaster(node);
  if (postmaster <= 0) return;
  // Immediate shutdown: the postmaster ends its children and removes its shared memory.
  kill(postmaster, SIGQUIT);
  if (WaitUntilGone(postmaster, seconds(10))) return;
  std::vector<pid_t> doomed = ChildrenOf(postmaster);
  doomed.push_back(postmaster);
  for (const pid_t pid : doomed) kill(pid, SIGKILL);
  for (const pid_t pid : doomed) WaitUntilGone(pid, seconds(5));
}

void HaTestCluster::StopEverything() {
  // The app servers first (they hold the database's connections), then Patroni, so that
  // nothing starts PostgreSQL again, then PostgreSQL, then the rest.
  for (const bool service : {false, true}) {
    std::vector<pid_t> pids;
    for (const Child& child : children_) {
      if (child.service == service) pids.push_back(child.pid);
    }
    for (const pid_t pid : pids) {
      const bool patroni = std::any_of(nodes_.begin(), nodes_.end(),
                                       [&](const Node& n) { return n.patroni == pid; });
      if (patroni) Stop(pid, SIGKILL, milliseconds(0));
    }
    if (service) {
      for (const Node& node : nodes_) StopPostmaster(node);
    }
    for (const Child& child : std::vector<Child>(children_)) {
      if (child.service == service) Stop(child.pid, SIGTERM, seconds(5));
    }
  }
  // What a killed postmaster left: its shared memory segment, if no process holds it (a
  // postmaster started again on the same folder takes it over) and it is still that one.
  for (const Node& node : nodes_) {
    for (const Node::Segment& segment : node.segments) {
      shmid_ds info{};
      if (shmctl(segment.id, IPC_STAT, &info) == 0 && info.shm_perm.__key == segment.key &&
          info.shm_cpid == segment.creator && info.shm_nattch == 0) {
        shmctl(segment.id, IPC_RMID, nullptr);
      }
    }
  }
}

HaTestCluster::~HaTestCluster() {
  StopEverything();
  if (guardian_ >= 0) {
    const ssize_t ignored = write(guardian_, "done\n", 5);
    static_cast<void>(ignored);
    close(guardian_);
  }
  if (folder_.empty()) return;
  if (const char* keep = std::getenv("RAPPORT_FAILOVER_KEEP"); keep != nullptr && *keep != '\0') {
    std::fprintf(stderr, "kept %s\n", folder_.c_str());
    return;
  }
  std::error_code ignored;
  fs::remove_all(folder_, ignored);
}

std::string HaTestCluster::LogTail(const std::string& name, int lines) const {
  return Tail(fmt::format("{}/{}.log", folder_, name), lines);
}

std::string HaTestCluster::Diagnostics() const {
  std::string text;
  for (const char* name : {"etcd", "db1", "db2", "haproxy"}) {
    text += fmt::format("\n{}.log:{}", name, LogTail(name, 15));
  }
  return text;
}

}  // namespace rapport::testing
