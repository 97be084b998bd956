// MLflow's wire format for the MLflow-compatible registry API (docs/mlflow.md): the JSON of
// RegisteredModel and ModelVersion, MLflow's error body {"error_code", "message"} with its HTTP
// statuses, and typed access to request parameters that arrive either as a JSON body (POST,
// PATCH, DELETE) or as a query string (GET), with MLflow's messages for missing and mistyped
// parameters.
//
//   BALLAST_ASSIGN_OR_RETURN(mlflow::RequestFields in, mlflow::RequestFields::FromBody(request));
//   BALLAST_ASSIGN_OR_RETURN(std::string name, in.RequiredString("name"));
//   nlohmann::json out = {{"registered_model", mlflow::RegisteredModelJson(model, latest)}};
//
// Mapping choices (one view of the same store as the native API):
//   - version numbers are strings, times integers (epoch milliseconds);
//   - user_id is the version's created_by (the token that created it);
//   - run_link is kept as the version tag `mlflow.run_link` (the store has no column for it) and
//     is shown as run_link, not among tags, in this view;
//   - empty lists are written as [] (MLflow omits them; MLflow clients read both).
//
// Thread safety: values and pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "server/http.h"
#include "store/registry_store.h"

namespace ballast::server::mlflow {

// The version tag holding MLflow's run_link.
inline constexpr std::string_view kRunLinkTag = "mlflow.run_link";

nlohmann::json ModelVersionJson(const store::ModelVersion& v);
// `latest`: the model's latest version per stage (RegistryStore::LatestVersions).
nlohmann::json RegisteredModelJson(const store::RegisteredModel& m,
                                   const std::vector<store::ModelVersion>& latest);

// MLflow's error code for a Status ("RESOURCE_DOES_NOT_EXIST", ...) and its HTTP status.
std::string_view ErrorCodeFor(StatusCode code);
int HttpStatusForMlflow(StatusCode code);
// {"error_code", "message"} with the status's HTTP code (Retry-After on 429/503).
// `error_code` overrides the mapped name ("ENDPOINT_NOT_FOUND", "MALFORMED_REQUEST").
HttpResponse ErrorResponse(const Status& status, std::string_view error_code = {});
HttpResponse JsonResponse(const nlohmann::json& body);

// Marks a Status whose MLflow error code is MALFORMED_REQUEST (body not JSON): the message
// starts with this prefix.
inline constexpr std::string_view kMalformedPrefix = "Malformed request: ";

// Request parameters of one call. From a body every JSON type is checked; from a query string
// every value is text, and integers and booleans are parsed from it.
class RequestFields {
 public:
  RequestFields() = default;  // no parameters
  // An empty body is {} (so missing parameters are reported by name); a body that is not a
  // JSON object is INVALID_ARGUMENT starting with kMalformedPrefix.
  static Result<RequestFields> FromBody(const HttpRequest& request);
  static RequestFields FromQuery(const HttpRequest& request);

  // "Missing value for required parameter 'name'..." when absent, null or "" (as MLflow).
  Result<std::string> RequiredString(const std::string& name) const;
  // Absent or null: nullopt. Present must be a string ("" allowed).
  Result<std::optional<std::string>> OptionalString(const std::string& name) const;
  // A version number: a string or integer holding an integer >= 1.
  Result<int64_t> RequiredVersion(const std::string& name = "version") const;
  Result<std::optional<int64_t>> OptionalInt(const std::string& name) const;
  Result<std::optional<bool>> OptionalBool(const std::string& name) const;
  // An array of strings (body); from a query string, the one value split at commas.
  Result<std::vector<std::string>> StringList(const std::string& name) const;
  // MLflow tags: [{"key": k, "value": v}, ...]; a key must be a non-empty string.
  Result<std::map<std::string, std::string>> Tags(const std::string& name = "tags") const;

 private:
  explicit RequestFields(nlohmann::json fields, bool from_query)
      : fields_(std::move(fields)), from_query_(from_query) {}
  const nlohmann::json* Find(const std::string& name) const;

  nlohmann::json fields_ = nlohmann::json::object();
  bool from_query_ = false;
};

}  // namespace ballast::server::mlflow
