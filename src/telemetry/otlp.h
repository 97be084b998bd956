// OtlpTraceParser: turns an OTLP/HTTP JSON ExportTraceServiceRequest into request events.
//
// A span carrying any gen_ai.* attribute (OpenTelemetry GenAI semantic conventions) becomes one
// RequestEvent:
//   service        resource attribute service.name
//   model          gen_ai.request.model, else gen_ai.response.model
//   provider       gen_ai.provider.name, else the older gen_ai.system
//   operation      gen_ai.operation.name
//   input_tokens   gen_ai.usage.input_tokens (or gen_ai.usage.prompt_tokens)
//   output_tokens  gen_ai.usage.output_tokens (or gen_ai.usage.completion_tokens)
//   time, latency  startTimeUnixNano; endTimeUnixNano - startTimeUnixNano
//   outcome        error when error.type is set or status.code is 2 (ERROR); error_type from
//                  error.type
//   finish_reason  the first of gen_ai.response.finish_reasons
//   ttft_ms        gen_ai.server.time_to_first_token (seconds) * 1000
//   request_id     ballast.request_id, else gen_ai.response.id
//   variant, prompt, cost_usd   ballast.variant, ballast.prompt, ballast.cost_usd
//   attributes     every ballast.attributes.<key> string attribute, as <key>
// Spans without gen_ai.* attributes are ignored (counted). A GenAI span that fails validation
// (the same checks as NDJSON events) is rejected with an error naming the span; spans are
// numbered from 1 in document order across the whole request.
//
// Thread safety: one parser per thread; it keeps its simdjson buffers across calls.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "telemetry/ingest_parser.h"

namespace ballast::telemetry {

struct OtlpParseCounts {
  int64_t spans = 0;     // all spans seen
  int64_t accepted = 0;  // GenAI spans passed to the visitor
  int64_t ignored = 0;   // spans without gen_ai.* attributes
  int64_t rejected = 0;  // GenAI spans that failed validation
};

class OtlpTraceParser {
 public:
  explicit OtlpTraceParser(IngestParserOptions options = {});
  ~OtlpTraceParser();
  OtlpTraceParser(const OtlpTraceParser&) = delete;
  OtlpTraceParser& operator=(const OtlpTraceParser&) = delete;

  // Calls visitor.OnRequest(span number, event) for each accepted span. INVALID_ARGUMENT (with
  // the JSON path) when the body is not JSON or not shaped like an ExportTraceServiceRequest;
  // events already visited then must be discarded by the caller.
  Result<OtlpParseCounts> Parse(std::string_view body, EpochMillis now, EventVisitor& visitor);

  // Rejected spans of the last Parse (the first max_errors_kept); LineError::line is the span
  // number.
  const std::vector<LineError>& errors() const { return errors_; }
  void set_options(const IngestParserOptions& options) { options_ = options; }

 private:
  struct State;
  IngestParserOptions options_;
  std::unique_ptr<State> state_;
  std::vector<LineError> errors_;
};

}  // namespace ballast::telemetry
