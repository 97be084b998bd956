// The client commands behind `ballast <noun> <verb>`, once arguments are parsed (cli.cc parses
// them). Each returns the process exit code and writes only through the Console.
//
// Thread safety: each call is independent; a Console must not be shared between concurrent
// calls.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "cli/api_client.h"
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

// `ballast apply -f PATH... [--dry-run]`: validates offline, then POST /v1/apply.
int RunApplyCommand(Console& console, const GlobalOptions& global,
                    const std::vector<std::string>& paths, bool dry_run);
// `ballast delete KIND NAME`.
int RunDeleteCommand(Console& console, const GlobalOptions& global, const std::string& kind,
                     const std::string& name);
// `ballast get KIND [NAME]`: what was applied.
int RunGetCommand(Console& console, const GlobalOptions& global, const std::string& kind,
                  const std::string& name);
int RunSloListCommand(Console& console, const GlobalOptions& global);
int RunSloStatusCommand(Console& console, const GlobalOptions& global, const std::string& name,
                        const std::string& variant);
int RunAlertsCommand(Console& console, const GlobalOptions& global, const std::string& state);

struct ReplayArgs {
  std::vector<std::string> slo_paths;  // --slos: files or directories
  std::string events;                  // NDJSON file or "-"
  std::string step = "1m";             // evaluation interval in event time
};
// `ballast replay --slos PATH EVENTS`: offline evaluation in simulated time.
int RunReplayCommand(Console& console, const GlobalOptions& global, const ReplayArgs& args);

// Shared by the command files. Call sends `request` and parses the JSON answer into `body`
// (null for an empty body), or prints the error and returns the exit code. CallAllPages GETs
// every page of a list route into one {"items": [...], "next_page_token": ""}. Print renders
// `value` in the chosen format (`table` is the -o table text).
int Call(Console& console, const GlobalOptions& global, const HttpRequest& request, Json& body);
int CallAllPages(Console& console, const GlobalOptions& global, const std::string& path,
                 Json& merged);
void Print(Console& console, const GlobalOptions& global, const Json& value,
           const std::string& table);

// The version this binary was built as ("0.1.0").
const char* BallastVersion();

}  // namespace ballast::cli
