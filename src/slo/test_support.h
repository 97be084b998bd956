// Shared by the slo tests: locating the source tree and asserting on diagnostics.
#pragma once

#include <string>

#include "common/clock.h"
#include "common/diagnostics.h"
#include "common/source_tree_testing.h"

namespace ballast::slo::testing {

// Times and a valid SLO (99.9 % over 30 days, no alert policies) shared by the alert tests.
inline constexpr int64_t kMin = 60'000;
inline constexpr int64_t kHour = 60 * kMin;
inline constexpr int64_t kDay = 24 * kHour;
inline constexpr EpochMillis kT0 = 1'795'000'000'000 / kDay * kDay;

inline constexpr const char* kAvailabilitySlo = R"(apiVersion: openslo/v1
kind: SLO
metadata:
  name: chat-availability
spec:
  service: chat-api
  indicator:
    metadata:
      name: ok
    spec:
      ratioMetric:
        good:
          metricSource:
            type: ballast
            spec:
              where: outcome = 'ok'
        total:
          metricSource:
            type: ballast
  timeWindow:
    - duration: 30d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: Requests succeed
      target: 0.999
)";

// The source root, from BALLAST_SOURCE_DIR (set by ctest); "." when unset.
using source_tree_testing::SourceDir;

inline std::string ConformanceDir() { return SourceDir() + "/tests/conformance/openslo"; }

// Diagnostics as one string with the source directory prefix removed, for readable failures
// and stable golden comparisons.
inline std::string Render(const Diagnostics& d, const std::string& strip_prefix) {
  std::string out = d.ToString();
  size_t pos = 0;
  while ((pos = out.find(strip_prefix, pos)) != std::string::npos)
    out.erase(pos, strip_prefix.size());
  return out;
}

}  // namespace ballast::slo::testing
