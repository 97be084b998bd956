// `ballast dataset …`, `ballast eval …` and `ballast lineage NODE` (docs/evals.md, "CLI"):
// eval datasets (create, push a new version from a JSON-lines file, list, get, cases), eval
// runs (create from a results file, list, get) and the lineage subgraph around a node, printed
// as a tree with `-o table` or as the API's JSON/YAML. Exit codes are API.md's: 1 invalid
// request or input, 2 usage, 3 unreachable, 4 not found.
//
//   runners.push_back(AddDatasetCommands(app));  // cli.cc, before parsing
//   runners.push_back(AddEvalCommands(app));
//   runners.push_back(AddLineageCommands(app));
//
// Thread safety: as RunCli (command_group.h).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "cli/command_group.h"
#include "cli/output.h"

namespace ballast::cli {

CommandRunner AddDatasetCommands(CLI::App& app);
CommandRunner AddEvalCommands(CLI::App& app);
CommandRunner AddLineageCommands(CLI::App& app);

// GET /v1/lineage's answer as an indented tree: the root, then what it was made from (edges
// followed forward) and what was built on it (edges followed backward), each child line
// "NODE  [edge_type]". A node already printed in a section is marked "(see above)" and not
// expanded again; one the registry does not hold is marked "(not registered)".
std::string LineageTreeText(const Json& graph);

}  // namespace ballast::cli
