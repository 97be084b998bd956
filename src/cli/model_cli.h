// `ballast model …`: the command line of the native model registry (docs/registry.md, "CLI"):
// models (create, list, get, update, delete), versions (`model version …`), aliases
// (`model alias set|delete|history`) and `model resolve NAME@REF`, each one request (or one
// read-merge-write) against the API of API.md "Registry", printed with `-o table|json|yaml`.
// Exit codes are API.md's: 1 invalid request or input, 2 usage, 3 unreachable, 4 not found.
//
//   runners.push_back(AddModelCommands(app));  // cli.cc, before parsing
//
// The `model` subcommand is created here and only requires one verb, so other files may add
// verbs to it later through app.get_subcommand("model") (model cards, retiring versions).
//
// Thread safety: as RunCli (command_group.h).
#pragma once

#include <CLI/CLI.hpp>

#include "cli/command_group.h"

namespace ballast::cli {

CommandRunner AddModelCommands(CLI::App& app);

}  // namespace ballast::cli
