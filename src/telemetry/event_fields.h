// The top-level fields of an NDJSON telemetry event (DESIGN.md §3) as a small enum, so that the
// parser can match a key once, track the fields seen in a bitmask and name a field in an error
// without keeping the key's text.
//
// Thread safety: constants and a pure function.
#pragma once

#include <cstdint>
#include <string_view>

namespace ballast::telemetry {

enum class EventField : uint8_t {
  kUnknown, kType, kTime, kService, kVariant, kRequestId, kModel, kPrompt, kProvider, kOperation,
  kOutcome, kErrorType, kLatency, kTtft, kTpot, kInputTokens, kOutputTokens, kCachedInputTokens,
  kCost, kFinishReason, kScores, kFlags, kAttributes, kInput, kOutput, kName, kScore, kLabel,
  kExplanation,
};

// Indexed by EventField; "" for kUnknown.
inline constexpr std::string_view kFieldNames[] = {
    "", "type", "time", "service", "variant", "request_id", "model", "prompt", "provider",
    "operation", "outcome", "error_type", "latency_ms", "ttft_ms", "tpot_ms", "input_tokens",
    "output_tokens", "cached_input_tokens", "cost_usd", "finish_reason", "scores", "flags",
    "attributes", "input", "output", "name", "score", "label", "explanation"};

constexpr uint64_t FieldBit(EventField f) { return uint64_t{1} << static_cast<int>(f); }

// Fields only a request event or only an evaluation event may carry; the others are common.
inline constexpr uint64_t kRequestOnly =
    FieldBit(EventField::kProvider) | FieldBit(EventField::kOperation) | FieldBit(EventField::kOutcome) |
    FieldBit(EventField::kErrorType) | FieldBit(EventField::kLatency) | FieldBit(EventField::kTtft) | FieldBit(EventField::kTpot) |
    FieldBit(EventField::kInputTokens) | FieldBit(EventField::kOutputTokens) | FieldBit(EventField::kCachedInputTokens) |
    FieldBit(EventField::kCost) | FieldBit(EventField::kFinishReason) | FieldBit(EventField::kScores) | FieldBit(EventField::kFlags) |
    FieldBit(EventField::kInput) | FieldBit(EventField::kOutput);
inline constexpr uint64_t kEvaluationOnly =
    FieldBit(EventField::kName) | FieldBit(EventField::kScore) | FieldBit(EventField::kLabel) | FieldBit(EventField::kExplanation);

// The field named by an unescaped key; kUnknown for any other key.
EventField LookupEventField(std::string_view key);

}  // namespace ballast::telemetry
