// Search over the model registry for the native API (docs/registry.md, "Search"): which fields a
// `filter` (the expression language) and an `order_by` may name for models and for versions, and
// the store's ListQuery built from API.md's list parameters. The one place those field lists
// are declared, so that the routes, the docs and the tests agree.
//
//   BALLAST_ASSIGN_OR_RETURN(ListParams params, ParseListParams(request));
//   BALLAST_ASSIGN_OR_RETURN(store::ListQuery q, ModelListQuery(params));
//   auto page = store.Registry().ListModels(q);
//
// Filter values and tag keys travel as bound parameters (store/expr_sql.h): no request text
// reaches the SQL. Errors are INVALID_ARGUMENT with field "filter" or "order_by" and the message
// of the expression compiler (position and reason) or of ParseOrderBy.
//
// Thread safety: the SearchFields are built once (function-local statics) and then only read.
#pragma once

#include <string_view>
#include <vector>

#include "server/app.h"
#include "store/expr_sql.h"
#include "store/registry_store.h"

namespace ballast::server {

// Models: name, description, owner, provider, created_at, created_by, updated_at, tags.<key>.
const store::SearchFields& ModelSearchFields();
// Versions: model (alias: name), version, source, run_id, status, stage, description,
// lifecycle, created_at, created_by, updated_at, deprecated_at, retires_at, replacement,
// base_model, code_commit, owner and provider (of the model), tags.<key> (the version's), and
// the list `datasets` for has(datasets, 'faq@3').
const store::SearchFields& VersionSearchFields();

// The order_by fields each list accepts (those the store sorts by).
const std::vector<std::string_view>& ModelSortFields();
const std::vector<std::string_view>& VersionSortFields();

Result<store::ListQuery> ModelListQuery(const ListParams& params);
Result<store::ListQuery> VersionListQuery(const ListParams& params);

}  // namespace ballast::server
