// SqliteRegistryStore's listings: models and versions by the expression language's filter
// (compiled to SQL by store/expr_sql.h), order_by and offset paging (store/list_sql.h).
#include <string>
#include <vector>

#include "store/list_sql.h"
#include "store/registry_rows.h"
#include "store/sqlite_registry_store.h"

namespace ballast::store {
using registry_rows::FillModel;
using registry_rows::FillVersion;
using registry_rows::kModelColumns;
using registry_rows::kVersionColumns;
using registry_rows::LoadModel;
using registry_rows::ModelDetail;
using registry_rows::ModelFromRow;
using registry_rows::ReadSnapshot;
using registry_rows::VersionFromRow;
using registry_rows::VersionRow;

namespace {

constexpr OrderColumn kModelOrder[] = {{"name", "m.name"},
                                       {"owner", "m.owner"},
                                       {"provider", "m.provider"},
                                       {"created_at", "m.created_at"},
                                       {"updated_at", "m.updated_at"}};
constexpr OrderColumn kVersionOrder[] = {{"name", "m.name"},
                                         {"version", "v.version"},
                                         {"created_at", "v.created_at"},
                                         {"updated_at", "v.updated_at"},
                                         {"retires_at", "v.retires_at"}};

}  // namespace

Result<Page<RegisteredModel>> SqliteRegistryStore::ListModels(const ListQuery& query) {
  BALLAST_RETURN_IF_ERROR(CheckListQuery(query));
  BALLAST_ASSIGN_OR_RETURN(std::string order,
                           OrderByClause(query.order_by, kModelOrder, "m.name ASC", "m.id ASC"));
  const std::string sql = std::string("SELECT ") + kModelColumns +
                          " FROM registered_models m WHERE " +
                          (query.include_deleted ? "1" : "m.deleted_at IS NULL") +
                          FilterClause(query.filter) + " ORDER BY " + order + " LIMIT ? OFFSET ?";
  return ReadSnapshot<Page<RegisteredModel>>(
      readers_, [&](Connection& db) -> Result<Page<RegisteredModel>> {
        Page<RegisteredModel> page;
        BALLAST_ASSIGN_OR_RETURN(
            bool more, RunPage(db, sql, std::nullopt, query,
                               [&](const Statement& st) { page.items.push_back(ModelFromRow(st)); }));
        for (RegisteredModel& m : page.items) BALLAST_RETURN_IF_ERROR(FillModel(db, m));
        if (more) page.next_offset = query.offset + query.limit;
        return page;
      });
}

Result<Page<ModelVersion>> SqliteRegistryStore::ListVersions(std::string_view model,
                                                             const ListQuery& query) {
  BALLAST_RETURN_IF_ERROR(CheckListQuery(query));
  BALLAST_ASSIGN_OR_RETURN(
      std::string order,
      OrderByClause(query.order_by, kVersionOrder, "m.name ASC, v.version DESC", "v.id ASC"));
  std::string sql =
      std::string("SELECT ") + kVersionColumns +
      " FROM model_versions v JOIN registered_models m ON m.id = v.model_id WHERE " +
      (query.include_deleted ? "1" : "v.deleted_at IS NULL AND m.deleted_at IS NULL") +
      (model.empty() ? "" : " AND v.model_id = ?") + FilterClause(query.filter) + " ORDER BY " +
      order + " LIMIT ? OFFSET ?";
  std::string n(model);
  return ReadSnapshot<Page<ModelVersion>>(
      readers_, [&](Connection& db) -> Result<Page<ModelVersion>> {
        std::optional<int64_t> model_id;
        if (!n.empty()) {
          BALLAST_ASSIGN_OR_RETURN(RegisteredModel m, LoadModel(db, n, ModelDetail::kHead));
          model_id = m.id;
        }
        std::vector<VersionRow> rows;
        BALLAST_ASSIGN_OR_RETURN(
            bool more, RunPage(db, sql, model_id, query,
                               [&](const Statement& st) { rows.push_back(VersionFromRow(st)); }));
        Page<ModelVersion> page;
        for (VersionRow& r : rows) {
          BALLAST_RETURN_IF_ERROR(FillVersion(db, r));
          page.items.push_back(std::move(r.v));
        }
        if (more) page.next_offset = query.offset + query.limit;
        return page;
      });
}

}  // namespace ballast::store
