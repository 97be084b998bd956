// Per-SLO Prometheus gauges for /metrics, so Grafana can chart what `GET /v1/slos/{name}/status`
// reports: ballast_slo_sli, ballast_slo_error_budget_remaining_ratio, ballast_slo_burn_rate (one
// series per window), ballast_slo_events_total / ballast_slo_good_events_total (in the period),
// each labelled slo, service and objective; ballast_slo_series and ballast_slo_memory_bytes.
#include <fmt/format.h>

#include <cmath>

#include "common/time.h"
#include "server/app.h"

namespace ballast::server {
namespace {

// Label values escape backslash, double quote and newline (exposition format).
std::string Escape(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string Value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

}  // namespace

std::string RenderSloMetrics(App& app) {
  const EpochMillis now = app.clock->NowMillis();
  auto defs = app.slo->engine().definitions();
  std::string sli, remaining, burn, total, good;
  for (const auto& [name, compiled] : defs->slos) {
    auto reports = app.slo->engine().Report(name, "", now);
    if (!reports) continue;
    for (const slo::ObjectiveReport& r : *reports) {
      const std::string labels =
          fmt::format("slo=\"{}\",service=\"{}\",objective=\"{}\"", Escape(name),
                      Escape(r.objective->service), Escape(r.objective->name));
      if (r.status.sli)
        sli += fmt::format("ballast_slo_sli{{{}}} {}\n", labels, Value(*r.status.sli));
      remaining += fmt::format("ballast_slo_error_budget_remaining_ratio{{{}}} {}\n", labels,
                               Value(r.status.budget.remaining_ratio));
      total += fmt::format("ballast_slo_events_total{{{}}} {}\n", labels, r.status.counts.total);
      good += fmt::format("ballast_slo_good_events_total{{{}}} {}\n", labels, r.status.counts.good);
      std::vector<int64_t> seen;
      for (const slo::BurnRateReading& b : r.status.burn_rates) {
        for (auto [ms, rate] : {std::pair{b.window.long_ms, b.long_rate},
                                std::pair{b.window.short_ms, b.short_rate}}) {
          if (std::find(seen.begin(), seen.end(), ms) != seen.end()) continue;
          seen.push_back(ms);
          burn += fmt::format("ballast_slo_burn_rate{{{},window=\"{}\"}} {}\n", labels,
                              FormatMillisAsDuration(ms), Value(rate));
        }
      }
    }
  }
  std::string out;
  auto family = [&out](const char* name, const char* help, const std::string& body) {
    out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n", name, help, name);
    out += body;
  };
  family("ballast_slo_sli", "SLI over the SLO's current period (good / total)", sli);
  family("ballast_slo_error_budget_remaining_ratio",
         "Share of the error budget left in the current period (0 when exhausted)", remaining);
  family("ballast_slo_burn_rate", "Error-budget burn rate over the window (1 = on budget)", burn);
  family("ballast_slo_events_total", "Counted events (or slices) in the current period", total);
  family("ballast_slo_good_events_total", "Good events (or slices) in the current period", good);
  family("ballast_slo_series", "SLO series held in memory",
         fmt::format("ballast_slo_series {}\n", app.slo->engine().SeriesCount()));
  family("ballast_slo_memory_bytes", "Memory held by SLO series",
         fmt::format("ballast_slo_memory_bytes {}\n", app.slo->engine().MemoryBytes()));
  return out;
}

}  // namespace ballast::server
