// SqliteEvalStore, datasets and their versions (the runs are in sqlite_eval_runs.cc).
#include "store/sqlite_eval_store.h"

#include <utility>

#include "store/eval_rows.h"
#include "store/registry_rows.h"

namespace ballast::store {

using registry_rows::CheckEtag;
using registry_rows::CheckLength;
using registry_rows::CheckTag;
using registry_rows::EachRow;
using registry_rows::MakeEtag;
using registry_rows::ParseVersionNumber;
using registry_rows::ReadSnapshot;
using registry_rows::WriteAndWait;

namespace eval_rows {

Result<NameRef> SplitRef(std::string_view text, std::string_view field) {
  const std::string f(field);
  if (text.empty()) return Status::InvalidArgument(f + " is empty", f);
  const size_t at = text.find('@');
  if (at == std::string_view::npos) return NameRef{std::string(text), "latest"};
  if (at == 0) return Status::InvalidArgument(f + " '" + std::string(text) + "' has no name", f);
  if (at + 1 == text.size()) {
    return Status::InvalidArgument(f + " '" + std::string(text) + "' has nothing after '@'", f);
  }
  if (text.find('@', at + 1) != std::string_view::npos) {
    return Status::InvalidArgument(f + " '" + std::string(text) + "' has more than one '@'", f);
  }
  return NameRef{std::string(text.substr(0, at)), std::string(text.substr(at + 1))};
}

namespace {

constexpr const char* kDatasetColumns =
    "id, name, description, created_at, created_by, updated_at, generation, last_version, "
    "deleted_at";

Dataset DatasetFromRow(const Statement& st) {
  Dataset d;
  d.id = st.ColumnInt(0);
  d.name = st.ColumnText(1);
  d.description = st.ColumnText(2);
  d.created_at = st.ColumnInt(3);
  d.created_by = st.ColumnText(4);
  d.updated_at = st.ColumnInt(5);
  d.etag = MakeEtag("dataset", d.id, st.ColumnInt(6));
  d.last_version = st.ColumnInt(7);
  if (!st.ColumnIsNull(8)) d.deleted_at = st.ColumnInt(8);
  return d;
}

Status FillDataset(Connection& db, Dataset& d) {
  BALLAST_ASSIGN_OR_RETURN(
      Statement st, db.Prepare("SELECT key, value FROM dataset_tags WHERE dataset_id = ?"));
  BALLAST_RETURN_IF_ERROR(st.BindAll(d.id));
  return EachRow(st, [&] { d.tags[st.ColumnText(0)] = st.ColumnText(1); });
}

constexpr const char* kVersionSelect =
    "SELECT v.id, d.name, v.version, v.description, v.content_hash, v.case_count, "
    "v.created_at, v.created_by FROM dataset_versions v JOIN datasets d ON d.id = v.dataset_id ";

DatasetVersionRow VersionFromRow(const Statement& st) {
  DatasetVersionRow r;
  r.row_id = st.ColumnInt(0);
  r.v.dataset = st.ColumnText(1);
  r.v.version = st.ColumnInt(2);
  r.v.description = st.ColumnText(3);
  r.v.content_hash = st.ColumnText(4);
  r.v.case_count = st.ColumnInt(5);
  r.v.created_at = st.ColumnInt(6);
  r.v.created_by = st.ColumnText(7);
  return r;
}

}  // namespace

Result<Dataset> LoadDataset(Connection& db, std::string_view name) {
  BALLAST_ASSIGN_OR_RETURN(Statement st,
                           db.Prepare(std::string("SELECT ") + kDatasetColumns +
                                      " FROM datasets WHERE name = ? AND deleted_at IS NULL"));
  BALLAST_RETURN_IF_ERROR(st.BindAll(name));
  BALLAST_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("dataset '" + std::string(name) + "' does not exist");
  Dataset d = DatasetFromRow(st);
  BALLAST_RETURN_IF_ERROR(FillDataset(db, d));
  return d;
}

Result<DatasetVersionRow> LoadDatasetVersion(Connection& db, std::string_view name,
                                             std::string_view ref) {
  BALLAST_ASSIGN_OR_RETURN(Dataset d, LoadDataset(db, name));
  int64_t number = d.last_version;
  if (ref != "latest") {
    BALLAST_ASSIGN_OR_RETURN(std::optional<int64_t> n, ParseVersionNumber(ref));
    if (!n) {
      return Status::InvalidArgument(
          "dataset version '" + std::string(ref) + "' is neither a number nor 'latest'",
          "version");
    }
    number = *n;
  }
  const std::string what = "version " + (ref == "latest" ? std::string("latest") : std::string(ref)) +
                           " of dataset '" + std::string(name) + "'";
  if (number < 1) return Status::NotFound(what + " does not exist (the dataset has no versions)");
  BALLAST_ASSIGN_OR_RETURN(
      Statement st,
      db.Prepare(std::string(kVersionSelect) + "WHERE v.dataset_id = ? AND v.version = ?"));
  BALLAST_RETURN_IF_ERROR(st.BindAll(d.id, number));
  BALLAST_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound(what + " does not exist");
  return VersionFromRow(st);
}

}  // namespace eval_rows

using eval_rows::DatasetVersionRow;
using eval_rows::LoadDataset;
using eval_rows::LoadDatasetVersion;

namespace {

// The model name rules (registry_store.h), worded for datasets.
Status ValidateDatasetName(std::string_view name) {
  if (name.empty()) return Status::InvalidArgument("dataset name is empty", "name");
  if (name.size() > 256) {
    return Status::InvalidArgument("dataset name is longer than 256 characters", "name");
  }
  for (size_t i = 0; i < name.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(name[i]);
    if (c == '@' || c < 0x20 || c == 0x7f) {
      return Status::InvalidArgument(
          "dataset name has a forbidden character ('@' or a control character) at position " +
              std::to_string(i),
          "name");
    }
  }
  return Status::Ok();
}

Status CheckPage(int64_t offset, int64_t limit) {
  if (limit < 1 || limit > 1000) return Status::InvalidArgument("limit must be 1..1000", "limit");
  if (offset < 0) return Status::InvalidArgument("offset is negative", "offset");
  return Status::Ok();
}

}  // namespace

Result<Dataset> SqliteEvalStore::CreateDataset(const Dataset& dataset, const Actor& actor) {
  BALLAST_RETURN_IF_ERROR(ValidateDatasetName(dataset.name));
  BALLAST_RETURN_IF_ERROR(CheckLength("description", dataset.description, 0, 16384));
  if (dataset.tags.size() > 100) return Status::InvalidArgument("more than 100 tags", "tags");
  for (const auto& [k, v] : dataset.tags) BALLAST_RETURN_IF_ERROR(CheckTag(k, v));
  return WriteAndWait<Dataset>(writer_, [dataset, actor](Connection& db) -> Result<Dataset> {
    Result<Dataset> existing = LoadDataset(db, dataset.name);
    if (existing) return Status::AlreadyExists("dataset '" + dataset.name + "' already exists");
    if (existing.error().code() != StatusCode::kNotFound) return existing.error();
    BALLAST_ASSIGN_OR_RETURN(
        Statement st,
        db.Prepare("INSERT INTO datasets (name, description, created_at, created_by, "
                   "updated_at, generation, last_version) VALUES (?, ?, ?, ?, ?, 1, 0)"));
    BALLAST_RETURN_IF_ERROR(
        st.BindAll(dataset.name, dataset.description, actor.at, actor.by, actor.at));
    BALLAST_RETURN_IF_ERROR(st.Run());
    const int64_t id = db.LastInsertRowid();
    for (const auto& [k, v] : dataset.tags) {
      BALLAST_ASSIGN_OR_RETURN(
          Statement tag,
          db.Prepare("INSERT INTO dataset_tags (dataset_id, key, value) VALUES (?, ?, ?)"));
      BALLAST_RETURN_IF_ERROR(tag.BindAll(id, k, v));
      BALLAST_RETURN_IF_ERROR(tag.Run());
    }
    return LoadDataset(db, dataset.name);
  });
}

Result<Dataset> SqliteEvalStore::GetDataset(std::string_view name) {
  std::string n(name);
  return ReadSnapshot<Dataset>(readers_, [&n](Connection& db) { return LoadDataset(db, n); });
}

Result<Page<Dataset>> SqliteEvalStore::ListDatasets(int64_t offset, int64_t limit) {
  BALLAST_RETURN_IF_ERROR(CheckPage(offset, limit));
  return ReadSnapshot<Page<Dataset>>(readers_, [&](Connection& db) -> Result<Page<Dataset>> {
    BALLAST_ASSIGN_OR_RETURN(Statement st,
                             db.Prepare(std::string("SELECT ") + eval_rows::kDatasetColumns +
                                        " FROM datasets WHERE deleted_at IS NULL "
                                        "ORDER BY name, id LIMIT ? OFFSET ?"));
    BALLAST_RETURN_IF_ERROR(st.BindAll(limit + 1, offset));
    Page<Dataset> page;
    BALLAST_RETURN_IF_ERROR(EachRow(st, [&] { page.items.push_back(eval_rows::DatasetFromRow(st)); }));
    if (static_cast<int64_t>(page.items.size()) > limit) {
      page.items.pop_back();
      page.next_offset = offset + limit;
    }
    for (Dataset& d : page.items) {
      BALLAST_ASSIGN_OR_RETURN(
          Statement tags, db.Prepare("SELECT key, value FROM dataset_tags WHERE dataset_id = ?"));
      BALLAST_RETURN_IF_ERROR(tags.BindAll(d.id));
      BALLAST_RETURN_IF_ERROR(
          EachRow(tags, [&] { d.tags[tags.ColumnText(0)] = tags.ColumnText(1); }));
    }
    return page;
  });
}

Status SqliteEvalStore::DeleteDataset(std::string_view name, std::string_view expected_etag,
                                      const Actor& actor) {
  return writer_.SubmitAndWait([n = std::string(name), etag = std::string(expected_etag),
                                actor](Connection& db) -> Status {
    BALLAST_ASSIGN_OR_RETURN(Dataset d, LoadDataset(db, n));
    if (!etag.empty()) BALLAST_RETURN_IF_ERROR(CheckEtag("dataset '" + n + "'", d.etag, etag));
    BALLAST_ASSIGN_OR_RETURN(Statement st,
                             db.Prepare("UPDATE datasets SET deleted_at = ?, updated_at = ?, "
                                        "generation = generation + 1 WHERE id = ?"));
    BALLAST_RETURN_IF_ERROR(st.BindAll(actor.at, actor.at, d.id));
    return st.Run();
  });
}

Result<DatasetVersionWrite> SqliteEvalStore::CreateDatasetVersion(std::string_view dataset,
                                                                  std::string_view cases_jsonl,
                                                                  std::string_view description,
                                                                  const Actor& actor) {
  BALLAST_RETURN_IF_ERROR(CheckLength("description", description, 0, 16384));
  ParsedCases parsed = ParseCasesJsonl(cases_jsonl);
  if (!parsed.problems.empty()) return CaseProblemsStatus(parsed.problems);
  auto cases = std::make_shared<std::vector<std::string>>(std::move(parsed.cases));
  const std::string hash = CasesContentHash(*cases);
  return WriteAndWait<DatasetVersionWrite>(
      writer_,
      [n = std::string(dataset), why = std::string(description), cases, hash,
       actor](Connection& db) -> Result<DatasetVersionWrite> {
        BALLAST_ASSIGN_OR_RETURN(Dataset d, LoadDataset(db, n));
        if (d.last_version > 0) {
          BALLAST_ASSIGN_OR_RETURN(DatasetVersionRow latest, LoadDatasetVersion(db, n, "latest"));
          if (latest.v.content_hash == hash) return DatasetVersionWrite{false, latest.v};
        }
        // The counter lives on the dataset row and the writer serializes creates, so numbers
        // only go up.
        const int64_t number = d.last_version + 1;
        BALLAST_ASSIGN_OR_RETURN(
            Statement bump, db.Prepare("UPDATE datasets SET last_version = ?, updated_at = ?, "
                                       "generation = generation + 1 WHERE id = ?"));
        BALLAST_RETURN_IF_ERROR(bump.BindAll(number, actor.at, d.id));
        BALLAST_RETURN_IF_ERROR(bump.Run());
        BALLAST_ASSIGN_OR_RETURN(
            Statement st,
            db.Prepare("INSERT INTO dataset_versions (dataset_id, version, description, "
                       "content_hash, case_count, created_at, created_by) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)"));
        BALLAST_RETURN_IF_ERROR(st.BindAll(d.id, number, why, hash,
                                           static_cast<int64_t>(cases->size()), actor.at,
                                           actor.by));
        BALLAST_RETURN_IF_ERROR(st.Run());
        const int64_t row_id = db.LastInsertRowid();
        for (size_t i = 0; i < cases->size(); ++i) {
          BALLAST_ASSIGN_OR_RETURN(
              Statement c, db.Prepare("INSERT INTO dataset_cases (version_id, position, "
                                      "case_json) VALUES (?, ?, ?)"));
          BALLAST_RETURN_IF_ERROR(c.BindAll(row_id, static_cast<int64_t>(i + 1), (*cases)[i]));
          BALLAST_RETURN_IF_ERROR(c.Run());
        }
        BALLAST_ASSIGN_OR_RETURN(DatasetVersionRow created,
                                 LoadDatasetVersion(db, n, std::to_string(number)));
        return DatasetVersionWrite{true, std::move(created.v)};
      });
}

Result<DatasetVersion> SqliteEvalStore::GetDatasetVersion(std::string_view dataset,
                                                          std::string_view ref) {
  std::string n(dataset);
  std::string r(ref);
  return ReadSnapshot<DatasetVersion>(readers_, [&](Connection& db) -> Result<DatasetVersion> {
    BALLAST_ASSIGN_OR_RETURN(DatasetVersionRow row, LoadDatasetVersion(db, n, r));
    return std::move(row.v);
  });
}

Result<Page<DatasetVersion>> SqliteEvalStore::ListDatasetVersions(std::string_view dataset,
                                                                  int64_t offset, int64_t limit) {
  BALLAST_RETURN_IF_ERROR(CheckPage(offset, limit));
  std::string n(dataset);
  return ReadSnapshot<Page<DatasetVersion>>(
      readers_, [&](Connection& db) -> Result<Page<DatasetVersion>> {
        BALLAST_ASSIGN_OR_RETURN(Dataset d, LoadDataset(db, n));
        BALLAST_ASSIGN_OR_RETURN(
            Statement st,
            db.Prepare(std::string(eval_rows::kVersionSelect) +
                       "WHERE v.dataset_id = ? ORDER BY v.version DESC LIMIT ? OFFSET ?"));
        BALLAST_RETURN_IF_ERROR(st.BindAll(d.id, limit + 1, offset));
        Page<DatasetVersion> page;
        BALLAST_RETURN_IF_ERROR(
            EachRow(st, [&] { page.items.push_back(eval_rows::VersionFromRow(st).v); }));
        if (static_cast<int64_t>(page.items.size()) > limit) {
          page.items.pop_back();
          page.next_offset = offset + limit;
        }
        return page;
      });
}

Result<Page<DatasetCase>> SqliteEvalStore::ListCases(std::string_view dataset, int64_t version,
                                                     int64_t offset, int64_t limit) {
  BALLAST_RETURN_IF_ERROR(CheckPage(offset, limit));
  std::string n(dataset);
  return ReadSnapshot<Page<DatasetCase>>(
      readers_, [&](Connection& db) -> Result<Page<DatasetCase>> {
        BALLAST_ASSIGN_OR_RETURN(DatasetVersionRow v,
                                 LoadDatasetVersion(db, n, std::to_string(version)));
        BALLAST_ASSIGN_OR_RETURN(
            Statement st, db.Prepare("SELECT position, case_json FROM dataset_cases WHERE "
                                     "version_id = ? AND position > ? ORDER BY position LIMIT ?"));
        // Positions are dense from 1, so the offset is a key range, not a scan.
        BALLAST_RETURN_IF_ERROR(st.BindAll(v.row_id, offset, limit + 1));
        Page<DatasetCase> page;
        BALLAST_RETURN_IF_ERROR(EachRow(
            st, [&] { page.items.push_back({st.ColumnInt(0), st.ColumnText(1)}); }));
        if (static_cast<int64_t>(page.items.size()) > limit) {
          page.items.pop_back();
          page.next_offset = offset + limit;
        }
        return page;
      });
}

}  // namespace ballast::store
