// Loading OpenSLO v1 definitions: the entry point of src/slo for `ballast validate`,
// `ballast apply` and `POST /v1/apply`.
//
// Input: YAML or JSON; one object per document, several documents per file (`---`), or a list
// of objects in one document; files, directories (recursively: *.yaml, *.yml, *.json in sorted
// order) or stdin ("-"). Everything loaded together forms one Catalog, in which references are
// resolved; `existing` (e.g. the objects already stored by the server) resolves the rest.
//
//   LoadResult r = LoadPaths({"slos/"});
//   if (!r.ok()) { std::cerr << r.diagnostics.ToString(); return 1; }
//   for (const Object& o : r.catalog.objects()) ...
//
// Every problem is reported in one pass (common/diagnostics.h). Objects with errors are still in
// the catalog (so that references to them resolve and do not cascade into more errors), so
// callers must check ok() before using the catalog.
//
// Thread safety: functions of their arguments; reading files and stdin is the caller's
// concurrency to arrange.
#pragma once

#include <cstddef>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "common/diagnostics.h"
#include "slo/catalog.h"

namespace ballast::slo {

struct LoadOptions {
  // Files larger than this are rejected (each), default 8 MiB.
  size_t max_file_bytes = 8u << 20;
  // Objects per load, default 10000.
  size_t max_objects = 10000;
};

struct LoadResult {
  Catalog catalog;
  Diagnostics diagnostics;
  bool ok() const { return !diagnostics.HasErrors(); }
};

// Parses and validates `text` (YAML or JSON) named `file_name` in diagnostics.
LoadResult LoadText(std::string_view text, const std::string& file_name = "<input>",
                    const Catalog* existing = nullptr, const LoadOptions& options = {});

// Loads files and directories together; "-" reads stdin.
LoadResult LoadPaths(const std::vector<std::string>& paths, const Catalog* existing = nullptr,
                     const LoadOptions& options = {});

// Loads already-read sources together (name, text) — for callers that read the input themselves
// (an HTTP body, a test).
struct Source {
  std::string name;
  std::string text;
};
LoadResult LoadSources(const std::vector<Source>& sources, const Catalog* existing = nullptr,
                       const LoadOptions& options = {});

// Reads `path` (a file, a directory searched recursively, or "-" for `in`) into sources, in the
// loader's order. Errors (unreadable, too large, not found) go to `diags`.
void CollectSources(const std::string& path, std::istream& in, const LoadOptions& options,
                    std::vector<Source>* out, Diagnostics* diags);

}  // namespace ballast::slo
