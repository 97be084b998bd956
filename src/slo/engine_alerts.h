// EvaluateEngineAlerts: one alert-evaluation step over every SLO an SloEngine holds, shared by
// the server's evaluation loop and `ballast replay` so that both alert exactly alike.
//
// For each SLO and objective it takes the all-variants status (whose burn-rate readings are
// those of the SLO's alert rules) and the no-data flag, and runs the AlertEvaluator; alerts of
// SLOs no longer defined are forgotten (their firing alerts resolve) and old resolved alerts
// are pruned.
//
// Thread safety: `engine` is thread-safe; `evaluator` must be guarded by the caller.
#pragma once

#include <string>
#include <vector>

#include "slo/alerts.h"
#include "slo/engine.h"

namespace ballast::slo {

// Returns the transitions to firing/resolved at `now`; problems (an SLO whose status cannot be
// computed) are appended to `errors` when given.
std::vector<AlertEvent> EvaluateEngineAlerts(const SloEngine& engine, AlertEvaluator& evaluator,
                                             EpochMillis now,
                                             std::vector<std::string>* errors = nullptr);

}  // namespace ballast::slo
