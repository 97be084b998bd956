#include "telemetry/event_fields.h"

#include <cstring>

namespace ballast::telemetry {

// Dispatches on the length, then the first character: a known key costs one fixed-size compare,
// which the compiler turns into one or two word loads.
EventField LookupEventField(std::string_view k) {
  auto is = [&](std::string_view name) { return std::memcmp(k.data(), name.data(), name.size()) == 0; };
  switch (k.size()) {
    case 4:
      if (k[1] == 'i') return is("time") ? EventField::kTime : EventField::kUnknown;
      if (k[1] == 'y') return is("type") ? EventField::kType : EventField::kUnknown;
      return is("name") ? EventField::kName : EventField::kUnknown;
    case 5:
      switch (k[0]) {
        case 'm': return is("model") ? EventField::kModel : EventField::kUnknown;
        case 'f': return is("flags") ? EventField::kFlags : EventField::kUnknown;
        case 'i': return is("input") ? EventField::kInput : EventField::kUnknown;
        case 's': return is("score") ? EventField::kScore : EventField::kUnknown;
        case 'l': return is("label") ? EventField::kLabel : EventField::kUnknown;
      }
      return EventField::kUnknown;
    case 6:
      switch (k[0]) {
        case 'p': return is("prompt") ? EventField::kPrompt : EventField::kUnknown;
        case 's': return is("scores") ? EventField::kScores : EventField::kUnknown;
        case 'o': return is("output") ? EventField::kOutput : EventField::kUnknown;
      }
      return EventField::kUnknown;
    case 7:
      switch (k[1]) {
        case 'e': return is("service") ? EventField::kService : EventField::kUnknown;
        case 'a': return is("variant") ? EventField::kVariant : EventField::kUnknown;
        case 'u': return is("outcome") ? EventField::kOutcome : EventField::kUnknown;
        case 't': return is("ttft_ms") ? EventField::kTtft : EventField::kUnknown;
        case 'p': return is("tpot_ms") ? EventField::kTpot : EventField::kUnknown;
      }
      return EventField::kUnknown;
    case 8:
      if (k[0] == 'p') return is("provider") ? EventField::kProvider : EventField::kUnknown;
      return is("cost_usd") ? EventField::kCost : EventField::kUnknown;
    case 9: return is("operation") ? EventField::kOperation : EventField::kUnknown;
    case 10:
      switch (k[0]) {
        case 'r': return is("request_id") ? EventField::kRequestId : EventField::kUnknown;
        case 'e': return is("error_type") ? EventField::kErrorType : EventField::kUnknown;
        case 'l': return is("latency_ms") ? EventField::kLatency : EventField::kUnknown;
        case 'a': return is("attributes") ? EventField::kAttributes : EventField::kUnknown;
      }
      return EventField::kUnknown;
    case 11: return is("explanation") ? EventField::kExplanation : EventField::kUnknown;
    case 12: return is("input_tokens") ? EventField::kInputTokens : EventField::kUnknown;
    case 13:
      if (k[0] == 'o') return is("output_tokens") ? EventField::kOutputTokens : EventField::kUnknown;
      return is("finish_reason") ? EventField::kFinishReason : EventField::kUnknown;
    case 19: return is("cached_input_tokens") ? EventField::kCachedInputTokens : EventField::kUnknown;
  }
  return EventField::kUnknown;
}


}  // namespace ballast::telemetry
