// Test-only: locating and reading files of the source tree (examples, goldens, conformance
// suites) from unit tests, which ctest runs with BALLAST_SOURCE_DIR set to the source root.
//
//   std::string text = source_tree_testing::ReadFile(
//       source_tree_testing::SourceDir() + "/examples/prompts/summarize.yaml");
//
// Never include it in production code.
//
// Thread safety: functions; std::getenv is safe while nothing sets the environment.
#pragma once

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace ballast::source_tree_testing {

// The source root, from BALLAST_SOURCE_DIR (set by ctest); "." when unset.
inline std::string SourceDir() {
  const char* dir = std::getenv("BALLAST_SOURCE_DIR");
  return dir != nullptr ? dir : ".";
}

// The whole file, bytes unchanged; "" when it cannot be read (the test's comparison then fails
// and shows the path).
inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace ballast::source_tree_testing
