#include "telemetry/event_record.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace ballast::telemetry {
namespace {

using expr::FieldValue;
using expr::SlotId;
using expr::ValueType;

enum RequestSlot : SlotId {
  kReqTime, kReqService, kReqVariant, kReqRequestId, kReqModel, kReqPrompt, kReqProvider,
  kReqOperation, kReqOutcome, kReqErrorType, kReqLatency, kReqTtft, kReqTpot, kReqInputTokens,
  kReqOutputTokens, kReqCachedInputTokens, kReqCost, kReqFinishReason, kReqScores, kReqFlags,
  kReqAttributes,
};

enum EvaluationSlot : SlotId {
  kEvalTime, kEvalName, kEvalScore, kEvalLabel, kEvalService, kEvalVariant, kEvalModel,
  kEvalPrompt, kEvalRequestId, kEvalAttributes,
};

FieldValue OptionalString(std::string_view s) {
  return s.empty() ? FieldValue::Absent() : FieldValue::String(s);
}

template <typename T>
FieldValue OptionalNumber(const std::optional<T>& v) {
  return v ? FieldValue::Number(static_cast<double>(*v)) : FieldValue::Absent();
}

template <size_t N>
FieldValue Attribute(const std::array<std::pair<std::string_view, std::string_view>, N>& attrs,
                     int count, std::string_view key) {
  for (int i = 0, n = std::clamp(count, 0, static_cast<int>(N)); i < n; ++i)
    if (attrs[i].first == key) return FieldValue::String(attrs[i].second);
  return FieldValue::Absent();
}

std::optional<double> Tpot(const RequestEvent& e) {
  if (e.tpot_ms) return e.tpot_ms;
  // Same rule as RequestEvent::DeriveTpot, without mutating a borrowed event.
  if (!e.latency_ms || !e.ttft_ms || !e.output_tokens || *e.output_tokens < 2) return std::nullopt;
  double span = *e.latency_ms - *e.ttft_ms;
  if (span < 0) return std::nullopt;
  return span / static_cast<double>(*e.output_tokens - 1);
}

}  // namespace

const expr::Schema& RequestEventSchema() {
  static const expr::Schema* const schema = [] {
    auto* s = new expr::Schema;
    s->AddField("time", ValueType::kTime, kReqTime)
        .AddField("service", ValueType::kString, kReqService)
        .AddField("variant", ValueType::kString, kReqVariant)
        .AddField("request_id", ValueType::kString, kReqRequestId)
        .AddField("model", ValueType::kString, kReqModel)
        .AddField("prompt", ValueType::kString, kReqPrompt)
        .AddField("provider", ValueType::kString, kReqProvider)
        .AddField("operation", ValueType::kString, kReqOperation)
        .AddEnum("outcome", std::vector<std::string>(kOutcomeNames.begin(), kOutcomeNames.end()),
                 kReqOutcome)
        .AddField("error_type", ValueType::kString, kReqErrorType)
        .AddField("latency_ms", ValueType::kNumber, kReqLatency)
        .AddField("ttft_ms", ValueType::kNumber, kReqTtft)
        .AddField("tpot_ms", ValueType::kNumber, kReqTpot)
        .AddField("input_tokens", ValueType::kNumber, kReqInputTokens)
        .AddField("output_tokens", ValueType::kNumber, kReqOutputTokens)
        .AddField("cached_input_tokens", ValueType::kNumber, kReqCachedInputTokens)
        .AddField("cost_usd", ValueType::kNumber, kReqCost)
        .AddField("finish_reason", ValueType::kString, kReqFinishReason)
        .AddMap("scores", ValueType::kNumber, kReqScores)
        .AddField("flags", ValueType::kStringList, kReqFlags)
        .AddMap("attributes", ValueType::kString, kReqAttributes);
    return s;
  }();
  return *schema;
}

const expr::Schema& EvaluationEventSchema() {
  static const expr::Schema* const schema = [] {
    auto* s = new expr::Schema;
    s->AddField("time", ValueType::kTime, kEvalTime)
        .AddField("name", ValueType::kString, kEvalName)
        .AddField("score", ValueType::kNumber, kEvalScore)
        .AddField("label", ValueType::kString, kEvalLabel)
        .AddField("service", ValueType::kString, kEvalService)
        .AddField("variant", ValueType::kString, kEvalVariant)
        .AddField("model", ValueType::kString, kEvalModel)
        .AddField("prompt", ValueType::kString, kEvalPrompt)
        .AddField("request_id", ValueType::kString, kEvalRequestId)
        .AddMap("attributes", ValueType::kString, kEvalAttributes);
    return s;
  }();
  return *schema;
}

FieldValue RequestEventRecord::Get(SlotId slot, std::string_view key) const {
  const RequestEvent& e = event_;
  switch (static_cast<RequestSlot>(slot)) {
    case kReqTime: return FieldValue::Number(static_cast<double>(e.time));
    case kReqService: return OptionalString(e.service);
    case kReqVariant: return OptionalString(e.variant);
    case kReqRequestId: return OptionalString(e.request_id);
    case kReqModel: return OptionalString(e.model);
    case kReqPrompt: return OptionalString(e.prompt);
    case kReqProvider: return OptionalString(e.provider);
    case kReqOperation: return OptionalString(e.operation);
    case kReqOutcome: return FieldValue::String(OutcomeName(e.outcome));
    case kReqErrorType: return OptionalString(e.error_type);
    case kReqLatency: return OptionalNumber(e.latency_ms);
    case kReqTtft: return OptionalNumber(e.ttft_ms);
    case kReqTpot: return OptionalNumber(Tpot(e));
    case kReqInputTokens: return OptionalNumber(e.input_tokens);
    case kReqOutputTokens: return OptionalNumber(e.output_tokens);
    case kReqCachedInputTokens: return OptionalNumber(e.cached_input_tokens);
    case kReqCost: return OptionalNumber(e.cost_usd);
    case kReqFinishReason: return OptionalString(e.finish_reason);
    case kReqScores: return OptionalNumber(e.Score(key));
    case kReqFlags:
      return FieldValue::List(std::span<const std::string_view>(
          e.flags.data(), static_cast<size_t>(std::clamp(e.flag_count, 0, kMaxFlags))));
    case kReqAttributes: return Attribute(e.attributes, e.attribute_count, key);
  }
  return FieldValue::Absent();
}

FieldValue EvaluationEventRecord::Get(SlotId slot, std::string_view key) const {
  const EvaluationEvent& e = event_;
  switch (static_cast<EvaluationSlot>(slot)) {
    case kEvalTime: return FieldValue::Number(static_cast<double>(e.time));
    case kEvalName: return OptionalString(e.name);
    case kEvalScore: return OptionalNumber(e.score);
    case kEvalLabel: return OptionalString(e.label);
    case kEvalService: return OptionalString(e.service);
    case kEvalVariant: return OptionalString(e.variant);
    case kEvalModel: return OptionalString(e.model);
    case kEvalPrompt: return OptionalString(e.prompt);
    case kEvalRequestId: return OptionalString(e.request_id);
    case kEvalAttributes: return Attribute(e.attributes, e.attribute_count, key);
  }
  return FieldValue::Absent();
}

}  // namespace ballast::telemetry
