// `rapport serve --instruments-dir DIR`: a clinic's broken questionnaire file stops start-up with
// a message naming the file, rather than running with the questionnaire silently missing.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/crypto.h"

#ifndef RAPPORT_BINARY
#error "RAPPORT_BINARY must name the rapport executable"
#endif

namespace rapport {
namespace {

struct Outcome {
  int status = -1;
  std::string output;  // stdout and stderr
};

Outcome RunRapport(const std::string& args) {
  Outcome run;
  const std::string command = std::string(RAPPORT_BINARY) + " " + args + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  std::array<char, 512> chunk{};
  while (std::fgets(chunk.data(), chunk.size(), pipe) != nullptr) run.output += chunk.data();
  const int raw = ::pclose(pipe);
  run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return run;
}

TEST(ServeInstruments, ABrokenClinicQuestionnaireStopsStartUpNamingTheFile) {
  ASSERT_TRUE(InitCrypto().has_value());
  const auto dir = std::filesystem::temp_directory_path() / ("rapport-serve-inst-" + RandomHex(6));
  std::filesystem::create_directories(dir / "instruments");
  std::ofstream(dir / "instruments" / "broken.json") << R"({"code": "ORS", "items": [)";
  const Outcome run =
      RunRapport("serve --db " + (dir / "r.db").string() +
                 " --listen 127.0.0.1:0 --instruments-dir " + (dir / "instruments").string());
  std::filesystem::remove_all(dir);
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_NE(run.output.find("broken.json"), std::string::npos) << run.output;
  EXPECT_EQ(run.output.find("listening on"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace rapport
