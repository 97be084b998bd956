// libFuzzer target for the SLO engine's persisted state: arbitrary bytes as a series snapshot
// (SeriesState::Deserialize) and as the alert state document (AlertEvaluator::RestoreAlerts).
// Both read what the database holds, so damaged rows must be errors, never crashes; whatever
// is accepted must serialize again and be accepted again.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "slo/alerts.h"
#include "slo/engine.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ballast::slo;
  if (size > 256 * 1024) return 0;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  SeriesState s;
  if (s.Deserialize(bytes).ok()) {
    SeriesState again;
    if (!again.Deserialize(s.Serialize()).ok()) std::abort();
  }
  AlertEvaluator alerts;
  if (alerts.RestoreAlerts(bytes).ok()) {
    AlertEvaluator again;
    if (!again.RestoreAlerts(alerts.SerializeAlerts()).ok()) std::abort();
  }
  return 0;
}
