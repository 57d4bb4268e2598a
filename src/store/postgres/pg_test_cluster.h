#pragma once
// Test support: a throw-away PostgreSQL 15 server for the PostgreSQL backend's tests. Start()
// runs initdb into a fresh temporary folder (locale C, UTF-8, trust authentication) and starts
// the server with pg_ctl, listening only on a Unix socket in that folder; CreateDatabase gives
// each test its own empty database. The destructor stops the server and removes the folder.
//
// When the tests run as root, which initdb and postgres refuse, the server runs as the
// unprivileged user `nobody`. Compiled into test binaries only. Not thread-safe: one owner.

#include <sys/types.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace rapport {

class PgTestCluster {
 public:
  // True when the PostgreSQL server programs (initdb, pg_ctl, postgres) are installed, in
  // /usr/lib/postgresql/15/bin or in `pg_config --bindir`.
  static bool Available();

  // Creates and starts a new cluster. kUnavailable with the end of the server's log when
  // something fails on the way.
  static Result<std::unique_ptr<PgTestCluster>> Start();
  // The running cluster another process started in `folder` (which it names in its `port` file).
  // The handle does not stop it: its owner does.
  static Result<std::unique_ptr<PgTestCluster>> Attach(const std::string& folder);
  // Leaves the cluster running when this handle goes away, for another process to Attach to and
  // stop (CTest starts one for every test binary of a run: tests/pg_test_server.cc).
  void Detach() { owner_ = false; }
  // Takes over a cluster this handle attached to: it is stopped and removed with the handle.
  void Adopt() { owner_ = true; }

  PgTestCluster(const PgTestCluster&) = delete;
  PgTestCluster& operator=(const PgTestCluster&) = delete;
  ~PgTestCluster();

  // The cluster of this test process: the one the test run started, whose folder is written in
  // the file the environment variable RAPPORT_TEST_PG names, or else one started on first use and
  // stopped when the process exits. kUnavailable when neither can be had.
  static Result<PgTestCluster*> Shared();
  // A database name no other test process uses: `prefix`, this process's id and a counter.
  static std::string UniqueName(std::string_view prefix);

  // A libpq connection string for database `dbname` of this cluster.
  std::string conninfo(std::string_view dbname) const;
  // The same as a URI, the form `rapport --db` takes, with the folder percent-encoded:
  // postgresql://USER@/DBNAME?host=FOLDER&port=PORT.
  std::string uri(std::string_view dbname) const;

  // Creates the database `name` (lower-case letters, digits and underscores), empty or as a
  // copy of the database `from_template`.
  Status CreateDatabase(std::string_view name, std::string_view from_template = {});
  // Drops database `name` and any connection still open to it. Worth doing when a test ends:
  // the server then never writes that database's pages to disk, which at shutdown, with fsync
  // on, costs a few milliseconds per file of every database left behind.
  Status DropDatabase(std::string_view name);

  // The folder holding the data, the socket and the logs.
  const std::string& folder() const { return folder_; }

 private:
  PgTestCluster() = default;

  // Runs `argv` as the cluster's owner with its output appended to `log`; the exit status, or
  // -1 when it could not be run or did not exit.
  int Run(const std::vector<std::string>& argv, const std::string& log) const;
  // Runs `sql` (CREATE or DROP DATABASE `name`) in the maintenance database.
  Status Administer(std::string_view name, const std::string& sql);
  std::string DataFolder() const { return folder_ + "/data"; }
  void Stop();

  std::string bin_;     // the folder of initdb, pg_ctl and postgres
  std::string folder_;  // removed by the destructor
  int port_ = 0;
  bool drop_privileges_ = false;  // run the server programs as `uid_`:`gid_`
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  bool started_ = false;
  bool owner_ = true;  // stops the server and removes the folder when it goes away
};

}  // namespace rapport
