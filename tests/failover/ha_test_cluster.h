#pragma once
// Test support: the high-availability deployment of deploy/ on one machine. In a fresh temporary
// folder, Start() runs one etcd member, two Patroni nodes (db1 and db2, each with a PostgreSQL
// data folder of its own) and one HAProxy, all on free loopback ports, and waits until one node
// leads with the other as its synchronous standby. The destructor stops every process it started
// (process groups, and the postmasters Patroni starts in sessions of their own) and removes the
// folder; a guardian process does the same if the test process ends without doing so (a crash,
// a signal, CTest's timeout).
//
// The configuration is built FROM the shipped files, deploy/etcd/etcd.env,
// deploy/patroni/patroni.yml and deploy/haproxy/haproxy.cfg, by replacing a small set of values,
// and every replaced text must be found (a renamed value fails Start instead of testing less):
//   - the per-node edit deploy/README.md gives for db2 (on the lines marked "# per node": db1
//     becomes db2, 10.0.0.11 becomes 10.0.0.12); etcd runs the member of db1 alone
//     (ETCD_INITIAL_CLUSTER names only it);
//   - addresses: every 10.0.0.x becomes 127.0.0.1, and each well-known port a free one
//     (etcd 2379 and 2380, PostgreSQL 5432, Patroni 8008, HAProxy 5000, 80 and 443, the app
//     servers' 8080), so nothing meets a system etcd or PostgreSQL on the default ports;
//   - paths: etcd's and PostgreSQL's data folders, Patroni's pgpass, the socket folder, HAProxy's
//     stats socket and certificate (a self-signed one made for the run) go into the temporary
//     folder;
//   - every CHANGE-ME password becomes a password made for the run;
//   - HAProxy runs in the foreground as an unprivileged user and logs to its standard output:
//     its `chroot`, `user` and `group` lines are left out and `log /dev/log` becomes
//     `log stdout`;
//   - Patroni's ttl, loop_wait and retry_timeout only when Options::timings asks for others.
// Everything else, the synchronous mode, HAProxy's checks and timeouts, pg_hba, PostgreSQL's
// settings, runs as shipped.
//
// When the test runs as root, etcd, Patroni, PostgreSQL and HAProxy run as `nobody`, as the
// PostgreSQL tests do (PostgreSQL refuses root). Not thread-safe: one owner.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/result.h"

namespace rapport::testing {

class HaTestCluster {
 public:
  // Patroni's leader key lifetime, its loop and its retries, in seconds.
  struct Timings {
    int ttl = 0;
    int loop_wait = 0;
    int retry_timeout = 0;
  };
  struct Options {
    std::string deploy_dir;  // the repository's deploy/ folder
    int app_servers = 2;     // HAProxy's backends app1, app2, ...: ports for `rapport serve`
    std::optional<Timings> timings;  // none: those of deploy/patroni/patroni.yml
  };

  // The programs the deployment needs and this machine lacks (patroni, etcd, haproxy, openssl,
  // the PostgreSQL 15 server programs); empty when everything is installed.
  static std::vector<std::string> MissingPrograms();

  // Builds the configuration, starts everything and waits (at most two minutes) for a leader
  // with a synchronous standby and for HAProxy to lead to it. kUnavailable, with the end of the
  // logs, when something does not come up.
  static Result<std::unique_ptr<HaTestCluster>> Start(const Options& options);

  HaTestCluster(const HaTestCluster&) = delete;
  HaTestCluster& operator=(const HaTestCluster&) = delete;
  ~HaTestCluster();

  // The members as Patroni's REST API lists them (GET /cluster), asked of any node that
  // answers.
  Result<Json> ClusterState() const;
  // Waits until one node leads and the other is its synchronous standby; the leader's name.
  Result<std::string> AwaitLeaderWithSyncStandby(std::chrono::seconds timeout) const;
  // Waits until a node other than `former` leads and takes writes; its name.
  Result<std::string> AwaitNewLeader(const std::string& former, std::chrono::seconds timeout) const;

  // Ends node `name` as the loss of its machine would: SIGKILL to its Patroni and to its
  // postmaster and every server process of it, with no chance to hand anything over.
  Status KillNode(const std::string& name);
  // Starts a killed node's Patroni again on its data folder.
  Status RestartNode(const std::string& name);

  // Creates the database role `rapport` and its database, as deploy/README.md's bootstrap step
  // does on the primary, and the app servers' password file for them.
  Status CreateAppDatabase();

  // A superuser's libpq connection string to node `name`'s PostgreSQL, past HAProxy.
  std::string NodeConninfo(const std::string& name, const std::string& dbname) const;
  // What every `rapport --db` of the app servers is given: HAProxy's database address. The
  // password comes from the file app_pgpass() names (PGPASSFILE), as in deploy/systemd.
  std::string AppDatabaseUri() const;
  const std::string& app_pgpass() const { return app_pgpass_; }

  // Where HAProxy expects app server `i` (1-based) to listen: 127.0.0.1:app_port(i).
  std::uint16_t app_port(int i) const { return app_ports_.at(static_cast<std::size_t>(i - 1)); }
  // The clinic's web address (TLS, HAProxy's certificate signed by ca_file()) and its plain
  // HTTP port, which redirects.
  std::uint16_t https_port() const { return https_port_; }
  std::uint16_t http_port() const { return http_port_; }
  const std::string& ca_file() const { return ca_file_; }
  const std::string& folder() const { return folder_; }

  // Runs `argv` in a process group of its own, in the folder, with the caller's environment
  // (less its PG* settings) and `extra_env`, its output appended to folder/NAME.log. Stopped
  // with the cluster if not before. The process id.
  Result<pid_t> Spawn(const std::string& name, const std::vector<std::string>& argv,
                      const std::vector<std::string>& extra_env);
  // Sends `signal` to a spawned process's group and waits at most `grace` for it to end, then
  // SIGKILL. Its exit status as waitpid gives it, or -1.
  int Stop(pid_t pid, int signal, std::chrono::milliseconds grace);
  // Waits at most `timeout` for a spawned process to end by itself (then as Stop with SIGKILL).
  int Await(pid_t pid, std::chrono::milliseconds timeout);

  // The last lines of folder/NAME.log (etcd, db1, db2, haproxy, or a spawned process's name).
  std::string LogTail(const std::string& name, int lines = 30) const;

 private:
  struct Node {
    std::string name;  // db1, db2
    std::uint16_t pg_port = 0;
    std::uint16_t rest_port = 0;
    std::string config;  // its patroni.yml
    pid_t patroni = -1;
    bool killed = false;
    // The SysV shared memory segments killed postmasters left behind.
    struct Segment {
      key_t key = 0;
      int id = -1;
      pid_t creator = -1;
    };
    std::vector<Segment> segments;
  };
  struct Child {
    std::string name;
    pid_t pid = -1;
    bool service = false;  // a part of the deployment (etcd, Patroni, HAProxy)
  };

  HaTestCluster() = default;

  Status Prepare(const Options& options);
  Status WriteConfiguration(const Options& options);
  Status StartAll();
  Result<pid_t> SpawnService(const std::string& name, const std::vector<std::string>& argv,
                             const std::vector<std::string>& env);
  Result<pid_t> SpawnAs(const std::string& name, const std::vector<std::string>& argv,
                        const std::vector<std::string>& env, bool drop_privileges);
  Status AwaitPrimaryThroughHaproxy(std::chrono::seconds timeout) const;
  Node* FindNode(const std::string& name);
  const Node* FindNode(const std::string& name) const;
  std::string DataFolder(const Node& node) const { return folder_ + "/" + node.name + "/data"; }
  // The postmaster of `node` (from its postmaster.pid), or -1.
  pid_t Postmaster(const Node& node) const;
  void StopPostmaster(const Node& node);
  void StopEverything();
  std::string Diagnostics() const;

  std::string folder_;
  bool drop_privileges_ = false;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  int guardian_ = -1;  // the write end of the guardian's pipe

  std::string etcd_name_;
  std::map<std::string, std::string> etcd_env_;
  std::uint16_t etcd_client_port_ = 0;
  std::uint16_t etcd_peer_port_ = 0;
  std::uint16_t database_port_ = 0;  // HAProxy's postgres_primary
  std::uint16_t http_port_ = 0;
  std::uint16_t https_port_ = 0;
  std::vector<std::uint16_t> app_ports_;
  std::vector<Node> nodes_;
  std::vector<Child> children_;
  std::string superuser_password_;
  std::string app_password_;
  std::string app_pgpass_;
  std::string ca_file_;
};

}  // namespace rapport::testing
