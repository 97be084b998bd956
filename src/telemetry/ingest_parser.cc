#include "telemetry/ingest_parser.h"

#include <simdjson.h>

#include <cmath>
#include <cstring>

#include "common/time.h"
#include "telemetry/event_checks.h"
#include "telemetry/event_fields.h"
#include "telemetry/json_views.h"
#include "telemetry/minute_cache.h"

namespace ballast::telemetry {
namespace {

namespace od = simdjson::ondemand;
using json_views::KeyOf;
using json_views::MapKeyMemory;
using json_views::RawString;
using json_views::SimdjsonError;
using json_views::TypeName;

}  // namespace

// Per-line scratch: the simdjson parser, a padded copy of lines too close to the body's end,
// and the event objects the visitor sees (reset, never reallocated, between lines).
struct IngestParser::State {
  od::parser parser;
  std::unique_ptr<char[]> tail;
  size_t tail_capacity = 0;
  RequestEvent request;
  EvaluationEvent evaluation;
  std::string error;
  uint64_t seen = 0;
  MinuteCache minutes;
  // The two fields that most recently followed each field (index kUnknown: the first field),
  // most recent first: two, as optional fields make a field's successor alternate.
  std::array<std::array<EventField, 2>, kEventFieldCount> next_field{};
  MapKeyMemory score_keys, attribute_keys;

  // One store per field: chained assignments (a = b = {}) make the compiler reload a view it
  // just stored as one 16-byte load from two 8-byte stores, which stalls store forwarding.
  void ResetEvents() {
    RequestEvent& r = request;
    r.time = 0;
    for (std::string_view* s : {&r.service, &r.request_id, &r.model, &r.prompt, &r.provider,
                                &r.operation, &r.error_type, &r.finish_reason, &r.input,
                                &r.output})
      *s = std::string_view();
    r.variant = "stable";
    r.outcome = Outcome::kOk;
    r.latency_ms.reset();
    r.ttft_ms.reset();
    r.tpot_ms.reset();
    r.input_tokens.reset();
    r.output_tokens.reset();
    r.cached_input_tokens.reset();
    r.cost_usd.reset();
    r.score_count = r.flag_count = r.attribute_count = 0;
    EvaluationEvent& v = evaluation;
    v.time = 0;
    for (std::string_view* s : {&v.service, &v.request_id, &v.name, &v.label, &v.explanation,
                                &v.model, &v.prompt})
      *s = std::string_view();
    v.variant = "stable";
    v.score.reset();
    v.attribute_count = 0;
  }
};

namespace {

// Reads one field's value into `out`; on failure fills `err` and returns false. A JSON null
// leaves an optional field absent. The getters try the expected type first (one peek in the
// common case) and only look at the value's type to explain a failure or to accept null.
class ValueReader {
 public:
  ValueReader(std::string_view field, od::value& v, std::string& err)
      : field_(field), v_(v), err_(err) {}

  // Returns the value's type, or fails.
  bool Type(od::json_type& t) {
    auto e = v_.type().get(t);
    if (e) return Fail(SimdjsonError(e));
    if (t == od::json_type::null) {
      bool is_null = false;
      if (v_.is_null().get(is_null) || !is_null) return Fail(SimdjsonError(simdjson::N_ATOM_ERROR));
    }
    return true;
  }

  bool WrongType(std::string_view expected, od::json_type got) {
    std::string p = "expected ";
    p.append(expected);
    p += ", got ";
    p.append(TypeName(got));
    return Fail(FieldError(field_, p));
  }

  bool String(std::string_view& out) {
    if (RawString(v_, out)) return true;
    auto e = v_.get_string().get(out);
    if (!e) return true;
    return Mismatch(e, "a string");
  }

  bool Number(std::optional<double>& out) {
    double d;
    auto e = v_.get_double().get(d);
    if (!e) {
      out = d;
      return true;
    }
    return Mismatch(e, "a number");
  }

  bool Integer(std::optional<int64_t>& out) {
    int64_t i;
    if (!v_.get_int64().get(i)) {
      out = i;
      return true;
    }
    od::json_type t;
    if (!Type(t)) return false;
    if (t == od::json_type::null) return true;
    if (t != od::json_type::number) return WrongType("an integer", t);
    // 1e3 or 12.0 are integers written as doubles; accept them when exact.
    double d;
    auto e = v_.get_double().get(d);
    if (e) return Fail(SimdjsonError(e));
    if (d != std::floor(d) || std::fabs(d) > 9.0e15) {
      std::string_view raw = v_.raw_json_token();
      return Fail(FieldError(field_, "expected an integer, got " + std::string(raw.substr(0, 32))));
    }
    out = static_cast<int64_t>(d);
    return true;
  }

  // After a failed getter: null is an absent value, another type is a type error.
  bool Mismatch(simdjson::error_code e, std::string_view expected) {
    if (e != simdjson::INCORRECT_TYPE) return Fail(SimdjsonError(e));
    od::json_type t;
    if (!Type(t)) return false;
    if (t == od::json_type::null) return true;
    return WrongType(expected, t);
  }

  bool Time(MinuteCache& minutes, EpochMillis& out) {
    std::string_view s;
    bool is_string = RawString(v_, s);
    od::json_type t = od::json_type::string;
    if (!is_string) {
      if (!Type(t)) return false;
      if (t == od::json_type::string) {
        if (auto e = v_.get_string().get(s)) return Fail(SimdjsonError(e));
        is_string = true;
      }
    }
    if (is_string) {
      auto parsed = minutes.Parse(s);
      if (!parsed) return Fail(FieldError(field_, parsed.error().message()));
      out = *parsed;
      return true;
    }
    if (t == od::json_type::number) {
      std::optional<int64_t> ms;
      if (!Integer(ms)) {
        err_ = FieldError(field_, "expected an RFC 3339 string or integer epoch milliseconds");
        return false;
      }
      out = *ms;
      return true;
    }
    return WrongType("an RFC 3339 string or integer epoch milliseconds", t);
  }

  bool Fail(std::string e) {
    err_ = std::move(e);
    return false;
  }

 private:
  std::string_view field_;
  od::value& v_;
  std::string& err_;
};

std::string CountError(std::string_view field, int max) {
  return FieldError(field, "more than " + std::to_string(max) + " entries");
}

// Reads an object whose values are all strings (attributes) or all numbers (scores).
template <typename Pair, size_t N>
bool ReadMap(std::string_view field, od::value& v, std::array<Pair, N>& out, int& count,
             MapKeyMemory& memory, std::string& err) {
  constexpr bool kNumbers = std::is_same_v<typename Pair::second_type, double>;
  ValueReader reader(field, v, err);
  od::object obj;
  if (auto e = v.get_object().get(obj)) {
    if (e != simdjson::INCORRECT_TYPE) return reader.Fail(SimdjsonError(e));
    od::json_type t;
    if (!reader.Type(t)) return false;
    if (t == od::json_type::null) return true;
    return reader.WrongType("an object", t);
  }
  for (auto member : obj) {
    if (auto e = member.error()) return reader.Fail(SimdjsonError(e));
    od::field& f = member.value_unsafe();
    std::string_view key;
    if (auto e = memory.Key(f, count, key)) return reader.Fail(SimdjsonError(e));
    if (count == static_cast<int>(N)) return reader.Fail(CountError(field, static_cast<int>(N)));
    od::value& mv = f.value();
    // The path is built only on the error paths.
    auto wrong_type = [&](std::string_view expected) {
      od::json_type mt;
      if (auto e = mv.type().get(mt)) return reader.Fail(SimdjsonError(e));
      std::string path = std::string(field) + "." + std::string(key.substr(0, 64));
      return ValueReader(path, mv, err).WrongType(expected, mt);
    };
    if constexpr (kNumbers) {
      double d;
      if (auto e = mv.get_double().get(d)) {
        if (e != simdjson::INCORRECT_TYPE) return reader.Fail(SimdjsonError(e));
        return wrong_type("a number");
      }
      out[count++] = {key, d};
    } else {
      std::string_view s;
      if (!RawString(mv, s)) {
        if (auto e = mv.get_string().get(s)) {
          if (e != simdjson::INCORRECT_TYPE) return reader.Fail(SimdjsonError(e));
          return wrong_type("a string");
        }
      }
      out[count++] = {key, s};
    }
  }
  return true;
}

bool ReadFlags(od::value& v, RequestEvent& r, std::string& err) {
  ValueReader reader("flags", v, err);
  od::array arr;
  if (auto e = v.get_array().get(arr)) {
    if (e != simdjson::INCORRECT_TYPE) return reader.Fail(SimdjsonError(e));
    od::json_type t;
    if (!reader.Type(t)) return false;
    if (t == od::json_type::null) return true;
    return reader.WrongType("an array of strings", t);
  }
  for (auto element : arr) {
    if (auto e = element.error()) return reader.Fail(SimdjsonError(e));
    od::value& ev = element.value_unsafe();
    std::string_view s;
    if (!RawString(ev, s)) {
      od::json_type et;
      if (auto e = ev.type().get(et)) return reader.Fail(SimdjsonError(e));
      if (et != od::json_type::string)
        return ValueReader("flags[" + std::to_string(r.flag_count) + "]", ev, err)
            .WrongType("a string", et);
      if (auto e = ev.get_string().get(s)) return reader.Fail(SimdjsonError(e));
    }
    if (r.flag_count == kMaxFlags) return reader.Fail(CountError("flags", kMaxFlags));
    r.flags[r.flag_count++] = s;
  }
  return true;
}

}  // namespace

IngestParser::IngestParser(IngestParserOptions options)
    : options_(options), state_(std::make_unique<State>()) {}

IngestParser::~IngestParser() = default;

void IngestParser::Reject(int64_t line, std::string error, ParseCounts& counts) {
  ++counts.rejected;
  if (errors_.size() < options_.max_errors_kept) errors_.push_back({line, std::move(error)});
}

ParseCounts IngestParser::Parse(std::string_view body, EpochMillis now, EventVisitor& visitor) {
  ParseCounts counts;
  errors_.clear();
  State& st = *state_;
  size_t pos = 0;
  int64_t line_no = 0;
  while (pos < body.size()) {
    const char* nl =
        static_cast<const char*>(std::memchr(body.data() + pos, '\n', body.size() - pos));
    size_t end = nl ? static_cast<size_t>(nl - body.data()) : body.size();
    size_t next = nl ? end + 1 : body.size();
    ++line_no;
    ++counts.lines;
    std::string_view line = body.substr(pos, end - pos);
    pos = next;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || (line[0] != '{' && line.find_first_not_of(" \t\r") == line.npos)) {
      ++counts.blank_lines;
      continue;
    }
    if (line.size() > options_.max_line_bytes) {
      Reject(line_no, "line is longer than " + std::to_string(options_.max_line_bytes) + " bytes",
             counts);
      continue;
    }
    // simdjson reads up to SIMDJSON_PADDING bytes past the line: the rest of the body serves
    // when it is long enough; otherwise the line is copied into a padded buffer.
    const char* data = line.data();
    size_t after = static_cast<size_t>(body.data() + body.size() - (line.data() + line.size()));
    size_t capacity = line.size() + after;
    if (after < simdjson::SIMDJSON_PADDING) {
      size_t need = line.size() + simdjson::SIMDJSON_PADDING;
      if (st.tail_capacity < need) {
        st.tail = std::make_unique<char[]>(need);
        st.tail_capacity = need;
      }
      std::memcpy(st.tail.get(), line.data(), line.size());
      std::memset(st.tail.get() + line.size(), ' ', simdjson::SIMDJSON_PADDING);
      data = st.tail.get();
      capacity = st.tail_capacity;
    }
    bool is_evaluation = false;
    if (!ParseLine(data, line.size(), capacity, now, is_evaluation)) {
      Reject(line_no, std::move(st.error), counts);
      continue;
    }
    if (is_evaluation) {
      ++counts.evaluations;
      visitor.OnEvaluation(line_no, st.evaluation);
    } else {
      ++counts.requests;
      visitor.OnRequest(line_no, st.request);
    }
  }
  return counts;
}

bool IngestParser::ParseLine(const char* data, size_t len, size_t capacity, EpochMillis now,
                             bool& is_evaluation) {
  State& st = *state_;
  std::string& err = st.error;
  err.clear();
  st.ResetEvents();
  st.seen = 0;
  RequestEvent& r = st.request;
  EvaluationEvent& ev = st.evaluation;

  od::document doc;
  if (auto e = st.parser.iterate(data, len, capacity).get(doc)) {
    err = SimdjsonError(e);
    return false;
  }
  od::object obj;
  if (auto e = doc.get_object().get(obj)) {
    od::json_type root_type;
    if (auto te = doc.type().get(root_type)) {
      err = SimdjsonError(te);
    } else if (root_type != od::json_type::object) {
      err = "expected a JSON object, got ";
      err.append(TypeName(root_type));
    } else {
      err = SimdjsonError(e);
    }
    return false;
  }
  std::string_view type_value;
  std::optional<EpochMillis> time;
  EventField previous = EventField::kUnknown;
  for (auto member : obj) {
    if (auto e = member.error()) {
      err = SimdjsonError(e);
      return false;
    }
    od::field& f = member.value_unsafe();
    std::string_view key;
    std::array<EventField, 2>& guesses = st.next_field[static_cast<int>(previous)];
    const char* raw_key = f.key().raw();
    EventField id = guesses[0];
    if (id != EventField::kUnknown && RawKeyIs(raw_key, id)) {
      key = kFieldNames[static_cast<int>(id)];
    } else if (id = guesses[1]; id != EventField::kUnknown && RawKeyIs(raw_key, id)) {
      key = kFieldNames[static_cast<int>(id)];
      std::swap(guesses[0], guesses[1]);
    } else {
      if (auto e = KeyOf(f, key, &id)) {
        err = SimdjsonError(e);
        return false;
      }
      guesses[1] = guesses[0];
      guesses[0] = id;
    }
    previous = id;
    if (id == EventField::kUnknown) {
      err = "unknown field ";
      AppendQuoted(err, key);
      return false;
    }
    if (st.seen & FieldBit(id)) {
      err = "duplicate field ";
      AppendQuoted(err, key);
      return false;
    }
    st.seen |= FieldBit(id);
    od::value& v = f.value();
    // Error messages name the field as documented, whatever escapes the key was written with.
    ValueReader rd(kFieldNames[static_cast<int>(id)], v, err);
    bool ok = true;
    switch (id) {
      case EventField::kUnknown: break;
      case EventField::kType: ok = rd.String(type_value); break;
      case EventField::kTime: {
        EpochMillis t;
        ok = rd.Time(st.minutes, t);
        if (ok) time = t;
        break;
      }
      case EventField::kService: ok = rd.String(r.service); break;
      case EventField::kVariant: ok = rd.String(r.variant); break;
      case EventField::kRequestId: ok = rd.String(r.request_id); break;
      case EventField::kModel: ok = rd.String(r.model); break;
      case EventField::kPrompt: ok = rd.String(r.prompt); break;
      case EventField::kProvider: ok = rd.String(r.provider); break;
      case EventField::kOperation: ok = rd.String(r.operation); break;
      case EventField::kOutcome: {
        std::string_view o;
        ok = rd.String(o);
        if (ok && !o.empty() && !ParseOutcome(o, r.outcome)) {
          std::string p = "unknown value ";
          AppendQuoted(p, o);
          p += " (expected ok, error, timeout, rate_limited, filtered, cancelled)";
          err = FieldError("outcome", p);
          ok = false;
        }
        break;
      }
      case EventField::kErrorType: ok = rd.String(r.error_type); break;
      case EventField::kLatency: ok = rd.Number(r.latency_ms); break;
      case EventField::kTtft: ok = rd.Number(r.ttft_ms); break;
      case EventField::kTpot: ok = rd.Number(r.tpot_ms); break;
      case EventField::kInputTokens: ok = rd.Integer(r.input_tokens); break;
      case EventField::kOutputTokens: ok = rd.Integer(r.output_tokens); break;
      case EventField::kCachedInputTokens: ok = rd.Integer(r.cached_input_tokens); break;
      case EventField::kCost: ok = rd.Number(r.cost_usd); break;
      case EventField::kFinishReason: ok = rd.String(r.finish_reason); break;
      case EventField::kScores: ok = ReadMap("scores", v, r.scores, r.score_count, st.score_keys, err);
        break;
      case EventField::kFlags: ok = ReadFlags(v, r, err); break;
      case EventField::kAttributes:
        ok = ReadMap("attributes", v, r.attributes, r.attribute_count, st.attribute_keys, err);
        break;
      case EventField::kInput: ok = rd.String(r.input); break;
      case EventField::kOutput: ok = rd.String(r.output); break;
      case EventField::kName: ok = rd.String(ev.name); break;
      case EventField::kScore: ok = rd.Number(ev.score); break;
      case EventField::kLabel: ok = rd.String(ev.label); break;
      case EventField::kExplanation: ok = rd.String(ev.explanation); break;
    }
    if (!ok) return false;
  }
  // On-Demand stops at the object's end; anything after it is a second value.
  const char* rest = nullptr;
  if (!doc.current_location().get(rest)) {
    err = "malformed JSON: unexpected content after the object";
    return false;
  }

  if (type_value == "evaluation") {
    is_evaluation = true;
  } else if (!type_value.empty() && type_value != "request") {
    err = "field \"type\": unknown value ";
    AppendQuoted(err, type_value);
    err += " (expected request, evaluation)";
    return false;
  }
  const uint64_t foreign = st.seen & (is_evaluation ? kRequestOnly : kEvaluationOnly);
  if (foreign) {
    err = "unknown field ";
    AppendQuoted(err, kFieldNames[__builtin_ctzll(foreign)]);
    err += is_evaluation ? " in an evaluation event" : " in a request event";
    return false;
  }
  if (!time) {
    err = "missing required field \"time\"";
    return false;
  }
  if (!(st.seen & FieldBit(EventField::kService)) || r.service.data() == nullptr) {
    err = "missing required field \"service\"";
    return false;
  }
  r.time = *time;
  EventCheckFailure failure;
  if (is_evaluation) {
    ev.time = *time;
    ev.service = r.service;
    ev.variant = r.variant;
    ev.request_id = r.request_id;
    ev.model = r.model;
    ev.prompt = r.prompt;
    ev.attribute_count = r.attribute_count;
    for (int i = 0; i < r.attribute_count; ++i) ev.attributes[i] = r.attributes[i];
    if (ev.name.empty()) {
      err = ev.name.data() ? "field \"name\": must not be empty" : "missing required field \"name\"";
      return false;
    }
    if (!ev.score && ev.label.data() == nullptr) {
      err = "an evaluation event needs \"score\" or \"label\"";
      return false;
    }
    // The request checks cover the shared fields; evaluation-only labels are checked here.
    const IngestParserOptions& o = options_;
    if (CheckRequestEventFast(r, o, now, failure, len) &&
        CheckLabelFast("name", ev.name, o.max_label_chars, failure) &&
        CheckLabelFast("label", ev.label, o.max_label_chars, failure) &&
        CheckLabelFast("explanation", ev.explanation, o.max_text_chars, failure))
      return true;
    err = DescribeCheckFailure(failure, o);
    return false;
  }
  if (!CheckRequestEventFast(r, options_, now, failure, len)) {
    err = DescribeCheckFailure(failure, options_);
    return false;
  }
  r.DeriveTpot();
  return true;
}

}  // namespace ballast::telemetry
