#include "server/prompt_json.h"

#include "common/time.h"
#include "registry/prompt_decode.h"

namespace ballast::server {

using nlohmann::json;

namespace {

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json OptionalVersion(const std::optional<int64_t>& v) { return v ? json(*v) : json(nullptr); }

}  // namespace

json PromptJson(const store::RegisteredPrompt& p) {
  return {{"name", p.name},
          {"description", p.description},
          {"latest_version", OptionalVersion(p.latest_version)},
          {"last_version", p.last_version},
          {"labels", p.labels},
          {"created_at", FormatRfc3339(p.created_at)},
          {"created_by", p.created_by},
          {"updated_at", FormatRfc3339(p.updated_at)},
          {"etag", p.etag}};
}

json PromptVersionJson(const store::PromptVersion& v) {
  json spec = json::parse(v.spec_json, nullptr, /*allow_exceptions=*/false);
  return {{"name", v.name},
          {"version", v.version},
          {"content_hash", v.content_hash},
          {"template_kind", std::string(store::TemplateKindName(v.template_kind))},
          {"variables", v.variables},
          {"model", v.model.empty() ? json(nullptr) : json(v.model)},
          {"message", v.message},
          {"labels", v.labels},
          {"created_at", FormatRfc3339(v.created_at)},
          {"created_by", v.created_by},
          {"etag", v.etag},
          {"spec", spec.is_discarded() ? json(nullptr) : spec}};
}

json LabelMoveJson(const store::LabelMove& m) {
  return {{"prompt", m.prompt},
          {"label", m.label},
          {"from_version", OptionalVersion(m.from_version)},
          {"to_version", OptionalVersion(m.to_version)},
          {"at", FormatRfc3339(m.at)},
          {"by", m.by},
          {"reason", m.reason}};
}

Status DiagnosticsStatus(const Diagnostics& diagnostics,
                         const std::string& field_prefix) {
  if (!diagnostics.HasErrors()) return Status::Ok();
  std::string message;
  std::string field;
  for (const Diagnostic& d : diagnostics.items()) {
    if (d.severity != Severity::kError) continue;
    if (field.empty()) field = field_prefix + d.path;
    if (!message.empty()) message += "; ";
    message += (d.path.empty() ? "" : field_prefix + d.path + ": ") + d.message;
  }
  return Status::InvalidArgument(message, field);
}

Result<registry::PromptSpec> SpecFromStored(const store::PromptVersion& version) {
  json spec = json::parse(version.spec_json, nullptr, /*allow_exceptions=*/false);
  if (spec.is_discarded()) {
    return Status::Internal("stored spec of " + version.name + "@" +
                            std::to_string(version.version) + " is not JSON");
  }
  json doc = {{"apiVersion", std::string(registry::kPromptApiVersion)},
              {"kind", std::string(registry::kPromptKind)},
              {"metadata", {{"name", version.name}}},
              {"spec", std::move(spec)}};
  registry::PromptFile file = registry::DecodePromptFile(Dump(doc), "stored");
  if (!file.ok() || file.prompts.size() != 1) {
    return Status::Internal("stored spec of " + version.name + "@" +
                            std::to_string(version.version) +
                            " no longer decodes: " + file.diagnostics.ToString());
  }
  return std::move(file.prompts[0].spec);
}

Result<store::PromptPush> PushFromJson(const json& body, std::string_view url_name,
                                       const std::string& field_prefix) {
  if (!body.is_object()) {
    std::string field = field_prefix.empty() ? "body" : field_prefix;
    if (field.back() == '.') field.pop_back();
    return Status::InvalidArgument("a prompt must be a JSON object", field);
  }
  store::PromptPush push;
  json doc = body;
  if (auto m = doc.find("message"); m != doc.end()) {
    if (!m->is_string()) {
      return Status::InvalidArgument("message must be a string", field_prefix + "message");
    }
    push.message = m->get<std::string>();
    doc.erase("message");
  }
  const bool object_form = doc.contains("apiVersion") || doc.contains("kind");
  if (!object_form) {
    for (const auto& [key, unused] : doc.items()) {
      if (key != "spec") {
        return Status::InvalidArgument(
            "unknown field '" + key +
                "' (expected a Prompt object with apiVersion, kind, metadata and spec, or "
                "{\"spec\": ..., \"message\": ...})",
            field_prefix + key);
      }
    }
    if (!doc.contains("spec")) {
      return Status::InvalidArgument("required field is missing", field_prefix + "spec");
    }
    if (url_name.empty()) {
      return Status::InvalidArgument("required field is missing", field_prefix + "metadata");
    }
    doc = {{"apiVersion", std::string(registry::kPromptApiVersion)},
           {"kind", std::string(registry::kPromptKind)},
           {"metadata", {{"name", std::string(url_name)}}},
           {"spec", std::move(doc["spec"])}};
  }
  registry::PromptFile file = registry::DecodePromptFile(Dump(doc), "request");
  BALLAST_RETURN_IF_ERROR(DiagnosticsStatus(file.diagnostics, field_prefix));
  if (file.prompts.size() != 1) {
    return Status::InvalidArgument("expected exactly one prompt", field_prefix + "kind");
  }
  const registry::Prompt& prompt = file.prompts[0];
  if (!url_name.empty() && prompt.name != url_name) {
    return Status::InvalidArgument("metadata.name '" + prompt.name +
                                       "' differs from the prompt in the URL '" +
                                       std::string(url_name) + "'",
                                   field_prefix + "metadata.name");
  }
  push.name = prompt.name;
  push.spec_json = registry::CanonicalSpecJson(prompt.spec);
  return push;
}

}  // namespace ballast::server
