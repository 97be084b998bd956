#include "server/registry_json.h"

#include <algorithm>
#include <initializer_list>
#include <string_view>

#include "common/time.h"

namespace ballast::server {

using nlohmann::json;

namespace {

json OptionalTime(const std::optional<EpochMillis>& t) {
  return t ? json(FormatRfc3339(*t)) : json(nullptr);
}

json TagsJson(const std::map<std::string, std::string>& tags) {
  json out = json::object();
  for (const auto& [k, v] : tags) out[k] = v;
  return out;
}

std::string Join(std::initializer_list<std::string_view> names) {
  std::string out;
  for (std::string_view n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

bool Contains(std::initializer_list<std::string_view> names, std::string_view key) {
  return std::find(names.begin(), names.end(), key) != names.end();
}

// Every key of `body` must be in `allowed`; keys in `read_only` (fields the answer shows but a
// request cannot set) get their own message so that echoing a GET back explains itself.
Status CheckKeys(const json& body, std::initializer_list<std::string_view> allowed,
                 std::initializer_list<std::string_view> read_only, std::string_view what) {
  for (const auto& [key, value] : body.items()) {
    if (Contains(allowed, key)) continue;
    if (Contains(read_only, key)) {
      return Status::InvalidArgument(
          "field \"" + key + "\" cannot be set by " + std::string(what), key);
    }
    return Status::InvalidArgument(
        "unknown field \"" + key + "\" (expected " + Join(allowed) + ")", key);
  }
  return Status::Ok();
}

Status WrongType(const std::string& field, std::string_view expected) {
  return Status::InvalidArgument(field + " must be " + std::string(expected), field);
}

// A string field; `out` is left alone when the key is absent.
Status ReadString(const json& body, const std::string& key, std::string& out) {
  auto it = body.find(key);
  if (it == body.end()) return Status::Ok();
  if (!it->is_string()) return WrongType(key, "a string");
  out = it->get<std::string>();
  return Status::Ok();
}

// A string field where null means "none" (optional).
Status ReadOptionalString(const json& body, const std::string& key,
                          std::optional<std::string>& out) {
  auto it = body.find(key);
  if (it == body.end()) return Status::Ok();
  if (it->is_null()) {
    out.reset();
    return Status::Ok();
  }
  if (!it->is_string()) return WrongType(key, "a string or null");
  out = it->get<std::string>();
  return Status::Ok();
}

Status ReadTime(const json& body, const std::string& key, std::optional<EpochMillis>& out) {
  auto it = body.find(key);
  if (it == body.end()) return Status::Ok();
  if (it->is_null()) {
    out.reset();
    return Status::Ok();
  }
  if (!it->is_string()) return WrongType(key, "an RFC 3339 time string or null");
  auto t = ParseRfc3339(it->get<std::string>());
  if (!t) return Status::InvalidArgument(key + ": " + t.error().message(), key);
  out = *t;
  return Status::Ok();
}

// `tags`: with `merge`, a null value removes the key and others are set; without, the object
// replaces `out` and null values are refused.
Status ReadTags(const json& body, std::map<std::string, std::string>& out, bool merge) {
  auto it = body.find("tags");
  if (it == body.end()) return Status::Ok();
  if (!it->is_object()) return WrongType("tags", "an object of strings");
  std::map<std::string, std::string> result = merge ? out : std::map<std::string, std::string>{};
  for (const auto& [k, v] : it->items()) {
    if (merge && v.is_null()) {
      result.erase(k);
    } else if (v.is_string()) {
      result[k] = v.get<std::string>();
    } else {
      return WrongType("tags." + k, merge ? "a string, or null to remove it" : "a string");
    }
  }
  out = std::move(result);
  return Status::Ok();
}

Status ReadProtectedAliases(const json& body, std::set<std::string>& out) {
  auto it = body.find("protected_aliases");
  if (it == body.end()) return Status::Ok();
  if (!it->is_array()) return WrongType("protected_aliases", "an array of alias names");
  std::set<std::string> result;
  for (size_t i = 0; i < it->size(); ++i) {
    const json& a = (*it)[i];
    const std::string field = "protected_aliases[" + std::to_string(i) + "]";
    if (!a.is_string()) return WrongType(field, "a string");
    if (Status st = store::ValidateAliasName(a.get<std::string>()); !st.ok())
      return Status::InvalidArgument(st.message(), field);
    result.insert(a.get<std::string>());
  }
  out = std::move(result);
  return Status::Ok();
}

Status ReadStatus(const json& body, store::VersionStatus& out) {
  auto it = body.find("status");
  if (it == body.end()) return Status::Ok();
  if (!it->is_string())
    return WrongType("status", "one of PENDING_REGISTRATION, READY, FAILED_REGISTRATION");
  auto s = store::ParseVersionStatus(it->get<std::string>());
  if (!s) {
    return Status::InvalidArgument("status must be PENDING_REGISTRATION, READY or "
                                   "FAILED_REGISTRATION, not \"" + it->get<std::string>() + "\"",
                                   "status");
  }
  out = *s;
  return Status::Ok();
}

Status ReadLifecycle(const json& body, store::Lifecycle& out) {
  auto it = body.find("lifecycle");
  if (it == body.end()) return Status::Ok();
  if (!it->is_string()) return WrongType("lifecycle", "one of active, legacy, deprecated, retired");
  auto l = store::ParseLifecycle(it->get<std::string>());
  if (!l) {
    return Status::InvalidArgument("lifecycle must be active, legacy, deprecated or retired, "
                                   "not \"" + it->get<std::string>() + "\"",
                                   "lifecycle");
  }
  out = *l;
  return Status::Ok();
}

// The fields a version create and a version patch share.
Status ReadVersionMutable(const json& body, store::ModelVersion& v, bool merge) {
  BALLAST_RETURN_IF_ERROR(ReadString(body, "description", v.description));
  BALLAST_RETURN_IF_ERROR(ReadOptionalString(body, "run_id", v.run_id));
  BALLAST_RETURN_IF_ERROR(ReadStatus(body, v.status));
  BALLAST_RETURN_IF_ERROR(ReadTags(body, v.tags, merge));
  BALLAST_RETURN_IF_ERROR(ReadLifecycle(body, v.lifecycle));
  BALLAST_RETURN_IF_ERROR(ReadTime(body, "deprecated_at", v.deprecated_at));
  BALLAST_RETURN_IF_ERROR(ReadTime(body, "retires_at", v.retires_at));
  std::optional<std::string> replacement = v.replacement;
  BALLAST_RETURN_IF_ERROR(ReadOptionalString(body, "replacement", replacement));
  v.replacement = replacement.value_or("");
  return Status::Ok();
}

Status ReadLineage(const json& body, store::VersionLineage& out) {
  auto it = body.find("lineage");
  if (it == body.end() || it->is_null()) return Status::Ok();
  if (!it->is_object()) return WrongType("lineage", "an object");
  const json& l = *it;
  for (const auto& [key, value] : l.items()) {
    if (!Contains({"base_model", "datasets", "code_commit", "hyperparameters"}, key)) {
      return Status::InvalidArgument("unknown field \"lineage." + key +
                                         "\" (expected base_model, datasets, code_commit, "
                                         "hyperparameters)",
                                     "lineage." + key);
    }
  }
  auto str = [&](const char* key, std::string& dst) -> Status {
    auto f = l.find(key);
    if (f == l.end() || f->is_null()) return Status::Ok();
    if (!f->is_string()) return WrongType(std::string("lineage.") + key, "a string");
    dst = f->get<std::string>();
    return Status::Ok();
  };
  BALLAST_RETURN_IF_ERROR(str("base_model", out.base_model));
  BALLAST_RETURN_IF_ERROR(str("code_commit", out.code_commit));
  if (auto d = l.find("datasets"); d != l.end() && !d->is_null()) {
    if (!d->is_array()) return WrongType("lineage.datasets", "an array of dataset refs");
    for (size_t i = 0; i < d->size(); ++i) {
      if (!(*d)[i].is_string())
        return WrongType("lineage.datasets[" + std::to_string(i) + "]", "a string");
      out.dataset_refs.push_back((*d)[i].get<std::string>());
    }
  }
  if (auto h = l.find("hyperparameters"); h != l.end() && !h->is_null()) {
    if (!h->is_object()) return WrongType("lineage.hyperparameters", "a JSON object");
    out.hyperparameters_json = h->dump();
  }
  return Status::Ok();
}

const std::initializer_list<std::string_view> kModelReadOnly = {
    "id", "aliases", "created_at", "created_by", "updated_at", "etag", "last_version",
    "deleted_at"};
const std::initializer_list<std::string_view> kVersionReadOnly = {
    "model", "version", "stage", "aliases", "created_at", "created_by", "updated_at", "etag",
    "deleted_at"};

}  // namespace

json ModelToJson(const store::RegisteredModel& m) {
  json aliases = json::object();
  for (const auto& [alias, version] : m.aliases) aliases[alias] = version;
  json out = {{"id", m.id},
              {"name", m.name},
              {"description", m.description},
              {"owner", m.owner},
              {"provider", m.provider},
              {"tags", TagsJson(m.tags)},
              {"protected_aliases", json(m.protected_aliases)},
              {"aliases", std::move(aliases)},
              {"last_version", m.last_version},
              {"created_at", FormatRfc3339(m.created_at)},
              {"created_by", m.created_by},
              {"updated_at", FormatRfc3339(m.updated_at)},
              {"etag", m.etag}};
  out["deleted_at"] = OptionalTime(m.deleted_at);
  return out;
}

json VersionToJson(const store::ModelVersion& v) {
  json hyper = nullptr;
  if (!v.lineage.hyperparameters_json.empty()) {
    hyper = json::parse(v.lineage.hyperparameters_json, nullptr, /*allow_exceptions=*/false);
    if (hyper.is_discarded()) hyper = v.lineage.hyperparameters_json;  // shown as stored
  }
  json out = {{"model", v.model},
              {"version", v.version},
              {"source", v.source},
              {"run_id", v.run_id ? json(*v.run_id) : json(nullptr)},
              {"status", store::VersionStatusName(v.status)},
              {"stage", store::StageName(v.stage)},
              {"description", v.description},
              {"tags", TagsJson(v.tags)},
              {"aliases", json(v.aliases)},
              {"lifecycle", store::LifecycleName(v.lifecycle)},
              {"deprecated_at", OptionalTime(v.deprecated_at)},
              {"retires_at", OptionalTime(v.retires_at)},
              {"replacement", v.replacement},
              {"lineage",
               {{"base_model", v.lineage.base_model},
                {"datasets", json(v.lineage.dataset_refs)},
                {"code_commit", v.lineage.code_commit},
                {"hyperparameters", std::move(hyper)}}},
              {"created_at", FormatRfc3339(v.created_at)},
              {"created_by", v.created_by},
              {"updated_at", FormatRfc3339(v.updated_at)},
              {"etag", v.etag}};
  out["deleted_at"] = OptionalTime(v.deleted_at);
  return out;
}

json AliasMoveToJson(const store::AliasMove& m) {
  return {{"model", m.model},
          {"alias", m.alias},
          {"from_version", m.from_version ? json(*m.from_version) : json(nullptr)},
          {"to_version", m.to_version ? json(*m.to_version) : json(nullptr)},
          {"at", FormatRfc3339(m.at)},
          {"by", m.by},
          {"reason", m.reason}};
}

Result<store::RegisteredModel> ModelFromCreateJson(const json& body) {
  BALLAST_RETURN_IF_ERROR(CheckKeys(
      body, {"name", "description", "owner", "provider", "tags", "protected_aliases"},
      kModelReadOnly, "POST /v1/models"));
  store::RegisteredModel m;
  auto name = body.find("name");
  if (name == body.end()) return Status::InvalidArgument("name is required", "name");
  BALLAST_RETURN_IF_ERROR(ReadString(body, "name", m.name));
  BALLAST_RETURN_IF_ERROR(ReadString(body, "description", m.description));
  BALLAST_RETURN_IF_ERROR(ReadString(body, "owner", m.owner));
  BALLAST_RETURN_IF_ERROR(ReadString(body, "provider", m.provider));
  BALLAST_RETURN_IF_ERROR(ReadTags(body, m.tags, /*merge=*/false));
  BALLAST_RETURN_IF_ERROR(ReadProtectedAliases(body, m.protected_aliases));
  return m;
}

Status ApplyModelPatch(const json& patch, store::RegisteredModel& model) {
  std::initializer_list<std::string_view> read_only = {
      "name", "id", "aliases", "created_at", "created_by", "updated_at", "etag", "last_version",
      "deleted_at"};
  BALLAST_RETURN_IF_ERROR(CheckKeys(
      patch, {"description", "owner", "provider", "tags", "protected_aliases"}, read_only,
      "PATCH (rename is not supported; aliases move through /aliases/{alias})"));
  BALLAST_RETURN_IF_ERROR(ReadString(patch, "description", model.description));
  BALLAST_RETURN_IF_ERROR(ReadString(patch, "owner", model.owner));
  BALLAST_RETURN_IF_ERROR(ReadString(patch, "provider", model.provider));
  BALLAST_RETURN_IF_ERROR(ReadTags(patch, model.tags, /*merge=*/true));
  BALLAST_RETURN_IF_ERROR(ReadProtectedAliases(patch, model.protected_aliases));
  return Status::Ok();
}

Result<store::ModelVersion> VersionFromCreateJson(const json& body, const std::string& model) {
  BALLAST_RETURN_IF_ERROR(CheckKeys(body,
                                    {"source", "run_id", "status", "description", "tags",
                                     "lifecycle", "deprecated_at", "retires_at", "replacement",
                                     "lineage"},
                                    kVersionReadOnly, "POST …/versions (the store assigns it)"));
  store::ModelVersion v;
  v.model = model;
  if (!body.contains("source"))
    return Status::InvalidArgument("source is required (a provider model id or URI)", "source");
  BALLAST_RETURN_IF_ERROR(ReadString(body, "source", v.source));
  if (v.source.empty())
    return Status::InvalidArgument("source must not be empty", "source");
  BALLAST_RETURN_IF_ERROR(ReadVersionMutable(body, v, /*merge=*/false));
  BALLAST_RETURN_IF_ERROR(ReadLineage(body, v.lineage));
  return v;
}

Status ApplyVersionPatch(const json& patch, store::ModelVersion& version) {
  for (std::string_view immutable : {"source", "lineage"}) {
    if (patch.contains(immutable)) {
      return Status::InvalidArgument(
          std::string(immutable) + " is fixed when a version is created; register a new version",
          std::string(immutable));
    }
  }
  BALLAST_RETURN_IF_ERROR(CheckKeys(patch,
                                    {"description", "run_id", "status", "tags", "lifecycle",
                                     "deprecated_at", "retires_at", "replacement"},
                                    kVersionReadOnly, "PATCH"));
  return ReadVersionMutable(patch, version, /*merge=*/true);
}

Result<AliasAssignment> AliasAssignmentFromJson(const json& body) {
  BALLAST_RETURN_IF_ERROR(CheckKeys(body, {"version", "reason"}, {}, ""));
  auto v = body.find("version");
  if (v == body.end())
    return Status::InvalidArgument("version is required (the version number)", "version");
  if (!v->is_number_integer()) return WrongType("version", "an integer version number");
  AliasAssignment out;
  const bool too_big = v->is_number_unsigned() &&
                       v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX);
  out.version = too_big ? -1 : v->get<int64_t>();
  if (out.version < 1) return Status::InvalidArgument("version must be 1 or more", "version");
  BALLAST_RETURN_IF_ERROR(ReadString(body, "reason", out.reason));
  return out;
}

Result<std::string> AliasRemovalReasonFromJson(const json& body) {
  if (body.is_null()) return std::string();
  if (!body.is_object()) return WrongType("body", "a JSON object");
  BALLAST_RETURN_IF_ERROR(CheckKeys(body, {"reason"}, {}, ""));
  std::string reason;
  BALLAST_RETURN_IF_ERROR(ReadString(body, "reason", reason));
  return reason;
}

}  // namespace ballast::server
