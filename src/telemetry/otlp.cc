#include "telemetry/otlp.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <string>

namespace ballast::telemetry {
namespace {

namespace dom = simdjson::dom;

constexpr int64_t kNanosPerMilli = 1'000'000;

Status ShapeError(const std::string& path, std::string_view expected) {
  return Status::InvalidArgument("not an OTLP ExportTraceServiceRequest: " + path + " must be " +
                                     std::string(expected),
                                 path);
}

// Optional member of a JSON object; absent or null -> false.
bool Member(dom::object obj, std::string_view key, dom::element& out) {
  if (obj.at_key(key).get(out)) return false;
  return !out.is_null();
}

// Parses OTLP's int64/uint64 encodings: a JSON number or a string of digits.
bool ReadInt(dom::element e, int64_t& out) {
  int64_t i;
  uint64_t u;
  double d;
  std::string_view s;
  if (!e.get_int64().get(i)) {
    out = i;
    return true;
  }
  if (!e.get_uint64().get(u)) {
    if (u > static_cast<uint64_t>(INT64_MAX)) return false;
    out = static_cast<int64_t>(u);
    return true;
  }
  if (!e.get_double().get(d)) {
    if (!(std::fabs(d) < 9.2e18) || d != std::floor(d)) return false;
    out = static_cast<int64_t>(d);
    return true;
  }
  if (!e.get_string().get(s)) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
  }
  return false;
}

// One attribute's AnyValue, reduced to what the GenAI mapping needs.
struct AnyValue {
  enum class Kind { kNone, kString, kInt, kDouble, kBool, kArray } kind = Kind::kNone;
  std::string_view str;
  int64_t i = 0;
  double d = 0;
  dom::array array;
};

bool ReadAnyValue(dom::element value, AnyValue& out) {
  dom::object obj;
  if (value.get_object().get(obj)) return false;
  dom::element v;
  if (Member(obj, "stringValue", v)) {
    out.kind = AnyValue::Kind::kString;
    return !v.get_string().get(out.str);
  }
  if (Member(obj, "intValue", v)) {
    out.kind = AnyValue::Kind::kInt;
    return ReadInt(v, out.i);
  }
  if (Member(obj, "doubleValue", v)) {
    out.kind = AnyValue::Kind::kDouble;
    if (!v.get_double().get(out.d)) return true;
    int64_t i;  // proto3 JSON may write integral doubles as ints or strings
    if (!ReadInt(v, i)) return false;
    out.d = static_cast<double>(i);
    return true;
  }
  if (Member(obj, "boolValue", v)) {
    bool b;
    out.kind = AnyValue::Kind::kBool;
    if (v.get_bool().get(b)) return false;
    out.i = b;
    return true;
  }
  if (Member(obj, "arrayValue", v)) {
    dom::object arr_obj;
    if (v.get_object().get(arr_obj)) return false;
    out.kind = AnyValue::Kind::kArray;
    dom::element values;
    if (!Member(arr_obj, "values", values)) return true;  // empty array
    return !values.get_array().get(out.array);
  }
  return true;  // kvlistValue, bytesValue or empty: not used by the mapping
}

std::optional<double> AsNumber(const AnyValue& v) {
  if (v.kind == AnyValue::Kind::kInt) return static_cast<double>(v.i);
  if (v.kind == AnyValue::Kind::kDouble) return v.d;
  return std::nullopt;
}

std::optional<int64_t> AsInt(const AnyValue& v) {
  if (v.kind == AnyValue::Kind::kInt) return v.i;
  if (v.kind == AnyValue::Kind::kDouble && v.d == std::floor(v.d) && std::fabs(v.d) < 9e15)
    return static_cast<int64_t>(v.d);
  return std::nullopt;
}

std::string AttrError(std::string_view key, std::string_view problem) {
  return "attribute \"" + std::string(key.substr(0, 64)) + "\": " + std::string(problem);
}

}  // namespace

struct OtlpTraceParser::State {
  dom::parser parser;
  RequestEvent event;
};

OtlpTraceParser::OtlpTraceParser(IngestParserOptions options)
    : options_(options), state_(std::make_unique<State>()) {}

OtlpTraceParser::~OtlpTraceParser() = default;

namespace {

// Fills `e` from one span; returns "" or the reason the span is rejected. Sets `genai` when the
// span has a gen_ai.* attribute (otherwise the span is ignored and `e` is meaningless).
std::string MapSpan(dom::object span, std::string_view service, RequestEvent& e, bool& genai) {
  genai = false;
  e = RequestEvent{};
  e.service = service;
  std::optional<std::string_view> response_model, system, response_id;
  std::optional<int64_t> prompt_tokens, completion_tokens;
  dom::element attrs;
  if (Member(span, "attributes", attrs)) {
    dom::array arr;
    if (attrs.get_array().get(arr)) return "\"attributes\" must be an array";
    for (dom::element a : arr) {
      dom::object kv;
      std::string_view key;
      dom::element value;
      if (a.get_object().get(kv) || kv.at_key("key").get_string().get(key))
        return "every attribute needs a string \"key\"";
      AnyValue v;
      if (Member(kv, "value", value) && !ReadAnyValue(value, v))
        return AttrError(key, "malformed value");
      if (key.substr(0, 7) == "gen_ai.") genai = true;
      auto want_string = [&](std::string_view& out) -> std::string {
        if (v.kind != AnyValue::Kind::kString) return AttrError(key, "expected a stringValue");
        out = v.str;
        return {};
      };
      auto want_int = [&](std::optional<int64_t>& out) -> std::string {
        out = AsInt(v);
        return out ? std::string() : AttrError(key, "expected an intValue");
      };
      auto want_number = [&](std::optional<double>& out, double scale) -> std::string {
        auto n = AsNumber(v);
        if (!n) return AttrError(key, "expected a number");
        out = *n * scale;
        return {};
      };
      std::string err;
      std::string_view sv;
      if (key == "gen_ai.request.model") {
        err = want_string(e.model);
      } else if (key == "gen_ai.response.model") {
        if ((err = want_string(sv)).empty()) response_model = sv;
      } else if (key == "gen_ai.provider.name") {
        err = want_string(e.provider);
      } else if (key == "gen_ai.system") {
        if ((err = want_string(sv)).empty()) system = sv;
      } else if (key == "gen_ai.operation.name") {
        err = want_string(e.operation);
      } else if (key == "gen_ai.usage.input_tokens") {
        err = want_int(e.input_tokens);
      } else if (key == "gen_ai.usage.output_tokens") {
        err = want_int(e.output_tokens);
      } else if (key == "gen_ai.usage.prompt_tokens") {
        err = want_int(prompt_tokens);
      } else if (key == "gen_ai.usage.completion_tokens") {
        err = want_int(completion_tokens);
      } else if (key == "gen_ai.response.finish_reasons") {
        if (v.kind == AnyValue::Kind::kArray) {
          for (dom::element first : v.array) {
            AnyValue fv;
            if (!ReadAnyValue(first, fv) || fv.kind != AnyValue::Kind::kString)
              err = AttrError(key, "expected an array of strings");
            else
              e.finish_reason = fv.str;
            break;
          }
        } else if (v.kind == AnyValue::Kind::kString) {
          e.finish_reason = v.str;
        } else {
          err = AttrError(key, "expected an arrayValue of strings");
        }
      } else if (key == "gen_ai.server.time_to_first_token") {
        err = want_number(e.ttft_ms, 1000.0);
      } else if (key == "gen_ai.response.id") {
        if ((err = want_string(sv)).empty()) response_id = sv;
      } else if (key == "error.type") {
        if ((err = want_string(e.error_type)).empty()) e.outcome = Outcome::kError;
      } else if (key == "ballast.variant") {
        err = want_string(e.variant);
      } else if (key == "ballast.prompt") {
        err = want_string(e.prompt);
      } else if (key == "ballast.request_id") {
        err = want_string(e.request_id);
      } else if (key == "ballast.cost_usd") {
        err = want_number(e.cost_usd, 1.0);
      } else if (key.substr(0, 19) == "ballast.attributes." &&
                 v.kind == AnyValue::Kind::kString) {
        if (e.attribute_count == kMaxAttributes)
          err = "more than " + std::to_string(kMaxAttributes) + " ballast.attributes.*";
        else
          e.attributes[e.attribute_count++] = {key.substr(19), v.str};
      }
      if (!err.empty()) return err;
    }
  }
  if (!genai) return {};
  if (e.model.empty() && response_model) e.model = *response_model;
  if (e.provider.empty() && system) e.provider = *system;
  if (!e.input_tokens) e.input_tokens = prompt_tokens;
  if (!e.output_tokens) e.output_tokens = completion_tokens;
  if (e.request_id.empty() && response_id) e.request_id = *response_id;

  int64_t start = 0, end = 0;
  dom::element t;
  if (!Member(span, "startTimeUnixNano", t) || !ReadInt(t, start) || start <= 0)
    return "\"startTimeUnixNano\" must be a positive integer (or string of digits)";
  if (!Member(span, "endTimeUnixNano", t) || !ReadInt(t, end) || end <= 0)
    return "\"endTimeUnixNano\" must be a positive integer (or string of digits)";
  if (end < start) return "\"endTimeUnixNano\" is before \"startTimeUnixNano\"";
  e.time = start / kNanosPerMilli;
  e.latency_ms = static_cast<double>(end - start) / kNanosPerMilli;

  dom::element status;
  if (Member(span, "status", status)) {
    dom::element code;
    dom::object status_obj;
    if (status.get_object().get(status_obj)) return "\"status\" must be an object";
    if (Member(status_obj, "code", code)) {
      int64_t c = 0;
      std::string_view name;
      if (ReadInt(code, c)) {
        if (c == 2) e.outcome = Outcome::kError;
      } else if (!code.get_string().get(name)) {
        if (name == "STATUS_CODE_ERROR") e.outcome = Outcome::kError;
      } else {
        return "\"status.code\" must be an integer or a status code name";
      }
    }
  }
  if (e.outcome == Outcome::kError && e.error_type.empty() && status.is_object()) {
    std::string_view message;
    if (!status.get_object().at_key("message").get_string().get(message)) e.error_type = message;
  }
  if (service.empty()) return "resource attribute \"service.name\" is missing";
  return {};
}

}  // namespace

Result<OtlpParseCounts> OtlpTraceParser::Parse(std::string_view body, EpochMillis now,
                                               EventVisitor& visitor) {
  errors_.clear();
  OtlpParseCounts counts;
  dom::element root;
  if (auto e = state_->parser.parse(body.data(), body.size(), true).get(root))
    return Status::InvalidArgument(std::string("malformed JSON: ") + simdjson::error_message(e));
  dom::object root_obj;
  if (root.get_object().get(root_obj)) return ShapeError("the body", "a JSON object");
  dom::element resource_spans;
  if (!Member(root_obj, "resourceSpans", resource_spans)) return counts;  // nothing to export
  dom::array rs_array;
  if (resource_spans.get_array().get(rs_array)) return ShapeError("resourceSpans", "an array");
  size_t ri = 0;
  for (dom::element rs : rs_array) {
    std::string rpath = "resourceSpans[" + std::to_string(ri++) + "]";
    dom::object rs_obj;
    if (rs.get_object().get(rs_obj)) return ShapeError(rpath, "an object");
    std::string_view service;
    dom::element resource;
    if (Member(rs_obj, "resource", resource)) {
      dom::object res_obj;
      if (resource.get_object().get(res_obj)) return ShapeError(rpath + ".resource", "an object");
      dom::element attrs;
      if (Member(res_obj, "attributes", attrs)) {
        dom::array arr;
        if (attrs.get_array().get(arr))
          return ShapeError(rpath + ".resource.attributes", "an array");
        for (dom::element a : arr) {
          std::string_view key, value;
          if (a.at_key("key").get_string().get(key) || key != "service.name") continue;
          if (!a.at_key("value").at_key("stringValue").get_string().get(value)) service = value;
        }
      }
    }
    dom::element scope_spans;
    if (!Member(rs_obj, "scopeSpans", scope_spans)) continue;
    dom::array ss_array;
    if (scope_spans.get_array().get(ss_array))
      return ShapeError(rpath + ".scopeSpans", "an array");
    size_t si = 0;
    for (dom::element ss : ss_array) {
      std::string spath = rpath + ".scopeSpans[" + std::to_string(si++) + "]";
      dom::object ss_obj;
      if (ss.get_object().get(ss_obj)) return ShapeError(spath, "an object");
      dom::element spans;
      if (!Member(ss_obj, "spans", spans)) continue;
      dom::array span_array;
      if (spans.get_array().get(span_array)) return ShapeError(spath + ".spans", "an array");
      for (dom::element span : span_array) {
        int64_t number = ++counts.spans;
        dom::object span_obj;
        bool genai = false;
        std::string err;
        RequestEvent& e = state_->event;
        if (span.get_object().get(span_obj)) {
          err = "span must be an object";
          genai = true;
        } else {
          err = MapSpan(span_obj, service, e, genai);
          // A span that cannot be read is rejected, not silently ignored.
          if (!err.empty()) genai = true;
        }
        if (!genai) {
          ++counts.ignored;
          continue;
        }
        if (err.empty()) err = CheckRequestEvent(e, options_, now);
        if (!err.empty()) {
          ++counts.rejected;
          if (errors_.size() < options_.max_errors_kept) errors_.push_back({number, err});
          continue;
        }
        e.DeriveTpot();
        ++counts.accepted;
        visitor.OnRequest(number, e);
      }
    }
  }
  return counts;
}

}  // namespace ballast::telemetry
