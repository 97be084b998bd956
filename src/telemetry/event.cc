#include "telemetry/event.h"

namespace ballast::telemetry {

bool ParseOutcome(std::string_view name, Outcome& out) {
  for (int i = 0; i < kOutcomeCount; ++i) {
    if (kOutcomeNames[i] == name) {
      out = static_cast<Outcome>(i);
      return true;
    }
  }
  return false;
}

}  // namespace ballast::telemetry
