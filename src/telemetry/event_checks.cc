#include "telemetry/event_checks.h"

#include <array>
#include <utility>

#include "common/time.h"

namespace ballast::telemetry {
namespace {

// [A-Za-z0-9_.:/-] as a table: one load per character instead of a chain of comparisons.
constexpr std::array<bool, 256> kNameChars = [] {
  std::array<bool, 256> t{};
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (char c : {'_', '.', ':', '/', '-'}) t[static_cast<unsigned char>(c)] = true;
  return t;
}();

// Counts UTF-8 code points (simdjson has validated the encoding).
size_t CharCount(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool Fail(EventCheckFailure& f, EventCheckProblem problem, std::string_view field,
          int64_t value = 0) {
  f = {problem, field, value};
  return false;
}

bool CheckName(std::string_view field, std::string_view v, size_t max_chars,
               EventCheckFailure& f) {
  if (v.empty()) return Fail(f, EventCheckProblem::kEmpty, field);
  if (v.size() > max_chars)
    return Fail(f, EventCheckProblem::kTooLong, field, static_cast<int64_t>(max_chars));
  bool ok = true;
  for (unsigned char c : v) ok &= kNameChars[c];
  if (!ok) return Fail(f, EventCheckProblem::kBadNameCharacters, field);
  return true;
}

// Byte length bounds the character count from above, so the count is only taken when needed.
inline bool CheckLabel(std::string_view field, std::string_view v, size_t max_chars,
                       EventCheckFailure& f) {
  if (v.size() > max_chars && CharCount(v) > max_chars)
    return Fail(f, EventCheckProblem::kTooLong, field, static_cast<int64_t>(max_chars));
  return true;
}

inline bool CheckNonNegative(std::string_view field, const std::optional<double>& v,
                             EventCheckFailure& f) {
  if (v && !(*v >= 0)) return Fail(f, EventCheckProblem::kNegative, field);
  return true;
}

inline bool CheckNonNegative(std::string_view field, const std::optional<int64_t>& v,
                             EventCheckFailure& f) {
  if (v && *v < 0) return Fail(f, EventCheckProblem::kNegative, field);
  return true;
}

// Must run after the string checks: the first failure is the one reported. The map and flag
// labels come last, so an event with no too-long string reaches these first.
bool CheckNonNegatives(const RequestEvent& e, EventCheckFailure& f) {
  return CheckNonNegative("latency_ms", e.latency_ms, f) &&
         CheckNonNegative("ttft_ms", e.ttft_ms, f) && CheckNonNegative("tpot_ms", e.tpot_ms, f) &&
         CheckNonNegative("cost_usd", e.cost_usd, f) &&
         CheckNonNegative("input_tokens", e.input_tokens, f) &&
         CheckNonNegative("output_tokens", e.output_tokens, f) &&
         CheckNonNegative("cached_input_tokens", e.cached_input_tokens, f);
}

// "7d", "5m", "90s": like FormatMillisAsDuration but never in weeks, which read oddly here.
std::string WindowSpan(int64_t ms) {
  static constexpr std::pair<int64_t, char> kUnits[] = {
      {86'400'000, 'd'}, {3'600'000, 'h'}, {60'000, 'm'}, {1'000, 's'}};
  for (auto [unit, suffix] : kUnits)
    if (ms != 0 && ms % unit == 0) return std::to_string(ms / unit) + suffix;
  return std::to_string(ms) + "ms";
}

}  // namespace

void AppendQuoted(std::string& out, std::string_view s, size_t max) {
  out += '"';
  out.append(s.substr(0, max));
  if (s.size() > max) out += "...";
  out += '"';
}

std::string FieldError(std::string_view field, std::string_view problem) {
  std::string e = "field ";
  AppendQuoted(e, field);
  e += ": ";
  e.append(problem);
  return e;
}

bool CheckLabelFast(std::string_view field, std::string_view value, size_t max_chars,
                    EventCheckFailure& failure) {
  return CheckLabel(field, value, max_chars, failure);
}

bool CheckRequestEventFast(const RequestEvent& e, const IngestParserOptions& o, EpochMillis now,
                           EventCheckFailure& f, size_t longest_string) {
  if (o.enforce_accept_window &&
      !(e.time >= now - o.accept_past_millis && e.time <= now + o.accept_future_millis))
    return Fail(f, EventCheckProblem::kOutsideAcceptWindow, "time", e.time);
  if (!CheckName("service", e.service, o.max_name_chars, f)) return false;
  if (!CheckName("variant", e.variant, o.max_name_chars, f)) return false;
  const size_t label = o.max_label_chars;
  // A string has at most as many characters as bytes: if none can be too long, skip them all.
  if (longest_string <= label && longest_string <= o.max_text_chars)
    return CheckNonNegatives(e, f);
  if (!CheckLabel("request_id", e.request_id, label, f) ||
      !CheckLabel("model", e.model, label, f) || !CheckLabel("prompt", e.prompt, label, f) ||
      !CheckLabel("provider", e.provider, label, f) ||
      !CheckLabel("operation", e.operation, label, f) ||
      !CheckLabel("error_type", e.error_type, label, f) ||
      !CheckLabel("finish_reason", e.finish_reason, label, f) ||
      !CheckLabel("input", e.input, o.max_text_chars, f) ||
      !CheckLabel("output", e.output, o.max_text_chars, f))
    return false;
  if (!CheckNonNegatives(e, f)) return false;
  for (int i = 0; i < e.score_count; ++i)
    if (!CheckLabel("scores", e.scores[i].first, label, f)) return false;
  for (int i = 0; i < e.flag_count; ++i)
    if (!CheckLabel("flags", e.flags[i], label, f)) return false;
  for (int i = 0; i < e.attribute_count; ++i) {
    if (!CheckLabel("attributes", e.attributes[i].first, label, f) ||
        !CheckLabel("attributes", e.attributes[i].second, label, f))
      return false;
  }
  return true;
}

std::string DescribeCheckFailure(const EventCheckFailure& f, const IngestParserOptions& o) {
  switch (f.problem) {
    case EventCheckProblem::kNone: return {};
    case EventCheckProblem::kOutsideAcceptWindow:
      return FieldError(f.field, FormatRfc3339(f.value) + " is outside the accept window (now-" +
                                     WindowSpan(o.accept_past_millis) + " .. now+" +
                                     WindowSpan(o.accept_future_millis) + ")");
    case EventCheckProblem::kEmpty: return FieldError(f.field, "must not be empty");
    case EventCheckProblem::kTooLong:
      return FieldError(f.field, "longer than " + std::to_string(f.value) + " characters");
    case EventCheckProblem::kBadNameCharacters:
      return FieldError(f.field, "may contain only letters, digits and _ . : / -");
    case EventCheckProblem::kNegative: return FieldError(f.field, "must not be negative");
  }
  return {};
}

std::string CheckRequestEvent(const RequestEvent& e, const IngestParserOptions& options,
                              EpochMillis now) {
  EventCheckFailure failure;
  if (CheckRequestEventFast(e, options, now, failure)) return {};
  return DescribeCheckFailure(failure, options);
}

}  // namespace ballast::telemetry
