#include "cli/eval_cli.h"

#include <fmt/format.h>

#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/views.h"

namespace ballast::cli {
namespace {

std::string Str(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "-";
  return v.dump();
}

std::string Field(const Json& obj, const char* key) {
  return obj.is_object() && obj.contains(key) ? Str(obj[key]) : "-";
}

// Reads FILE, or the Console's input for "-". False (with the message printed) on failure.
bool ReadInput(Console& console, const std::string& path, std::string& out) {
  if (path == "-") {
    std::ostringstream buffer;
    buffer << console.in->rdbuf();
    out = buffer.str();
    return true;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *console.err << "error: cannot read '" << path << "'\n";
    return false;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  out = buffer.str();
  return true;
}

// NAME@REF split at its '@'; a bare NAME gives `fallback` as ref.
std::pair<std::string, std::string> SplitRef(const std::string& text,
                                             const std::string& fallback) {
  const size_t at = text.find('@');
  if (at == std::string::npos) return {text, fallback};
  return {text.substr(0, at), text.substr(at + 1)};
}

std::string DatasetPath(const std::string& name) { return "/v1/datasets/" + UrlEncode(name); }

std::string Lines(const std::vector<std::pair<std::string, std::string>>& fields) {
  size_t width = 0;
  for (const auto& [k, v] : fields) width = std::max(width, k.size());
  std::string out;
  for (const auto& [k, v] : fields) out += fmt::format("{:<{}}  {}\n", k + ":", width + 1, v);
  return out;
}

std::string PassRate(const Json& run) {
  const Json& rate = run.is_object() && run.contains("pass_rate") ? run["pass_rate"] : Json();
  if (!rate.is_number()) return "-";
  return fmt::format("{:.1f}%", rate.get<double>() * 100);
}

std::string MetricsText(const Json& metrics) {
  std::string out;
  if (!metrics.is_object()) return "-";
  for (const auto& [k, v] : metrics.items()) out += (out.empty() ? "" : ", ") + k + "=" + Str(v);
  return out.empty() ? "-" : out;
}

// ---- dataset ----

struct DatasetArgs {
  std::string name, ref, file, description;
  std::vector<std::string> tags;
  int64_t limit = 0;
};

int DatasetCreate(Console& console, const GlobalOptions& global, const DatasetArgs& a) {
  Json body = {{"name", a.name}};
  if (!a.description.empty()) body["description"] = a.description;
  Json tags = Json::object();
  for (const std::string& item : a.tags) {
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      *console.err << "error: --tag: expected KEY=VALUE, got '" << item << "'\n";
      return kExitUsage;
    }
    tags[item.substr(0, eq)] = item.substr(eq + 1);
  }
  if (!tags.empty()) body["tags"] = tags;
  Json answer;
  int rc = Call(console, global,
                {.method = "POST", .path = "/v1/datasets", .body = body.dump(),
                 .content_type = "application/json"},
                answer);
  if (rc != kExitOk) return rc;
  Print(console, global, answer, fmt::format("dataset {} created\n", a.name));
  return kExitOk;
}

int DatasetPush(Console& console, const GlobalOptions& global, const DatasetArgs& a) {
  std::string cases;
  if (!ReadInput(console, a.file, cases)) return kExitFailure;
  std::string path = DatasetPath(a.name) + "/versions";
  if (!a.description.empty()) path += "?description=" + UrlEncode(a.description);
  Json answer;
  int rc = Call(console, global,
                {.method = "POST", .path = path, .body = cases,
                 .content_type = "application/x-ndjson"},
                answer);
  if (rc != kExitOk) return rc;
  const bool created = answer.value("created", false);
  const std::string hash = Field(answer, "content_hash").substr(0, 12);
  std::string text =
      created ? fmt::format("{}: created ({} cases, sha256 {})\n", Field(answer, "ref"),
                            Field(answer, "case_count"), hash)
              : fmt::format("{}: unchanged (same cases as the latest version)\n",
                            Field(answer, "ref"));
  Print(console, global, answer, text);
  return kExitOk;
}

int DatasetList(Console& console, const GlobalOptions& global) {
  Json answer;
  int rc = CallAllPages(console, global, "/v1/datasets", answer);
  if (rc != kExitOk) return rc;
  Table table({{"NAME"}, {"LATEST", Align::kRight, false}, {"DESCRIPTION"}, {"UPDATED"}});
  for (const Json& d : ListItems(answer, "items")) {
    table.AddRow({Field(d, "name"), Field(d, "latest_version"), Field(d, "description"),
                  Field(d, "updated_at")});
  }
  Print(console, global, answer, table.Render(console.out_width));
  return kExitOk;
}

Table VersionsTable(const Json& versions) {
  Table table({{"VERSION", Align::kRight, false},
               {"CASES", Align::kRight, false},
               {"SHA256"},
               {"CREATED"},
               {"BY"},
               {"DESCRIPTION"}});
  for (const Json& v : ListItems(versions, "items")) {
    table.AddRow({Field(v, "version"), Field(v, "case_count"),
                  Field(v, "content_hash").substr(0, 12), Field(v, "created_at"),
                  Field(v, "created_by"), Field(v, "description")});
  }
  return table;
}

int DatasetGet(Console& console, const GlobalOptions& global, const DatasetArgs& a) {
  if (a.ref.find('@') != std::string::npos) {
    auto [name, version] = SplitRef(a.ref, "latest");
    Json answer;
    int rc = Call(console, global,
                  {.method = "GET",
                   .path = DatasetPath(name) + "/versions/" + UrlEncode(version)},
                  answer);
    if (rc != kExitOk) return rc;
    Print(console, global, answer,
          Lines({{"dataset", Field(answer, "dataset")},
                 {"version", Field(answer, "version")},
                 {"cases", Field(answer, "case_count")},
                 {"sha256", Field(answer, "content_hash")},
                 {"created", Field(answer, "created_at") + " by " + Field(answer, "created_by")},
                 {"description", Field(answer, "description")}}));
    return kExitOk;
  }
  Json dataset;
  int rc = Call(console, global, {.method = "GET", .path = DatasetPath(a.ref)}, dataset);
  if (rc != kExitOk) return rc;
  Json versions;
  rc = CallAllPages(console, global, DatasetPath(a.ref) + "/versions", versions);
  if (rc != kExitOk) return rc;
  dataset["versions"] = ListItems(versions, "items");
  std::string text = Lines({{"name", Field(dataset, "name")},
                            {"description", Field(dataset, "description")},
                            {"latest", Field(dataset, "latest_version")},
                            {"tags", MetricsText(dataset.value("tags", Json::object()))},
                            {"created", Field(dataset, "created_at") + " by " +
                                            Field(dataset, "created_by")}});
  text += "\n" + VersionsTable(versions).Render(console.out_width);
  Print(console, global, dataset, text);
  return kExitOk;
}

int DatasetCases(Console& console, const GlobalOptions& global, const DatasetArgs& a) {
  auto [name, version] = SplitRef(a.ref, "latest");
  const std::string path = DatasetPath(name) + "/versions/" + UrlEncode(version) + "/cases";
  Json answer;
  int rc = a.limit > 0 ? Call(console, global,
                              {.method = "GET",
                               .path = path + "?page_size=" + std::to_string(a.limit)},
                              answer)
                       : CallAllPages(console, global, path, answer);
  if (rc != kExitOk) return rc;
  Table table({{"CASE", Align::kRight, false}, {"VARS"}, {"EXPECTED"}, {"METADATA"}});
  for (const Json& c : ListItems(answer, "items")) {
    table.AddRow({Field(c, "index"), c.contains("vars") ? CellText(c["vars"]) : "-",
                  c.contains("expected") ? CellText(c["expected"]) : "-",
                  c.contains("metadata") ? CellText(c["metadata"]) : "-"});
  }
  Print(console, global, answer, table.Render(console.out_width));
  return kExitOk;
}

// ---- eval ----

struct EvalArgs {
  std::string model, prompt, dataset, file, description, status, id;
  int64_t limit = 0;
};

int EvalCreate(Console& console, const GlobalOptions& global, const EvalArgs& a) {
  Json body = Json::object();
  if (!a.file.empty()) {
    std::string text;
    if (!ReadInput(console, a.file, text)) return kExitFailure;
    Result<Json> parsed = ParseJson(text);
    if (!parsed || !parsed->is_object()) {
      *console.err << "error: " << a.file << ": "
                   << (parsed ? std::string("expected a JSON object {\"metrics\": {...}, "
                                            "\"results\": [...]}")
                              : parsed.error().message())
                   << "\n";
      return kExitFailure;
    }
    body = std::move(*parsed);
  }
  if (!a.model.empty()) body["model"] = a.model;
  if (!a.prompt.empty()) body["prompt"] = a.prompt;
  if (!a.dataset.empty()) body["dataset"] = a.dataset;
  if (!a.description.empty()) body["description"] = a.description;
  if (!a.status.empty()) body["status"] = a.status;
  for (const char* required : {"model", "dataset"}) {
    if (!body.contains(required)) {
      *console.err << "error: --" << required << " is required (or \"" << required
                   << "\" in the results file)\n";
      return kExitUsage;
    }
  }
  Json answer;
  int rc = Call(console, global,
                {.method = "POST", .path = "/v1/evals", .body = body.dump(),
                 .content_type = "application/json"},
                answer);
  if (rc != kExitOk) return rc;
  std::string text = fmt::format(
      "eval run {}: {}@{} on {}@{}: {} passed, {} failed ({})\n", Field(answer, "id"),
      Field(answer, "model"), Field(answer, "model_version"), Field(answer, "dataset"),
      Field(answer, "dataset_version"), Field(answer, "passed"), Field(answer, "failed"),
      PassRate(answer));
  Print(console, global, answer, text);
  return kExitOk;
}

std::string PromptText(const Json& run) {
  if (!run.contains("prompt") || run["prompt"].is_null()) return "-";
  if (run["prompt_version"].is_null()) return Field(run, "prompt_ref");
  return Field(run, "prompt") + "@" + Field(run, "prompt_version");
}

int EvalList(Console& console, const GlobalOptions& global, const EvalArgs& a) {
  std::string query;
  for (auto [key, value] : {std::pair{"model", &a.model}, std::pair{"prompt", &a.prompt},
                            std::pair{"dataset", &a.dataset}}) {
    if (!value->empty()) query += std::string(query.empty() ? "?" : "&") + key + "=" + UrlEncode(*value);
  }
  Json answer;
  int rc = a.limit > 0
               ? Call(console, global,
                      {.method = "GET", .path = "/v1/evals" + query +
                                                    (query.empty() ? "?" : "&") +
                                                    "page_size=" + std::to_string(a.limit)},
                      answer)
               : CallAllPages(console, global, "/v1/evals" + query, answer);
  if (rc != kExitOk) return rc;
  Table table({{"ID", Align::kRight, false},
               {"MODEL"},
               {"PROMPT"},
               {"DATASET"},
               {"STATUS"},
               {"PASS", Align::kRight, false},
               {"METRICS"},
               {"CREATED"}});
  for (const Json& r : ListItems(answer, "items")) {
    table.AddRow({Field(r, "id"), Field(r, "model") + "@" + Field(r, "model_version"),
                  PromptText(r), Field(r, "dataset") + "@" + Field(r, "dataset_version"),
                  Field(r, "status"), PassRate(r), MetricsText(r["metrics"]),
                  Field(r, "created_at")});
  }
  Print(console, global, answer, table.Render(console.out_width));
  return kExitOk;
}

int EvalGet(Console& console, const GlobalOptions& global, const EvalArgs& a) {
  Json run;
  int rc = Call(console, global, {.method = "GET", .path = "/v1/evals/" + UrlEncode(a.id)}, run);
  if (rc != kExitOk) return rc;
  std::string text = Lines({{"id", Field(run, "id")},
                            {"model", Field(run, "model") + "@" + Field(run, "model_version") +
                                          " (given as " + Field(run, "model_ref") + ")"},
                            {"prompt", PromptText(run)},
                            {"dataset", Field(run, "dataset") + "@" +
                                            Field(run, "dataset_version")},
                            {"status", Field(run, "status")},
                            {"passed", Field(run, "passed") + " of " +
                                           std::to_string(run.value("passed", 0) +
                                                          run.value("failed", 0)) +
                                           " (" + PassRate(run) + ")"},
                            {"created", Field(run, "created_at") + " by " +
                                            Field(run, "created_by")}});
  Table metrics({{"METRIC"}, {"VALUE", Align::kRight, false}});
  if (run.contains("metrics") && run["metrics"].is_object()) {
    for (const auto& [k, v] : run["metrics"].items()) metrics.AddRow({k, Str(v)});
  }
  if (metrics.row_count() > 0) text += "\n" + metrics.Render(console.out_width);
  Table results({{"CASE", Align::kRight, false},
                 {"PASS"},
                 {"SCORE", Align::kRight, false},
                 {"OUTPUT"}});
  for (const Json& c : ListItems(run, "results")) {
    results.AddRow({Field(c, "case"), c.value("pass", false) ? "pass" : "FAIL",
                    Field(c, "score"), Field(c, "output")});
  }
  if (results.row_count() > 0) text += "\n" + results.Render(console.out_width);
  Print(console, global, run, text);
  return kExitOk;
}

// ---- lineage ----

struct LineageArgs {
  std::string node, direction = "both";
  int depth = 3;
};

struct Link {
  std::string node;
  std::string type;
};

void Branch(const std::map<std::string, std::vector<Link>>& adj,
            const std::map<std::string, bool>& exists, const std::string& node,
            const std::string& indent, std::set<std::string>& printed, std::string& out) {
  auto it = adj.find(node);
  if (it == adj.end()) return;
  for (size_t i = 0; i < it->second.size(); ++i) {
    const Link& link = it->second[i];
    const bool last = i + 1 == it->second.size();
    out += indent + (last ? "└── " : "├── ") + link.node + "  [" + link.type + "]";
    auto e = exists.find(link.node);
    if (e != exists.end() && !e->second) out += " (not registered)";
    if (!printed.insert(link.node).second) {
      out += " (see above)\n";
      continue;
    }
    out += "\n";
    Branch(adj, exists, link.node, indent + (last ? "    " : "│   "), printed, out);
  }
}

int RunLineage(Console& console, const GlobalOptions& global, const LineageArgs& a) {
  Json graph;
  int rc = Call(console, global,
                {.method = "GET",
                 .path = "/v1/lineage?node=" + UrlEncode(a.node) + "&direction=" +
                         UrlEncode(a.direction) + "&depth=" + std::to_string(a.depth)},
                graph);
  if (rc != kExitOk) return rc;
  Print(console, global, graph, LineageTreeText(graph));
  return kExitOk;
}

}  // namespace

std::string LineageTreeText(const Json& graph) {
  if (!graph.is_object()) return "";
  std::map<std::string, std::vector<Link>> up, down;
  std::map<std::string, bool> exists;
  if (graph.contains("nodes") && graph["nodes"].is_array()) {
    for (const Json& n : graph["nodes"]) exists[Field(n, "id")] = n.value("exists", true);
  }
  if (graph.contains("edges") && graph["edges"].is_array()) {
    for (const Json& e : graph["edges"]) {
      up[Field(e, "from")].push_back({Field(e, "to"), Field(e, "type")});
      down[Field(e, "to")].push_back({Field(e, "from"), Field(e, "type")});
    }
  }
  const std::string root = Field(graph, "root");
  const std::string direction = graph.value("direction", std::string("both"));
  std::string out = root;
  if (exists.contains(root) && !exists[root]) out += " (not registered)";
  out += "\n";
  auto section = [&](const char* title, const std::map<std::string, std::vector<Link>>& adj) {
    std::set<std::string> printed = {root};
    std::string body;
    Branch(adj, exists, root, direction == "both" ? "  " : "", printed, body);
    if (direction == "both") {
      out += std::string(title) + (body.empty() ? " (none)\n" : "\n") + body;
    } else {
      out += body.empty() ? std::string(title) + " (none)\n" : body;
    }
  };
  if (direction != "down") section("made from:", up);
  if (direction != "up") section("built on it:", down);
  if (graph.value("truncated", false)) out += "(truncated: the walk reached its node limit)\n";
  return out;
}

CommandRunner AddDatasetCommands(CLI::App& app) {
  auto args = std::make_shared<DatasetArgs>();
  DatasetArgs& a = *args;
  CLI::App* dataset = app.add_subcommand("dataset", "Eval datasets and their versions");
  dataset->require_subcommand(1);
  CLI::App* create = dataset->add_subcommand("create", "Create a dataset");
  create->add_option("NAME", a.name, "Dataset name")->required();
  create->add_option("--description", a.description, "What the cases cover");
  create->add_option("--tag", a.tags, "KEY=VALUE (repeatable)");
  CLI::App* push = dataset->add_subcommand(
      "push", "Push a JSON-lines file of cases as a new version (unchanged cases: no version)");
  push->add_option("NAME", a.name, "Dataset name")->required();
  push->add_option("-f,--file", a.file, "JSON lines {\"vars\", \"expected\", \"metadata\"}, or -")
      ->required();
  push->add_option("--description", a.description, "What changed in this version");
  CLI::App* list = dataset->add_subcommand("list", "List datasets");
  CLI::App* get = dataset->add_subcommand("get", "Show a dataset and its versions, or a version");
  get->add_option("REF", a.ref, "NAME or NAME@VERSION")->required();
  CLI::App* cases = dataset->add_subcommand("cases", "The cases of a dataset version");
  cases->add_option("REF", a.ref, "NAME@VERSION (or NAME for the latest)")->required();
  cases->add_option("--limit", a.limit, "At most N cases (default: all)")
      ->check(CLI::Range(int64_t{1}, int64_t{1000}));
  return [args, create, push, list, get, cases](Console& console,
                                                const GlobalOptions& global) -> std::optional<int> {
    if (create->parsed()) return DatasetCreate(console, global, *args);
    if (push->parsed()) return DatasetPush(console, global, *args);
    if (list->parsed()) return DatasetList(console, global);
    if (get->parsed()) return DatasetGet(console, global, *args);
    if (cases->parsed()) return DatasetCases(console, global, *args);
    return std::nullopt;
  };
}

CommandRunner AddEvalCommands(CLI::App& app) {
  auto args = std::make_shared<EvalArgs>();
  EvalArgs& a = *args;
  CLI::App* eval = app.add_subcommand("eval", "Eval runs: metrics and per-case results");
  eval->require_subcommand(1);
  CLI::App* create = eval->add_subcommand("create", "Record an eval run");
  create->add_option("--model", a.model, "Model version evaluated: NAME@VERSION or NAME@ALIAS");
  create->add_option("--prompt", a.prompt, "Prompt version used: NAME@VERSION or NAME@LABEL");
  create->add_option("--dataset", a.dataset, "Dataset version: NAME@VERSION");
  create->add_option("-f,--file", a.file,
                     "JSON {\"metrics\": {...}, \"results\": [{\"case\", \"pass\", \"score\", "
                     "\"output\"}]}, or -");
  create->add_option("--description", a.description, "What was evaluated and how");
  create->add_option("--status", a.status, "completed (default), running or failed")
      ->check(CLI::IsMember({"completed", "running", "failed"}));
  CLI::App* list = eval->add_subcommand("list", "List eval runs, newest first");
  list->add_option("--model", a.model, "Only runs of this model (NAME or NAME@REF)");
  list->add_option("--prompt", a.prompt, "Only runs with this prompt (NAME or NAME@REF)");
  list->add_option("--dataset", a.dataset, "Only runs on this dataset (NAME or NAME@VERSION)");
  list->add_option("--limit", a.limit, "At most N runs (default: all)")
      ->check(CLI::Range(int64_t{1}, int64_t{1000}));
  CLI::App* get = eval->add_subcommand("get", "Show an eval run with its per-case results");
  get->add_option("ID", a.id, "Eval run id")->required();
  return [args, create, list, get](Console& console,
                                   const GlobalOptions& global) -> std::optional<int> {
    if (create->parsed()) return EvalCreate(console, global, *args);
    if (list->parsed()) return EvalList(console, global, *args);
    if (get->parsed()) return EvalGet(console, global, *args);
    return std::nullopt;
  };
}

CommandRunner AddLineageCommands(CLI::App& app) {
  auto args = std::make_shared<LineageArgs>();
  LineageArgs& a = *args;
  CLI::App* lineage = app.add_subcommand("lineage", "The lineage graph around a node, as a tree");
  lineage
      ->add_option("NODE", a.node,
                   "TYPE:ID, e.g. model_version:bot@3, dataset_version:faq@2, eval_run:7, "
                   "commit:9fceb02")
      ->required();
  lineage->add_option("--direction", a.direction, "up (sources), down (dependents) or both")
      ->check(CLI::IsMember({"up", "down", "both"}));
  lineage->add_option("--depth", a.depth, "Hops from the node, 1..10 (default 3)")
      ->check(CLI::Range(1, 10));
  return [args, lineage](Console& console, const GlobalOptions& global) -> std::optional<int> {
    if (lineage->parsed()) return RunLineage(console, global, *args);
    return std::nullopt;
  };
}

}  // namespace ballast::cli
