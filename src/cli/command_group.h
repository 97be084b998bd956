// CommandRunner: how a noun's subcommands (`ballast model ...`, `ballast prompt ...`) plug into
// the command line without cli.cc knowing their flags. A noun's Add function registers its
// subcommands and options on the CLI11 app, keeps the parsed values in state it owns, and
// returns a runner; after parsing, cli.cc calls each runner in turn and the one whose verb was
// parsed runs it and returns the exit code (the others return nullopt).
//
//   CommandRunner AddModelCommands(CLI::App& app);           // model_cli.cc
//   ...
//   runners.push_back(AddModelCommands(app));                // cli.cc, before parsing
//   for (auto& run : runners) if (auto rc = run(console, global)) return *rc;
//
// Thread safety: built and run on the thread that runs RunCli.
#pragma once

#include <functional>
#include <optional>

#include "cli/cli.h"
#include "cli/commands.h"

namespace ballast::cli {

using CommandRunner = std::function<std::optional<int>(Console&, const GlobalOptions&)>;

}  // namespace ballast::cli
