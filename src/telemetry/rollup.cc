#include "telemetry/rollup.h"

namespace ballast::telemetry {

void Rollup::Add(const RequestEvent& e) {
  ++requests;
  ++outcomes[static_cast<size_t>(e.outcome)];
  if (e.input_tokens) input_tokens += *e.input_tokens;
  if (e.output_tokens) output_tokens += *e.output_tokens;
  if (e.cost_usd) cost_usd += *e.cost_usd;
  if (e.latency_ms) latency_ms.Add(*e.latency_ms);
  if (e.ttft_ms) ttft_ms.Add(*e.ttft_ms);
}

void Rollup::Merge(const Rollup& other) {
  requests += other.requests;
  for (size_t i = 0; i < outcomes.size(); ++i) outcomes[i] += other.outcomes[i];
  input_tokens += other.input_tokens;
  output_tokens += other.output_tokens;
  cost_usd += other.cost_usd;
  latency_ms.Merge(other.latency_ms);
  ttft_ms.Merge(other.ttft_ms);
}

}  // namespace ballast::telemetry
