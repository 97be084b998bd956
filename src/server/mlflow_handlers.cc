// The MLflow-compatible model registry under /api/2.0/mlflow/ (docs/mlflow.md): MLflow's
// registered-models/* and model-versions/* endpoints with its methods, parameters, JSON and
// error body, served as a view of the same RegistryStore as the native API.
//
// Every endpoint is one synchronous Operation run off the network threads by Serve(), which
// also authenticates: the routes are registered public so that 401/403 can be answered in
// MLflow's error shape rather than the native one (reads need viewer, writes operator; the
// store itself requires admin for protected aliases). Unknown paths under the prefix are
// answered ENDPOINT_NOT_FOUND by catch-all routes registered last.
#include <algorithm>

#include "server/app.h"
#include "server/mlflow_filter.h"
#include "server/mlflow_json.h"

namespace ballast::server {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

using mlflow::RequestFields;
using store::ModelVersion;
using store::RegisteredModel;
using store::RegistryStore;

constexpr std::string_view kPrefix = "/api/2.0/mlflow/";
// An update re-reads and retries this often when a concurrent write changed the etag.
constexpr int kUpdateAttempts = 8;
constexpr int64_t kMaxModelResults = 1000;
constexpr int64_t kDefaultModelResults = 100;
constexpr int64_t kMaxVersionResults = 10000;

struct Call {
  RequestFields in;
  store::Actor actor;
};
using Operation = Result<json> (*)(RegistryStore&, const Call&);
enum class Source { kBody, kQuery };

// ---- MLflow's messages for missing objects ----

Status ModelNotFound(std::string_view name) {
  return Status::NotFound("Registered Model with name=" + std::string(name) + " not found");
}
Status VersionNotFound(std::string_view name, int64_t version) {
  return Status::NotFound("Model Version (name=" + std::string(name) +
                          ", version=" + std::to_string(version) + ") not found");
}
Status ModelExists(std::string_view name) {
  return Status::AlreadyExists("Registered Model (name=" + std::string(name) + ") already exists.");
}

template <typename T>
Result<T> Remap(Result<T> r, StatusCode code, const Status& replacement) {
  if (!r && r.error().code() == code) return replacement;
  return r;
}
Status Remap(Status s, StatusCode code, const Status& replacement) {
  return !s.ok() && s.code() == code ? replacement : s;
}

// NOT_FOUND for a version names the model when it is the model that is missing.
Status VersionOrModelNotFound(RegistryStore& store, std::string_view name, int64_t version) {
  auto m = store.GetModel(name);
  return m ? VersionNotFound(name, version) : ModelNotFound(name);
}

Result<store::Stage> ParseStageParam(const std::string& text) {
  auto stage = store::ParseStage(text);
  if (!stage) {
    return Status::InvalidArgument("Invalid Model Version stage: " + text +
                                       ". Value must be one of None, Staging, Production, "
                                       "Archived.",
                                   "stage");
  }
  return *stage;
}

Result<json> ModelJson(RegistryStore& store, const RegisteredModel& m) {
  auto latest = store.LatestVersions(m.name, {});
  // A model deleted between the two reads simply shows no versions.
  if (!latest && !latest.error().IsNotFound()) return latest.error();
  return mlflow::RegisteredModelJson(m, latest ? *latest : std::vector<ModelVersion>{});
}

Result<json> ModelAnswer(RegistryStore& store, const RegisteredModel& m) {
  BALLAST_ASSIGN_OR_RETURN(json model, ModelJson(store, m));
  return json{{"registered_model", std::move(model)}};
}

json VersionAnswer(const ModelVersion& v) {
  return json{{"model_version", mlflow::ModelVersionJson(v)}};
}

// ---- search ----

struct SearchParams {
  store::SqlFilter filter;
  std::vector<store::OrderBy> order;
  int64_t offset = 0;
  int64_t max_results = 0;
  std::string fingerprint;
};

Result<SearchParams> ParseSearch(const RequestFields& in, mlflow::SearchKind kind,
                                 int64_t default_max, int64_t limit) {
  SearchParams p;
  BALLAST_ASSIGN_OR_RETURN(std::optional<std::string> filter, in.OptionalString("filter"));
  BALLAST_ASSIGN_OR_RETURN(std::vector<std::string> order_by, in.StringList("order_by"));
  BALLAST_ASSIGN_OR_RETURN(std::optional<int64_t> max, in.OptionalInt("max_results"));
  BALLAST_ASSIGN_OR_RETURN(std::optional<std::string> token, in.OptionalString("page_token"));
  p.max_results = max.value_or(default_max);
  if (p.max_results < 1) {
    return Status::InvalidArgument(
        "Invalid value for max_results. It must be a positive "
        "integer, but got " +
            std::to_string(p.max_results),
        "max_results");
  }
  if (p.max_results > limit) {
    return Status::InvalidArgument("Invalid value for max_results. It must be at most " +
                                       std::to_string(limit) + ", but got value " +
                                       std::to_string(p.max_results),
                                   "max_results");
  }
  BALLAST_ASSIGN_OR_RETURN(p.filter, mlflow::TranslateFilter(filter.value_or(""), kind));
  BALLAST_ASSIGN_OR_RETURN(p.order, mlflow::TranslateOrderBy(order_by, kind));
  p.fingerprint = mlflow::SearchFingerprint(kind, filter.value_or(""), order_by);
  if (token && !token->empty()) {
    BALLAST_ASSIGN_OR_RETURN(p.offset, mlflow::DecodePageToken(*token, p.fingerprint));
  }
  return p;
}

// Reads up to p.max_results items in store pages of at most 1000; the next offset when more
// remain.
template <typename T, typename List>
Result<std::pair<std::vector<T>, std::optional<int64_t>>> Collect(const SearchParams& p,
                                                                  List list) {
  std::vector<T> items;
  while (true) {
    store::ListQuery q;
    q.filter = p.filter;
    q.order_by = p.order;
    q.offset = p.offset + static_cast<int64_t>(items.size());
    q.limit = std::min<int64_t>(1000, p.max_results - static_cast<int64_t>(items.size()));
    BALLAST_ASSIGN_OR_RETURN(store::Page<T> page, list(q));
    for (T& item : page.items) items.push_back(std::move(item));
    if (!page.next_offset) return std::pair{std::move(items), std::optional<int64_t>()};
    if (static_cast<int64_t>(items.size()) >= p.max_results || page.items.empty()) {
      return std::pair{std::move(items),
                       std::optional<int64_t>(p.offset + static_cast<int64_t>(items.size()))};
    }
  }
}

// ---- registered-models/* ----

Result<json> CreateModel(RegistryStore& store, const Call& c) {
  RegisteredModel m;
  BALLAST_ASSIGN_OR_RETURN(m.name, c.in.RequiredString("name"));
  BALLAST_ASSIGN_OR_RETURN(m.tags, c.in.Tags());
  BALLAST_ASSIGN_OR_RETURN(std::optional<std::string> description,
                           c.in.OptionalString("description"));
  m.description = description.value_or("");
  BALLAST_ASSIGN_OR_RETURN(
      RegisteredModel created,
      Remap(store.CreateModel(m, c.actor), StatusCode::kAlreadyExists, ModelExists(m.name)));
  return ModelAnswer(store, created);
}

Result<json> GetModel(RegistryStore& store, const Call& c) {
  BALLAST_ASSIGN_OR_RETURN(std::string name, c.in.RequiredString("name"));
  BALLAST_ASSIGN_OR_RETURN(RegisteredModel m,
                           Remap(store.GetModel(name), StatusCode::kNotFound, ModelNotFound(name)));
  return ModelAnswer(store, m);
}

Result<json> RenameModel(RegistryStore& store, const Call& c) {
  BALLAST_ASSIGN_OR_RETURN(std::string name, c.in.RequiredString("name"));
  BALLAST_ASSIGN_OR_RETURN(std::string new_name, c.in.RequiredString("new_name"));
  auto renamed = store.RenameModel(name, new_name, c.actor);
  renamed = Remap(std::move(renamed), StatusCode::kNotFound, ModelNotFound(name));
  BALLAST_ASSIGN_OR_RETURN(RegisteredModel m, Remap(std::move(renamed), StatusCode::kAlreadyExists,
                                                    ModelExists(new_name)));
  return ModelAnswer(store, m);
}

Result<json> UpdateModel(RegistryStore& store, const Call& c) {
  BALLAST_ASSIGN_OR_RETURN(std::string name, c.in.RequiredString("name"));
  BALLAST_ASSIGN_OR_RETURN(std::optional<std::string> description,
                           c.in.OptionalString("description"));
  for (int attempt = 0;; ++attempt) {
    BALLAST_ASSIGN_OR_RETURN(
        RegisteredModel m, Remap(store.GetModel(name), StatusCode::kNotFound, ModelNotFound(name)));
    if (!description || *description == m.description) return ModelAnswer(store, m);
    RegisteredModel desired = m;
    desired.description = *description;
    auto updated = store.UpdateModel(name, desired, m.etag, c.actor);
    // A concurrent write (a tag, say) moved the etag: re-read so it is kept, not overwritten.
    if (!updated && updated.error().code() == StatusCode::kFailedPrecondition &&
        attempt + 1 < kUpdateAttempts) {
      continue;
    }
    BALLAST_ASSIGN_OR_RETURN(RegisteredModel done,
                             Remap(std::move(updated), StatusCode::kNotFound, ModelNotFound(name)));
    return ModelAnswer(store, done);
  }
}

Result<json> DeleteModel(RegistryStore& store, const Call& c) {
  BALLAST_ASSIGN_OR_RETURN(std::string name, c.in.RequiredString("name"));
  BALLAST_RETURN_IF_ERROR(
      Remap(store.DeleteModel(name, "", c.actor), StatusCode::kNotFound, ModelNotFound(name)));
  return json::object();
}

Result<json> SearchModels(RegistryStore& store, const Call& c) {
  BALLAST_ASSIGN_OR_RETURN(SearchParams p, ParseSearch(c.in, mlflow::SearchKind::kRegisteredModels,
                                                       kDefaultModelResults, kMaxModelResults));
  BALLAST_ASSIGN_OR_RETURN(auto found, Collect<RegisteredModel>(p, [&](const store::ListQuery& q) {
                             return store.ListModels(q);
                           }));
  json models = json::array();
  for (const RegisteredModel& m : found.first) {
    BALLAST_ASSIGN_OR_RETURN(json model, ModelJson(store, m));
    models.push_back(std::move(model));
  }
  json out = {{"registered_models", std::move(models)}};
  if (found.second) out["next_page_token"] = mlflow::EncodePageToken(*found.second, p.fingerprint);
  return out;
}

Result<json> SetModelTag(RegistryStore& store, const Call& c) {
  BALLAST_ASSIGN_OR_RETURN(std::string name, c.in.RequiredString("name"));
  BALLAST_ASSIGN_OR_RETURN(std::string key, c.in.RequiredString("key"));
  BALLAST_ASSIGN_OR_RETURN(std::optional<std::string> value, c.in.OptionalString("value"));
  if (!value)
    return Status::InvalidArgument("Missing value for required parameter 'value'.", "value");
  BALLAST_RETURN_IF_ERROR(Remap(store.SetModelTag(name, key, *value, c.actor),
                                StatusCode::kNotFound, ModelNotFound(name))
                              .status());
  return json::object();
}

Result<json> DeleteModelTag(RegistryStore& store, const Call& c) {
  BALLAST_ASSIGN_OR_RETURN(std::string name, c.in.RequiredString("name"));
  BALLAST_ASSIGN_OR_RETURN(std::string key, c.in.RequiredString("key"));
  BALLAST_ASSIGN_OR_RETURN(RegisteredModel m,
                           Remap(store.GetModel(name), StatusCode::kNotFound, ModelNotFound(name)));
  // MLflow deletes an absent tag silently.
  if (m.tags.count(key) == 0) return json::object();
  auto deleted = store.DeleteModelTag(name, key, c.actor);
  if (!deleted && !deleted.error().IsNotFound()) return deleted.error();
  return json::object();
}

Result<json> SetAlias(RegistryStore& store, const Call& c) {
  BALLAST_ASSIGN_OR_RETURN(std::string name, c.in.RequiredString("name"));
  BALLAST_ASSIGN_OR_RETURN(std::string alias, c.in.RequiredString("alias"));
  BALLAST_ASSIGN_OR_RETURN(int64_t version, c.in.RequiredVersion());
  auto moved = store.SetAlias(name, alias, version, "set through the MLflow API", c.actor);
  if (!moved && moved.error().IsNotFound()) return VersionOrModelNotFound(store, name, version);
  if (!moved) return moved.error();
  return json::object();
}

Result<json> DeleteAlias(RegistryStore& store, const Call& c) {
  BALLAST_ASSIGN_OR_RETURN(std::string name, c.in.RequiredString("name"));
  BALLAST_ASSIGN_OR_RETURN(std::string alias, c.in.RequiredString("alias"));
  BALLAST_ASSIGN_OR_RETURN(RegisteredModel m,
                           Remap(store.GetModel(name), StatusCode::kNotFound, ModelNotFound(name)));
  if (m.aliases.count(alias) == 0) return json::object();  // MLflow: absent is a no-op
  auto removed = store.DeleteAlias(name, alias, "deleted through the MLflow API", c.actor);
  if (!removed && !removed.error().IsNotFound()) return removed.error();
  return json::object();
}

Result<json> GetByAlias(RegistryStore& store, const Call& c) {
  BALLAST_ASSIGN_OR_RETURN(std::string name, c.in.RequiredString("name"));
  BALLAST_ASSIGN_OR_RETURN(std::string alias, c.in.RequiredString("alias"));
  BALLAST_ASSIGN_OR_RETURN(RegisteredModel m,
                           Remap(store.GetModel(name), StatusCode::kNotFound, ModelNotFound(name)));
  auto it = m.aliases.find(alias);
  if (it == m.aliases.end())
    return Status::NotFound("Registered model alias " + alias + " not found.");
  BALLAST_ASSIGN_OR_RETURN(ModelVersion v,
                           Remap(store.GetVersion(name, it->second), StatusCode::kNotFound,
                                 VersionNotFound(name, it->second)));
  return VersionAnswer(v);
}

Result<json> LatestVersions(RegistryStore& store, const Call& c) {
  BALLAST_ASSIGN_OR_RETURN(std::string name, c.in.RequiredString("name"));
  BALLAST_ASSIGN_OR_RETURN(std::vector<std::string> names, c.in.StringList("stages"));
  std::vector<store::Stage> stages;
  for (const std::string& s : names) {
    BALLAST_ASSIGN_OR_RETURN(store::Stage stage, ParseStageParam(s));
    stages.push_back(stage);
  }
  BALLAST_ASSIGN_OR_RETURN(
      std::vector<ModelVersion> latest,
      Remap(store.LatestVersions(name, stages), StatusCode::kNotFound, ModelNotFound(name)));
  json versions = json::array();
  for (const ModelVersion& v : latest) versions.push_back(mlflow::ModelVersionJson(v));
  return json{{"model_versions", std::move(versions)}};
}

// ---- model-versions/* ----

Result<json> CreateVersion(RegistryStore& store, const Call& c) {
  ModelVersion v;
  BALLAST_ASSIGN_OR_RETURN(v.model, c.in.RequiredString("name"));
  BALLAST_ASSIGN_OR_RETURN(v.source, c.in.RequiredString("source"));
  BALLAST_ASSIGN_OR_RETURN(std::optional<std::string> run_id, c.in.OptionalString("run_id"));
  BALLAST_ASSIGN_OR_RETURN(std::optional<std::string> run_link, c.in.OptionalString("run_link"));
  BALLAST_ASSIGN_OR_RETURN(std::optional<std::string> description,
                           c.in.OptionalString("description"));
  BALLAST_ASSIGN_OR_RETURN(v.tags, c.in.Tags());
  if (run_id && !run_id->empty()) v.run_id = *run_id;
  if (run_link && !run_link->empty()) v.tags[std::string(mlflow::kRunLinkTag)] = *run_link;
  v.description = description.value_or("");
  v.status = store::VersionStatus::kReady;
  BALLAST_ASSIGN_OR_RETURN(
      ModelVersion created,
      Remap(store.CreateVersion(v, c.actor), StatusCode::kNotFound, ModelNotFound(v.model)));
  return VersionAnswer(created);
}

Result<json> GetVersion(RegistryStore& store, const Call& c) {
  BALLAST_ASSIGN_OR_RETURN(std::string name, c.in.RequiredString("name"));
  BALLAST_ASSIGN_OR_RETURN(int64_t version, c.in.RequiredVersion());
  BALLAST_ASSIGN_OR_RETURN(ModelVersion v,
                           Remap(store.GetVersion(name, version), StatusCode::kNotFound,
                                 VersionNotFound(name, version)));
  return VersionAnswer(v);
}

Result<json> UpdateVersion(RegistryStore& store, const Call& c) {
  BALLAST_ASSIGN_OR_RETURN(std::string name, c.in.RequiredString("name"));
  BALLAST_ASSIGN_OR_RETURN(int64_t version, c.in.RequiredVersion());
  BALLAST_ASSIGN_OR_RETURN(std::optional<std::string> description,
                           c.in.OptionalString("description"));
  for (int attempt = 0;; ++attempt) {
    BALLAST_ASSIGN_OR_RETURN(ModelVersion v,
                             Remap(store.GetVersion(name, version), StatusCode::kNotFound,
                                   VersionNotFound(name, version)));
    if (!description || *description == v.description) return VersionAnswer(v);
    ModelVersion desired = v;
    desired.description = *description;
    auto updated = store.UpdateVersion(name, version, desired, v.etag, c.actor);
    if (!updated && updated.error().code() == StatusCode::kFailedPrecondition &&
        attempt + 1 < kUpdateAttempts) {
      continue;
    }
    BALLAST_ASSIGN_OR_RETURN(ModelVersion done, Remap(std::move(updated), StatusCode::kNotFound,
                                                      VersionNotFound(name, version)));
    return VersionAnswer(done);
  }
}

Result<json> DeleteVersion(RegistryStore& store, const Call& c) {
  BALLAST_ASSIGN_OR_RETURN(std::string name, c.in.RequiredString("name"));
  BALLAST_ASSIGN_OR_RETURN(int64_t version, c.in.RequiredVersion());
  BALLAST_RETURN_IF_ERROR(Remap(store.DeleteVersion(name, version, "", c.actor), StatusCode::kNotFound,
                                VersionNotFound(name, version)));
  return json::object();
}

Result<json> SearchVersions(RegistryStore& store, const Call& c) {
  BALLAST_ASSIGN_OR_RETURN(SearchParams p, ParseSearch(c.in, mlflow::SearchKind::kModelVersions,
                                                       kMaxVersionResults, kMaxVersionResults));
  BALLAST_ASSIGN_OR_RETURN(auto found, Collect<ModelVersion>(p, [&](const store::ListQuery& q) {
                             return store.ListVersions("", q);
                           }));
  json versions = json::array();
  for (const ModelVersion& v : found.first) versions.push_back(mlflow::ModelVersionJson(v));
  json out = {{"model_versions", std::move(versions)}};
  if (found.second) out["next_page_token"] = mlflow::EncodePageToken(*found.second, p.fingerprint);
  return out;
}

Result<json> SetVersionTag(RegistryStore& store, const Call& c) {
  BALLAST_ASSIGN_OR_RETURN(std::string name, c.in.RequiredString("name"));
  BALLAST_ASSIGN_OR_RETURN(int64_t version, c.in.RequiredVersion());
  BALLAST_ASSIGN_OR_RETURN(std::string key, c.in.RequiredString("key"));
  BALLAST_ASSIGN_OR_RETURN(std::optional<std::string> value, c.in.OptionalString("value"));
  if (!value)
    return Status::InvalidArgument("Missing value for required parameter 'value'.", "value");
  BALLAST_RETURN_IF_ERROR(Remap(store.SetVersionTag(name, version, key, *value, c.actor),
                                StatusCode::kNotFound, VersionNotFound(name, version))
                              .status());
  return json::object();
}

Result<json> DeleteVersionTag(RegistryStore& store, const Call& c) {
  BALLAST_ASSIGN_OR_RETURN(std::string name, c.in.RequiredString("name"));
  BALLAST_ASSIGN_OR_RETURN(int64_t version, c.in.RequiredVersion());
  BALLAST_ASSIGN_OR_RETURN(std::string key, c.in.RequiredString("key"));
  BALLAST_ASSIGN_OR_RETURN(ModelVersion v,
                           Remap(store.GetVersion(name, version), StatusCode::kNotFound,
                                 VersionNotFound(name, version)));
  if (v.tags.count(key) == 0) return json::object();
  auto deleted = store.DeleteVersionTag(name, version, key, c.actor);
  if (!deleted && !deleted.error().IsNotFound()) return deleted.error();
  return json::object();
}

Result<json> TransitionStage(RegistryStore& store, const Call& c) {
  BALLAST_ASSIGN_OR_RETURN(std::string name, c.in.RequiredString("name"));
  BALLAST_ASSIGN_OR_RETURN(int64_t version, c.in.RequiredVersion());
  BALLAST_ASSIGN_OR_RETURN(std::string stage_text, c.in.RequiredString("stage"));
  BALLAST_ASSIGN_OR_RETURN(store::Stage stage, ParseStageParam(stage_text));
  BALLAST_ASSIGN_OR_RETURN(std::optional<bool> archive,
                           c.in.OptionalBool("archive_existing_versions"));
  BALLAST_ASSIGN_OR_RETURN(
      ModelVersion v,
      Remap(store.TransitionStage(name, version, stage, archive.value_or(false), c.actor),
            StatusCode::kNotFound, VersionNotFound(name, version)));
  return VersionAnswer(v);
}

Result<json> GetDownloadUri(RegistryStore& store, const Call& c) {
  BALLAST_ASSIGN_OR_RETURN(std::string name, c.in.RequiredString("name"));
  BALLAST_ASSIGN_OR_RETURN(int64_t version, c.in.RequiredVersion());
  BALLAST_ASSIGN_OR_RETURN(ModelVersion v,
                           Remap(store.GetVersion(name, version), StatusCode::kNotFound,
                                 VersionNotFound(name, version)));
  return json{{"artifact_uri", v.source}};
}

// ---- dispatch ----

asio::awaitable<HttpResponse> Serve(App& app, RequestContext& ctx, Role need, Source source,
                                    Operation op) {
  Principal who = ctx.principal;
  if (app.auth->enabled()) {
    std::string header(ctx.request.Header("Authorization"));
    std::optional<Principal> cached = app.auth->AuthenticateCached(header);
    if (cached) {
      who = *cached;
    } else {
      Result<Principal> found =
          co_await OffThread(app, [&] { return app.auth->Authenticate(header); });
      if (!found) {
        HttpResponse denied = mlflow::ErrorResponse(found.error());
        denied.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"ballast\"");
        co_return denied;
      }
      who = *found;
    }
    if (!RoleSatisfies(who.role, need)) {
      co_return mlflow::ErrorResponse(Status::PermissionDenied(
          "role " + std::string(RoleName(who.role)) + " may not call " + ctx.request.method + " " +
          ctx.request.path + " (needs " + std::string(RoleName(need)) + ")"));
    }
  }
  Result<RequestFields> in = source == Source::kBody
                                 ? RequestFields::FromBody(ctx.request)
                                 : Result<RequestFields>(RequestFields::FromQuery(ctx.request));
  if (!in) co_return mlflow::ErrorResponse(in.error());
  Call call{std::move(*in),
            store::Actor{.by = who.token_id.empty() ? "anonymous" : "token:" + who.token_id,
                         .at = app.clock->NowMillis(),
                         .is_admin = who.role == Role::kAdmin}};
  Result<json> out = co_await OffThread(app, [&] { return op(app.store->Registry(), call); });
  if (!out) co_return mlflow::ErrorResponse(out.error());
  co_return mlflow::JsonResponse(*out);
}

// Paths under the prefix that no endpoint serves: 405 when another method would, else 404.
asio::awaitable<HttpResponse> NoEndpoint(App& app, RequestContext& ctx) {
  std::string allow;
  for (const char* method : {"GET", "POST", "PATCH", "DELETE"}) {
    Router::Match m = app.router.Find(method, ctx.request.path);
    if (m.route != nullptr && m.route->pattern.find('{') == std::string::npos)
      allow += (allow.empty() ? "" : ", ") + std::string(method);
  }
  if (allow.empty()) {
    co_return mlflow::ErrorResponse(Status::NotFound("No API endpoint found for " +
                                                     ctx.request.method + " " + ctx.request.path),
                                    "ENDPOINT_NOT_FOUND");
  }
  HttpResponse r = mlflow::ErrorResponse(
      Status::MethodNotAllowed(ctx.request.method + " is not allowed for " + ctx.request.path +
                               " (allowed: " + allow + ")"),
      "ENDPOINT_NOT_FOUND");
  r.headers.emplace_back("Allow", allow);
  co_return r;
}

struct Endpoint {
  const char* method;
  const char* path;  // under kPrefix
  Role need;
  Source source;
  Operation op;
};

constexpr Endpoint kEndpoints[] = {
    {"POST", "registered-models/create", Role::kOperator, Source::kBody, CreateModel},
    {"GET", "registered-models/get", Role::kViewer, Source::kQuery, GetModel},
    {"POST", "registered-models/rename", Role::kOperator, Source::kBody, RenameModel},
    {"PATCH", "registered-models/update", Role::kOperator, Source::kBody, UpdateModel},
    {"DELETE", "registered-models/delete", Role::kOperator, Source::kBody, DeleteModel},
    {"GET", "registered-models/search", Role::kViewer, Source::kQuery, SearchModels},
    {"POST", "registered-models/set-tag", Role::kOperator, Source::kBody, SetModelTag},
    {"DELETE", "registered-models/delete-tag", Role::kOperator, Source::kBody, DeleteModelTag},
    {"POST", "registered-models/alias", Role::kOperator, Source::kBody, SetAlias},
    {"GET", "registered-models/alias", Role::kViewer, Source::kQuery, GetByAlias},
    {"DELETE", "registered-models/alias", Role::kOperator, Source::kBody, DeleteAlias},
    {"POST", "registered-models/get-latest-versions", Role::kViewer, Source::kBody, LatestVersions},
    {"GET", "registered-models/get-latest-versions", Role::kViewer, Source::kQuery, LatestVersions},
    {"POST", "model-versions/create", Role::kOperator, Source::kBody, CreateVersion},
    {"GET", "model-versions/get", Role::kViewer, Source::kQuery, GetVersion},
    {"PATCH", "model-versions/update", Role::kOperator, Source::kBody, UpdateVersion},
    {"DELETE", "model-versions/delete", Role::kOperator, Source::kBody, DeleteVersion},
    {"GET", "model-versions/search", Role::kViewer, Source::kQuery, SearchVersions},
    {"POST", "model-versions/set-tag", Role::kOperator, Source::kBody, SetVersionTag},
    {"DELETE", "model-versions/delete-tag", Role::kOperator, Source::kBody, DeleteVersionTag},
    {"POST", "model-versions/transition-stage", Role::kOperator, Source::kBody, TransitionStage},
    {"GET", "model-versions/get-download-uri", Role::kViewer, Source::kQuery, GetDownloadUri},
};

}  // namespace

void AddMlflowRoutes(App& app) {
  for (const Endpoint& e : kEndpoints) {
    // Public at the router: Serve() authenticates, to answer in MLflow's error shape.
    app.router.Add(
        {e.method, std::string(kPrefix) + e.path, Role::kNone,
         [&app, e](RequestContext& ctx) { return Serve(app, ctx, e.need, e.source, e.op); }});
  }
  std::string pattern(kPrefix.substr(0, kPrefix.size() - 1));
  for (int depth = 1; depth <= 4; ++depth) {
    pattern += "/{p" + std::to_string(depth) + "}";
    for (const char* method : {"GET", "POST", "PATCH", "DELETE", "PUT"}) {
      app.router.Add({method, pattern, Role::kNone,
                      [&app](RequestContext& ctx) { return NoEndpoint(app, ctx); }});
    }
  }
}

}  // namespace ballast::server
