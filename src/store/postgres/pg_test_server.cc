// Test support: starts and stops the one throw-away PostgreSQL server a test run shares, so that
// each of the hundreds of test processes CTest runs does not start its own (see CMakeLists.txt).
//
//   pg_test_server start STATE   starts a cluster, migrates the template database every store
//                                test copies, and writes the cluster's folder into STATE
//   pg_test_server stop STATE    stops the cluster STATE names and removes its folder
//
// Tests find STATE through the environment variable RAPPORT_TEST_PG.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "store/postgres/pg_store.h"
#include "store/postgres/pg_test_cluster.h"
#include "store/postgres/pg_test_template.h"

namespace {

int Start(const std::string& state) {
  if (!rapport::PgTestCluster::Available()) {
    std::puts("PostgreSQL is not installed: its tests will be skipped");
    std::ofstream(state) << "";
    return 0;
  }
  auto cluster = rapport::PgTestCluster::Start();
  if (!cluster) {
    std::fprintf(stderr, "pg_test_server: %s\n", cluster.error().message.c_str());
    return 1;
  }
  if (auto made = rapport::MakePgTestTemplate(**cluster); !made) {
    std::fprintf(stderr, "pg_test_server: %s\n", made.error().message.c_str());
    return 1;
  }
  std::ofstream out(state);
  out << (*cluster)->folder() << "\n";
  if (!out.flush()) {
    std::fprintf(stderr, "pg_test_server: cannot write %s\n", state.c_str());
    return 1;
  }
  (*cluster)->Detach();
  std::printf("test PostgreSQL server running in %s\n", (*cluster)->folder().c_str());
  return 0;
}

int Stop(const std::string& state) {
  std::ifstream in(state);
  std::string folder;
  if (!std::getline(in, folder) || folder.empty()) return 0;  // none was started
  auto cluster = rapport::PgTestCluster::Attach(folder);
  if (!cluster) {
    std::fprintf(stderr, "pg_test_server: %s\n", cluster.error().message.c_str());
    return 1;
  }
  (*cluster)->Adopt();
  cluster->reset();  // stops it and removes the folder
  std::error_code ignored;
  std::filesystem::remove(state, ignored);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fputs("usage: pg_test_server start|stop STATE_FILE\n", stderr);
    return 2;
  }
  const std::string_view command = argv[1];
  if (command == "start") return Start(argv[2]);
  if (command == "stop") return Stop(argv[2]);
  std::fputs("usage: pg_test_server start|stop STATE_FILE\n", stderr);
  return 2;
}
