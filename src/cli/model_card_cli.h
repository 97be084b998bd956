// `ballast model card …` and `ballast model retiring`: model cards and provider lifecycle on the
// command line (docs/model-cards.md, docs/cli.md):
//   model card NAME@REF [-o markdown|json|yaml] [--out FILE]   the card (Markdown by default)
//   model card set NAME@REF -f FILE|- [--if-match ETAG]        upload a card (YAML or JSON)
//   model retiring [--within 90d]                              versions an alias exposes
// `set` validates the file offline first (every error with line, column and field) and sends
// nothing when it is invalid. Exit codes are API.md's.
//
//   runners.push_back(AddModelCommands(app));      // creates `model`
//   runners.push_back(AddModelCardCommands(app));  // adds its verbs to it
//
// Adds to the `model` subcommand that AddModelCommands created (or creates it when absent).
//
// Thread safety: as RunCli (command_group.h).
#pragma once

#include <CLI/CLI.hpp>

#include "cli/command_group.h"

namespace ballast::cli {

CommandRunner AddModelCardCommands(CLI::App& app);

}  // namespace ballast::cli
