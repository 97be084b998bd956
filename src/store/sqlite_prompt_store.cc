#include "store/sqlite_prompt_store.h"

#include <functional>
#include <memory>
#include <set>
#include <utility>

#include "store/expr_sql.h"
#include "store/list_sql.h"
#include "store/prompt_rows.h"
#include "store/registry_rows.h"

namespace ballast::store {
using prompt_rows::ApplyPush;
using prompt_rows::CheckPush;
using prompt_rows::FillPrompt;
using prompt_rows::FillVersion;
using prompt_rows::kPromptColumns;
using prompt_rows::kVersionColumns;
using prompt_rows::LabelTarget;
using prompt_rows::LoadPrompt;
using prompt_rows::LoadVersion;
using prompt_rows::LoadVersionByRef;
using prompt_rows::MoveLabel;
using prompt_rows::PlanPush;
using prompt_rows::PromptFromRow;
using prompt_rows::SpecFacts;
using prompt_rows::VersionFromRow;
using prompt_rows::VersionRow;
using registry_rows::ReadSnapshot;
using registry_rows::WriteAndWait;

namespace {

Status WithFieldPrefix(const Status& st, const std::string& prefix) {
  if (st.code() != StatusCode::kInvalidArgument) return st;
  return Status(st.code(), st.message(), prefix + (st.field().empty() ? "name" : st.field()));
}

Status RefuseLatest(std::string_view label) {
  if (label != kLatestLabel) return Status::Ok();
  return Status::InvalidArgument(
      "label 'latest' is kept by the registry on the newest version and cannot be set or "
      "deleted by hand",
      "label");
}

constexpr OrderColumn kPromptOrder[] = {
    {"name", "p.name"}, {"created_at", "p.created_at"}, {"updated_at", "p.updated_at"}};
constexpr OrderColumn kVersionOrder[] = {{"version", "v.version"}, {"created_at", "v.created_at"}};

}  // namespace

// ---- push ----

Result<PushResult> SqlitePromptStore::Push(const PromptPush& push, const Actor& actor) {
  BALLAST_ASSIGN_OR_RETURN(SpecFacts facts, CheckPush(push));
  return WriteAndWait<PushResult>(
      writer_, [push, facts, actor](Connection& db) { return ApplyPush(db, push, facts, actor); });
}

Result<std::vector<PushResult>> SqlitePromptStore::PushAll(const std::vector<PromptPush>& pushes,
                                                           bool check_only, const Actor& actor) {
  std::vector<SpecFacts> facts;
  std::set<std::string> names;
  for (size_t i = 0; i < pushes.size(); ++i) {
    const std::string prefix = "prompts[" + std::to_string(i) + "].";
    Result<SpecFacts> f = CheckPush(pushes[i]);
    if (!f) return WithFieldPrefix(f.error(), prefix);
    if (!names.insert(pushes[i].name).second) {
      return Status::InvalidArgument("prompt '" + pushes[i].name + "' appears more than once",
                                     prefix + "name");
    }
    facts.push_back(std::move(*f));
  }
  if (check_only) {
    return ReadSnapshot<std::vector<PushResult>>(
        readers_, [&](Connection& db) -> Result<std::vector<PushResult>> {
          std::vector<PushResult> out;
          for (size_t i = 0; i < pushes.size(); ++i) {
            BALLAST_ASSIGN_OR_RETURN(PushResult r, PlanPush(db, pushes[i], facts[i], actor));
            out.push_back(std::move(r));
          }
          return out;
        });
  }
  // One closure, one savepoint: an error in any push rolls back all of them.
  return WriteAndWait<std::vector<PushResult>>(
      writer_, [pushes, facts, actor](Connection& db) -> Result<std::vector<PushResult>> {
        std::vector<PushResult> out;
        for (size_t i = 0; i < pushes.size(); ++i) {
          Result<PushResult> r = ApplyPush(db, pushes[i], facts[i], actor);
          if (!r) return WithFieldPrefix(r.error(), "prompts[" + std::to_string(i) + "].");
          out.push_back(std::move(*r));
        }
        return out;
      });
}

// ---- prompts ----

Result<RegisteredPrompt> SqlitePromptStore::GetPrompt(std::string_view name) {
  std::string n(name);
  return ReadSnapshot<RegisteredPrompt>(readers_,
                                        [&n](Connection& db) { return LoadPrompt(db, n); });
}

Result<Page<RegisteredPrompt>> SqlitePromptStore::ListPrompts(const ListQuery& query) {
  BALLAST_RETURN_IF_ERROR(CheckListQuery(query));
  BALLAST_ASSIGN_OR_RETURN(std::string order,
                           OrderByClause(query.order_by, kPromptOrder, "p.name ASC", "p.id ASC"));
  const std::string sql = std::string("SELECT ") + kPromptColumns + " FROM prompts p WHERE " +
                          (query.include_deleted ? "1" : "p.deleted_at IS NULL") +
                          FilterClause(query.filter) + " ORDER BY " + order + " LIMIT ? OFFSET ?";
  return ReadSnapshot<Page<RegisteredPrompt>>(
      readers_, [&](Connection& db) -> Result<Page<RegisteredPrompt>> {
        Page<RegisteredPrompt> page;
        BALLAST_ASSIGN_OR_RETURN(bool more,
                                 RunPage(db, sql, std::nullopt, query, [&](const Statement& st) {
                                   page.items.push_back(PromptFromRow(st));
                                 }));
        for (RegisteredPrompt& p : page.items) BALLAST_RETURN_IF_ERROR(FillPrompt(db, p));
        if (more) page.next_offset = query.offset + query.limit;
        return page;
      });
}

Status SqlitePromptStore::DeletePrompt(std::string_view name, std::string_view expected_etag,
                                       const Actor& actor) {
  return writer_.SubmitAndWait(
      [n = std::string(name), etag = std::string(expected_etag), actor](Connection& db) -> Status {
        BALLAST_ASSIGN_OR_RETURN(RegisteredPrompt p, LoadPrompt(db, n));
        if (!etag.empty() && etag != p.etag) {
          return Status::FailedPrecondition("prompt '" + n + "' changed since it was read (etag " +
                                            p.etag + ", If-Match " + etag + ")");
        }
        for (const auto& [label, unused] : p.labels) {
          BALLAST_RETURN_IF_ERROR(
              MoveLabel(db, p, label, std::nullopt, "prompt deleted", actor).status());
        }
        BALLAST_ASSIGN_OR_RETURN(Statement versions,
                                 db.Prepare("UPDATE prompt_versions SET deleted_at = ? "
                                            "WHERE prompt_id = ? AND deleted_at IS NULL"));
        BALLAST_RETURN_IF_ERROR(versions.BindAll(actor.at, p.id));
        BALLAST_RETURN_IF_ERROR(versions.Run());
        BALLAST_ASSIGN_OR_RETURN(Statement st,
                                 db.Prepare("UPDATE prompts SET deleted_at = ?, updated_at = ?, "
                                            "generation = generation + 1 WHERE id = ?"));
        BALLAST_RETURN_IF_ERROR(st.BindAll(actor.at, actor.at, p.id));
        return st.Run();
      });
}

// ---- versions ----

Result<PromptVersion> SqlitePromptStore::GetVersion(std::string_view name, int64_t version) {
  std::string n(name);
  return ReadSnapshot<PromptVersion>(readers_, [&](Connection& db) -> Result<PromptVersion> {
    BALLAST_ASSIGN_OR_RETURN(RegisteredPrompt p, LoadPrompt(db, n));
    BALLAST_ASSIGN_OR_RETURN(VersionRow r, LoadVersion(db, p, version));
    return std::move(r.v);
  });
}

Result<PromptVersion> SqlitePromptStore::GetVersionByRef(std::string_view name,
                                                         std::string_view ref) {
  std::string n(name);
  std::string rf(ref);
  return ReadSnapshot<PromptVersion>(readers_, [&](Connection& db) -> Result<PromptVersion> {
    BALLAST_ASSIGN_OR_RETURN(RegisteredPrompt p, LoadPrompt(db, n));
    BALLAST_ASSIGN_OR_RETURN(VersionRow r, LoadVersionByRef(db, p, rf));
    return std::move(r.v);
  });
}

Result<Page<PromptVersion>> SqlitePromptStore::ListVersions(std::string_view name,
                                                            const ListQuery& query) {
  BALLAST_RETURN_IF_ERROR(CheckListQuery(query));
  BALLAST_ASSIGN_OR_RETURN(
      std::string order,
      OrderByClause(query.order_by, kVersionOrder, "v.version DESC", "v.id ASC"));
  const std::string sql =
      std::string("SELECT ") + kVersionColumns +
      " FROM prompt_versions v JOIN prompts p ON p.id = v.prompt_id WHERE v.prompt_id = ?" +
      (query.include_deleted ? "" : " AND v.deleted_at IS NULL") + FilterClause(query.filter) +
      " ORDER BY " + order + " LIMIT ? OFFSET ?";
  std::string n(name);
  return ReadSnapshot<Page<PromptVersion>>(
      readers_, [&](Connection& db) -> Result<Page<PromptVersion>> {
        BALLAST_ASSIGN_OR_RETURN(RegisteredPrompt p, LoadPrompt(db, n));
        std::vector<VersionRow> rows;
        BALLAST_ASSIGN_OR_RETURN(bool more, RunPage(db, sql, p.id, query, [&](const Statement& st) {
                                   rows.push_back(VersionFromRow(st));
                                 }));
        Page<PromptVersion> page;
        for (VersionRow& r : rows) {
          BALLAST_RETURN_IF_ERROR(FillVersion(db, r));
          page.items.push_back(std::move(r.v));
        }
        if (more) page.next_offset = query.offset + query.limit;
        return page;
      });
}

Status SqlitePromptStore::DeleteVersion(std::string_view name, int64_t version,
                                        const Actor& actor) {
  return writer_.SubmitAndWait([n = std::string(name), version, actor](Connection& db) -> Status {
    BALLAST_ASSIGN_OR_RETURN(RegisteredPrompt p, LoadPrompt(db, n));
    BALLAST_ASSIGN_OR_RETURN(VersionRow r, LoadVersion(db, p, version));
    BALLAST_ASSIGN_OR_RETURN(Statement st,
                             db.Prepare("UPDATE prompt_versions SET deleted_at = ? WHERE id = ?"));
    BALLAST_RETURN_IF_ERROR(st.BindAll(actor.at, r.row_id));
    BALLAST_RETURN_IF_ERROR(st.Run());
    const std::string why = "version " + std::to_string(version) + " deleted";
    for (const std::string& label : r.v.labels) {
      std::optional<int64_t> to;
      if (label == kLatestLabel) {
        BALLAST_ASSIGN_OR_RETURN(Statement max,
                                 db.Prepare("SELECT MAX(version) FROM prompt_versions WHERE "
                                            "prompt_id = ? AND deleted_at IS NULL"));
        BALLAST_RETURN_IF_ERROR(max.BindAll(p.id));
        BALLAST_ASSIGN_OR_RETURN(bool row, max.Step());
        if (row && !max.ColumnIsNull(0)) to = max.ColumnInt(0);
      }
      BALLAST_RETURN_IF_ERROR(MoveLabel(db, p, label, to, why, actor).status());
    }
    BALLAST_ASSIGN_OR_RETURN(Statement bump,
                             db.Prepare("UPDATE prompts SET updated_at = ?, "
                                        "generation = generation + 1 WHERE id = ?"));
    BALLAST_RETURN_IF_ERROR(bump.BindAll(actor.at, p.id));
    return bump.Run();
  });
}

// ---- labels and refs ----

Result<LabelMove> SqlitePromptStore::SetLabel(std::string_view name, std::string_view label,
                                              int64_t version, std::string_view reason,
                                              const Actor& actor) {
  BALLAST_RETURN_IF_ERROR(ValidatePromptLabel(label));
  BALLAST_RETURN_IF_ERROR(RefuseLatest(label));
  if (version < 1) return Status::InvalidArgument("version must be at least 1", "version");
  if (reason.size() > 4096) {
    return Status::InvalidArgument("reason is longer than 4096 bytes", "reason");
  }
  return WriteAndWait<LabelMove>(
      writer_,
      [n = std::string(name), l = std::string(label), version, why = std::string(reason),
       actor](Connection& db) -> Result<LabelMove> {
        BALLAST_ASSIGN_OR_RETURN(RegisteredPrompt p, LoadPrompt(db, n));
        BALLAST_RETURN_IF_ERROR(LoadVersion(db, p, version).status());
        return MoveLabel(db, p, l, version, why, actor);
      });
}

Result<LabelMove> SqlitePromptStore::DeleteLabel(std::string_view name, std::string_view label,
                                                 std::string_view reason, const Actor& actor) {
  BALLAST_RETURN_IF_ERROR(ValidatePromptLabel(label));
  BALLAST_RETURN_IF_ERROR(RefuseLatest(label));
  if (reason.size() > 4096) {
    return Status::InvalidArgument("reason is longer than 4096 bytes", "reason");
  }
  return WriteAndWait<LabelMove>(
      writer_,
      [n = std::string(name), l = std::string(label), why = std::string(reason),
       actor](Connection& db) -> Result<LabelMove> {
        BALLAST_ASSIGN_OR_RETURN(RegisteredPrompt p, LoadPrompt(db, n));
        BALLAST_ASSIGN_OR_RETURN(std::optional<int64_t> current, LabelTarget(db, p.id, l));
        if (!current) return Status::NotFound("prompt '" + n + "' has no label '" + l + "'");
        return MoveLabel(db, p, l, std::nullopt, why, actor);
      });
}

Result<std::vector<LabelMove>> SqlitePromptStore::LabelHistory(std::string_view name,
                                                               std::string_view label) {
  BALLAST_RETURN_IF_ERROR(ValidatePromptLabel(label));
  std::string n(name);
  std::string l(label);
  return ReadSnapshot<std::vector<LabelMove>>(
      readers_, [&](Connection& db) -> Result<std::vector<LabelMove>> {
        BALLAST_ASSIGN_OR_RETURN(RegisteredPrompt p, LoadPrompt(db, n));
        BALLAST_ASSIGN_OR_RETURN(
            Statement st,
            db.Prepare("SELECT from_version, to_version, at, by, reason FROM prompt_label_history "
                       "WHERE prompt_id = ? AND label = ? ORDER BY id"));
        BALLAST_RETURN_IF_ERROR(st.BindAll(p.id, l));
        std::vector<LabelMove> out;
        while (true) {
          BALLAST_ASSIGN_OR_RETURN(bool row, st.Step());
          if (!row) break;
          out.push_back({p.name, l, st.ColumnOptionalInt(0), st.ColumnOptionalInt(1),
                         st.ColumnInt(2), st.ColumnText(3), st.ColumnText(4)});
        }
        return out;
      });
}

Result<PromptVersion> SqlitePromptStore::ResolveRef(std::string_view ref) {
  const std::string shown(ref.substr(0, 300));
  const size_t at = ref.find('@');
  const std::string_view name = ref.substr(0, at);
  if (name.empty()) return Status::InvalidArgument("prompt ref '" + shown + "' has no name", "ref");
  Status valid = ValidatePromptName(name);
  if (!valid.ok()) return Status::InvalidArgument(valid.message(), "ref");
  if (at == std::string_view::npos) return GetVersionByRef(name, kLatestLabel);
  const std::string_view version = ref.substr(at + 1);
  if (version.empty()) {
    return Status::InvalidArgument("prompt ref '" + shown + "' has nothing after '@'", "ref");
  }
  if (version.find('@') != std::string_view::npos) {
    return Status::InvalidArgument("prompt ref '" + shown + "' has more than one '@'", "ref");
  }
  return GetVersionByRef(name, version);
}

}  // namespace ballast::store
