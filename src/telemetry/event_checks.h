// Semantic checks of request and evaluation events, shared by the NDJSON and OTLP parsers: the
// accept window, name syntax and lengths, non-negative numbers (DESIGN.md §3).
//
// The checks run once per event on the ingest hot path, so they report a failure as a small
// value (which check failed, on which field) and build the error text only when an event is
// actually rejected:
//
//   EventCheckFailure failure;
//   if (!CheckRequestEventFast(event, options, now, failure))
//     Reject(DescribeCheckFailure(failure, options));
//
// CheckRequestEvent() in ingest_parser.h is the string-returning form of the same checks.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "telemetry/event.h"
#include "telemetry/ingest_parser.h"

namespace ballast::telemetry {

enum class EventCheckProblem : uint8_t {
  kNone,
  kOutsideAcceptWindow,  // `value` holds the event time
  kEmpty,
  kTooLong,              // `value` holds the limit in characters
  kBadNameCharacters,
  kNegative,
};

// Which check failed. `field` points at a string literal (never into the event).
struct EventCheckFailure {
  EventCheckProblem problem = EventCheckProblem::kNone;
  std::string_view field;
  int64_t value = 0;
};

// True when `e` passes every check; otherwise false with `failure` naming the first failed one.
// `longest_string`: an upper bound on the byte length of every string in `e` (a parser passes
// its line's length); lengths are only measured when it exceeds a limit.
bool CheckRequestEventFast(const RequestEvent& e, const IngestParserOptions& options,
                           EpochMillis now, EventCheckFailure& failure,
                           size_t longest_string = SIZE_MAX);

// The label check alone (a length bound in UTF-8 characters), for evaluation-only fields.
bool CheckLabelFast(std::string_view field, std::string_view value, size_t max_chars,
                    EventCheckFailure& failure);

// The error text of a failure, e.g. `field "latency_ms": must not be negative`.
std::string DescribeCheckFailure(const EventCheckFailure& failure,
                                 const IngestParserOptions& options);

// `field "<name>": <problem>`, the shape of every field error; the name is cut at 64 bytes.
std::string FieldError(std::string_view field, std::string_view problem);

// Appends `s` in double quotes, cut at `max` bytes with "..." after it.
void AppendQuoted(std::string& out, std::string_view s, size_t max = 64);

}  // namespace ballast::telemetry
