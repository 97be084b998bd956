// OpenSLO v1 SLOs whose SLI reads Prometheus: loaded and validated by src/slo's loader, then
// mapped the way Sloth maps OpenSLO (one rules SLO per objective, id
// "<service>-<slo>-<objective index>"), with page and ticket alerts named after the SLO.
#include <algorithm>
#include <cctype>

#include "rules/prom_text.h"
#include "rules/spec_reader.h"
#include "slo/catalog.h"
#include "slo/loader.h"

namespace ballast::rules::internal {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The PromQL of one metric source, or an error (added to diags) when it is not Prometheus.
std::optional<std::string> PrometheusQuery(const slo::Catalog& catalog,
                                           const slo::MetricSource& source,
                                           const std::string& path, Diagnostics* diags) {
  const std::string type = catalog.EffectiveType(source);
  if (Lower(type) != "prometheus") {
    diags->Error(source.pos, path + ".type",
                 "rules prometheus needs a Prometheus metric source, got '" +
                     (type.empty() ? std::string("<unknown>") : type) + "'");
    return std::nullopt;
  }
  auto spos = source.spec_field_pos.find("query");
  SourcePos qpos = spos != source.spec_field_pos.end() ? spos->second : source.pos;
  if (!source.spec || !source.spec->is_object() || !source.spec->contains("query") ||
      !(*source.spec)["query"].is_string()) {
    diags->Error(source.pos, path + ".spec.query", "is required: the PromQL query (a string)");
    return std::nullopt;
  }
  std::string query = (*source.spec)["query"].get<std::string>();
  std::optional<std::string> rendered = RenderWindow(query, "1m");
  if (!rendered) {
    diags->Error(qpos, path + ".spec.query", "only the {{.window}} template action is supported");
    return std::nullopt;
  }
  std::string problem = QuerySyntaxError(*rendered);
  if (!problem.empty()) {
    diags->Error(qpos, path + ".spec.query", "invalid PromQL: " + problem);
    return std::nullopt;
  }
  return query;
}

void MapSlo(const slo::Catalog& catalog, const slo::Object& object, int64_t default_period_ms,
            Diagnostics* diags, std::vector<SpecDocument>* out) {
  const slo::SloSpec& spec = object.As<slo::SloSpec>();
  const size_t errors_before = diags->error_count();
  SpecDocument doc;
  doc.kind = SpecKind::kOpenSloV1;
  doc.pos = object.pos;

  if (!IsValidSlothName(spec.service)) {
    diags->Error(spec.service_pos, "spec.service",
                 "'" + spec.service + "' is not a valid service name for Prometheus rules");
  }
  if (spec.budgeting_method != slo::BudgetingMethod::kOccurrences) {
    diags->Error(object.pos, "spec.budgetingMethod",
                 std::string(slo::BudgetingMethodName(spec.budgeting_method)) +
                     " is not supported by Prometheus rules: only Occurrences");
  }
  int64_t period_ms = default_period_ms;
  if (!spec.time_window.empty()) {
    const slo::TimeWindow& w = spec.time_window.front();
    if (!w.Rolling() || !w.duration.IsFixed()) {
      diags->Error(object.pos, "spec.timeWindow[0]",
                   "Prometheus rules need a rolling window of fixed length (d, w, h), got " +
                       slo::DurationText(w.duration) + (w.Rolling() ? "" : " (calendar)"));
    } else {
      period_ms = w.duration.ApproxMillis();
    }
  }

  for (size_t i = 0; i < spec.objectives.size(); ++i) {
    const slo::Objective& objective = spec.objectives[i];
    const std::string op = "spec.objectives[" + std::to_string(i) + "]";
    const slo::SliSpec* sli = catalog.IndicatorFor(spec, objective);
    if (sli == nullptr || !sli->ratio_metric) {
      diags->Error(objective.pos, op,
                   "Prometheus rules need a ratioMetric SLI (good or bad, and total)");
      continue;
    }
    const slo::RatioMetric& ratio = *sli->ratio_metric;
    const std::string rp = "spec.indicator.spec.ratioMetric";
    if (!ratio.total || (!ratio.good && !ratio.bad)) {
      diags->Error(objective.pos, rp,
                   "Prometheus rules need good/total or bad/total queries (raw is not supported)");
      continue;
    }
    std::optional<std::string> total = PrometheusQuery(catalog, *ratio.total, rp + ".total.metricSource", diags);
    std::optional<std::string> part =
        ratio.good ? PrometheusQuery(catalog, *ratio.good, rp + ".good.metricSource", diags)
                   : PrometheusQuery(catalog, *ratio.bad, rp + ".bad.metricSource", diags);
    if (!total || !part) continue;
    if (!HasWindowTemplate(*total) && !HasWindowTemplate(*part)) {
      diags->Error(ratio.total->pos, rp, "the queries must use the {{.window}} template");
      continue;
    }
    RuleSlo rs;
    rs.pos = objective.pos;
    rs.path = op;
    rs.service = spec.service;
    rs.name = object.metadata.name + "-" + std::to_string(i);
    rs.id = spec.service + "-" + rs.name;
    rs.description = spec.description;
    rs.period_ms = period_ms;
    rs.objective = objective.Target() * 100;
    if (ratio.good) {
      rs.raw_error_ratio_query = "\n  1 - (\n    (\n      " + *part + "\n    )\n    /\n    (\n      " +
                                 *total + "\n    )\n  )\n";
    } else {
      rs.error_query = *part;
      rs.total_query = *total;
    }
    // OpenSLO v1 SLOs get the multiwindow multi-burn-rate alerts, named after the SLO.
    rs.page.name = object.metadata.name;
    rs.ticket.name = object.metadata.name;
    doc.slos.push_back(std::move(rs));
  }
  if (diags->error_count() == errors_before && !doc.slos.empty()) out->push_back(std::move(doc));
}

}  // namespace

void DecodeOpenSloV1(const std::string& text, const std::string& file_name,
                     int64_t default_period_ms, Diagnostics* diags,
                     std::vector<SpecDocument>* out) {
  slo::LoadResult loaded = slo::LoadText(text, file_name);
  diags->Append(loaded.diagnostics);
  if (!loaded.ok()) return;
  for (const slo::Object& object : loaded.catalog.objects()) {
    if (object.kind != slo::Kind::kSlo) continue;
    MapSlo(loaded.catalog, object, default_period_ms, diags, out);
  }
}

}  // namespace ballast::rules::internal
