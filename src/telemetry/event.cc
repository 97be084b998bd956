#include "telemetry/event.h"

namespace ballast::telemetry {

// Called once per ingested event: the first character picks the one candidate to compare.
bool ParseOutcome(std::string_view name, Outcome& out) {
  if (name.empty()) return false;
  Outcome candidate;
  switch (name[0]) {
    case 'o': candidate = Outcome::kOk; break;
    case 'e': candidate = Outcome::kError; break;
    case 't': candidate = Outcome::kTimeout; break;
    case 'r': candidate = Outcome::kRateLimited; break;
    case 'f': candidate = Outcome::kFiltered; break;
    case 'c': candidate = Outcome::kCancelled; break;
    default: return false;
  }
  if (name != OutcomeName(candidate)) return false;
  out = candidate;
  return true;
}

}  // namespace ballast::telemetry
