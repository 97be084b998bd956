// The top-level fields of an NDJSON telemetry event (DESIGN.md §3) as a small enum, so that the
// parser can match a key once, track the fields seen in a bitmask and name a field in an error
// without keeping the key's text.
//
// The parser also predicts each key from the one before it (events of one client write their
// fields in one order) and confirms the guess with RawKeyIs(), a few word compares.
//
// Thread safety: constants and pure functions.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
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

inline constexpr int kEventFieldCount = static_cast<int>(EventField::kExplanation) + 1;

// The field named by an unescaped key; kUnknown for any other key.
EventField LookupEventField(std::string_view key);

// Each field's name followed by the closing quote, as three little-endian words and the masks
// of their meaningful bytes: what a raw JSON key naming the field looks like in memory.
struct FieldKeyPattern {
  std::array<uint64_t, 3> words{};
  std::array<uint64_t, 3> masks{};
};

inline constexpr std::array<FieldKeyPattern, kEventFieldCount> kFieldKeyPatterns = [] {
  static_assert(std::endian::native == std::endian::little);
  std::array<FieldKeyPattern, kEventFieldCount> patterns{};
  for (int f = 1; f < kEventFieldCount; ++f) {
    std::string_view name = kFieldNames[f];
    for (size_t i = 0; i <= name.size(); ++i) {
      const uint64_t byte = i < name.size() ? static_cast<unsigned char>(name[i]) : '"';
      patterns[f].words[i / 8] |= byte << (8 * (i % 8));
      patterns[f].masks[i / 8] |= uint64_t{0xff} << (8 * (i % 8));
    }
  }
  return patterns;
}();

// Whether the raw JSON key at `raw` (just past its opening quote) is exactly the name of `f`:
// the name's bytes then the closing quote (which no escape can precede, names having no
// backslash). Reads 24 bytes from `raw`, so the key must lie in a buffer with at least that
// much padding after it (simdjson's inputs have 64).
inline bool RawKeyIs(const char* raw, EventField f) {
  const FieldKeyPattern& p = kFieldKeyPatterns[static_cast<int>(f)];
  uint64_t w[3];
  std::memcpy(w, raw, sizeof w);
  return (((w[0] ^ p.words[0]) & p.masks[0]) | ((w[1] ^ p.words[1]) & p.masks[1]) |
          ((w[2] ^ p.words[2]) & p.masks[2])) == 0;
}

}  // namespace ballast::telemetry
