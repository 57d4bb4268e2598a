// rapport-mea: `rapport sync mea`, motion energy from video, in a program of its own. It alone
// links FFmpeg, whose hundred-odd shared libraries the dynamic loader would otherwise map at every
// start of `rapport`, even for commands that never decode a video. `rapport sync mea ...` runs
// this program, installed beside it, with the same words.

#include <iostream>
#include <string>
#include <vector>

#include "cli/mea/sync_mea.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  return rapport::RunSyncMea(args, std::cout, std::cerr);
}
