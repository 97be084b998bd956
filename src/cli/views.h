// Views: how each command's JSON answer reads as a table (`-o table`), and the common printing
// path for all three output formats. Pure functions of the server's JSON, so the table layouts
// are tested against expected strings.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "cli/output.h"

namespace ballast::cli {

// A cell for any JSON value: strings verbatim, numbers as JSON writes them, null as "-",
// objects and arrays as compact JSON.
std::string CellText(const Json& value);

// The list a response holds: the response itself when it is an array, else its "items" (API.md
// list shape), else its `fallback_key` array; an empty array when there is none.
Json ListItems(const Json& response, const char* fallback_key);

// A table of a list of objects: columns `preferred` (those present) first, then every other
// key in order of first appearance; headers are the keys upper-cased with '_' as ' '. A list
// of scalars becomes one column named `scalar_header`.
Table ItemsTable(const Json& items, const std::vector<std::string>& preferred,
                 const std::string& scalar_header);

// GET /v1/services/{service}/stats as a table: the key fields (without "service", the same on
// every row, unless it is the only one), REQUESTS, ERROR % (share of
// requests whose outcome is not "ok"), latency P50/P95/P99 and TTFT P95 in ms, input and output
// tokens, cost in USD. Missing values print as "-".
Table StatsTable(const Json& stats);

// POST /v1/tokens' answer for humans: the fields one per line (id, name, role and the secret
// first) and a note that the secret is shown only once.
std::string TokenCreatedText(const Json& token);

// Renders `value` in `format`; `table` is what -o table shows (already rendered).
std::string RenderAs(OutputFormat format, const Json& value, const std::string& table);

}  // namespace ballast::cli
