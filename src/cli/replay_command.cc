// `ballast replay --slos PATH EVENTS.ndjson`: evaluates SLOs over a recorded event file in
// simulated time (slo/replay.h) and prints each SLO's final status and the timeline of alerts.
// Offline: no server is involved. A progress bar shows on a terminal.
#include <fmt/format.h>

#include <fstream>

#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/views.h"
#include "common/time.h"
#include "slo/loader.h"
#include "slo/replay.h"

namespace ballast::cli {
namespace {

constexpr size_t kChunkBytes = 4 << 20;

std::string Percent(const Json& v, int decimals) {
  if (!v.is_number()) return "-";
  return fmt::format("{:.{}f}%", v.get<double>() * 100, decimals);
}

std::string Text(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "-";
  return v.dump();
}

std::string ReplayText(const Json& result) {
  const Json& ev = result["events"];
  std::string out = fmt::format(
      "{} lines: {} requests, {} evaluations, {} rejected; event time {} .. {}\n\n",
      FormatCount(ev["lines"].get<int64_t>()), FormatCount(ev["requests"].get<int64_t>()),
      FormatCount(ev["evaluations"].get<int64_t>()), FormatCount(ev["rejected"].get<int64_t>()),
      Text(result["from"]), Text(result["to"]));
  for (const Json& e : ev["errors"]) {
    out += fmt::format("line {}: {}\n", e["line"].get<int64_t>(), Text(e["error"]));
  }
  Table slos({{"SLO"},
              {"OBJECTIVE"},
              {"TARGET"},
              {"SLI"},
              {"GOOD", Align::kRight, false},
              {"TOTAL", Align::kRight, false},
              {"BUDGET LEFT"}});
  for (const Json& s : result["slos"]) {
    for (const Json& o : s["objectives"]) {
      slos.AddRow({Text(s["name"]), Text(o["name"]), Percent(o["target"], 3), Percent(o["sli"], 3),
                   Text(o["good"]), Text(o["total"]),
                   Percent(o["error_budget"]["remaining_ratio"], 1)});
    }
  }
  out += slos.Render();
  out += "\nalerts:\n";
  if (result["alerts"].empty()) out += "  none\n";
  for (const Json& a : result["alerts"]) {
    const Json& alert = a["alert"];
    std::string rates;
    for (const auto& [w, v] : alert["burn_rates"].items()) {
      rates += fmt::format(" {}={:.1f}x", w, v.is_number() ? v.get<double>() : 0.0);
    }
    out += fmt::format("  {}  {:<8} {} {} ({}){}\n", Text(a["time"]), Text(alert["state"]),
                       Text(alert["slo"]), Text(alert["rule"]), Text(alert["severity"]), rates);
  }
  return out;
}

}  // namespace

int RunReplayCommand(Console& console, const GlobalOptions& global, const ReplayArgs& args) {
  slo::LoadOptions load_options;
  std::vector<slo::Source> sources;
  Diagnostics diags;
  for (const std::string& path : args.slo_paths) {
    slo::CollectSources(path, *console.in, load_options, &sources, &diags);
  }
  slo::LoadResult loaded = slo::LoadSources(sources, nullptr, load_options);
  diags.Append(loaded.diagnostics);
  if (diags.HasErrors()) {
    *console.err << diags.ToString();
    return kExitFailure;
  }
  Result<Duration> step = ParseDuration(args.step);
  if (!step || !step->IsFixed() || step->ApproxMillis() < 1000) {
    *console.err << "error: --step: expected a duration of at least 1s (e.g. 1m), got '"
                 << args.step << "'\n";
    return kExitUsage;
  }
  slo::ReplayOptions options;
  options.step_ms = step->ApproxMillis();
  auto catalog = std::make_shared<const slo::Catalog>(loaded.catalog.objects());
  auto replayer = slo::Replayer::Create(catalog, options);
  if (!replayer) {
    *console.err << "error: " << replayer.error().ToString() << "\n";
    return kExitFailure;
  }

  std::ifstream file;
  std::istream* in = console.in;
  std::optional<int64_t> total;
  if (args.events != "-") {
    file.open(args.events, std::ios::binary);
    if (!file) {
      *console.err << "error: cannot read " << args.events << "\n";
      return kExitFailure;
    }
    file.seekg(0, std::ios::end);
    total = static_cast<int64_t>(file.tellg());
    file.seekg(0);
    in = &file;
  }
  ProgressBar progress(*console.err, console.err_is_terminal, total);
  std::string buffer, carry;
  int64_t done = 0;
  buffer.resize(kChunkBytes);
  while (*in) {
    in->read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto got = static_cast<size_t>(in->gcount());
    if (got == 0) break;
    done += static_cast<int64_t>(got);
    carry.append(buffer.data(), got);
    const size_t last_nl = carry.rfind('\n');
    if (last_nl == std::string::npos) continue;  // a line longer than a chunk: keep reading
    (*replayer)->Feed(std::string_view(carry).substr(0, last_nl + 1));
    carry.erase(0, last_nl + 1);
    progress.Update(done, (*replayer)->counts().lines);
  }
  if (in->bad()) {
    progress.Finish();
    *console.err << "error: reading " << args.events << " failed\n";
    return kExitFailure;
  }
  (*replayer)->Feed(carry);
  (*replayer)->Finish();
  progress.Finish();
  Json result = Json::parse(
      (*replayer)->ResultJson().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  Print(console, global, result, ReplayText(result));
  return kExitOk;
}

}  // namespace ballast::cli
