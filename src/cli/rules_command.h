// `ballast rules prometheus -f SPEC [--out FILE]`: Prometheus recording and alerting rules in
// Sloth's format for SLOs whose SLIs live in Prometheus (src/rules). Offline: no server.
//
//   CLI::App* rules_prometheus = AddRulesCommand(app, &rules_args);
//   ... app.parse(...) ...
//   if (rules_prometheus->parsed()) return RunRulesPrometheusCommand(console, rules_args);
//
// Exit codes: 0 rules written; 1 invalid input (every error on console.err with file, line,
// column and field) or unwritable output; 2 bad flag values.
//
// Thread safety: as the other commands (commands.h).
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/cli.h"

namespace ballast::cli {

struct RulesArgs {
  std::string file;                        // -f: spec file, or "-" for the Console's input
  std::string out;                         // --out: empty = the Console's output
  std::string default_slo_period = "30d";  // --default-slo-period (Prometheus duration)
  std::string windows_path;                // --slo-period-windows-path: AlertWindows dir
  bool disable_recordings = false;
  bool disable_alerts = false;
  std::vector<std::string> extra_labels;  // -l key=value, repeatable
};

// Registers `rules` and its `prometheus` subcommand (with their flags) on `root`; returns the
// `prometheus` subcommand, whose parsed() says whether to run RunRulesPrometheusCommand.
CLI::App* AddRulesCommand(CLI::App& root, RulesArgs* args);

int RunRulesPrometheusCommand(Console& console, const RulesArgs& args);

}  // namespace ballast::cli
