#include "server/mlflow_json.h"

#include <cctype>
#include <charconv>
#include <iterator>

namespace ballast::server::mlflow {

using nlohmann::json;

namespace {

constexpr std::string_view kSeeDocs =
    " See the API docs for more information about request parameters.";

json TagsJson(const std::map<std::string, std::string>& tags, bool hide_run_link) {
  json out = json::array();
  for (const auto& [k, v] : tags) {
    if (hide_run_link && k == kRunLinkTag) continue;
    out.push_back({{"key", k}, {"value", v}});
  }
  return out;
}

std::string TypeName(const json& v) {
  switch (v.type()) {
    case json::value_t::string:
      return "str";
    case json::value_t::boolean:
      return "bool";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "int";
    case json::value_t::number_float:
      return "float";
    case json::value_t::array:
      return "list";
    case json::value_t::object:
      return "dict";
    default:
      return "null";
  }
}

Status BadValue(const std::string& name, const json& v, std::string_view expected) {
  std::string shown = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (shown.size() > 80) shown = shown.substr(0, 77) + "...";
  return Status::InvalidArgument("Invalid value " + shown + " for parameter '" + name +
                                     "' supplied: expected " + std::string(expected) +
                                     ". Hint: Value was of type '" + TypeName(v) + "'." +
                                     std::string(kSeeDocs),
                                 name);
}

std::optional<int64_t> ParseInt(std::string_view s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

json ModelVersionJson(const store::ModelVersion& v) {
  auto link = v.tags.find(std::string(kRunLinkTag));
  return {{"name", v.model},
          {"version", std::to_string(v.version)},
          {"creation_timestamp", v.created_at},
          {"last_updated_timestamp", v.updated_at},
          {"user_id", v.created_by},
          {"current_stage", std::string(store::StageName(v.stage))},
          {"description", v.description},
          {"source", v.source},
          {"run_id", v.run_id.value_or("")},
          {"status", std::string(store::VersionStatusName(v.status))},
          {"status_message", ""},
          {"tags", TagsJson(v.tags, /*hide_run_link=*/true)},
          {"run_link", link == v.tags.end() ? std::string() : link->second},
          {"aliases", v.aliases}};
}

json RegisteredModelJson(const store::RegisteredModel& m,
                         const std::vector<store::ModelVersion>& latest) {
  json versions = json::array();
  for (const store::ModelVersion& v : latest) versions.push_back(ModelVersionJson(v));
  json aliases = json::array();
  for (const auto& [alias, version] : m.aliases)
    aliases.push_back({{"alias", alias}, {"version", std::to_string(version)}});
  return {{"name", m.name},
          {"creation_timestamp", m.created_at},
          {"last_updated_timestamp", m.updated_at},
          {"description", m.description},
          {"latest_versions", std::move(versions)},
          {"tags", TagsJson(m.tags, /*hide_run_link=*/false)},
          {"aliases", std::move(aliases)}};
}

std::string_view ErrorCodeFor(StatusCode code) {
  switch (code) {
    case StatusCode::kInvalidArgument:
      return "INVALID_PARAMETER_VALUE";
    case StatusCode::kUnauthenticated:
      return "UNAUTHENTICATED";
    case StatusCode::kPermissionDenied:
      return "PERMISSION_DENIED";
    case StatusCode::kNotFound:
      return "RESOURCE_DOES_NOT_EXIST";
    case StatusCode::kMethodNotAllowed:
      return "ENDPOINT_NOT_FOUND";
    case StatusCode::kAlreadyExists:
      return "RESOURCE_ALREADY_EXISTS";
    case StatusCode::kAborted:
      return "ABORTED";
    case StatusCode::kFailedPrecondition:
      return "INVALID_STATE";
    case StatusCode::kPayloadTooLarge:
      return "REQUEST_LIMIT_EXCEEDED";
    case StatusCode::kUnsupportedMediaType:
      return "BAD_REQUEST";
    case StatusCode::kResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    case StatusCode::kUnavailable:
      return "TEMPORARILY_UNAVAILABLE";
    case StatusCode::kOk:
    case StatusCode::kInternal:
      break;
  }
  return "INTERNAL_ERROR";
}

int HttpStatusForMlflow(StatusCode code) {
  switch (code) {
    case StatusCode::kAlreadyExists:  // MLflow answers RESOURCE_ALREADY_EXISTS with 400
    case StatusCode::kFailedPrecondition:
    case StatusCode::kUnsupportedMediaType:
      return 400;
    default:
      return HttpStatusFor(code);
  }
}

HttpResponse ErrorResponse(const Status& status, std::string_view error_code) {
  std::string_view code = error_code.empty() ? ErrorCodeFor(status.code()) : error_code;
  std::string message = status.message();
  if (error_code.empty() && status.IsInvalidArgument() && message.rfind(kMalformedPrefix, 0) == 0) {
    code = "MALFORMED_REQUEST";
  }
  HttpResponse r =
      HttpResponse::Json(HttpStatusForMlflow(status.code()),
                         json{{"error_code", std::string(code)}, {"message", message}}.dump(
                             -1, ' ', false, json::error_handler_t::replace));
  if (status.code() == StatusCode::kResourceExhausted ||
      status.code() == StatusCode::kUnavailable) {
    r.headers.emplace_back("Retry-After", "1");
  }
  return r;
}

HttpResponse JsonResponse(const json& body) {
  return HttpResponse::Json(200, body.dump(-1, ' ', false, json::error_handler_t::replace));
}

Result<RequestFields> RequestFields::FromBody(const HttpRequest& request) {
  std::string_view type = request.Header("Content-Type");
  if (!type.empty()) {
    std::string base(type.substr(0, type.find(';')));
    while (!base.empty() && base.back() == ' ') base.pop_back();
    for (char& c : base) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (base != "application/json") {
      return Status::InvalidArgument(std::string(kMalformedPrefix) + "Content-Type must be " +
                                     "application/json, not '" + std::string(type) + "'");
    }
  }
  if (request.body.find_first_not_of(" \t\r\n") == std::string::npos)
    return RequestFields(json::object(), false);
  json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded())
    return Status::InvalidArgument(std::string(kMalformedPrefix) + "the body is not valid JSON");
  if (!body.is_object())
    return Status::InvalidArgument(std::string(kMalformedPrefix) +
                                   "the body must be a JSON object");
  return RequestFields(std::move(body), false);
}

RequestFields RequestFields::FromQuery(const HttpRequest& request) {
  json fields = json::object();
  for (const auto& [k, v] : request.query) {
    // A repeated parameter (MLflow's client sends lists as order_by=a&order_by=b) becomes a
    // list; StringList reads it, the single-valued readers refuse it naming the parameter.
    auto [first, last] = request.query_all.equal_range(k);
    if (std::distance(first, last) > 1) {
      json values = json::array();
      for (auto it = first; it != last; ++it) values.push_back(it->second);
      fields[k] = std::move(values);
    } else {
      fields[k] = v;
    }
  }
  return RequestFields(std::move(fields), true);
}

const json* RequestFields::Find(const std::string& name) const {
  auto it = fields_.find(name);
  if (it == fields_.end() || it->is_null()) return nullptr;
  return &*it;
}

Result<std::string> RequestFields::RequiredString(const std::string& name) const {
  const json* v = Find(name);
  if (v == nullptr || (v->is_string() && v->get_ref<const std::string&>().empty())) {
    return Status::InvalidArgument(
        "Missing value for required parameter '" + name + "'." + std::string(kSeeDocs), name);
  }
  if (!v->is_string()) return BadValue(name, *v, "a string");
  return v->get<std::string>();
}

Result<std::optional<std::string>> RequestFields::OptionalString(const std::string& name) const {
  const json* v = Find(name);
  if (v == nullptr) return std::optional<std::string>();
  if (!v->is_string()) return BadValue(name, *v, "a string");
  return std::optional<std::string>(v->get<std::string>());
}

Result<int64_t> RequestFields::RequiredVersion(const std::string& name) const {
  const json* v = Find(name);
  if (v == nullptr || (v->is_string() && v->get_ref<const std::string&>().empty())) {
    return Status::InvalidArgument(
        "Missing value for required parameter '" + name + "'." + std::string(kSeeDocs), name);
  }
  std::optional<int64_t> number;
  if (v->is_string()) number = ParseInt(v->get_ref<const std::string&>());
  if (v->is_number_integer()) number = v->get<int64_t>();
  if (!number || *number < 1) return BadValue(name, *v, "a version number (an integer >= 1)");
  return *number;
}

Result<std::optional<int64_t>> RequestFields::OptionalInt(const std::string& name) const {
  const json* v = Find(name);
  if (v == nullptr) return std::optional<int64_t>();
  std::optional<int64_t> number;
  if (v->is_number_integer()) number = v->get<int64_t>();
  // Strings are how query strings carry numbers; proto3 JSON also writes int64 as strings.
  if (v->is_string()) number = ParseInt(v->get_ref<const std::string&>());
  if (!number) return BadValue(name, *v, "an integer");
  return number;
}

Result<std::optional<bool>> RequestFields::OptionalBool(const std::string& name) const {
  const json* v = Find(name);
  if (v == nullptr) return std::optional<bool>();
  if (v->is_boolean()) return std::optional<bool>(v->get<bool>());
  if (from_query_ && v->is_string()) {
    const std::string& s = v->get_ref<const std::string&>();
    if (s == "true" || s == "True") return std::optional<bool>(true);
    if (s == "false" || s == "False") return std::optional<bool>(false);
  }
  return BadValue(name, *v, "a boolean");
}

Result<std::vector<std::string>> RequestFields::StringList(const std::string& name) const {
  std::vector<std::string> out;
  const json* v = Find(name);
  if (v == nullptr) return out;
  if (from_query_ && v->is_string()) {
    const std::string& s = v->get_ref<const std::string&>();
    size_t start = 0;
    while (start <= s.size()) {
      size_t comma = s.find(',', start);
      if (comma == std::string::npos) comma = s.size();
      if (comma > start) out.push_back(s.substr(start, comma - start));
      start = comma + 1;
    }
    return out;
  }
  if (!v->is_array()) return BadValue(name, *v, "a list of strings");
  for (const json& item : *v) {
    if (!item.is_string()) return BadValue(name, *v, "a list of strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

Result<std::map<std::string, std::string>> RequestFields::Tags(const std::string& name) const {
  std::map<std::string, std::string> out;
  const json* v = Find(name);
  if (v == nullptr) return out;
  if (!v->is_array()) return BadValue(name, *v, "a list of {\"key\", \"value\"} objects");
  for (const json& tag : *v) {
    if (!tag.is_object()) return BadValue(name, tag, "a {\"key\", \"value\"} object");
    auto key = tag.find("key");
    auto value = tag.find("value");
    if (key == tag.end() || !key->is_string() || key->get_ref<const std::string&>().empty())
      return BadValue(name, tag, "a tag with a non-empty string 'key'");
    if (value != tag.end() && !value->is_null() && !value->is_string())
      return BadValue(name, tag, "a tag whose 'value' is a string");
    out[key->get<std::string>()] =
        value == tag.end() || value->is_null() ? std::string() : value->get<std::string>();
  }
  return out;
}

}  // namespace ballast::server::mlflow
