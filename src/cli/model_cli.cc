#include "cli/model_cli.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/pointer_verbs.h"
#include "cli/views.h"

namespace ballast::cli {
namespace {

// Every parsed value of every `model` verb; only the parsed verb's values are read.
struct ModelArgs {
  std::string name;     // NAME
  std::string ref;      // NAME@REF
  std::string if_match;
  // Model fields.
  std::string description, owner, provider;
  std::vector<std::string> tags, remove_tags, protect, unprotect;
  // Version fields.
  std::string source, run_id, status, lifecycle, deprecated_at, retires_at, replacement;
  std::string base_model, code_commit, hyperparameters;
  std::vector<std::string> datasets;
  // Lists.
  std::string filter, order_by;
  int64_t limit = 0;
};

struct Verbs {
  CLI::App *create = nullptr, *list = nullptr, *get = nullptr, *update = nullptr,
           *remove = nullptr;
  CLI::App *v_create = nullptr, *v_list = nullptr, *v_get = nullptr, *v_update = nullptr,
           *v_delete = nullptr;
  CLI::App *resolve = nullptr;
  std::unique_ptr<PointerVerbs> aliases;
};

std::string ModelPath(const std::string& name) { return "/v1/models/" + UrlEncode(name); }

// NAME@REF split at the '@' (model names cannot hold one). False, with a message, otherwise.
bool SplitRef(Console& console, const std::string& text, std::string& name, std::string& ref) {
  const size_t at = text.find('@');
  if (at == std::string::npos || at == 0 || at + 1 == text.size()) {
    *console.err << "error: '" << text
                 << "' is not a model ref: expected NAME@VERSION, NAME@ALIAS or NAME@latest\n";
    return false;
  }
  name = text.substr(0, at);
  ref = text.substr(at + 1);
  return true;
}

// --tag k=v into `tags`; false (with the message printed) for an item without '=' or key.
bool AddTags(Console& console, const std::vector<std::string>& items, Json& tags) {
  for (const std::string& item : items) {
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      *console.err << "error: --tag: expected KEY=VALUE, got '" << item << "'\n";
      return false;
    }
    tags[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return true;
}

std::string Joined(const Json& value, bool with_keys) {
  std::vector<std::string> parts;
  if (value.is_object()) {
    for (const auto& [k, v] : value.items())
      parts.push_back(with_keys ? k + "=" + CellText(v) : k);
  } else if (value.is_array()) {
    for (const Json& v : value) parts.push_back(CellText(v));
  }
  return parts.empty() ? "-" : fmt::format("{}", fmt::join(parts, ", "));
}

const Json& Field(const Json& object, const char* key) {
  static const Json kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

std::string Lines(const std::vector<std::pair<std::string, std::string>>& rows) {
  std::string out;
  for (const auto& [k, v] : rows) out += fmt::format("{:<14}{}\n", k, v.empty() ? "-" : v);
  return out;
}

std::string ModelText(const Json& m) {
  return Lines({{"NAME", CellText(Field(m, "name"))},
                {"DESCRIPTION", CellText(Field(m, "description"))},
                {"OWNER", CellText(Field(m, "owner"))},
                {"PROVIDER", CellText(Field(m, "provider"))},
                {"TAGS", Joined(Field(m, "tags"), true)},
                {"ALIASES", Joined(Field(m, "aliases"), true)},
                {"PROTECTED", Joined(Field(m, "protected_aliases"), false)},
                {"LAST VERSION", CellText(Field(m, "last_version"))},
                {"CREATED", CellText(Field(m, "created_at")) + " by " +
                                CellText(Field(m, "created_by"))},
                {"UPDATED", CellText(Field(m, "updated_at"))},
                {"ETAG", CellText(Field(m, "etag"))}});
}

std::string VersionText(const Json& v) {
  const Json& lineage = Field(v, "lineage");
  return Lines({{"MODEL", CellText(Field(v, "model"))},
                {"VERSION", CellText(Field(v, "version"))},
                {"SOURCE", CellText(Field(v, "source"))},
                {"STATUS", CellText(Field(v, "status"))},
                {"STAGE", CellText(Field(v, "stage"))},
                {"LIFECYCLE", CellText(Field(v, "lifecycle"))},
                {"DEPRECATED", CellText(Field(v, "deprecated_at"))},
                {"RETIRES", CellText(Field(v, "retires_at"))},
                {"REPLACEMENT", CellText(Field(v, "replacement"))},
                {"ALIASES", Joined(Field(v, "aliases"), false)},
                {"TAGS", Joined(Field(v, "tags"), true)},
                {"RUN ID", CellText(Field(v, "run_id"))},
                {"BASE MODEL", CellText(Field(lineage, "base_model"))},
                {"DATASETS", Joined(Field(lineage, "datasets"), false)},
                {"CODE COMMIT", CellText(Field(lineage, "code_commit"))},
                {"DESCRIPTION", CellText(Field(v, "description"))},
                {"CREATED", CellText(Field(v, "created_at")) + " by " +
                                CellText(Field(v, "created_by"))},
                {"ETAG", CellText(Field(v, "etag"))}});
}

std::string MoveText(const Json& m) {
  auto version = [](const Json& v) { return v.is_null() ? std::string("none") : CellText(v); };
  return fmt::format("{}@{}: {} -> {} (by {} at {}{})\n", CellText(Field(m, "model")),
                     CellText(Field(m, "alias")), version(Field(m, "from_version")),
                     version(Field(m, "to_version")), CellText(Field(m, "by")),
                     CellText(Field(m, "at")),
                     Field(m, "reason").is_string() && !Field(m, "reason").get<std::string>().empty()
                         ? ": " + Field(m, "reason").get<std::string>()
                         : "");
}

std::string AliasHistoryText(const Json &history, const std::string &,
                             size_t width) {
  Table table({{"AT"},
               {"BY"},
               {"FROM", Align::kRight, false},
               {"TO", Align::kRight, false},
               {"REASON"}});
  for (const Json &m : ListItems(history, "items")) {
    table.AddRow({CellText(Field(m, "at")), CellText(Field(m, "by")),
                  CellText(Field(m, "from_version")),
                  CellText(Field(m, "to_version")),
                  CellText(Field(m, "reason"))});
  }
  return table.Render(width);
}

// GETs a list route: every page, or the first `limit` items when limit > 0.
int FetchList(Console& console, const GlobalOptions& global, const ModelArgs& a,
              std::string path, Json& merged) {
  std::string sep = "?";
  for (auto [key, value] : {std::pair{"filter", &a.filter}, std::pair{"order_by", &a.order_by}}) {
    if (value->empty()) continue;
    path += sep + key + "=" + UrlEncode(*value);
    sep = "&";
  }
  if (a.limit <= 0) return CallAllPages(console, global, path, merged);
  Json items = Json::array();
  std::string token;
  while (static_cast<int64_t>(items.size()) < a.limit) {
    const int64_t want = std::min<int64_t>(a.limit - static_cast<int64_t>(items.size()), 1000);
    std::string page_path = path + sep + "page_size=" + std::to_string(want);
    if (!token.empty()) page_path += "&page_token=" + UrlEncode(token);
    Json body;
    if (int rc = Call(console, global, {.method = "GET", .path = page_path}, body); rc != kExitOk)
      return rc;
    for (const Json& item : ListItems(body, "items")) items.push_back(item);
    const Json& next = Field(body, "next_page_token");
    token = next.is_string() ? next.get<std::string>() : "";
    if (token.empty()) break;
  }
  merged = {{"items", std::move(items)}, {"next_page_token", token}};
  return kExitOk;
}

int Send(Console& console, const GlobalOptions& global, const std::string& method,
         const std::string& path, const Json& body, const std::string& if_match, Json& answer) {
  HttpRequest request{.method = method, .path = path};
  if (!body.is_null()) {
    request.body = body.dump();
    request.content_type = "application/json";
  }
  if (!if_match.empty()) request.headers.emplace_back("If-Match", "\"" + if_match + "\"");
  return Call(console, global, request, answer);
}

// The model fields of create/update that were given on the command line.
bool ModelBody(Console& console, const CLI::App* cmd, const ModelArgs& a, Json& body) {
  for (auto [flag, key, value] : {std::tuple{"--description", "description", &a.description},
                                  std::tuple{"--owner", "owner", &a.owner},
                                  std::tuple{"--provider", "provider", &a.provider}}) {
    if (cmd->count(flag) > 0) body[key] = *value;
  }
  Json tags = Json::object();
  if (!AddTags(console, a.tags, tags)) return false;
  for (const std::string& k : a.remove_tags) tags[k] = nullptr;
  if (!tags.empty()) body["tags"] = std::move(tags);
  return true;
}

// The version fields of create/update that were given; an empty time or replacement clears it.
bool VersionBody(Console& console, const CLI::App* cmd, const ModelArgs& a, Json& body) {
  for (auto [flag, key, value] :
       {std::tuple{"--description", "description", &a.description},
        std::tuple{"--run-id", "run_id", &a.run_id}, std::tuple{"--status", "status", &a.status},
        std::tuple{"--lifecycle", "lifecycle", &a.lifecycle},
        std::tuple{"--deprecated-at", "deprecated_at", &a.deprecated_at},
        std::tuple{"--retires-at", "retires_at", &a.retires_at},
        std::tuple{"--replacement", "replacement", &a.replacement}}) {
    if (cmd->count(flag) == 0) continue;
    const bool clears = value->empty() && (std::string_view(key) == "deprecated_at" ||
                                           std::string_view(key) == "retires_at" ||
                                           std::string_view(key) == "run_id");
    body[key] = clears ? Json(nullptr) : Json(*value);
  }
  Json tags = Json::object();
  if (!AddTags(console, a.tags, tags)) return false;
  for (const std::string& k : a.remove_tags) tags[k] = nullptr;
  if (!tags.empty()) body["tags"] = std::move(tags);
  return true;
}

int RunModelVerb(Console& console, const GlobalOptions& global, const Verbs& v, ModelArgs& a) {
  Json answer;
  int rc = kExitOk;
  if (v.create->parsed()) {
    Json body = {{"name", a.name}};
    if (!ModelBody(console, v.create, a, body)) return kExitUsage;
    if (!a.protect.empty()) body["protected_aliases"] = a.protect;
    rc = Send(console, global, "POST", "/v1/models", body, "", answer);
    if (rc == kExitOk) Print(console, global, answer, ModelText(answer));
  } else if (v.list->parsed()) {
    rc = FetchList(console, global, a, "/v1/models", answer);
    if (rc != kExitOk) return rc;
    Table table({{"NAME"}, {"OWNER"}, {"PROVIDER"}, {"LAST", Align::kRight, false}, {"ALIASES"},
                 {"UPDATED"}});
    for (const Json& m : ListItems(answer, "items")) {
      table.AddRow({CellText(Field(m, "name")), CellText(Field(m, "owner")),
                    CellText(Field(m, "provider")), CellText(Field(m, "last_version")),
                    Joined(Field(m, "aliases"), true), CellText(Field(m, "updated_at"))});
    }
    Print(console, global, answer, table.Render(console.out_width));
  } else if (v.get->parsed()) {
    rc = Send(console, global, "GET", ModelPath(a.name), nullptr, "", answer);
    if (rc == kExitOk) Print(console, global, answer, ModelText(answer));
  } else if (v.update->parsed()) {
    Json body = Json::object();
    if (!ModelBody(console, v.update, a, body)) return kExitUsage;
    std::string if_match = a.if_match;
    if (!a.protect.empty() || !a.unprotect.empty()) {
      // The set is replaced as a whole, so it is computed from what was read, and the update
      // is conditional on that read (a concurrent change fails instead of being undone).
      Json current;
      rc = Send(console, global, "GET", ModelPath(a.name), nullptr, "", current);
      if (rc != kExitOk) return rc;
      std::set<std::string> aliases;
      for (const Json& p : Field(current, "protected_aliases")) aliases.insert(CellText(p));
      for (const std::string& p : a.protect) aliases.insert(p);
      for (const std::string& p : a.unprotect) aliases.erase(p);
      body["protected_aliases"] = aliases;
      if (if_match.empty()) if_match = CellText(Field(current, "etag"));
    }
    if (body.empty()) {
      *console.err << "error: nothing to update (give --description, --owner, --provider, --tag, "
                      "--remove-tag, --protect or --unprotect)\n";
      return kExitUsage;
    }
    rc = Send(console, global, "PATCH", ModelPath(a.name), body, if_match, answer);
    if (rc == kExitOk) Print(console, global, answer, ModelText(answer));
  } else if (v.remove->parsed()) {
    rc = Send(console, global, "DELETE", ModelPath(a.name), nullptr, a.if_match, answer);
    if (rc == kExitOk) {
      Print(console, global, Json{{"model", a.name}, {"deleted", true}},
            "registered model '" + a.name + "' deleted\n");
    }
  } else if (v.v_create->parsed()) {
    Json body = {{"source", a.source}};
    if (!VersionBody(console, v.v_create, a, body)) return kExitUsage;
    Json lineage = Json::object();
    if (!a.base_model.empty()) lineage["base_model"] = a.base_model;
    if (!a.datasets.empty()) lineage["datasets"] = a.datasets;
    if (!a.code_commit.empty()) lineage["code_commit"] = a.code_commit;
    if (!a.hyperparameters.empty()) {
      Result<Json> hp = ParseJson(a.hyperparameters);
      if (!hp) {
        *console.err << "error: --hyperparameters: " << hp.error().message() << "\n";
        return kExitFailure;
      }
      lineage["hyperparameters"] = *hp;
    }
    if (!lineage.empty()) body["lineage"] = std::move(lineage);
    rc = Send(console, global, "POST", ModelPath(a.name) + "/versions", body, "", answer);
    if (rc == kExitOk) Print(console, global, answer, VersionText(answer));
  } else if (v.v_list->parsed()) {
    rc = FetchList(console, global, a, ModelPath(a.name) + "/versions", answer);
    if (rc != kExitOk) return rc;
    Table table({{"VERSION", Align::kRight, false}, {"SOURCE"}, {"STATUS"}, {"STAGE"},
                 {"LIFECYCLE"}, {"RETIRES"}, {"ALIASES"}, {"CREATED"}});
    for (const Json& ver : ListItems(answer, "items")) {
      table.AddRow({CellText(Field(ver, "version")), CellText(Field(ver, "source")),
                    CellText(Field(ver, "status")), CellText(Field(ver, "stage")),
                    CellText(Field(ver, "lifecycle")), CellText(Field(ver, "retires_at")),
                    Joined(Field(ver, "aliases"), false), CellText(Field(ver, "created_at"))});
    }
    Print(console, global, answer, table.Render(console.out_width));
  } else if (v.v_get->parsed() || v.v_update->parsed() || v.v_delete->parsed()) {
    std::string name, ref;
    if (!SplitRef(console, a.ref, name, ref)) return kExitFailure;
    const std::string path = ModelPath(name) + "/versions/" + UrlEncode(ref);
    if (v.v_get->parsed()) {
      rc = Send(console, global, "GET", path, nullptr, "", answer);
      if (rc == kExitOk) Print(console, global, answer, VersionText(answer));
    } else if (v.v_update->parsed()) {
      Json body = Json::object();
      if (!VersionBody(console, v.v_update, a, body)) return kExitUsage;
      if (body.empty()) {
        *console.err << "error: nothing to update (see ballast model version update --help)\n";
        return kExitUsage;
      }
      rc = Send(console, global, "PATCH", path, body, a.if_match, answer);
      if (rc == kExitOk) Print(console, global, answer, VersionText(answer));
    } else {
      rc = Send(console, global, "DELETE", path, nullptr, a.if_match, answer);
      if (rc == kExitOk) {
        Print(console, global, Json{{"model", name}, {"version", ref}, {"deleted", true}},
              name + "@" + ref + " deleted\n");
      }
    }
  } else if (v.resolve->parsed()) {
    rc = Send(console, global, "GET", "/v1/models/resolve?ref=" + UrlEncode(a.ref), nullptr, "",
              answer);
    if (rc == kExitOk) Print(console, global, answer, VersionText(answer));
  } else if (std::optional<int> moved = v.aliases->Run(console, global)) {
    rc = *moved;
  } else {
    return -1;  // not a verb of ours
  }
  return rc;
}

void AddModelFieldOptions(CLI::App* cmd, ModelArgs& a) {
  cmd->add_option("--description", a.description, "What the model is for");
  cmd->add_option("--owner", a.owner, "Team or person responsible");
  cmd->add_option("--provider", a.provider, "openai, anthropic, self-hosted, ...");
  cmd->add_option("--tag", a.tags, "KEY=VALUE (repeatable)");
  cmd->add_option("--protect", a.protect,
                  "Alias only an admin may move (repeatable; changing the set needs admin)");
}

// --filter, --order-by and --limit of a list verb; `what` is "models" or
// "versions".
void AddListOptions(CLI::App *cmd, ModelArgs &a,
                    const std::string &filter_example,
                    const std::string &order_example, const std::string &what) {
  cmd->add_option("--filter", a.filter,
                  "Expression, e.g. \"" + filter_example + "\"");
  cmd->add_option("--order-by", a.order_by, "e.g. \"" + order_example + "\"");
  cmd->add_option("--limit", a.limit, "At most N " + what + " (default: all)")
      ->check(CLI::PositiveNumber);
}

void AddIfMatch(CLI::App *cmd, ModelArgs &a, const std::string &whose) {
  cmd->add_option("--if-match", a.if_match,
                  "Only if the " + whose + "'s etag is still this");
}

void AddVersionFieldOptions(CLI::App* cmd, ModelArgs& a) {
  cmd->add_option("--description", a.description, "What changed in this version");
  cmd->add_option("--run-id", a.run_id, "Training or evaluation run id");
  cmd->add_option("--status", a.status, "READY, PENDING_REGISTRATION or FAILED_REGISTRATION");
  cmd->add_option("--tag", a.tags, "KEY=VALUE (repeatable)");
  cmd->add_option("--lifecycle", a.lifecycle, "active, legacy, deprecated or retired");
  cmd->add_option("--deprecated-at", a.deprecated_at, "RFC 3339 time (\"\" clears)");
  cmd->add_option("--retires-at", a.retires_at, "RFC 3339 time the provider retires it");
  cmd->add_option("--replacement", a.replacement, "Ref or provider model id to move to");
}

}  // namespace

CommandRunner AddModelCommands(CLI::App& app) {
  auto args = std::make_shared<ModelArgs>();
  auto verbs = std::make_shared<Verbs>();
  ModelArgs& a = *args;
  Verbs& v = *verbs;

  CLI::App* model = app.add_subcommand("model", "Model registry: models, versions, aliases");
  model->require_subcommand(1);

  v.create = model->add_subcommand("create", "Register a model");
  v.create->add_option("NAME", a.name, "Model name")->required();
  AddModelFieldOptions(v.create, a);

  v.list = model->add_subcommand("list", "List models");
  AddListOptions(v.list, a, "tags.team = 'core'", "updated_at DESC", "models");

  v.get = model->add_subcommand("get", "Show a model");
  v.get->add_option("NAME", a.name, "Model name")->required();

  v.update = model->add_subcommand("update", "Change a model's fields (a merge)");
  v.update->add_option("NAME", a.name, "Model name")->required();
  AddModelFieldOptions(v.update, a);
  v.update->add_option("--remove-tag", a.remove_tags, "KEY to remove (repeatable)");
  v.update->add_option("--unprotect", a.unprotect, "Alias to unprotect (repeatable; admin)");
  AddIfMatch(v.update, a, "model");

  v.remove = model->add_subcommand("delete", "Delete a model (soft; frees the name)");
  v.remove->add_option("NAME", a.name, "Model name")->required();
  AddIfMatch(v.remove, a, "model");

  CLI::App* version = model->add_subcommand("version", "Model versions");
  version->require_subcommand(1);
  v.v_create = version->add_subcommand("create", "Register a new version");
  v.v_create->add_option("NAME", a.name, "Model name")->required();
  v.v_create->add_option("--source", a.source, "Provider model id or artifact URI")->required();
  AddVersionFieldOptions(v.v_create, a);
  v.v_create->add_option("--base-model", a.base_model, "Ref or provider id it was tuned from");
  v.v_create->add_option("--dataset", a.datasets, "Dataset ref it was trained on (repeatable)");
  v.v_create->add_option("--code-commit", a.code_commit, "Commit of the training code");
  v.v_create->add_option("--hyperparameters", a.hyperparameters, "A JSON object");

  v.v_list = version->add_subcommand("list", "List a model's versions");
  v.v_list->add_option("NAME", a.name, "Model name")->required();
  AddListOptions(v.v_list, a, "lifecycle = 'deprecated'", "version ASC",
                 "versions");

  v.v_get = version->add_subcommand("get", "Show a version");
  v.v_get->add_option("REF", a.ref, "NAME@VERSION, NAME@ALIAS or NAME@latest")->required();

  v.v_update = version->add_subcommand("update", "Change a version's fields (a merge)");
  v.v_update->add_option("REF", a.ref, "NAME@VERSION, NAME@ALIAS or NAME@latest")->required();
  AddVersionFieldOptions(v.v_update, a);
  v.v_update->add_option("--remove-tag", a.remove_tags, "KEY to remove (repeatable)");
  AddIfMatch(v.v_update, a, "version");

  v.v_delete = version->add_subcommand("delete", "Delete a version (its number is not reused)");
  v.v_delete->add_option("REF", a.ref, "NAME@VERSION")->required();
  AddIfMatch(v.v_delete, a, "version");

  v.aliases = std::make_unique<PointerVerbs>(
      model, PointerNoun{.noun = "alias", .summary = "Aliases and their history", .owner = "Model",
                         .example = "champion", .history_help = "Alias",
                         .route = "/v1/models/{name}/aliases", .move_text = &MoveText,
                         .history_text = &AliasHistoryText});

  v.resolve = model->add_subcommand("resolve", "The version a ref names");
  v.resolve->add_option("REF", a.ref, "NAME@VERSION, NAME@ALIAS or NAME@latest")->required();

  return [args, verbs, model](Console& console,
                              const GlobalOptions& global) -> std::optional<int> {
    if (!model->parsed()) return std::nullopt;
    int rc = RunModelVerb(console, global, *verbs, *args);
    if (rc < 0) return std::nullopt;  // a verb another file added to `model`
    return rc;
  };
}

}  // namespace ballast::cli
