// `ballast prompt …`: prompts as code (docs/prompts.md, "CLI"). `prompt push DIR|FILE...` reads
// prompt files, validates them offline with the registry's decoder (every error with
// file:line:column, nothing sent while any remains) and pushes them all in one request
// (POST /v1/prompts/push): a version is created only for prompts whose content changed, so the
// command is idempotent, and `--check` changes nothing and exits 1 when a push would change
// something (for CI). The other verbs (diff, render, get, list, versions, label set|delete|history)
// are one request each, printed with `-o table|json|yaml`. Exit codes are API.md's: 1 invalid
// input or failed check, 2 usage, 3 unreachable, 4 not found.
//
//   runners.push_back(AddPromptCommands(app));  // cli.cc, before parsing
//
// Thread safety: as RunCli (command_group.h).
#pragma once

#include <CLI/CLI.hpp>

#include "cli/command_group.h"

namespace ballast::cli {

CommandRunner AddPromptCommands(CLI::App& app);

}  // namespace ballast::cli
