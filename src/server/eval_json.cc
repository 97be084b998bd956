#include "server/eval_json.h"

#include <cmath>
#include <initializer_list>
#include <limits>
#include <string_view>

#include "common/time.h"

namespace ballast::server {

using nlohmann::json;

namespace {

json OptionalTime(const std::optional<EpochMillis>& t) {
  return t ? json(FormatRfc3339(*t)) : json(nullptr);
}

Status CheckKeys(const json& body, std::initializer_list<std::string_view> allowed,
                 const std::string& prefix = "") {
  for (const auto& [key, value] : body.items()) {
    bool known = false;
    for (std::string_view a : allowed) known = known || a == key;
    if (!known) {
      std::string names;
      for (std::string_view a : allowed) names += (names.empty() ? "" : ", ") + std::string(a);
      return Status::InvalidArgument("unknown field '" + key + "' (expected " + names + ")",
                                     prefix + key);
    }
  }
  return Status::Ok();
}

// The string at `key`, "" when absent or null; INVALID_ARGUMENT when of another type.
Result<std::string> OptionalString(const json& body, const char* key, bool required = false) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) {
    if (required) return Status::InvalidArgument(std::string(key) + " is required", key);
    return std::string();
  }
  if (!it->is_string()) return Status::InvalidArgument(std::string(key) + " must be a string", key);
  return it->get<std::string>();
}

Result<std::optional<EpochMillis>> OptionalTimeField(const json& body, const char* key) {
  BALLAST_ASSIGN_OR_RETURN(std::string text, OptionalString(body, key));
  if (text.empty()) return std::optional<EpochMillis>();
  Result<EpochMillis> t = ParseRfc3339(text);
  if (!t) return Status::InvalidArgument(std::string(key) + ": " + t.error().message(), key);
  return std::optional<EpochMillis>(*t);
}

Status RequireObject(const json& body) {
  if (!body.is_object()) return Status::InvalidArgument("request body must be a JSON object");
  return Status::Ok();
}

}  // namespace

json DatasetToJson(const store::Dataset& d) {
  return {{"name", d.name},
          {"description", d.description},
          {"tags", d.tags},
          {"latest_version", d.last_version > 0 ? json(d.last_version) : json(nullptr)},
          {"created_at", FormatRfc3339(d.created_at)},
          {"created_by", d.created_by},
          {"updated_at", FormatRfc3339(d.updated_at)},
          {"etag", d.etag}};
}

json DatasetVersionToJson(const store::DatasetVersion& v) {
  return {{"dataset", v.dataset},
          {"version", v.version},
          {"ref", v.dataset + "@" + std::to_string(v.version)},
          {"description", v.description},
          {"content_hash", v.content_hash},
          {"case_count", v.case_count},
          {"created_at", FormatRfc3339(v.created_at)},
          {"created_by", v.created_by}};
}

json DatasetCaseToJson(const store::DatasetCase& c) {
  json out = json::parse(c.json, nullptr, false);
  if (!out.is_object()) out = json::object();
  out["index"] = c.index;
  return out;
}

json EvalRunToJson(const store::EvalRun& r, bool with_results) {
  const int64_t scored = r.passed + r.failed;
  json out = {
      {"id", r.id},
      {"model", r.model},
      {"model_version", r.model_version},
      {"model_ref", r.model_ref},
      {"prompt", r.prompt.empty() ? json(nullptr) : json(r.prompt)},
      {"prompt_version", r.prompt_version ? json(*r.prompt_version) : json(nullptr)},
      {"prompt_ref", r.prompt_ref.empty() ? json(nullptr) : json(r.prompt_ref)},
      {"dataset", r.dataset},
      {"dataset_version", r.dataset_version},
      {"description", r.description},
      {"status", std::string(store::EvalStatusName(r.status))},
      {"metrics", r.metrics},
      {"passed", r.passed},
      {"failed", r.failed},
      {"pass_rate", scored > 0 ? json(static_cast<double>(r.passed) / scored) : json(nullptr)},
      {"started_at", OptionalTime(r.started_at)},
      {"finished_at", OptionalTime(r.finished_at)},
      {"created_at", FormatRfc3339(r.created_at)},
      {"created_by", r.created_by}};
  if (with_results) {
    json results = json::array();
    for (const store::EvalCaseResult& c : r.results) {
      json item = {{"case", c.case_index}, {"pass", c.pass}};
      if (c.score) item["score"] = *c.score;
      if (!c.output.empty()) item["output"] = c.output;
      results.push_back(std::move(item));
    }
    out["results"] = std::move(results);
  }
  return out;
}

json LineageEdgeToJson(const store::LineageEdge& e) {
  return {{"from", e.from}, {"to", e.to}, {"type", e.type}, {"derived", e.derived}};
}

json LineageGraphToJson(const store::LineageGraph& g, const store::LineageQuery& q) {
  json nodes = json::array();
  for (const store::LineageNode& n : g.nodes) {
    nodes.push_back({{"id", n.id.str()},
                     {"type", n.id.type},
                     {"key", n.id.key},
                     {"depth", n.depth},
                     {"exists", n.exists}});
  }
  json edges = json::array();
  for (const store::LineageEdge& e : g.edges) edges.push_back(LineageEdgeToJson(e));
  return {{"root", q.root},
          {"direction", std::string(store::LineageDirectionName(q.direction))},
          {"depth", q.depth},
          {"nodes", std::move(nodes)},
          {"edges", std::move(edges)},
          {"truncated", g.truncated}};
}

Result<store::Dataset> DatasetFromCreateJson(const json& body) {
  BALLAST_RETURN_IF_ERROR(RequireObject(body));
  BALLAST_RETURN_IF_ERROR(CheckKeys(body, {"name", "description", "tags"}));
  store::Dataset d;
  BALLAST_ASSIGN_OR_RETURN(d.name, OptionalString(body, "name", /*required=*/true));
  BALLAST_ASSIGN_OR_RETURN(d.description, OptionalString(body, "description"));
  if (auto tags = body.find("tags"); tags != body.end() && !tags->is_null()) {
    if (!tags->is_object()) return Status::InvalidArgument("tags must be an object", "tags");
    for (const auto& [k, v] : tags->items()) {
      if (!v.is_string()) {
        return Status::InvalidArgument("tag values must be strings", "tags." + k);
      }
      d.tags[k] = v.get<std::string>();
    }
  }
  return d;
}

Result<DatasetPush> DatasetPushFromJson(const json& body) {
  BALLAST_RETURN_IF_ERROR(RequireObject(body));
  BALLAST_RETURN_IF_ERROR(CheckKeys(body, {"cases", "description"}));
  DatasetPush push;
  BALLAST_ASSIGN_OR_RETURN(push.description, OptionalString(body, "description"));
  auto cases = body.find("cases");
  if (cases == body.end() || cases->is_null()) {
    return Status::InvalidArgument("cases is required (an array of case objects)", "cases");
  }
  if (!cases->is_array()) return Status::InvalidArgument("cases must be an array", "cases");
  if (cases->empty()) return Status::InvalidArgument("cases is empty", "cases");
  for (size_t i = 0; i < cases->size(); ++i) {
    const std::string field = "cases[" + std::to_string(i) + "]";
    std::string text;
    try {
      text = (*cases)[i].dump();
    } catch (const json::exception& e) {
      return Status::InvalidArgument(std::string("not writable as JSON: ") + e.what(), field);
    }
    Result<std::string> canonical = store::CanonicalCase(text);
    if (!canonical) {
      const std::string& sub = canonical.error().field();
      return Status::InvalidArgument(field + ": " + canonical.error().message(),
                                     sub.empty() ? field : field + "." + sub);
    }
    push.cases_jsonl += *canonical;
    push.cases_jsonl += '\n';
  }
  return push;
}

Result<store::EvalRunInput> EvalRunInputFromJson(const json& body) {
  BALLAST_RETURN_IF_ERROR(RequireObject(body));
  BALLAST_RETURN_IF_ERROR(CheckKeys(body, {"model", "prompt", "dataset", "description", "status",
                                           "metrics", "results", "started_at", "finished_at"}));
  store::EvalRunInput in;
  BALLAST_ASSIGN_OR_RETURN(in.model_ref, OptionalString(body, "model", /*required=*/true));
  BALLAST_ASSIGN_OR_RETURN(in.dataset_ref, OptionalString(body, "dataset", /*required=*/true));
  BALLAST_ASSIGN_OR_RETURN(in.prompt_ref, OptionalString(body, "prompt"));
  BALLAST_ASSIGN_OR_RETURN(in.description, OptionalString(body, "description"));
  BALLAST_ASSIGN_OR_RETURN(std::string status, OptionalString(body, "status"));
  if (!status.empty()) {
    std::optional<store::EvalStatus> s = store::ParseEvalStatus(status);
    if (!s) {
      return Status::InvalidArgument(
          "status must be running, completed or failed, not '" + status + "'", "status");
    }
    in.status = *s;
  }
  BALLAST_ASSIGN_OR_RETURN(in.started_at, OptionalTimeField(body, "started_at"));
  BALLAST_ASSIGN_OR_RETURN(in.finished_at, OptionalTimeField(body, "finished_at"));
  if (auto metrics = body.find("metrics"); metrics != body.end() && !metrics->is_null()) {
    if (!metrics->is_object()) {
      return Status::InvalidArgument("metrics must be an object of numbers", "metrics");
    }
    for (const auto& [name, value] : metrics->items()) {
      if (!value.is_number()) {
        return Status::InvalidArgument("metric '" + name + "' must be a number",
                                       "metrics." + name);
      }
      in.metrics[name] = value.get<double>();
    }
  }
  if (auto results = body.find("results"); results != body.end() && !results->is_null()) {
    if (!results->is_array()) return Status::InvalidArgument("results must be an array", "results");
    for (size_t i = 0; i < results->size(); ++i) {
      const json& item = (*results)[i];
      const std::string prefix = "results[" + std::to_string(i) + "]";
      if (!item.is_object()) {
        return Status::InvalidArgument(prefix + " must be an object {case, pass, score, output}",
                                       prefix);
      }
      BALLAST_RETURN_IF_ERROR(CheckKeys(item, {"case", "pass", "score", "output"}, prefix + "."));
      store::EvalCaseResult c;
      auto index = item.find("case");
      if (index == item.end() || !index->is_number_integer()) {
        return Status::InvalidArgument(
            "case must be the case's position in the dataset version (an integer from 1)",
            prefix + ".case");
      }
      c.case_index = index->get<int64_t>();
      auto pass = item.find("pass");
      if (pass == item.end() || !pass->is_boolean()) {
        return Status::InvalidArgument("pass must be true or false", prefix + ".pass");
      }
      c.pass = pass->get<bool>();
      if (auto score = item.find("score"); score != item.end() && !score->is_null()) {
        if (!score->is_number()) {
          return Status::InvalidArgument("score must be a number", prefix + ".score");
        }
        c.score = score->get<double>();
      }
      if (auto output = item.find("output"); output != item.end() && !output->is_null()) {
        if (!output->is_string()) {
          return Status::InvalidArgument("output must be a string", prefix + ".output");
        }
        c.output = output->get<std::string>();
      }
      in.results.push_back(std::move(c));
    }
  }
  return in;
}

Result<store::LineageEdge> LineageEdgeFromJson(const json& body) {
  BALLAST_RETURN_IF_ERROR(RequireObject(body));
  BALLAST_RETURN_IF_ERROR(CheckKeys(body, {"from", "to", "type"}));
  store::LineageEdge e;
  BALLAST_ASSIGN_OR_RETURN(e.from, OptionalString(body, "from", /*required=*/true));
  BALLAST_ASSIGN_OR_RETURN(e.to, OptionalString(body, "to", /*required=*/true));
  BALLAST_ASSIGN_OR_RETURN(e.type, OptionalString(body, "type", /*required=*/true));
  return e;
}

}  // namespace ballast::server
