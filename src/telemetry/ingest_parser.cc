#include "telemetry/ingest_parser.h"

#include <simdjson.h>

#include <cmath>
#include <cstring>

#include "common/time.h"

namespace ballast::telemetry {
namespace {

namespace od = simdjson::ondemand;

enum class Field : uint8_t {
  kUnknown, kType, kTime, kService, kVariant, kRequestId, kModel, kPrompt, kProvider, kOperation,
  kOutcome, kErrorType, kLatency, kTtft, kTpot, kInputTokens, kOutputTokens, kCachedInputTokens,
  kCost, kFinishReason, kScores, kFlags, kAttributes, kInput, kOutput, kName, kScore, kLabel,
  kExplanation,
};

uint64_t Bit(Field f) { return uint64_t{1} << static_cast<int>(f); }

// Fields only a request event or only an evaluation event may carry; the others are common.
const uint64_t kRequestOnly =
    Bit(Field::kProvider) | Bit(Field::kOperation) | Bit(Field::kOutcome) |
    Bit(Field::kErrorType) | Bit(Field::kLatency) | Bit(Field::kTtft) | Bit(Field::kTpot) |
    Bit(Field::kInputTokens) | Bit(Field::kOutputTokens) | Bit(Field::kCachedInputTokens) |
    Bit(Field::kCost) | Bit(Field::kFinishReason) | Bit(Field::kScores) | Bit(Field::kFlags) |
    Bit(Field::kInput) | Bit(Field::kOutput);
const uint64_t kEvaluationOnly =
    Bit(Field::kName) | Bit(Field::kScore) | Bit(Field::kLabel) | Bit(Field::kExplanation);

// Dispatches on the first character so a key costs one or two comparisons.
Field LookupField(std::string_view k) {
  if (k.empty()) return Field::kUnknown;
  switch (k[0]) {
    case 'a': if (k == "attributes") return Field::kAttributes; break;
    case 'c':
      if (k == "cost_usd") return Field::kCost;
      if (k == "cached_input_tokens") return Field::kCachedInputTokens;
      break;
    case 'e':
      if (k == "error_type") return Field::kErrorType;
      if (k == "explanation") return Field::kExplanation;
      break;
    case 'f':
      if (k == "flags") return Field::kFlags;
      if (k == "finish_reason") return Field::kFinishReason;
      break;
    case 'i':
      if (k == "input_tokens") return Field::kInputTokens;
      if (k == "input") return Field::kInput;
      break;
    case 'l':
      if (k == "latency_ms") return Field::kLatency;
      if (k == "label") return Field::kLabel;
      break;
    case 'm': if (k == "model") return Field::kModel; break;
    case 'n': if (k == "name") return Field::kName; break;
    case 'o':
      if (k == "outcome") return Field::kOutcome;
      if (k == "output_tokens") return Field::kOutputTokens;
      if (k == "operation") return Field::kOperation;
      if (k == "output") return Field::kOutput;
      break;
    case 'p':
      if (k == "prompt") return Field::kPrompt;
      if (k == "provider") return Field::kProvider;
      break;
    case 'r': if (k == "request_id") return Field::kRequestId; break;
    case 's':
      if (k == "service") return Field::kService;
      if (k == "scores") return Field::kScores;
      if (k == "score") return Field::kScore;
      break;
    case 't':
      if (k == "time") return Field::kTime;
      if (k == "ttft_ms") return Field::kTtft;
      if (k == "tpot_ms") return Field::kTpot;
      if (k == "type") return Field::kType;
      break;
    case 'v': if (k == "variant") return Field::kVariant; break;
  }
  return Field::kUnknown;
}

std::string_view TypeName(od::json_type t) {
  switch (t) {
    case od::json_type::array: return "array";
    case od::json_type::object: return "object";
    case od::json_type::number: return "number";
    case od::json_type::string: return "string";
    case od::json_type::boolean: return "boolean";
    case od::json_type::null: return "null";
  }
  return "unknown";
}

void AppendQuoted(std::string& out, std::string_view s, size_t max = 64) {
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

// Counts UTF-8 code points (simdjson has validated the encoding).
size_t CharCount(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool IsNameChar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == ':' || c == '/' || c == '-';
}

std::string CheckName(std::string_view field, std::string_view v, size_t max_chars) {
  if (v.empty()) return FieldError(field, "must not be empty");
  if (v.size() > max_chars)
    return FieldError(field, "longer than " + std::to_string(max_chars) + " characters");
  for (unsigned char c : v)
    if (!IsNameChar(c))
      return FieldError(field, "may contain only letters, digits and _ . : / -");
  return {};
}

std::string CheckLabel(std::string_view field, std::string_view v, size_t max_chars) {
  if (v.size() > max_chars && CharCount(v) > max_chars)
    return FieldError(field, "longer than " + std::to_string(max_chars) + " characters");
  return {};
}

std::string CheckNonNegative(std::string_view field, const std::optional<double>& v) {
  if (v && !(*v >= 0)) return FieldError(field, "must not be negative");
  return {};
}

std::string CheckNonNegative(std::string_view field, const std::optional<int64_t>& v) {
  if (v && *v < 0) return FieldError(field, "must not be negative");
  return {};
}

// "7d", "5m", "90s": like FormatMillisAsDuration but never in weeks, which read oddly here.
std::string WindowSpan(int64_t ms) {
  static constexpr std::pair<int64_t, char> kUnits[] = {
      {86'400'000, 'd'}, {3'600'000, 'h'}, {60'000, 'm'}, {1'000, 's'}};
  for (auto [unit, suffix] : kUnits)
    if (ms != 0 && ms % unit == 0) return std::to_string(ms / unit) + suffix;
  return std::to_string(ms) + "ms";
}

std::string CheckTime(EpochMillis t, const IngestParserOptions& o, EpochMillis now) {
  if (!o.enforce_accept_window) return {};
  if (t >= now - o.accept_past_millis && t <= now + o.accept_future_millis) return {};
  return FieldError("time", FormatRfc3339(t) + " is outside the accept window (now-" +
                                WindowSpan(o.accept_past_millis) + " .. now+" +
                                WindowSpan(o.accept_future_millis) + ")");
}

std::string SimdjsonError(simdjson::error_code e) {
  return std::string("malformed JSON: ") + simdjson::error_message(e);
}

}  // namespace

std::string CheckRequestEvent(const RequestEvent& e, const IngestParserOptions& o,
                              EpochMillis now) {
  std::string err;
  if (!(err = CheckTime(e.time, o, now)).empty()) return err;
  if (!(err = CheckName("service", e.service, o.max_name_chars)).empty()) return err;
  if (!(err = CheckName("variant", e.variant, o.max_name_chars)).empty()) return err;
  const std::pair<std::string_view, std::string_view> labels[] = {
      {"request_id", e.request_id}, {"model", e.model},          {"prompt", e.prompt},
      {"provider", e.provider},     {"operation", e.operation},  {"error_type", e.error_type},
      {"finish_reason", e.finish_reason}};
  for (const auto& [field, value] : labels)
    if (!(err = CheckLabel(field, value, o.max_label_chars)).empty()) return err;
  if (!(err = CheckLabel("input", e.input, o.max_text_chars)).empty()) return err;
  if (!(err = CheckLabel("output", e.output, o.max_text_chars)).empty()) return err;
  if (!(err = CheckNonNegative("latency_ms", e.latency_ms)).empty()) return err;
  if (!(err = CheckNonNegative("ttft_ms", e.ttft_ms)).empty()) return err;
  if (!(err = CheckNonNegative("tpot_ms", e.tpot_ms)).empty()) return err;
  if (!(err = CheckNonNegative("cost_usd", e.cost_usd)).empty()) return err;
  if (!(err = CheckNonNegative("input_tokens", e.input_tokens)).empty()) return err;
  if (!(err = CheckNonNegative("output_tokens", e.output_tokens)).empty()) return err;
  if (!(err = CheckNonNegative("cached_input_tokens", e.cached_input_tokens)).empty()) return err;
  for (int i = 0; i < e.score_count; ++i)
    if (!(err = CheckLabel("scores", e.scores[i].first, o.max_label_chars)).empty()) return err;
  for (int i = 0; i < e.flag_count; ++i)
    if (!(err = CheckLabel("flags", e.flags[i], o.max_label_chars)).empty()) return err;
  for (int i = 0; i < e.attribute_count; ++i) {
    if (!(err = CheckLabel("attributes", e.attributes[i].first, o.max_label_chars)).empty())
      return err;
    if (!(err = CheckLabel("attributes", e.attributes[i].second, o.max_label_chars)).empty())
      return err;
  }
  return {};
}

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

  void ResetEvents() {
    RequestEvent& r = request;
    r.time = 0;
    r.service = r.request_id = r.model = r.prompt = r.provider = r.operation = {};
    r.variant = "stable";
    r.outcome = Outcome::kOk;
    r.error_type = r.finish_reason = r.input = r.output = {};
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
    v.service = v.request_id = v.name = v.label = v.explanation = v.model = v.prompt = {};
    v.variant = "stable";
    v.score.reset();
    v.attribute_count = 0;
  }
};

namespace {

// Reads one field's value into `out`; on failure fills `err` and returns false. A JSON null
// leaves an optional field absent.
class ValueReader {
 public:
  ValueReader(std::string_view field, od::value& v, std::string& err)
      : field_(field), v_(v), err_(err) {}

  // Returns the value's type, or fails. `null_ok`: the caller treats null as absent.
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

  // The getters try the expected type first (one peek in the common case) and only look at
  // the value's type to explain a failure or to accept null.
  bool String(std::string_view& out) {
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

  bool Time(EpochMillis& out) {
    od::json_type t;
    if (!Type(t)) return false;
    if (t == od::json_type::string) {
      std::string_view s;
      if (auto e = v_.get_string().get(s)) return Fail(SimdjsonError(e));
      auto parsed = ParseRfc3339(s);
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
bool ReadMap(std::string_view field, od::value& v, std::array<Pair, N>& out,
             int& count, std::string& err) {
  od::json_type t;
  ValueReader reader(field, v, err);
  if (!reader.Type(t)) return false;
  if (t == od::json_type::null) return true;
  if (t != od::json_type::object) return reader.WrongType("an object", t);
  od::object obj;
  if (auto e = v.get_object().get(obj)) return reader.Fail(SimdjsonError(e));
  for (auto member : obj) {
    od::field f;
    if (auto e = std::move(member).get(f)) return reader.Fail(SimdjsonError(e));
    std::string_view key;
    if (auto e = f.unescaped_key().get(key)) return reader.Fail(SimdjsonError(e));
    if (count == static_cast<int>(N)) return reader.Fail(CountError(field, static_cast<int>(N)));
    std::string path;  // built only on the error paths below
    od::value mv = f.value();
    od::json_type mt;
    auto te = mv.type().get(mt);
    if (te) return reader.Fail(SimdjsonError(te));
    if constexpr (std::is_same_v<typename Pair::second_type, double>) {
      if (mt != od::json_type::number) {
        path = std::string(field) + "." + std::string(key.substr(0, 64));
        return ValueReader(path, mv, err).WrongType("a number", mt);
      }
      double d;
      if (auto e = mv.get_double().get(d)) return reader.Fail(SimdjsonError(e));
      out[count++] = {key, d};
    } else {
      if (mt != od::json_type::string) {
        path = std::string(field) + "." + std::string(key.substr(0, 64));
        return ValueReader(path, mv, err).WrongType("a string", mt);
      }
      std::string_view s;
      if (auto e = mv.get_string().get(s)) return reader.Fail(SimdjsonError(e));
      out[count++] = {key, s};
    }
  }
  return true;
}

bool ReadFlags(od::value& v, RequestEvent& r, std::string& err) {
  ValueReader reader("flags", v, err);
  od::json_type t;
  if (!reader.Type(t)) return false;
  if (t == od::json_type::null) return true;
  if (t != od::json_type::array) return reader.WrongType("an array of strings", t);
  od::array arr;
  if (auto e = v.get_array().get(arr)) return reader.Fail(SimdjsonError(e));
  for (auto element : arr) {
    od::value ev;
    if (auto e = std::move(element).get(ev)) return reader.Fail(SimdjsonError(e));
    od::json_type et;
    if (auto e = ev.type().get(et)) return reader.Fail(SimdjsonError(e));
    if (et != od::json_type::string)
      return ValueReader("flags[" + std::to_string(r.flag_count) + "]", ev, err)
          .WrongType("a string", et);
    if (r.flag_count == kMaxFlags) return reader.Fail(CountError("flags", kMaxFlags));
    if (auto e = ev.get_string().get(r.flags[r.flag_count])) return reader.Fail(SimdjsonError(e));
    ++r.flag_count;
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
    const char* nl = static_cast<const char*>(std::memchr(body.data() + pos, '\n', body.size() - pos));
    size_t end = nl ? static_cast<size_t>(nl - body.data()) : body.size();
    size_t next = nl ? end + 1 : body.size();
    ++line_no;
    ++counts.lines;
    std::string_view line = body.substr(pos, end - pos);
    pos = next;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) {
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
  od::json_type root_type;
  if (auto e = doc.type().get(root_type)) {
    err = SimdjsonError(e);
    return false;
  }
  if (root_type != od::json_type::object) {
    err = "expected a JSON object, got ";
    err.append(TypeName(root_type));
    return false;
  }
  od::object obj;
  if (auto e = doc.get_object().get(obj)) {
    err = SimdjsonError(e);
    return false;
  }
  std::string_view type_value;
  std::optional<EpochMillis> time;
  for (auto member : obj) {
    od::field f;
    if (auto e = std::move(member).get(f)) {
      err = SimdjsonError(e);
      return false;
    }
    std::string_view key;
    if (auto e = f.unescaped_key().get(key)) {
      err = SimdjsonError(e);
      return false;
    }
    Field id = LookupField(key);
    if (id == Field::kUnknown) {
      err = "unknown field ";
      AppendQuoted(err, key);
      return false;
    }
    if (st.seen & Bit(id)) {
      err = "duplicate field ";
      AppendQuoted(err, key);
      return false;
    }
    st.seen |= Bit(id);
    od::value v = f.value();
    ValueReader rd(key, v, err);
    bool ok = true;
    switch (id) {
      case Field::kUnknown: break;
      case Field::kType: ok = rd.String(type_value); break;
      case Field::kTime: {
        EpochMillis t;
        ok = rd.Time(t);
        if (ok) time = t;
        break;
      }
      case Field::kService: ok = rd.String(r.service); break;
      case Field::kVariant: ok = rd.String(r.variant); break;
      case Field::kRequestId: ok = rd.String(r.request_id); break;
      case Field::kModel: ok = rd.String(r.model); break;
      case Field::kPrompt: ok = rd.String(r.prompt); break;
      case Field::kProvider: ok = rd.String(r.provider); break;
      case Field::kOperation: ok = rd.String(r.operation); break;
      case Field::kOutcome: {
        std::string_view o;
        ok = rd.String(o);
        if (ok && !o.empty() && !ParseOutcome(o, r.outcome)) {
          std::string p = "unknown value ";
          AppendQuoted(p, o);
          p += " (expected ok, error, timeout, rate_limited, filtered, cancelled)";
          err = FieldError(key, p);
          ok = false;
        }
        break;
      }
      case Field::kErrorType: ok = rd.String(r.error_type); break;
      case Field::kLatency: ok = rd.Number(r.latency_ms); break;
      case Field::kTtft: ok = rd.Number(r.ttft_ms); break;
      case Field::kTpot: ok = rd.Number(r.tpot_ms); break;
      case Field::kInputTokens: ok = rd.Integer(r.input_tokens); break;
      case Field::kOutputTokens: ok = rd.Integer(r.output_tokens); break;
      case Field::kCachedInputTokens: ok = rd.Integer(r.cached_input_tokens); break;
      case Field::kCost: ok = rd.Number(r.cost_usd); break;
      case Field::kFinishReason: ok = rd.String(r.finish_reason); break;
      case Field::kScores: ok = ReadMap("scores", v, r.scores, r.score_count, err); break;
      case Field::kFlags: ok = ReadFlags(v, r, err); break;
      case Field::kAttributes:
        ok = ReadMap("attributes", v, r.attributes, r.attribute_count, err);
        break;
      case Field::kInput: ok = rd.String(r.input); break;
      case Field::kOutput: ok = rd.String(r.output); break;
      case Field::kName: ok = rd.String(ev.name); break;
      case Field::kScore: ok = rd.Number(ev.score); break;
      case Field::kLabel: ok = rd.String(ev.label); break;
      case Field::kExplanation: ok = rd.String(ev.explanation); break;
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
    for (int b = 0; b < 64; ++b) {
      if (foreign & (uint64_t{1} << b)) {
        // Re-derive the name from the table for the message.
        static constexpr std::string_view kNames[] = {
            "", "type", "time", "service", "variant", "request_id", "model", "prompt",
            "provider", "operation", "outcome", "error_type", "latency_ms", "ttft_ms",
            "tpot_ms", "input_tokens", "output_tokens", "cached_input_tokens", "cost_usd",
            "finish_reason", "scores", "flags", "attributes", "input", "output", "name",
            "score", "label", "explanation"};
        err = "unknown field ";
        AppendQuoted(err, kNames[b]);
        err += is_evaluation ? " in an evaluation event" : " in a request event";
        return false;
      }
    }
  }
  if (!time) {
    err = "missing required field \"time\"";
    return false;
  }
  if (!(st.seen & Bit(Field::kService)) || r.service.data() == nullptr) {
    err = "missing required field \"service\"";
    return false;
  }
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
    r.time = *time;
    err = CheckRequestEvent(r, options_, now);
    if (err.empty()) err = CheckLabel("name", ev.name, options_.max_label_chars);
    if (err.empty()) err = CheckLabel("label", ev.label, options_.max_label_chars);
    if (err.empty()) err = CheckLabel("explanation", ev.explanation, options_.max_text_chars);
    return err.empty();
  }
  r.time = *time;
  err = CheckRequestEvent(r, options_, now);
  if (!err.empty()) return false;
  r.DeriveTpot();
  return true;
}

}  // namespace ballast::telemetry
