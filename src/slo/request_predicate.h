// RequestPredicate: a filter expression compiled for one event type only, telemetry::RequestEvent,
// so that the SLO hot path (SloBatch: every SLI of a service, on every ingested request) reads the
// event's members directly instead of going through expr::Record's virtual Get and the generic
// comparison of expr::Predicate: `outcome` comparisons become a bit test, `has(flags, ..)` a scan
// of the event's few flags, number comparisons one load and compare.
//
//   std::optional<RequestPredicate> fast = RequestPredicate::Compile("outcome = 'ok'");
//   bool good = fast ? fast->Evaluate(event) : slow.Evaluate(RequestEventRecord(event));
//
// Compile covers the forms SLIs use: AND/OR/NOT; `outcome` with = != IN NOT IN; the string
// fields with = != IN NOT IN; number fields and `scores.<k>` with the six comparisons, IN and NOT
// IN; `attributes.<k>` with = != IN NOT IN; `has(flags, 'x')`. Anything else (LIKE, time,
// ordering of strings, the MLflow dialect) gives nullopt and the caller keeps expr::Predicate.
// Where it compiles, Evaluate returns exactly what expr::Predicate::Evaluate returns on
// telemetry::RequestEventRecord of the same event (request_predicate_test.cc checks this on
// random events): a comparison of an absent field is false, an empty optional string is absent,
// `tpot_ms` is derived when not sent, NaN compares false.
//
// RequestField is the same for the number field of a threshold SLI.
//
// Thread safety: immutable after Compile; Evaluate and Read may run concurrently.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "telemetry/event.h"

namespace ballast::slo {

// A number field of a request event: latency_ms, ttft_ms, tpot_ms, input_tokens, output_tokens,
// cached_input_tokens, cost_usd, time, or scores.<key>.
class RequestField {
 public:
  // nullopt for a name that is not a number field of requests.
  static std::optional<RequestField> Of(std::string_view name);
  // nullopt when the event lacks the field (or it is NaN). Inline: SloBatch reads one per
  // threshold SLI per event.
  std::optional<double> Read(const telemetry::RequestEvent& e) const {
    std::optional<double> v;
    switch (source_) {
      case Source::kTime:
        v = static_cast<double>(e.time);
        break;
      case Source::kLatency:
        v = e.latency_ms;
        break;
      case Source::kTtft:
        v = e.ttft_ms;
        break;
      case Source::kTpot:
        v = Tpot(e);
        break;
      case Source::kInputTokens:
        v = AsDouble(e.input_tokens);
        break;
      case Source::kOutputTokens:
        v = AsDouble(e.output_tokens);
        break;
      case Source::kCachedInputTokens:
        v = AsDouble(e.cached_input_tokens);
        break;
      case Source::kCost:
        v = e.cost_usd;
        break;
      case Source::kScore:
        v = e.Score(key_);
        break;
    }
    if (v && std::isnan(*v)) return std::nullopt;
    return v;
  }

  // Every field but scores.<key> of one event, read at once (NaN when absent or NaN), indexed by
  // fixed_index(): SloBatch reads them once per event instead of a switch per SLI and event,
  // whose mispredicted jumps cost more than the reads. Same values as Read.
  static constexpr size_t kFixedFields = 8;
  using FixedFields = std::array<double, kFixedFields>;
  static void ReadFixed(const telemetry::RequestEvent& e, FixedFields& out) {
    constexpr double kAbsent = std::numeric_limits<double>::quiet_NaN();
    out[0] = static_cast<double>(e.time);
    out[1] = e.latency_ms.value_or(kAbsent);
    out[2] = e.ttft_ms.value_or(kAbsent);
    out[3] = Tpot(e).value_or(kAbsent);
    out[4] = AsDouble(e.input_tokens).value_or(kAbsent);
    out[5] = AsDouble(e.output_tokens).value_or(kAbsent);
    out[6] = AsDouble(e.cached_input_tokens).value_or(kAbsent);
    out[7] = e.cost_usd.value_or(kAbsent);
  }
  // The index of this field in FixedFields; -1 for scores.<key> (use Read).
  int fixed_index() const { return source_ == Source::kScore ? -1 : static_cast<int>(source_); }

  enum class Source : uint8_t {  // kTime..kCost: their FixedFields index
    kTime,
    kLatency,
    kTtft,
    kTpot,
    kInputTokens,
    kOutputTokens,
    kCachedInputTokens,
    kCost,
    kScore,
  };

 private:
  // RequestEvent::DeriveTpot's rule (as RequestEventRecord reads it), on a borrowed event.
  static std::optional<double> Tpot(const telemetry::RequestEvent& e) {
    if (e.tpot_ms) return e.tpot_ms;
    if (!e.latency_ms || !e.ttft_ms || !e.output_tokens || *e.output_tokens < 2) {
      return std::nullopt;
    }
    const double span = *e.latency_ms - *e.ttft_ms;
    if (span < 0) return std::nullopt;
    return span / static_cast<double>(*e.output_tokens - 1);
  }
  static std::optional<double> AsDouble(const std::optional<int64_t>& v) {
    if (!v) return std::nullopt;
    return static_cast<double>(*v);
  }

  Source source_ = Source::kLatency;
  std::string key_;  // kScore
};

class RequestPredicate {
 public:
  // nullopt when `text` is empty, does not parse, or uses a form not covered (see above).
  static std::optional<RequestPredicate> Compile(std::string_view text);
  bool Evaluate(const telemetry::RequestEvent& e) const;

 private:
  enum class Kind : uint8_t { kAnd, kOr, kNot, kOutcome, kString, kNumber, kFlag, kAttribute };
  enum class StringField : uint8_t {
    kService,
    kVariant,
    kRequestId,
    kModel,
    kPrompt,
    kProvider,
    kOperation,
    kErrorType,
    kFinishReason,
  };
  enum class Compare : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe, kIn, kNotIn };
  struct Node {
    Kind kind = Kind::kAnd;
    Compare compare = Compare::kEq;
    uint32_t first = 0;  // kAnd, kOr, kNot: children are nodes_[first, first + count)
    uint32_t count = 0;
    uint32_t outcomes = 0;  // kOutcome: bit i set when outcome i matches
    StringField string_field = StringField::kService;
    std::optional<RequestField> number_field;
    std::string key;                   // kAttribute: its key; kFlag: the flag
    std::vector<std::string> strings;  // kString, kAttribute: sorted, unique
    std::vector<double> numbers;       // kNumber: sorted, unique (one for scalar compares)
  };
  friend class RequestPredicateCompiler;

  static std::string_view StringOf(const telemetry::RequestEvent& e, StringField which);
  bool EvalNode(const Node& n, const telemetry::RequestEvent& e) const;

  std::vector<Node> nodes_;  // nodes_[0] is the root
};

}  // namespace ballast::slo
