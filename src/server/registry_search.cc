#include "server/registry_search.h"

namespace ballast::server {

namespace {

using expr::ValueType;

store::SideTable ModelTags() {
  return {.table = "model_tags",
          .owner_column = "model_id",
          .owner_sql = "m.id",
          .key_column = "key",
          .value_column = "value"};
}

Result<store::ListQuery> BuildQuery(const ListParams& params, const store::SearchFields& fields,
                                    const std::vector<std::string_view>& sortable) {
  store::ListQuery query;
  if (!params.filter.empty()) {
    auto where = store::CompileWhere(params.filter, fields);
    if (!where) return Status::InvalidArgument("filter: " + where.error().message(), "filter");
    query.filter = store::SqlFilter{std::move(where->sql), std::move(where->params)};
  }
  BALLAST_ASSIGN_OR_RETURN(query.order_by, ParseOrderBy(params.order_by, sortable));
  query.offset = static_cast<int64_t>(params.page.offset);
  query.limit = static_cast<int64_t>(params.page.size);
  return query;
}

}  // namespace

const store::SearchFields& ModelSearchFields() {
  static const store::SearchFields fields = [] {
    store::SearchFields f;
    f.AddColumn("name", ValueType::kString, "m.name", true)
        .AddColumn("description", ValueType::kString, "m.description")
        .AddColumn("owner", ValueType::kString, "m.owner", true)
        .AddColumn("provider", ValueType::kString, "m.provider", true)
        .AddColumn("created_at", ValueType::kTime, "m.created_at", true)
        .AddColumn("created_by", ValueType::kString, "m.created_by")
        .AddColumn("updated_at", ValueType::kTime, "m.updated_at", true)
        .AddMap("tags", ValueType::kString, ModelTags());
    return f;
  }();
  return fields;
}

const store::SearchFields& VersionSearchFields() {
  static const store::SearchFields fields = [] {
    store::SearchFields f;
    f.AddColumn("model", ValueType::kString, "m.name")
        .AddColumn("name", ValueType::kString, "m.name", true)
        .AddColumn("owner", ValueType::kString, "m.owner")
        .AddColumn("provider", ValueType::kString, "m.provider")
        .AddColumn("version", ValueType::kNumber, "v.version", true)
        .AddColumn("source", ValueType::kString, "v.source")
        .AddColumn("run_id", ValueType::kString, "v.run_id")
        .AddColumn("status", ValueType::kString, "v.status")
        .AddColumn("stage", ValueType::kString, "v.stage")
        .AddColumn("description", ValueType::kString, "v.description")
        .AddColumn("lifecycle", ValueType::kString, "v.lifecycle")
        .AddColumn("created_at", ValueType::kTime, "v.created_at", true)
        .AddColumn("created_by", ValueType::kString, "v.created_by")
        .AddColumn("updated_at", ValueType::kTime, "v.updated_at", true)
        .AddColumn("deprecated_at", ValueType::kTime, "v.deprecated_at")
        .AddColumn("retires_at", ValueType::kTime, "v.retires_at", true)
        .AddColumn("replacement", ValueType::kString, "v.replacement")
        .AddColumn("base_model", ValueType::kString, "v.base_model")
        .AddColumn("code_commit", ValueType::kString, "v.code_commit")
        .AddMap("tags", ValueType::kString,
                {.table = "model_version_tags",
                 .owner_column = "version_id",
                 .owner_sql = "v.id",
                 .key_column = "key",
                 .value_column = "value"})
        .AddList("datasets", {.table = "model_version_datasets",
                              .owner_column = "version_id",
                              .owner_sql = "v.id",
                              .value_column = "ref"});
    return f;
  }();
  return fields;
}

const std::vector<std::string_view>& ModelSortFields() {
  static const std::vector<std::string_view> fields = {"name", "owner", "provider", "created_at",
                                                       "updated_at"};
  return fields;
}

const std::vector<std::string_view>& VersionSortFields() {
  static const std::vector<std::string_view> fields = {"name", "version", "created_at",
                                                       "updated_at", "retires_at"};
  return fields;
}

Result<store::ListQuery> ModelListQuery(const ListParams& params) {
  return BuildQuery(params, ModelSearchFields(), ModelSortFields());
}

Result<store::ListQuery> VersionListQuery(const ListParams& params) {
  return BuildQuery(params, VersionSearchFields(), VersionSortFields());
}

}  // namespace ballast::server
