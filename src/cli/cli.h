// The `ballast` command line: parses arguments with CLI11 and runs the client commands
// (ingest, services, stats, token, version) against a ballast server; `serve` is handed to the
// server through a function pointer so that this library does not link the server (main.cc
// passes ballast::server::RunServe).
//
//   int main(int argc, char** argv) {
//     return ballast::cli::RunCli(argc, argv, &ballast::server::RunServe);
//   }
//
// Exit codes are the ExitCode values in api_client.h; usage errors (CLI11 parse errors) are 2.
//
// Thread safety: RunCli may run on several threads at once only with distinct Consoles.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "server/serve.h"

namespace ballast::cli {

// Everything a command touches outside itself, so that tests can run commands in-process.
struct Console {
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  std::istream* in = nullptr;  // for `ingest -`
  bool out_is_terminal = false;
  bool err_is_terminal = false;
  std::size_t out_width = 0;  // terminal columns for tables; 0 = no limit
  std::function<std::optional<std::string>(const std::string&)> getenv;
  std::function<void(std::chrono::milliseconds)> sleep;  // retries' waits

  // The process's stdio, environment and real sleeping.
  static Console Process();
};

using ServeFunction = std::function<int(const server::ServeFlags&)>;

// `args` excludes the program name. Returns the exit code.
int RunCli(const std::vector<std::string>& args, Console& console, const ServeFunction& serve);
// For main(): the process's arguments and Console.
int RunCli(int argc, char** argv, const ServeFunction& serve);

// A --from/--to value as the API wants it (RFC 3339 UTC): an RFC 3339 time, "now", or a
// fixed duration ("15m", "2h", "7d") meaning that long before `now`. INVALID_ARGUMENT
// naming `flag` otherwise.
Result<std::string> ResolveTimeArgument(const std::string& text, EpochMillis now,
                                        const std::string& flag);

}  // namespace ballast::cli
