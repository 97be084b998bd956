// `ballast serve`: loads the configuration, opens the store and runs the HTTP server until
// SIGTERM or SIGINT, then drains in-flight requests and flushes the writer.
#pragma once

#include <optional>
#include <string>

namespace ballast::server {

// Command-line flags; each overrides the configuration file's setting when present.
struct ServeFlags {
  std::optional<std::string> listen;       // "127.0.0.1:7410"; port 0 picks a free port
  std::optional<std::string> data_dir;     // --data
  std::optional<std::string> config_path;  // --config
  std::optional<std::string> log_level;    // --log-level
};

// Runs the server; returns the process exit code (0 after a clean shutdown).
int RunServe(const ServeFlags& flags);

}  // namespace ballast::server
