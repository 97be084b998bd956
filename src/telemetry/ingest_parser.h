// IngestParser: the NDJSON parser and validator of POST /v1/events (DESIGN.md §3).
//
// A body is a sequence of lines, counted from 1; blank lines are counted and skipped, CRLF line
// ends are accepted. Each line is a request event, or an evaluation event when it carries
// "type": "evaluation". Every line is validated on its own: a bad line is rejected with an error
// naming the field and the problem (`field "latency_ms": expected a number, got string`) and the
// others are still accepted.
//
//   IngestParser parser(options);
//   ParseCounts counts = parser.Parse(body, clock.NowMillis(), visitor);
//   for (const LineError& e : parser.errors()) ...
//
// The visitor sees each valid event as views into the body (keys and strings without escapes,
// matched and viewed in place) or the parser's buffers, valid only during the call (see
// event.h). The parser keeps its simdjson parser and buffers across calls, so in the steady
// state it allocates nothing per valid event. It also remembers, across lines and bodies, the
// order of the last fields and map keys seen and the last time's minute, which only speeds up
// lines that repeat them (see event_fields.h, json_views.h, minute_cache.h).
//
// Thread safety: an IngestParser is used by one thread at a time (one per thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "telemetry/event.h"

namespace ballast::telemetry {

struct IngestParserOptions {
  // Live ingest rejects event times outside [now - accept_past_millis, now +
  // accept_future_millis]; replay turns the check off.
  bool enforce_accept_window = true;
  int64_t accept_past_millis = 7LL * 24 * 3600 * 1000;
  int64_t accept_future_millis = 5LL * 60 * 1000;
  // A longer line is rejected without being parsed.
  size_t max_line_bytes = 1 << 20;
  // service, variant: 1..max_name_chars of [A-Za-z0-9_.:/-].
  size_t max_name_chars = 128;
  // model, prompt, provider, operation, request_id, error_type, finish_reason, flags, score
  // names, attribute keys and values, evaluation name and label.
  size_t max_label_chars = 512;
  // input, output, explanation.
  size_t max_text_chars = 64 * 1024;
  // Errors kept by errors(); the others are only counted. Bounds memory on a garbage body.
  size_t max_errors_kept = 1000;
};

struct LineError {
  int64_t line = 0;
  std::string error;
  friend bool operator==(const LineError&, const LineError&) = default;
};

struct ParseCounts {
  int64_t lines = 0;        // including blank lines
  int64_t blank_lines = 0;
  int64_t requests = 0;     // valid request events
  int64_t evaluations = 0;  // valid evaluation events
  int64_t rejected = 0;     // all rejected lines, also those past max_errors_kept
};

// Receives each valid event; the views are valid only during the call.
class EventVisitor {
 public:
  virtual ~EventVisitor() = default;
  virtual void OnRequest(int64_t line, const RequestEvent& event) = 0;
  virtual void OnEvaluation(int64_t line, const EvaluationEvent& event) = 0;
};

// Semantic checks shared by the NDJSON and OTLP paths: the accept window, name syntax and
// lengths, non-negative numbers. Returns an empty string when `e` is valid, otherwise the error.
std::string CheckRequestEvent(const RequestEvent& e, const IngestParserOptions& options,
                              EpochMillis now);

class IngestParser {
 public:
  explicit IngestParser(IngestParserOptions options = {});
  ~IngestParser();
  IngestParser(const IngestParser&) = delete;
  IngestParser& operator=(const IngestParser&) = delete;

  // Parses `body`, calling `visitor` for each valid event; `now` anchors the accept window.
  // Replaces errors() with this body's (first max_errors_kept) rejected lines.
  ParseCounts Parse(std::string_view body, EpochMillis now, EventVisitor& visitor);

  const std::vector<LineError>& errors() const { return errors_; }
  const IngestParserOptions& options() const { return options_; }
  void set_options(const IngestParserOptions& options) { options_ = options; }

 private:
  struct State;
  void Reject(int64_t line, std::string error, ParseCounts& counts);
  // Parses and validates one line into state_'s events; false with state_->error set if bad.
  bool ParseLine(const char* data, size_t len, size_t capacity, EpochMillis now,
                 bool& is_evaluation);

  IngestParserOptions options_;
  std::unique_ptr<State> state_;  // simdjson parser, padded buffer, event scratch
  std::vector<LineError> errors_;
};

}  // namespace ballast::telemetry
