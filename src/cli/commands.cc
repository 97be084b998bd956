#include "cli/commands.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "cli/api_client.h"
#include "cli/ingest.h"
#include "cli/progress.h"
#include "cli/views.h"

#ifndef BALLAST_VERSION
#define BALLAST_VERSION "0.0.0-dev"
#endif

namespace ballast::cli {

const char* BallastVersion() { return BALLAST_VERSION; }

namespace {

std::unique_ptr<ApiClient> Connect(Console& console, const GlobalOptions& global, int& exit_code) {
  Result<std::unique_ptr<ApiClient>> client =
      ApiClient::Create({.server_url = global.server, .token = global.token});
  if (!client) {
    *console.err << "error: --server: " << client.error().message() << "\n";
    exit_code = kExitUsage;
    return nullptr;
  }
  return std::move(*client);
}

}  // namespace

// Sends `request`; on success stores the parsed body (null for an empty body) in `body` and
// returns 0; otherwise prints the error line and returns the exit code.
int Call(Console& console, const GlobalOptions& global, const HttpRequest& request, Json& body) {
  int exit_code = kExitOk;
  std::unique_ptr<ApiClient> client = Connect(console, global, exit_code);
  if (!client) return exit_code;
  Result<HttpResponse> response = client->Send(request);
  if (!response) {
    *console.err << "error: " << response.error().message() << "\n";
    return kExitUnreachable;
  }
  if (!IsSuccess(response->status)) {
    *console.err << FormatServerError(DecodeServerError(*response)) << "\n";
    return ExitCodeForHttpStatus(response->status);
  }
  if (response->body.empty()) {
    body = nullptr;
    return kExitOk;
  }
  Result<Json> parsed = ParseJson(response->body);
  if (!parsed) {
    *console.err << "error: " << parsed.error().message() << "\n";
    return kExitFailure;
  }
  body = std::move(*parsed);
  return kExitOk;
}

// GETs every page of a list route (API.md: {"items": [...], "next_page_token": "..."}) and
// returns the items of all pages in one object whose next_page_token is "", so that every
// output format shows the whole list. A response without "items" is returned as it came.
int CallAllPages(Console& console, const GlobalOptions& global, const std::string& path,
                 Json& merged) {
  Json items = Json::array();
  std::string page_token;
  std::vector<std::string> seen_tokens;
  for (;;) {
    std::string page_path =
        path + (path.find('?') == std::string::npos ? "?" : "&") + "page_size=1000";
    if (!page_token.empty()) page_path += "&page_token=" + UrlEncode(page_token);
    Json body;
    int rc = Call(console, global, {.method = "GET", .path = page_path}, body);
    if (rc != kExitOk) return rc;
    if (!body.is_object() || !body.contains("items") || !body["items"].is_array()) {
      merged = std::move(body);
      return kExitOk;
    }
    for (Json& item : body["items"]) items.push_back(std::move(item));
    page_token = body.contains("next_page_token") && body["next_page_token"].is_string()
                     ? body["next_page_token"].get<std::string>()
                     : std::string();
    if (page_token.empty()) break;
    if (std::find(seen_tokens.begin(), seen_tokens.end(), page_token) != seen_tokens.end()) {
      *console.err << "error: the server repeated page token '" << page_token << "'\n";
      return kExitFailure;
    }
    seen_tokens.push_back(page_token);
  }
  merged = {{"items", std::move(items)}, {"next_page_token", ""}};
  return kExitOk;
}

void Print(Console& console, const GlobalOptions& global, const Json& value,
           const std::string& table) {
  *console.out << RenderAs(global.format, value, table);
}

namespace {

Json IngestReportJson(const IngestRun& run) {
  Json rejected = Json::array();
  for (const RejectedLine& r : run.tally.rejected()) {
    rejected.push_back({{"line", r.line}, {"error", r.error}});
  }
  Json report = {{"accepted", run.tally.accepted()},
                 {"rejected_count", run.tally.rejected_count()},
                 {"rejected", std::move(rejected)},
                 {"lines_read", run.lines_read},
                 {"batches", run.batches}};
  int64_t omitted = run.tally.rejected_count() - static_cast<int64_t>(run.tally.rejected().size());
  if (omitted > 0) report["rejected_omitted"] = omitted;
  if (run.stopped_at_line > 0) report["stopped_at_line"] = run.stopped_at_line;
  return report;
}

std::string IngestReportText(const IngestRun& run) {
  std::string out = fmt::format("accepted {}, rejected {}\n", FormatCount(run.tally.accepted()),
                                FormatCount(run.tally.rejected_count()));
  constexpr std::size_t kShown = 100;  // the rest is a -o json away
  const auto& rejected = run.tally.rejected();
  for (std::size_t i = 0; i < rejected.size() && i < kShown; ++i) {
    out += rejected[i].line > 0
               ? fmt::format("  line {}: {}\n", rejected[i].line, rejected[i].error)
               : fmt::format("  line ?: {}\n", rejected[i].error);
  }
  if (run.tally.rejected_count() > static_cast<int64_t>(std::min(rejected.size(), kShown))) {
    out += fmt::format("  ... and {} more rejected lines (use -o json for the list)\n",
                       FormatCount(run.tally.rejected_count() -
                                   static_cast<int64_t>(std::min(rejected.size(), kShown))));
  }
  if (run.stopped_at_line > 0) {
    out += fmt::format("stopped at line {}: lines from there on were not ingested\n",
                       run.stopped_at_line);
  }
  return out;
}

}  // namespace

int RunIngestCommand(Console& console, const GlobalOptions& global, const IngestArgs& args) {
  int exit_code = kExitOk;
  std::unique_ptr<ApiClient> client = Connect(console, global, exit_code);
  if (!client) return exit_code;

  std::ifstream file;
  std::istream* in = console.in;
  std::optional<int64_t> total_bytes;
  if (args.file != "-") {
    file.open(args.file, std::ios::binary);
    if (!file) {
      std::error_code ec(errno, std::generic_category());
      *console.err << fmt::format("error: cannot open {}: {}\n", args.file, ec.message());
      return kExitFailure;
    }
    std::error_code size_ec;
    auto size = std::filesystem::file_size(args.file, size_ec);
    if (!size_ec) total_bytes = static_cast<int64_t>(size);
    in = &file;
  }
  if (in == nullptr) {
    *console.err << "error: no standard input to read\n";
    return kExitFailure;
  }

  ProgressBar progress(*console.err, console.err_is_terminal, total_bytes);
  IngestOptions options;
  options.limits = {.max_lines = args.batch_size, .max_bytes = args.batch_bytes};
  options.retry.max_retries = args.max_retries;
  options.gzip = args.gzip;
  IngestHooks hooks;
  hooks.sleep = console.sleep;
  hooks.progress = [&](int64_t bytes, int64_t lines) { progress.Update(bytes, lines); };
  hooks.notice = [&](const std::string& line) {
    progress.Clear();
    *console.err << line << "\n";
  };
  IngestRun run = Ingest(*client, *in, options, std::move(hooks));
  progress.Finish();

  if (!run.error.empty()) *console.err << run.error << "\n";
  Print(console, global, IngestReportJson(run), IngestReportText(run));
  return run.exit_code;
}

int RunServicesCommand(Console& console, const GlobalOptions& global) {
  Json body;
  int rc = CallAllPages(console, global, "/v1/services", body);
  if (rc != kExitOk) return rc;
  Table table = ItemsTable(ListItems(body, "services"),
                           {"service", "name", "first_seen", "last_seen", "series"}, "SERVICE");
  Print(console, global, body, table.Render(console.out_width));
  return kExitOk;
}

int RunStatsCommand(Console& console, const GlobalOptions& global, const StatsArgs& args) {
  std::string path = "/v1/services/" + UrlEncode(args.service) + "/stats";
  char sep = '?';
  for (const auto& [name, value] :
       {std::pair{"from", &args.from}, {"to", &args.to}, {"group_by", &args.group_by}}) {
    if (value->empty()) continue;
    path += fmt::format("{}{}={}", sep, name, UrlEncode(*value));
    sep = '&';
  }
  Json body;
  int rc = Call(console, global, {.method = "GET", .path = path}, body);
  if (rc != kExitOk) return rc;
  Table table = StatsTable(body);
  std::string text = table.row_count() == 0
                         ? fmt::format("no requests from {} in this window\n", args.service)
                         : table.Render(console.out_width);
  Print(console, global, body, text);
  return kExitOk;
}

int RunTokenCreateCommand(Console& console, const GlobalOptions& global, const std::string& role,
                          const std::string& name) {
  Json request = {{"role", role}};
  if (!name.empty()) request["name"] = name;
  Json body;
  int rc =
      Call(console, global, {.method = "POST", .path = "/v1/tokens", .body = request.dump()}, body);
  if (rc != kExitOk) return rc;
  Print(console, global, body, TokenCreatedText(body));
  return kExitOk;
}

int RunTokenListCommand(Console& console, const GlobalOptions& global) {
  Json body;
  int rc = CallAllPages(console, global, "/v1/tokens", body);
  if (rc != kExitOk) return rc;
  Table table = ItemsTable(ListItems(body, "tokens"),
                           {"id", "name", "role", "created_at", "created_by", "revoked_at"}, "ID");
  Print(console, global, body, table.Render(console.out_width));
  return kExitOk;
}

int RunTokenRevokeCommand(Console& console, const GlobalOptions& global, const std::string& id) {
  Json body;
  int rc = Call(console, global, {.method = "DELETE", .path = "/v1/tokens/" + UrlEncode(id)}, body);
  if (rc != kExitOk) return rc;
  // A 204 has no body; say what happened in every format all the same.
  if (body.is_null()) body = {{"id", id}, {"revoked", true}};
  Print(console, global, body, fmt::format("revoked token {}\n", id));
  return kExitOk;
}

int RunVersionCommand(Console& console, const GlobalOptions& global) {
  Json body = {{"version", BallastVersion()}};
  Print(console, global, body, fmt::format("ballast {}\n", BallastVersion()));
  return kExitOk;
}

}  // namespace ballast::cli
