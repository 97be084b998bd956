// The client commands behind `ballast <noun> <verb>`, once arguments are parsed (cli.cc parses
// them). Each returns the process exit code and writes only through the Console.
//
// Thread safety: each call is independent; a Console must not be shared between concurrent
// calls.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "cli/output.h"

namespace ballast::cli {

struct GlobalOptions {
  std::string server;  // --server / $BALLAST_SERVER / default
  std::string token;   // --token / $BALLAST_TOKEN, may be empty
  OutputFormat format = OutputFormat::kJson;
};

struct IngestArgs {
  std::string file;  // path or "-" for the Console's input
  std::size_t batch_size = 1000;
  std::size_t batch_bytes = 4 * 1024 * 1024;
  int max_retries = 8;
  bool gzip = false;
};

struct StatsArgs {
  std::string service;
  std::string from;      // already RFC 3339, empty = server default
  std::string to;        // already RFC 3339, empty = server default
  std::string group_by;  // comma list, empty = server default
};

int RunIngestCommand(Console& console, const GlobalOptions& global, const IngestArgs& args);
int RunServicesCommand(Console& console, const GlobalOptions& global);
int RunStatsCommand(Console& console, const GlobalOptions& global, const StatsArgs& args);
int RunTokenCreateCommand(Console& console, const GlobalOptions& global, const std::string& role,
                          const std::string& name);
int RunTokenListCommand(Console& console, const GlobalOptions& global);
int RunTokenRevokeCommand(Console& console, const GlobalOptions& global, const std::string& id);
int RunVersionCommand(Console& console, const GlobalOptions& global);
// Offline check of OpenSLO files/directories ("-" is the Console's input).
int RunValidateCommand(Console& console, const GlobalOptions& global,
                       const std::vector<std::string>& paths);

// The version this binary was built as ("0.1.0").
const char* BallastVersion();

}  // namespace ballast::cli
