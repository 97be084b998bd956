// The telemetry event types of DESIGN.md §3: one RequestEvent per LLM request, and later
// EvaluationEvents (judge scores, user feedback) that refer to a request by request_id.
//
// Events are parsed into views: every string_view points into the parser's buffer and is valid
// only until the next event is parsed. Code that keeps an event beyond that (an exemplar, a new
// series key) copies what it keeps. This is what lets the ingest hot path run without
// allocating per event.
//
// Thread safety: plain values.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

#include "common/clock.h"

namespace ballast::telemetry {

enum class Outcome : uint8_t { kOk, kError, kTimeout, kRateLimited, kFiltered, kCancelled };
inline constexpr int kOutcomeCount = 6;
inline constexpr std::array<std::string_view, kOutcomeCount> kOutcomeNames = {
    "ok", "error", "timeout", "rate_limited", "filtered", "cancelled"};

// Returns false if `name` is not one of kOutcomeNames.
bool ParseOutcome(std::string_view name, Outcome& out);
inline std::string_view OutcomeName(Outcome o) { return kOutcomeNames[static_cast<int>(o)]; }

// Bounds that keep one event's footprint fixed. An event exceeding them is rejected with an
// error naming the field, never truncated silently.
inline constexpr int kMaxScores = 16;
inline constexpr int kMaxFlags = 16;
inline constexpr int kMaxAttributes = 32;

struct RequestEvent {
  EpochMillis time = 0;
  std::string_view service;
  std::string_view variant = "stable";
  std::string_view request_id;
  std::string_view model;
  std::string_view prompt;
  std::string_view provider;
  std::string_view operation;
  Outcome outcome = Outcome::kOk;
  std::string_view error_type;
  std::optional<double> latency_ms;
  std::optional<double> ttft_ms;
  std::optional<double> tpot_ms;  // derived when absent, see DeriveTpot()
  std::optional<int64_t> input_tokens;
  std::optional<int64_t> output_tokens;
  std::optional<int64_t> cached_input_tokens;
  std::optional<double> cost_usd;
  std::string_view finish_reason;
  int score_count = 0;
  std::array<std::pair<std::string_view, double>, kMaxScores> scores;
  int flag_count = 0;
  std::array<std::string_view, kMaxFlags> flags;
  int attribute_count = 0;
  std::array<std::pair<std::string_view, std::string_view>, kMaxAttributes> attributes;
  std::string_view input;
  std::string_view output;

  bool HasFlag(std::string_view f) const {
    for (int i = 0; i < flag_count; ++i)
      if (flags[i] == f) return true;
    return false;
  }
  std::optional<double> Score(std::string_view name) const {
    for (int i = 0; i < score_count; ++i)
      if (scores[i].first == name) return scores[i].second;
    return std::nullopt;
  }
  std::optional<std::string_view> Attribute(std::string_view key) const {
    for (int i = 0; i < attribute_count; ++i)
      if (attributes[i].first == key) return attributes[i].second;
    return std::nullopt;
  }
  // tpot_ms = (latency_ms - ttft_ms) / (output_tokens - 1) when all three are known, there are
  // at least two output tokens and tpot_ms was not sent.
  void DeriveTpot() {
    if (tpot_ms || !latency_ms || !ttft_ms || !output_tokens || *output_tokens < 2) return;
    double span = *latency_ms - *ttft_ms;
    if (span < 0) return;
    tpot_ms = span / static_cast<double>(*output_tokens - 1);
  }
};

// The gen_ai.evaluation.result event: a score or label for an earlier request.
struct EvaluationEvent {
  EpochMillis time = 0;
  std::string_view service;
  std::string_view request_id;
  std::string_view name;  // "faithfulness", "user_feedback", ...
  std::optional<double> score;
  std::string_view label;  // "pass", "fail", ...
  std::string_view explanation;
  // Filled from the request when it was seen; otherwise as sent (variant defaults to stable).
  std::string_view variant = "stable";
  std::string_view model;
  std::string_view prompt;
  int attribute_count = 0;
  std::array<std::pair<std::string_view, std::string_view>, kMaxAttributes> attributes;
};

}  // namespace ballast::telemetry
