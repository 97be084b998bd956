#include "slo/status_json.h"

#include <cmath>

#include "common/time.h"

namespace ballast::slo {
namespace {

nlohmann::json Number(double v) {
  if (!std::isfinite(v)) return nullptr;
  return v;
}

nlohmann::json OptionalNumber(const std::optional<double>& v) {
  return v ? Number(*v) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json StatusToJson(const CompiledSlo& slo, const std::vector<ObjectiveReport>& reports,
                            EpochMillis now) {
  const SloSpec& spec = slo.object.As<SloSpec>();
  const TimeWindow window = EffectiveTimeWindow(spec);
  nlohmann::json out;
  out["name"] = slo.object.metadata.name;
  out["service"] = spec.service;
  out["variant"] = reports.empty() ? "" : reports.front().variant;
  out["evaluated_at"] = FormatRfc3339(now);
  out["budgeting_method"] = std::string(BudgetingMethodName(spec.budgeting_method));
  nlohmann::json w = {{"duration", DurationText(window.duration)},
                      {"is_rolling", window.Rolling()}};
  if (!reports.empty()) {
    w["start"] = FormatRfc3339(reports.front().status.period.start);
    w["end"] = FormatRfc3339(reports.front().status.period.end);
  }
  out["window"] = std::move(w);
  nlohmann::json objectives = nlohmann::json::array();
  for (const ObjectiveReport& r : reports) {
    const CompiledObjective& o = *r.objective;
    const ObjectiveStatus& st = r.status;
    const bool ratio_slices = o.budget.method == BudgetingMethod::kRatioTimeslices;
    const double scale = ratio_slices ? static_cast<double>(kRatioSliceUnits) : 1.0;
    nlohmann::json obj;
    obj["name"] = o.name;
    obj["index"] = o.index;
    obj["target"] = o.budget.target;
    if (ratio_slices) {
      obj["good"] = Number(static_cast<double>(st.counts.good) / scale);
      obj["total"] = Number(static_cast<double>(st.counts.total) / scale);
    } else {
      obj["good"] = st.counts.good;
      obj["total"] = st.counts.total;
    }
    obj["sli"] = OptionalNumber(st.sli);
    obj["error_budget"] = {
        {"unit", o.budget.method == BudgetingMethod::kOccurrences ? "events" : "slices"},
        {"total", Number(st.budget.total)},
        {"consumed", Number(st.budget.consumed)},
        {"remaining", Number(st.budget.remaining)},
        {"consumed_ratio", Number(st.budget.consumed_ratio)},
        {"remaining_ratio", Number(st.budget.remaining_ratio)},
        {"exhausted", st.budget.exhausted}};
    nlohmann::json burn = nlohmann::json::object();
    for (const BurnRateReading& b : st.burn_rates) {
      burn[FormatMillisAsDuration(b.window.long_ms)] = Number(b.long_rate);
      burn[FormatMillisAsDuration(b.window.short_ms)] = Number(b.short_rate);
    }
    obj["burn_rates"] = std::move(burn);
    obj["exhausted_at"] =
        st.exhausted_at ? nlohmann::json(FormatRfc3339(*st.exhausted_at)) : nlohmann::json();
    obj["events_last_hour"] = r.recent.total;
    objectives.push_back(std::move(obj));
  }
  out["objectives"] = std::move(objectives);
  return out;
}

nlohmann::json ChartToJson(const std::vector<ChartPoint>& points) {
  nlohmann::json out = nlohmann::json::array();
  for (const ChartPoint& p : points) {
    out.push_back({{"t", FormatRfc3339(p.t)},
                   {"sli", OptionalNumber(p.sli)},
                   {"remaining_ratio", Number(p.remaining_ratio)}});
  }
  return out;
}

}  // namespace ballast::slo
