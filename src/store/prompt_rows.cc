#include "store/prompt_rows.h"

#include <algorithm>
#include <charconv>
#include <functional>
#include <nlohmann/json.hpp>

#include "common/sha256.h"

namespace ballast::store {

std::string_view TemplateKindName(TemplateKind kind) {
  return kind == TemplateKind::kChat ? "chat" : "text";
}

Status ValidatePromptLabel(std::string_view label) {
  if (label.empty()) return Status::InvalidArgument("label is empty", "label");
  if (label.size() > 128) {
    return Status::InvalidArgument("label is longer than 128 characters", "label");
  }
  bool all_digits = true;
  for (size_t i = 0; i < label.size(); ++i) {
    const char c = label[i];
    const bool digit = c >= '0' && c <= '9';
    all_digits &= digit;
    if (!(digit || (c >= 'a' && c <= 'z') || c == '_' || c == '-' || c == '.')) {
      return Status::InvalidArgument("label '" + std::string(label) + "' has character '" +
                                         std::string(1, c) + "' at position " + std::to_string(i) +
                                         "; allowed are a-z, 0-9, '_', '-' and '.'",
                                     "label");
    }
  }
  if (all_digits) {
    return Status::InvalidArgument(
        "label '" + std::string(label) + "' is all digits, which would read as a version number",
        "label");
  }
  return Status::Ok();
}

Status ValidatePromptName(std::string_view name) {
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (name.empty()) return Status::InvalidArgument("name is empty", "name");
  const std::string rule =
      "invalid prompt name '" + std::string(name.substr(0, 64)) +
      "': lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, "
      "parts between dots at most 63 characters, at most 253 in all";
  if (name.size() > 253) return Status::InvalidArgument(rule, "name");
  size_t part_start = 0;
  for (size_t i = 0; i <= name.size(); ++i) {
    if (i < name.size() && name[i] != '.') {
      if (!alnum(name[i]) && name[i] != '-') return Status::InvalidArgument(rule, "name");
      continue;
    }
    const size_t len = i - part_start;
    if (len == 0 || len > 63 || !alnum(name[part_start]) || !alnum(name[i - 1])) {
      return Status::InvalidArgument(rule, "name");
    }
    part_start = i + 1;
  }
  return Status::Ok();
}

namespace prompt_rows {
namespace {

Status EachRow(Statement& st, const std::function<void()>& row) {
  while (true) {
    BALLAST_ASSIGN_OR_RETURN(bool more, st.Step());
    if (!more) return Status::Ok();
    row();
  }
}

Status RecordMove(Connection& db, int64_t prompt_id, const LabelMove& move) {
  BALLAST_ASSIGN_OR_RETURN(
      Statement st,
      db.Prepare("INSERT INTO prompt_label_history (prompt_id, label, from_version, to_version, "
                 "at, by, reason) VALUES (?, ?, ?, ?, ?, ?, ?)"));
  BALLAST_RETURN_IF_ERROR(st.BindAll(prompt_id, move.label, move.from_version, move.to_version,
                                     move.at, move.by, move.reason));
  return st.Run();
}

}  // namespace

Result<SpecFacts> ReadSpec(std::string_view spec_json) {
  if (spec_json.size() > kMaxSpecBytes) {
    return Status::InvalidArgument("spec is larger than 4 MiB", "spec");
  }
  const nlohmann::json j = nlohmann::json::parse(spec_json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::InvalidArgument("spec is not valid JSON", "spec");
  if (!j.is_object()) return Status::InvalidArgument("spec is not a JSON object", "spec");
  if (j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) != spec_json) {
    return Status::InvalidArgument(
        "spec is not canonical JSON (sorted keys, no whitespace; registry::CanonicalSpecJson)",
        "spec");
  }
  SpecFacts facts;
  const bool text = j.contains("template");
  const bool chat = j.contains("messages");
  if (text == chat) {
    return Status::InvalidArgument("spec needs exactly one of 'template' and 'messages'", "spec");
  }
  if (text && !j["template"].is_string()) {
    return Status::InvalidArgument("spec.template is not a string", "spec.template");
  }
  if (chat && !j["messages"].is_array()) {
    return Status::InvalidArgument("spec.messages is not an array", "spec.messages");
  }
  facts.kind = chat ? TemplateKind::kChat : TemplateKind::kText;
  if (auto it = j.find("variables"); it != j.end()) {
    if (!it->is_object()) {
      return Status::InvalidArgument("spec.variables is not an object", "spec.variables");
    }
    for (const auto& [name, unused] : it->items()) facts.variables.push_back(name);
  }
  if (auto it = j.find("description"); it != j.end() && it->is_string()) {
    facts.description = it->get<std::string>();
  }
  facts.model_parameters_json = "{}";
  if (auto it = j.find("model"); it != j.end()) {
    if (!it->is_object())
      return Status::InvalidArgument("spec.model is not an object", "spec.model");
    facts.model_parameters_json =
        it->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (auto m = it->find("model"); m != it->end() && m->is_string()) {
      facts.model = m->get<std::string>();
    }
  }
  facts.content_hash = Sha256Hex(spec_json);
  return facts;
}

Result<SpecFacts> CheckPush(const PromptPush& push) {
  BALLAST_RETURN_IF_ERROR(ValidatePromptName(push.name));
  if (push.message.size() > kMaxMessageBytes) {
    return Status::InvalidArgument("message is longer than 4096 bytes", "message");
  }
  return ReadSpec(push.spec_json);
}

std::string RowEtag(std::string_view kind, int64_t id, int64_t generation) {
  return Sha256Hex(std::string(kind) + ":" + std::to_string(id) + ":" + std::to_string(generation))
      .substr(0, 16);
}

std::string NotFoundPrompt(std::string_view name) {
  return "prompt '" + std::string(name) + "' does not exist";
}

RegisteredPrompt PromptFromRow(const Statement& st) {
  RegisteredPrompt p;
  p.id = st.ColumnInt(0);
  p.name = st.ColumnText(1);
  p.description = st.ColumnText(2);
  p.created_at = st.ColumnInt(3);
  p.created_by = st.ColumnText(4);
  p.updated_at = st.ColumnInt(5);
  p.etag = RowEtag("prompt", p.id, st.ColumnInt(6));
  p.last_version = st.ColumnInt(7);
  p.deleted_at = st.ColumnOptionalInt(8);
  return p;
}

VersionRow VersionFromRow(const Statement& st) {
  VersionRow r;
  r.row_id = st.ColumnInt(0);
  PromptVersion& v = r.v;
  v.prompt_id = st.ColumnInt(1);
  v.name = st.ColumnText(2);
  v.version = st.ColumnInt(3);
  v.spec_json = st.ColumnText(4);
  v.template_kind = st.ColumnText(5) == "chat" ? TemplateKind::kChat : TemplateKind::kText;
  v.model = st.ColumnText(6);
  v.model_parameters_json = st.ColumnText(7);
  v.message = st.ColumnText(8);
  v.content_hash = st.ColumnText(9);
  v.created_at = st.ColumnInt(10);
  v.created_by = st.ColumnText(11);
  v.deleted_at = st.ColumnOptionalInt(12);
  v.etag = RowEtag("prompt_version", r.row_id, 1);
  return r;
}

Status FillPrompt(Connection& db, RegisteredPrompt& p) {
  BALLAST_ASSIGN_OR_RETURN(
      Statement st, db.Prepare("SELECT label, version FROM prompt_labels WHERE prompt_id = ?"));
  BALLAST_RETURN_IF_ERROR(st.BindAll(p.id));
  BALLAST_RETURN_IF_ERROR(EachRow(st, [&] { p.labels[st.ColumnText(0)] = st.ColumnInt(1); }));
  auto latest = p.labels.find(std::string(kLatestLabel));
  p.latest_version =
      latest == p.labels.end() ? std::nullopt : std::optional<int64_t>(latest->second);
  return Status::Ok();
}

Status FillVersion(Connection& db, VersionRow& r) {
  BALLAST_ASSIGN_OR_RETURN(
      Statement vars,
      db.Prepare("SELECT name FROM prompt_version_variables WHERE version_id = ? ORDER BY name"));
  BALLAST_RETURN_IF_ERROR(vars.BindAll(r.row_id));
  BALLAST_RETURN_IF_ERROR(EachRow(vars, [&] { r.v.variables.push_back(vars.ColumnText(0)); }));
  BALLAST_ASSIGN_OR_RETURN(Statement labels,
                           db.Prepare("SELECT label FROM prompt_labels WHERE prompt_id = ? AND "
                                      "version = ? ORDER BY label"));
  BALLAST_RETURN_IF_ERROR(labels.BindAll(r.v.prompt_id, r.v.version));
  return EachRow(labels, [&] { r.v.labels.push_back(labels.ColumnText(0)); });
}

Result<std::optional<RegisteredPrompt>> FindPromptRow(Connection& db, std::string_view name) {
  BALLAST_ASSIGN_OR_RETURN(Statement st, db.Prepare(std::string("SELECT ") + kPromptColumns +
                                                    " FROM prompts p WHERE p.name = ?"));
  BALLAST_RETURN_IF_ERROR(st.BindAll(name));
  BALLAST_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<RegisteredPrompt>();
  return std::optional<RegisteredPrompt>(PromptFromRow(st));
}

Result<RegisteredPrompt> LoadPrompt(Connection& db, std::string_view name) {
  BALLAST_ASSIGN_OR_RETURN(std::optional<RegisteredPrompt> p, FindPromptRow(db, name));
  if (!p || p->deleted_at) return Status::NotFound(NotFoundPrompt(name));
  BALLAST_RETURN_IF_ERROR(FillPrompt(db, *p));
  return std::move(*p);
}

Result<VersionRow> LoadVersion(Connection& db, const RegisteredPrompt& p, int64_t number) {
  BALLAST_ASSIGN_OR_RETURN(
      Statement st, db.Prepare(std::string("SELECT ") + kVersionColumns +
                               " FROM prompt_versions v JOIN prompts p ON p.id = v.prompt_id "
                               "WHERE v.prompt_id = ? AND v.version = ? AND v.deleted_at IS NULL"));
  BALLAST_RETURN_IF_ERROR(st.BindAll(p.id, number));
  BALLAST_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) {
    return Status::NotFound("prompt '" + p.name + "' has no version " + std::to_string(number));
  }
  VersionRow r = VersionFromRow(st);
  BALLAST_RETURN_IF_ERROR(FillVersion(db, r));
  return r;
}

Result<std::optional<int64_t>> LabelTarget(Connection& db, int64_t prompt_id,
                                           std::string_view label) {
  BALLAST_ASSIGN_OR_RETURN(
      Statement st,
      db.Prepare("SELECT version FROM prompt_labels WHERE prompt_id = ? AND label = ?"));
  BALLAST_RETURN_IF_ERROR(st.BindAll(prompt_id, label));
  BALLAST_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<int64_t>();
  return std::optional<int64_t>(st.ColumnInt(0));
}

Result<VersionRow> LoadVersionByRef(Connection& db, const RegisteredPrompt& p,
                                    std::string_view ref) {
  if (ref.empty()) return Status::InvalidArgument("version reference is empty", "ref");
  if (std::all_of(ref.begin(), ref.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    int64_t number = 0;
    auto [end, ec] = std::from_chars(ref.data(), ref.data() + ref.size(), number);
    if (ec != std::errc() || end != ref.data() + ref.size() || number < 1) {
      return Status::InvalidArgument(
          "version '" + std::string(ref) + "' is not a number from 1 to 2^63-1", "ref");
    }
    return LoadVersion(db, p, number);
  }
  Status valid = ValidatePromptLabel(ref);
  if (!valid.ok()) return Status::InvalidArgument(valid.message(), "ref");
  BALLAST_ASSIGN_OR_RETURN(std::optional<int64_t> target, LabelTarget(db, p.id, ref));
  if (!target) {
    if (ref == kLatestLabel) return Status::NotFound("prompt '" + p.name + "' has no versions");
    return Status::NotFound("prompt '" + p.name + "' has no label '" + std::string(ref) + "'");
  }
  return LoadVersion(db, p, *target);
}

Result<LabelMove> MoveLabel(Connection& db, const RegisteredPrompt& p, const std::string& label,
                            std::optional<int64_t> to, const std::string& reason,
                            const Actor& actor) {
  BALLAST_ASSIGN_OR_RETURN(std::optional<int64_t> from, LabelTarget(db, p.id, label));
  LabelMove move{p.name, label, from, to, actor.at, actor.by, reason};
  if (from == to) return move;  // not a move: nothing recorded
  if (to) {
    BALLAST_ASSIGN_OR_RETURN(
        Statement st,
        db.Prepare(
            "INSERT OR REPLACE INTO prompt_labels (prompt_id, label, version) VALUES (?, ?, ?)"));
    BALLAST_RETURN_IF_ERROR(st.BindAll(p.id, label, *to));
    BALLAST_RETURN_IF_ERROR(st.Run());
  } else {
    BALLAST_ASSIGN_OR_RETURN(
        Statement st, db.Prepare("DELETE FROM prompt_labels WHERE prompt_id = ? AND label = ?"));
    BALLAST_RETURN_IF_ERROR(st.BindAll(p.id, label));
    BALLAST_RETURN_IF_ERROR(st.Run());
  }
  BALLAST_RETURN_IF_ERROR(RecordMove(db, p.id, move));
  return move;
}

namespace {

// The version a push would create, before the store assigns its row.
PromptVersion NewVersion(const PromptPush& push, const SpecFacts& facts, int64_t prompt_id,
                         int64_t number, const Actor& actor) {
  PromptVersion v;
  v.prompt_id = prompt_id;
  v.name = push.name;
  v.version = number;
  v.spec_json = push.spec_json;
  v.template_kind = facts.kind;
  v.variables = facts.variables;
  v.model = facts.model;
  v.model_parameters_json = facts.model_parameters_json;
  v.message = push.message;
  v.content_hash = facts.content_hash;
  v.created_at = actor.at;
  v.created_by = actor.by;
  return v;
}

// The latest live version of a live prompt when its content hash is `hash`.
Result<std::optional<PromptVersion>> SameAsLatest(Connection& db, const RegisteredPrompt& p,
                                                  const std::string& hash) {
  if (p.deleted_at) return std::optional<PromptVersion>();
  BALLAST_ASSIGN_OR_RETURN(std::optional<int64_t> latest, LabelTarget(db, p.id, kLatestLabel));
  if (!latest) return std::optional<PromptVersion>();
  RegisteredPrompt full = p;
  BALLAST_RETURN_IF_ERROR(FillPrompt(db, full));
  BALLAST_ASSIGN_OR_RETURN(VersionRow r, LoadVersion(db, full, *latest));
  if (r.v.content_hash != hash) return std::optional<PromptVersion>();
  return std::optional<PromptVersion>(std::move(r.v));
}

}  // namespace

Result<PushResult> PlanPush(Connection& db, const PromptPush& push, const SpecFacts& facts,
                            const Actor& actor) {
  BALLAST_ASSIGN_OR_RETURN(std::optional<RegisteredPrompt> p, FindPromptRow(db, push.name));
  if (p) {
    BALLAST_ASSIGN_OR_RETURN(std::optional<PromptVersion> same,
                             SameAsLatest(db, *p, facts.content_hash));
    if (same) return PushResult{false, std::move(*same)};
  }
  const int64_t number = p ? p->last_version + 1 : 1;
  return PushResult{true, NewVersion(push, facts, p ? p->id : 0, number, actor)};
}

Result<PushResult> ApplyPush(Connection& db, const PromptPush& push, const SpecFacts& facts,
                             const Actor& actor) {
  BALLAST_ASSIGN_OR_RETURN(std::optional<RegisteredPrompt> found, FindPromptRow(db, push.name));
  if (found) {
    BALLAST_ASSIGN_OR_RETURN(std::optional<PromptVersion> same,
                             SameAsLatest(db, *found, facts.content_hash));
    if (same) return PushResult{false, std::move(*same)};
  } else {
    BALLAST_ASSIGN_OR_RETURN(
        Statement st,
        db.Prepare("INSERT INTO prompts (name, description, created_at, created_by, updated_at, "
                   "generation, last_version) VALUES (?, ?, ?, ?, ?, 1, 0)"));
    BALLAST_RETURN_IF_ERROR(st.BindAll(push.name, facts.description, actor.at, actor.by, actor.at));
    BALLAST_RETURN_IF_ERROR(st.Run());
    BALLAST_ASSIGN_OR_RETURN(found, FindPromptRow(db, push.name));
  }
  RegisteredPrompt& p = *found;
  // The counter only goes up and lives on the prompt row, which is never removed: numbers are
  // never reused, even across deleting and re-pushing the prompt.
  const int64_t number = p.last_version + 1;
  BALLAST_ASSIGN_OR_RETURN(
      Statement bump,
      db.Prepare("UPDATE prompts SET last_version = ?, description = ?, updated_at = ?, "
                 "generation = generation + 1, deleted_at = NULL WHERE id = ?"));
  BALLAST_RETURN_IF_ERROR(bump.BindAll(number, facts.description, actor.at, p.id));
  BALLAST_RETURN_IF_ERROR(bump.Run());
  BALLAST_ASSIGN_OR_RETURN(
      Statement ins,
      db.Prepare("INSERT INTO prompt_versions (prompt_id, version, spec_json, template_kind, "
                 "model, model_parameters_json, message, content_hash, created_at, created_by) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  BALLAST_RETURN_IF_ERROR(ins.BindAll(p.id, number, push.spec_json, TemplateKindName(facts.kind),
                                      facts.model, facts.model_parameters_json, push.message,
                                      facts.content_hash, actor.at, actor.by));
  BALLAST_RETURN_IF_ERROR(ins.Run());
  const int64_t row_id = db.LastInsertRowid();
  for (const std::string& name : facts.variables) {
    BALLAST_ASSIGN_OR_RETURN(
        Statement var,
        db.Prepare("INSERT INTO prompt_version_variables (version_id, name) VALUES (?, ?)"));
    BALLAST_RETURN_IF_ERROR(var.BindAll(row_id, name));
    BALLAST_RETURN_IF_ERROR(var.Run());
  }
  p.deleted_at.reset();
  BALLAST_RETURN_IF_ERROR(MoveLabel(db, p, std::string(kLatestLabel), number,
                                    "pushed version " + std::to_string(number), actor)
                              .status());
  BALLAST_ASSIGN_OR_RETURN(RegisteredPrompt live, LoadPrompt(db, push.name));
  BALLAST_ASSIGN_OR_RETURN(VersionRow created, LoadVersion(db, live, number));
  return PushResult{true, std::move(created.v)};
}

}  // namespace prompt_rows
}  // namespace ballast::store
