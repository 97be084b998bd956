#include "cli/prompt_cli.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/pointer_verbs.h"
#include "cli/views.h"
#include "registry/prompt.h"
#include "registry/prompt_decode.h"

namespace ballast::cli {
namespace {

// Every parsed value of every `prompt` verb; only the parsed verb's values are read.
struct PromptArgs {
  std::vector<std::string> paths;  // push
  bool check = false;
  std::string message;
  std::string ref, ref_b;  // NAME[@REF]
  std::string name;
  std::vector<std::string> vars;
  std::string vars_file;
  std::string filter, order_by;
};

struct Verbs {
  CLI::App *push = nullptr, *diff = nullptr, *render = nullptr, *get = nullptr,
           *list = nullptr, *versions = nullptr;
  std::unique_ptr<PointerVerbs> labels;
};

std::string PromptPath(const std::string& name) { return "/v1/prompts/" + UrlEncode(name); }

std::string Str(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "-";
  return v.dump();
}

const Json& Field(const Json& object, const char* key) {
  static const Json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

int Send(Console& console, const GlobalOptions& global, const std::string& method,
         const std::string& path, const Json& body, Json& answer) {
  HttpRequest request{.method = method, .path = path};
  if (!body.is_null()) {
    request.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
    request.content_type = "application/json";
  }
  return Call(console, global, request, answer);
}

// NAME[@REF] split at the first '@'; `ref` is "" without one. False (message printed) for an
// empty name or an empty ref after '@'.
bool SplitRef(Console& console, const std::string& text, std::string& name, std::string& ref) {
  const size_t at = text.find('@');
  name = text.substr(0, at);
  ref = at == std::string::npos ? "" : text.substr(at + 1);
  if (name.empty() || (at != std::string::npos && ref.empty())) {
    *console.err << "error: '" << text
                 << "' is not a prompt ref: expected NAME, NAME@VERSION or NAME@LABEL\n";
    return false;
  }
  return true;
}

// ---- push ----

bool IsPromptFile(const std::filesystem::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

// The files `path` names: itself, or the prompt files under a directory (recursively, sorted).
// False with a message when it does not exist.
bool ExpandPath(Console& console, const std::string& path, std::vector<std::string>& files) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (path == "-") {
    files.push_back(path);
    return true;
  }
  if (fs::is_directory(path, ec)) {
    std::vector<std::string> found;
    for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->is_regular_file(ec) && IsPromptFile(it->path())) found.push_back(it->path().string());
    }
    if (ec) {
      *console.err << "error: " << path << ": " << ec.message() << "\n";
      return false;
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
    return true;
  }
  if (!fs::exists(path, ec)) {
    *console.err << "error: " << path << ": no such file or directory\n";
    return false;
  }
  files.push_back(path);
  return true;
}

bool ReadText(Console& console, const std::string& file, std::string& text) {
  std::ostringstream buffer;
  if (file == "-") {
    buffer << console.in->rdbuf();
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      *console.err << "error: " << file << ": cannot read\n";
      return false;
    }
    buffer << in.rdbuf();
  }
  text = buffer.str();
  return true;
}

// Reads and decodes every file offline. Prints every diagnostic; false when any is an error.
bool LoadPrompts(Console& console, const std::vector<std::string>& paths,
                 std::vector<registry::Prompt>& prompts) {
  std::vector<std::string> files;
  for (const std::string& p : paths) {
    if (!ExpandPath(console, p, files)) return false;
  }
  registry::Diagnostics all;
  std::map<std::string, registry::SourcePos> seen;
  for (const std::string& file : files) {
    std::string text;
    if (!ReadText(console, file, text)) return false;
    registry::PromptFile decoded = registry::DecodePromptFile(text, file == "-" ? "<stdin>" : file);
    for (const registry::Diagnostic& d : decoded.diagnostics.items()) {
      if (d.severity == registry::Severity::kError) {
        all.Error(d.pos, d.path, d.message);
      } else {
        all.Warning(d.pos, d.path, d.message);
      }
    }
    for (registry::Prompt& p : decoded.prompts) {
      auto [it, fresh] = seen.emplace(p.name, p.pos);
      if (!fresh) {
        all.Error(p.pos, "metadata.name",
                  "prompt \"" + p.name + "\" is also defined at " + it->second.ToString());
        continue;
      }
      prompts.push_back(std::move(p));
    }
  }
  if (!all.empty()) *console.err << all.ToString();
  if (all.HasErrors()) {
    *console.err << fmt::format("{} error(s): nothing pushed\n", all.error_count());
    return false;
  }
  if (prompts.empty()) {
    *console.err << "error: no prompts found in " << fmt::format("{}", fmt::join(paths, ", "))
                 << "\n";
    return false;
  }
  return true;
}

int RunPush(Console& console, const GlobalOptions& global, const PromptArgs& a) {
  std::vector<registry::Prompt> prompts;
  if (!LoadPrompts(console, a.paths, prompts)) return kExitFailure;
  Json list = Json::array();
  for (const registry::Prompt& p : prompts) {
    // The registry speaks nlohmann::json; the CLI keeps key order (ordered_json).
    list.push_back(Json::parse(
        registry::PromptToJson(p).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
  }
  Json body = {{"prompts", std::move(list)}};
  if (!a.message.empty()) body["message"] = a.message;
  Json answer;
  int rc = Send(console, global, "POST",
                std::string("/v1/prompts/push") + (a.check ? "?check=true" : ""), body, answer);
  if (rc != kExitOk) return rc;
  Table table({{"PROMPT"}, {"ACTION"}, {"VERSION", Align::kRight, false}});
  int changed = 0;
  for (const Json& r : ListItems(answer, "results")) {
    const bool created = Str(Field(r, "action")) == "created";
    changed += created ? 1 : 0;
    std::string action = created ? (a.check ? "would create" : "created") : "unchanged";
    table.AddRow({Str(Field(r, "name")), action, Str(Field(r, "version"))});
  }
  std::string summary =
      changed == 0 ? "nothing changed\n"
                   : fmt::format("{} prompt(s) {}\n", changed,
                                 a.check ? "would change: run `ballast prompt push` to push them"
                                         : "changed");
  Print(console, global, answer, table.Render(console.out_width) + summary);
  return a.check && changed > 0 ? kExitFailure : kExitOk;
}

// ---- reads ----

std::string MessagesText(const Json& messages) {
  std::string out;
  for (const Json& m : messages) {
    if (!out.empty()) out += "\n";
    out += Str(Field(m, "role")) + ": " + Str(Field(m, "content")) + "\n";
  }
  return out;
}

int RunRender(Console& console, const GlobalOptions& global, const PromptArgs& a) {
  std::string name, ref;
  if (!SplitRef(console, a.ref, name, ref)) return kExitUsage;
  Json variables = Json::object();
  if (!a.vars_file.empty()) {
    std::string text;
    if (!ReadText(console, a.vars_file, text)) return kExitFailure;
    Result<Json> parsed = ParseJson(text);
    if (!parsed || !parsed->is_object()) {
      *console.err << "error: --vars-file " << a.vars_file << ": "
                   << (parsed ? "not a JSON object" : parsed.error().message()) << "\n";
      return kExitFailure;
    }
    variables = std::move(*parsed);
  }
  for (const std::string& item : a.vars) {
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      *console.err << "error: --var: expected NAME=VALUE, got '" << item << "'\n";
      return kExitUsage;
    }
    variables[item.substr(0, eq)] = item.substr(eq + 1);
  }
  Json answer;
  const std::string path =
      PromptPath(name) + "/versions/" + UrlEncode(ref.empty() ? "latest" : ref) + "/render";
  int rc = Send(console, global, "POST", path, Json{{"variables", variables}}, answer);
  if (rc != kExitOk) return rc;
  std::string text =
      answer.contains("text") ? Str(answer["text"]) : MessagesText(Field(answer, "messages"));
  Print(console, global, answer, text);
  return kExitOk;
}

int RunDiff(Console& console, const GlobalOptions& global, const PromptArgs& a) {
  std::string name_a, ref_a, name_b, ref_b;
  if (!SplitRef(console, a.ref, name_a, ref_a) || !SplitRef(console, a.ref_b, name_b, ref_b)) {
    return kExitUsage;
  }
  if (name_a != name_b) {
    *console.err << "error: both refs must name the same prompt ('" << name_a << "' and '" << name_b
                 << "')\n";
    return kExitUsage;
  }
  Json answer;
  const std::string path = PromptPath(name_a) +
                           "/diff?from=" + UrlEncode(ref_a.empty() ? "latest" : ref_a) +
                           "&to=" + UrlEncode(ref_b.empty() ? "latest" : ref_b);
  int rc = Call(console, global, {.method = "GET", .path = path}, answer);
  if (rc != kExitOk) return rc;
  std::string diff = Str(Field(answer, "diff"));
  if (diff.empty() || diff == "-") diff = "no differences\n";
  Print(console, global, answer, diff);
  return kExitOk;
}

int RunGet(Console& console, const GlobalOptions& global, const PromptArgs& a) {
  std::string name, ref;
  if (!SplitRef(console, a.ref, name, ref)) return kExitUsage;
  Json answer;
  if (ref.empty()) {
    int rc = Call(console, global, {.method = "GET", .path = PromptPath(name)}, answer);
    if (rc != kExitOk) return rc;
    std::string labels;
    for (const auto& [label, version] : Field(answer, "labels").items()) {
      labels += (labels.empty() ? "" : ", ") + label + "=" + Str(version);
    }
    std::string text = fmt::format(
        "name:        {}\ndescription: {}\nlatest:      {}\nlabels:      {}\ncreated:     {} by "
        "{}\nupdated:     {}\n",
        Str(Field(answer, "name")), Str(Field(answer, "description")),
        Str(Field(answer, "latest_version")), labels.empty() ? "-" : labels,
        Str(Field(answer, "created_at")), Str(Field(answer, "created_by")),
        Str(Field(answer, "updated_at")));
    Print(console, global, answer, text);
    return kExitOk;
  }
  int rc =
      Call(console, global,
           {.method = "GET", .path = PromptPath(name) + "/versions/" + UrlEncode(ref)}, answer);
  if (rc != kExitOk) return rc;
  // For people: the version as a prompt file (push it back unchanged and nothing changes).
  std::string labels;
  for (const Json& l : Field(answer, "labels")) labels += (labels.empty() ? "" : ", ") + Str(l);
  Json doc = {{"apiVersion", "ballast.dev/v1"},
              {"kind", "Prompt"},
              {"metadata", {{"name", name}}},
              {"spec", Field(answer, "spec")}};
  std::string text =
      fmt::format("# {}@{}  labels: {}  sha256: {}\n# {} by {}: {}\n", name,
                  Str(Field(answer, "version")), labels.empty() ? "-" : labels,
                  Str(Field(answer, "content_hash")), Str(Field(answer, "created_at")),
                  Str(Field(answer, "created_by")), Str(Field(answer, "message")));
  Print(console, global, answer, text + JsonToYaml(doc));
  return kExitOk;
}

std::string ListPath(std::string path, const PromptArgs& a) {
  std::string sep = "?";
  for (auto [key, value] : {std::pair{"filter", &a.filter}, std::pair{"order_by", &a.order_by}}) {
    if (value->empty()) continue;
    path += sep + key + "=" + UrlEncode(*value);
    sep = "&";
  }
  return path;
}

int RunList(Console& console, const GlobalOptions& global, const PromptArgs& a) {
  Json answer;
  int rc = CallAllPages(console, global, ListPath("/v1/prompts", a), answer);
  if (rc != kExitOk) return rc;
  Table table(
      {{"PROMPT"}, {"LATEST", Align::kRight, false}, {"LABELS"}, {"UPDATED"}, {"DESCRIPTION"}});
  for (const Json& p : ListItems(answer, "items")) {
    std::string labels;
    for (const auto& [label, version] : Field(p, "labels").items()) {
      if (label == "latest") continue;
      labels += (labels.empty() ? "" : " ") + label + "=" + Str(version);
    }
    table.AddRow({Str(Field(p, "name")), Str(Field(p, "latest_version")),
                  labels.empty() ? "-" : labels, Str(Field(p, "updated_at")),
                  Str(Field(p, "description"))});
  }
  std::string text = table.row_count() == 0 ? "no prompts (see ballast prompt push)\n"
                                            : table.Render(console.out_width);
  Print(console, global, answer, text);
  return kExitOk;
}

int RunVersions(Console& console, const GlobalOptions& global, const PromptArgs& a) {
  Json answer;
  int rc = CallAllPages(console, global, ListPath(PromptPath(a.name) + "/versions", a), answer);
  if (rc != kExitOk) return rc;
  Table table({{"VERSION", Align::kRight, false},
               {"LABELS"},
               {"SHA256", Align::kLeft, false},
               {"CREATED"},
               {"BY"},
               {"MESSAGE"}});
  for (const Json& v : ListItems(answer, "items")) {
    std::string labels;
    for (const Json& l : Field(v, "labels")) labels += (labels.empty() ? "" : " ") + Str(l);
    table.AddRow({Str(Field(v, "version")), labels.empty() ? "-" : labels,
                  Str(Field(v, "content_hash")).substr(0, 12), Str(Field(v, "created_at")),
                  Str(Field(v, "created_by")), Str(Field(v, "message"))});
  }
  Print(console, global, answer, table.Render(console.out_width));
  return kExitOk;
}

// ---- labels ----

std::string MoveText(const Json& m) {
  const std::string label = Str(Field(m, "label"));
  const Json& from = Field(m, "from_version");
  const Json& to = Field(m, "to_version");
  if (from == to) return fmt::format("{} already at version {}\n", label, Str(to));
  if (to.is_null()) return fmt::format("{} removed (was version {})\n", label, Str(from));
  if (from.is_null()) return fmt::format("{} set to version {}\n", label, Str(to));
  return fmt::format("{} moved from version {} to {}\n", label, Str(from), Str(to));
}

std::string LabelHistoryText(const Json &history, const std::string &label,
                             size_t width) {
  Table table(
      {{"AT"}, {"FROM", Align::kRight, false}, {"TO", Align::kRight, false}, {"BY"}, {"REASON"}});
  for (const Json &m : ListItems(history, "items")) {
    table.AddRow({Str(Field(m, "at")), Str(Field(m, "from_version")), Str(Field(m, "to_version")),
                  Str(Field(m, "by")), Str(Field(m, "reason"))});
  }
  return table.row_count() == 0 ? "label " + label + " never moved\n"
                                : table.Render(width);
}

int RunPromptVerb(Console& console, const GlobalOptions& global, const Verbs& v,
                  const PromptArgs& a) {
  if (v.push->parsed()) return RunPush(console, global, a);
  if (v.diff->parsed()) return RunDiff(console, global, a);
  if (v.render->parsed()) return RunRender(console, global, a);
  if (v.get->parsed()) return RunGet(console, global, a);
  if (v.list->parsed()) return RunList(console, global, a);
  if (v.versions->parsed()) return RunVersions(console, global, a);
  if (std::optional<int> rc = v.labels->Run(console, global))
    return *rc;
  return -1;
}

}  // namespace

CommandRunner AddPromptCommands(CLI::App& app) {
  auto args = std::make_shared<PromptArgs>();
  auto verbs = std::make_shared<Verbs>();
  PromptArgs& a = *args;
  Verbs& v = *verbs;

  CLI::App* prompt = app.add_subcommand("prompt", "Prompts as code: push, diff, render, labels");
  prompt->require_subcommand(1);

  v.push = prompt->add_subcommand(
      "push", "Validate prompt files offline, then push those whose content changed");
  v.push->add_option("PATH", a.paths, "Prompt files or directories (- for standard input)")
      ->required();
  v.push->add_flag("--check", a.check,
                   "Change nothing; exit 1 when a push would create a version (for CI)");
  v.push->add_option("-m,--message", a.message, "Commit message of the versions created");

  v.diff = prompt->add_subcommand("diff", "Unified diff between two versions");
  v.diff->add_option("FROM", a.ref, "NAME@VERSION or NAME@LABEL")->required();
  v.diff->add_option("TO", a.ref_b, "NAME@VERSION or NAME@LABEL")->required();

  v.render = prompt->add_subcommand("render", "Render a version with variables (strict)");
  v.render->add_option("REF", a.ref, "NAME, NAME@VERSION or NAME@LABEL")->required();
  v.render->add_option("--var", a.vars, "NAME=VALUE (repeatable; a string)");
  v.render->add_option("--vars-file", a.vars_file, "JSON object of variables (- for stdin)");

  v.get = prompt->add_subcommand("get", "Show a prompt, or one version as a prompt file");
  v.get->add_option("REF", a.ref, "NAME, NAME@VERSION or NAME@LABEL")->required();

  v.list = prompt->add_subcommand("list", "List prompts");
  v.list->add_option("--filter", a.filter, "Expression, e.g. \"labels.production >= 1\"");
  v.list->add_option("--order-by", a.order_by, "e.g. \"updated_at DESC\"");

  v.versions = prompt->add_subcommand("versions", "List a prompt's versions, newest first");
  v.versions->add_option("NAME", a.name, "Prompt name")->required();
  v.versions->add_option("--filter", a.filter, "Expression, e.g. \"has(variables, 'tone')\"");
  v.versions->add_option("--order-by", a.order_by, "e.g. \"version ASC\"");

  v.labels = std::make_unique<PointerVerbs>(
      prompt, PointerNoun{.noun = "label", .summary = "Labels (production, staging, ...)",
                          .owner = "Prompt", .example = "production",
                          .history_help = "Label (latest included)",
                          .route = "/v1/prompts/{name}/labels", .move_text = &MoveText,
                          .history_text = &LabelHistoryText});

  return
      [args, verbs, prompt](Console& console, const GlobalOptions& global) -> std::optional<int> {
        if (!prompt->parsed()) return std::nullopt;
        int rc = RunPromptVerb(console, global, *verbs, *args);
        if (rc < 0) return std::nullopt;
        return rc;
      };
}

}  // namespace ballast::cli
