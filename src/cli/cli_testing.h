// Running the CLI in-process in tests: RunCliForTest runs `ballast <args>` against a Console
// with captured output, no environment and no real sleeping, and returns the exit code and
// what was printed. Pair it with FakeBallastServer (fake_server.h) and `--server`.
//
// Thread safety: one call per Console; calls are independent.
#pragma once

#include <chrono>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli.h"

namespace ballast::cli {

struct CliOutcome {
  int rc = -1;
  std::string out;
  std::string err;
};

inline CliOutcome RunCliForTest(const std::vector<std::string>& args,
                                const std::string& stdin_text = "") {
  std::ostringstream out, err;
  std::istringstream in(stdin_text);
  Console console;
  console.out = &out;
  console.err = &err;
  console.in = &in;
  console.getenv = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  console.sleep = [](std::chrono::milliseconds) {};
  CliOutcome o;
  o.rc = RunCli(args, console, nullptr);
  o.out = out.str();
  o.err = err.str();
  return o;
}

}  // namespace ballast::cli
