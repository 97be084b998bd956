#include "cli/model_card_cli.h"

#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/views.h"
#include "registry/model_card.h"

namespace ballast::cli {
namespace {

struct CardArgs {
  std::string ref;               // NAME@REF
  std::string format = "markdown";  // card -o
  std::string out;               // card --out
  std::string file;              // set -f
  std::string if_match;          // set --if-match
  std::string set_format;        // set -o (the answer): table, json or yaml; "" = global
  std::string within = "90d";    // retiring --within
};

struct CardVerbs {
  CLI::App* card = nullptr;
  CLI::App* set = nullptr;
  CLI::App* retiring = nullptr;
};

// "/v1/models/NAME/versions/REF", or "" after printing why TEXT is not NAME@REF.
std::string VersionPath(Console& console, const std::string& text) {
  const size_t at = text.find('@');
  if (at == std::string::npos || at == 0 || at + 1 == text.size()) {
    *console.err << "error: '" << text
                 << "' is not a model ref: expected NAME@VERSION, NAME@ALIAS or NAME@latest\n";
    return "";
  }
  return "/v1/models/" + UrlEncode(text.substr(0, at)) + "/versions/" +
         UrlEncode(text.substr(at + 1));
}

// Writes `text` to --out or the console; false after printing why it could not.
bool Emit(Console& console, const std::string& out, const std::string& text) {
  if (out.empty()) {
    *console.out << text;
    return true;
  }
  std::ofstream f(out, std::ios::binary | std::ios::trunc);
  f << text;
  f.close();
  if (!f) {
    *console.err << "error: --out: cannot write " << out << "\n";
    return false;
  }
  return true;
}

int ShowMarkdown(Console& console, const GlobalOptions& global, const std::string& path,
                 const std::string& out) {
  Result<std::unique_ptr<ApiClient>> client =
      ApiClient::Create({.server_url = global.server, .token = global.token});
  if (!client) {
    *console.err << "error: --server: " << client.error().message() << "\n";
    return kExitUsage;
  }
  Result<HttpResponse> r = (*client)->Send({.method = "GET", .path = path + "/card.md"});
  if (!r) {
    *console.err << "error: " << r.error().message() << "\n";
    return kExitUnreachable;
  }
  if (!IsSuccess(r->status)) {
    *console.err << FormatServerError(DecodeServerError(*r)) << "\n";
    return ExitCodeForHttpStatus(r->status);
  }
  return Emit(console, out, r->body) ? kExitOk : kExitFailure;
}

int ShowCard(Console& console, const GlobalOptions& global, const CardArgs& a) {
  const std::string path = VersionPath(console, a.ref);
  if (path.empty()) return kExitUsage;
  if (a.format == "markdown") return ShowMarkdown(console, global, path, a.out);
  Json answer;
  int rc = Call(console, global, {.method = "GET", .path = path + "/card"}, answer);
  if (rc != kExitOk) return rc;
  const Json& card = answer.contains("card") ? answer["card"] : answer;
  const std::string text = a.format == "yaml" ? JsonToYaml(card) : PrettyJson(card);
  return Emit(console, a.out, text) ? kExitOk : kExitFailure;
}

bool ReadInput(Console& console, const std::string& file, std::string& text) {
  if (file == "-") {
    if (console.in == nullptr) {
      *console.err << "error: -f -: no standard input\n";
      return false;
    }
    text.assign(std::istreambuf_iterator<char>(*console.in), std::istreambuf_iterator<char>());
    return true;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    *console.err << "error: -f: cannot read " << file << "\n";
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  text = ss.str();
  return true;
}

int SetCard(Console& console, const GlobalOptions& global, const CardArgs& a) {
  const std::string path = VersionPath(console, a.ref);
  if (path.empty()) return kExitUsage;
  std::string text;
  if (!ReadInput(console, a.file, text)) return kExitFailure;
  // Checked here first so that every problem is listed with its line, not only the first.
  registry::CardFile f = registry::DecodeModelCard(text, a.file == "-" ? "stdin" : a.file);
  if (!f.ok()) {
    *console.err << f.diagnostics.ToString();
    return kExitFailure;
  }
  const bool json = a.file.size() > 5 && a.file.ends_with(".json");
  HttpRequest request{.method = "PUT",
                      .path = path + "/card",
                      .body = std::move(text),
                      .content_type = json ? "application/json" : "application/yaml"};
  if (!a.if_match.empty()) request.headers.emplace_back("If-Match", "\"" + a.if_match + "\"");
  Json answer;
  int rc = Call(console, global, request, answer);
  if (rc != kExitOk) return rc;
  Print(console, global, answer,
        "model card of " + answer.value("model", std::string()) + "@" +
            std::to_string(answer.value("version", int64_t{0})) + " saved (etag " +
            answer.value("etag", std::string()) + ")\n");
  return kExitOk;
}

int ListRetiring(Console& console, const GlobalOptions& global, const CardArgs& a) {
  Json answer;
  int rc = CallAllPages(console, global, "/v1/models/retiring?within=" + UrlEncode(a.within),
                        answer);
  if (rc != kExitOk) return rc;
  Table table = ItemsTable(ListItems(answer, "items"),
                           {"model", "version", "aliases", "lifecycle", "retires_at", "days_left",
                            "replacement"},
                           "VERSION");
  Print(console, global, answer, table.Render(console.out_width));
  return kExitOk;
}

}  // namespace

CommandRunner AddModelCardCommands(CLI::App& app) {
  auto args = std::make_shared<CardArgs>();
  auto verbs = std::make_shared<CardVerbs>();
  CardArgs& a = *args;
  CLI::App* model = nullptr;
  try {
    model = app.get_subcommand("model");
  } catch (const CLI::OptionNotFound&) {
    model = app.add_subcommand("model", "Model registry");
    model->require_subcommand(1);
  }

  verbs->card = model->add_subcommand("card", "Show a version's model card, or set it");
  verbs->card->add_option("REF", a.ref, "NAME@VERSION, NAME@ALIAS or NAME@latest");
  verbs->card
      ->add_option("-o,--output", a.format, "markdown (default), or the fields as json or yaml")
      ->check(CLI::IsMember({"markdown", "json", "yaml"}));
  verbs->card->add_option("--out", a.out, "Write to FILE instead of standard output");
  verbs->set = verbs->card->add_subcommand("set", "Upload a model card (YAML or JSON)");
  verbs->set->add_option("REF", a.ref, "NAME@VERSION, NAME@ALIAS or NAME@latest")->required();
  verbs->set->add_option("-f,--file", a.file, "Card file, or - for standard input")->required();
  verbs->set->add_option("--if-match", a.if_match, "Replace only while the card has this etag");
  // Without its own -o, `set -o json` would reach `card`'s -o (markdown|json|yaml).
  verbs->set->add_option("-o,--output", a.set_format, "Answer format: table, json or yaml")
      ->check(CLI::IsMember({"table", "json", "yaml"}));

  verbs->retiring = model->add_subcommand(
      "retiring", "Versions an alias points at that retire soon, soonest first");
  verbs->retiring->add_option("--within", a.within, "Window ahead, e.g. 30d (default 90d)");

  return [args, verbs](Console& console, const GlobalOptions& global) -> std::optional<int> {
    const CardVerbs& v = *verbs;
    if (v.set->parsed()) {
      GlobalOptions g = global;
      if (!args->set_format.empty()) g.format = *ParseOutputFormat(args->set_format);
      return SetCard(console, g, *args);
    }
    if (v.card->parsed()) {
      if (args->ref.empty()) {
        *console.err << "error: model card: REF is required (NAME@VERSION)\n";
        return kExitUsage;
      }
      return ShowCard(console, global, *args);
    }
    if (v.retiring->parsed()) return ListRetiring(console, global, *args);
    return std::nullopt;
  };
}

}  // namespace ballast::cli
