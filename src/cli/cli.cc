#include "cli/cli.h"

#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "cli/api_client.h"
#include "cli/command_group.h"
#include "cli/commands.h"
#include "cli/eval_cli.h"
#include "cli/model_cli.h"
#include "cli/model_card_cli.h"
#include "cli/prompt_cli.h"
#include "cli/rules_command.h"
#include "common/time.h"

namespace ballast::cli {

Console Console::Process() {
  Console c;
  c.out = &std::cout;
  c.err = &std::cerr;
  c.in = &std::cin;
  c.out_is_terminal = IsTerminal(STDOUT_FILENO);
  c.err_is_terminal = IsTerminal(STDERR_FILENO);
  c.out_width = c.out_is_terminal ? TerminalWidth(STDOUT_FILENO) : 0;
  c.getenv = [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  c.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  return c;
}

Result<std::string> ResolveTimeArgument(const std::string& text, EpochMillis now,
                                        const std::string& flag) {
  if (text == "now") return FormatRfc3339(now);
  if (Result<EpochMillis> t = ParseRfc3339(text); t) return FormatRfc3339(*t);
  if (Result<Duration> d = ParseDuration(text); d && d->IsFixed()) {
    return FormatRfc3339(now - d->ApproxMillis());
  }
  return Status::InvalidArgument(
      fmt::format("'{}' is neither an RFC 3339 time (2026-11-27T19:12:28Z), 'now', nor a "
                  "duration ago (15m, 2h, 7d)",
                  text),
      flag);
}

namespace {

constexpr const char* kDefaultServer = "http://127.0.0.1:7410";

std::string FromEnvironment(Console& console, const char* name) {
  if (!console.getenv) return "";
  return console.getenv(name).value_or("");
}

}  // namespace

int RunCli(const std::vector<std::string>& args, Console& console, const ServeFunction& serve) {
  CLI::App app{"ballast: a reliability control plane for LLM services", "ballast"};
  app.require_subcommand(1);
  // Global options may also follow the subcommand: `ballast stats chat -o json`.
  app.fallthrough();

  GlobalOptions global;
  std::string output;
  app.add_option("--server", global.server,
                 "Server URL (default $BALLAST_SERVER, else http://127.0.0.1:7410)");
  app.add_option("--token", global.token, "API token (default $BALLAST_TOKEN)");
  app.add_option("-o,--output", output,
                 "Output format: table, json or yaml (table on a terminal, json otherwise)")
      ->check(CLI::IsMember({"table", "json", "yaml"}));

  server::ServeFlags serve_flags;
  std::string listen, data_dir, config_path, log_level;
  CLI::App* serve_cmd = app.add_subcommand("serve", "Run the ballast server");
  CLI::Option* listen_opt =
      serve_cmd->add_option("--listen", listen, "Address to listen on (127.0.0.1:7410)");
  CLI::Option* data_opt = serve_cmd->add_option("--data", data_dir, "Data directory");
  CLI::Option* config_opt = serve_cmd->add_option("--config", config_path, "YAML config file");
  CLI::Option* log_opt =
      serve_cmd->add_option("--log-level", log_level, "Log level")
          ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));

  IngestArgs ingest;
  CLI::App* ingest_cmd =
      app.add_subcommand("ingest", "Send NDJSON request events to POST /v1/events");
  ingest_cmd->add_option("FILE", ingest.file, "NDJSON file, or - for standard input")->required();
  ingest_cmd->add_option("--batch-size", ingest.batch_size, "Lines per request (default 1000)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000000}));
  ingest_cmd->add_option("--batch-bytes", ingest.batch_bytes, "Bytes per request (default 4194304)")
      ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 30));
  ingest_cmd
      ->add_option("--max-retries", ingest.max_retries,
                   "Retries per batch on connection errors, 429 and 503 (default 8)")
      ->check(CLI::Range(0, 1000));
  ingest_cmd->add_flag("--gzip", ingest.gzip, "Compress request bodies with gzip");

  CLI::App* services_cmd = app.add_subcommand("services", "List the services seen");

  StatsArgs stats;
  std::string from_text, to_text;
  std::vector<std::string> group_by;
  CLI::App* stats_cmd = app.add_subcommand("stats", "Request statistics of a service");
  stats_cmd->add_option("SERVICE", stats.service, "Service name")->required();
  stats_cmd->add_option("--from", from_text, "Start: RFC 3339, or a duration ago (default 1h)");
  stats_cmd->add_option("--to", to_text, "End: RFC 3339, now, or a duration ago (default now)");
  stats_cmd->add_option("--group-by", group_by, "Comma list of variant, model, prompt")
      ->delimiter(',')
      ->check(CLI::IsMember({"variant", "model", "prompt"}));

  CLI::App* token_cmd = app.add_subcommand("token", "Manage API tokens (admin)");
  token_cmd->require_subcommand(1);
  std::string role, token_name, token_id;
  CLI::App* token_create = token_cmd->add_subcommand("create", "Create a token");
  token_create->add_option("--role", role, "viewer, ingest, operator or admin")
      ->required()
      ->check(CLI::IsMember({"viewer", "ingest", "operator", "admin"}));
  token_create->add_option("--name", token_name, "Who or what uses the token");
  CLI::App* token_list = token_cmd->add_subcommand("list", "List tokens");
  CLI::App* token_revoke = token_cmd->add_subcommand("revoke", "Revoke a token");
  token_revoke->add_option("ID", token_id, "Token id (tok_...)")->required();

  CLI::App* version_cmd = app.add_subcommand("version", "Print the version");

  std::vector<std::string> validate_paths;
  CLI::App* validate_cmd = app.add_subcommand(
      "validate", "Check OpenSLO definitions offline (every error, with positions)");
  validate_cmd
      ->add_option("-f,--file", validate_paths, "File, directory (recursive) or - for stdin")
      ->required();

  std::vector<std::string> apply_paths;
  bool apply_dry_run = false;
  CLI::App* apply_cmd = app.add_subcommand(
      "apply", "Create or update definitions on the server (all or nothing; idempotent)");
  apply_cmd->add_option("-f,--file", apply_paths, "File, directory (recursive) or - for stdin")
      ->required();
  apply_cmd->add_flag("--dry-run", apply_dry_run, "Validate and show what would change");

  std::string object_kind, object_name;
  CLI::App* delete_cmd = app.add_subcommand("delete", "Delete an applied definition");
  delete_cmd->add_option("KIND", object_kind, "SLO, SLI, AlertPolicy, ...")->required();
  delete_cmd->add_option("NAME", object_name, "Object name")->required();
  CLI::App* get_cmd = app.add_subcommand("get", "Show applied definitions");
  get_cmd->add_option("KIND", object_kind, "SLO, SLI, AlertPolicy, ... (default: every kind)");
  get_cmd->add_option("NAME", object_name, "Object name: print it as YAML");

  CLI::App* slo_cmd = app.add_subcommand("slo", "SLO statuses");
  slo_cmd->require_subcommand(1);
  CLI::App* slo_list = slo_cmd->add_subcommand("list", "Every SLO with its SLI, budget and burn");
  std::string slo_name, slo_variant;
  CLI::App* slo_status = slo_cmd->add_subcommand("status", "Status of one SLO per objective");
  slo_status->add_option("NAME", slo_name, "SLO name")->required();
  slo_status->add_option("--variant", slo_variant, "Only this variant (default: all variants)");

  std::string alert_state;
  CLI::App* alerts_cmd = app.add_subcommand("alerts", "SLO alerts");
  alerts_cmd->add_option("--state", alert_state, "pending, firing or resolved")
      ->check(CLI::IsMember({"pending", "firing", "resolved", "inactive"}));

  RulesArgs rules_args;
  CLI::App* rules_prometheus_cmd = AddRulesCommand(app, &rules_args);

  ReplayArgs replay;
  CLI::App* replay_cmd = app.add_subcommand(
      "replay", "Evaluate SLOs over a recorded NDJSON event file in simulated time (offline)");
  replay_cmd->add_option("--slos", replay.slo_paths, "OpenSLO file or directory (repeatable)")
      ->required()
      ->allow_extra_args(false);  // one path per --slos, so that EVENTS stays positional
  replay_cmd->add_option("EVENTS", replay.events, "NDJSON events, or - for standard input")
      ->required();
  replay_cmd->add_option("--step", replay.step,
                         "How often, in event time, alerts are evaluated (default 1m)");

  // Nouns that register their own verbs (command_group.h).
  std::vector<CommandRunner> runners;
  runners.push_back(AddModelCommands(app));
  runners.push_back(AddModelCardCommands(app));
  runners.push_back(AddPromptCommands(app));
  runners.push_back(AddDatasetCommands(app));
  runners.push_back(AddEvalCommands(app));
  runners.push_back(AddLineageCommands(app));

  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 pops from the back
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e, *console.out, *console.err);
    return rc == 0 ? kExitOk : kExitUsage;  // help is success; every parse error is usage
  }

  if (global.server.empty()) global.server = FromEnvironment(console, "BALLAST_SERVER");
  if (global.server.empty()) global.server = kDefaultServer;
  if (global.token.empty()) global.token = FromEnvironment(console, "BALLAST_TOKEN");
  global.format = output.empty() ? DefaultOutputFormat(console.out_is_terminal)
                                 : *ParseOutputFormat(output);  // checked by IsMember above

  if (serve_cmd->parsed()) {
    if (listen_opt->count() > 0) serve_flags.listen = listen;
    if (data_opt->count() > 0) serve_flags.data_dir = data_dir;
    if (config_opt->count() > 0) serve_flags.config_path = config_path;
    if (log_opt->count() > 0) serve_flags.log_level = log_level;
    if (!serve) {
      *console.err << "error: this build has no server\n";
      return kExitFailure;
    }
    return serve(serve_flags);
  }
  if (ingest_cmd->parsed()) return RunIngestCommand(console, global, ingest);
  if (services_cmd->parsed()) return RunServicesCommand(console, global);
  if (stats_cmd->parsed()) {
    EpochMillis now = RealClock::Get().NowMillis();
    for (auto [text, target, flag] :
         {std::tuple{&from_text, &stats.from, "--from"}, std::tuple{&to_text, &stats.to, "--to"}}) {
      if (text->empty()) continue;
      Result<std::string> resolved = ResolveTimeArgument(*text, now, flag);
      if (!resolved) {
        *console.err << "error: " << flag << ": " << resolved.error().message() << "\n";
        return kExitUsage;
      }
      *target = *resolved;
    }
    std::vector<std::string> seen;  // "--group-by model,model" asks for one grouping
    for (const std::string& g : group_by) {
      if (std::find(seen.begin(), seen.end(), g) != seen.end()) continue;
      seen.push_back(g);
      stats.group_by += (stats.group_by.empty() ? "" : ",") + g;
    }
    return RunStatsCommand(console, global, stats);
  }
  if (token_create->parsed()) return RunTokenCreateCommand(console, global, role, token_name);
  if (token_list->parsed()) return RunTokenListCommand(console, global);
  if (token_revoke->parsed()) return RunTokenRevokeCommand(console, global, token_id);
  if (version_cmd->parsed()) return RunVersionCommand(console, global);
  if (validate_cmd->parsed()) return RunValidateCommand(console, global, validate_paths);
  if (apply_cmd->parsed()) return RunApplyCommand(console, global, apply_paths, apply_dry_run);
  if (delete_cmd->parsed()) return RunDeleteCommand(console, global, object_kind, object_name);
  if (get_cmd->parsed()) return RunGetCommand(console, global, object_kind, object_name);
  if (slo_list->parsed()) return RunSloListCommand(console, global);
  if (slo_status->parsed()) return RunSloStatusCommand(console, global, slo_name, slo_variant);
  if (alerts_cmd->parsed()) return RunAlertsCommand(console, global, alert_state);
  if (replay_cmd->parsed()) return RunReplayCommand(console, global, replay);
  if (rules_prometheus_cmd->parsed()) return RunRulesPrometheusCommand(console, rules_args);
  for (const CommandRunner& run : runners) {
    if (std::optional<int> rc = run(console, global)) return *rc;
  }
  *console.err << "error: no command given (see ballast --help)\n";
  return kExitUsage;
}

int RunCli(int argc, char** argv, const ServeFunction& serve) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  Console console = Console::Process();
  return RunCli(args, console, serve);
}

}  // namespace ballast::cli
