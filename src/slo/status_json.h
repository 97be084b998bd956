// The JSON shapes of SLO statuses and chart series (API.md "SLOs and alerts"), shared by the
// server's routes and `ballast replay -o json`.
//
//   {"name", "service", "variant", "evaluated_at", "budgeting_method",
//    "window": {"duration", "is_rolling", "start", "end"},
//    "objectives": [{"name", "index", "target", "good", "total", "sli",
//                    "error_budget": {"unit", "total", "consumed", "remaining",
//                                     "consumed_ratio", "remaining_ratio", "exhausted"},
//                    "burn_rates": {"5m": x, "1h": x, ...}, "exhausted_at"}]}
//
// Counts are events for Occurrences and slices for Timeslices/RatioTimeslices (RatioTimeslices
// report `good` as the sum of slice ratios). Burn rates are keyed by window length; a window
// shared by several alert pairs appears once.
//
// Thread safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "slo/engine.h"

namespace ballast::slo {

nlohmann::json StatusToJson(const CompiledSlo& slo, const std::vector<ObjectiveReport>& reports,
                            EpochMillis now);
nlohmann::json ChartToJson(const std::vector<ChartPoint>& points);

}  // namespace ballast::slo
