// The SQL side of a ListQuery (registry_store.h), shared by the stores that list with the
// expression language (registry models and versions, prompts and prompt versions): checking the
// paging and the compiled filter, turning order_by into an ORDER BY over the columns a listing
// allows, and running one page. Internal to the SQLite stores.
//
//   BALLAST_RETURN_IF_ERROR(CheckListQuery(query));
//   BALLAST_ASSIGN_OR_RETURN(std::string order,
//       OrderByClause(query.order_by, kModelOrder, "m.name ASC", "m.id ASC"));
//   sql = "SELECT ... WHERE m.deleted_at IS NULL" + FilterClause(query.filter) +
//         " ORDER BY " + order + " LIMIT ? OFFSET ?";
//   BALLAST_ASSIGN_OR_RETURN(bool more, RunPage(db, sql, std::nullopt, query, on_row));
//
// Thread safety: functions of their arguments and the connection they are given.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"
#include "store/registry_store.h"
#include "store/sqlite.h"

namespace ballast::store {

// A column a listing may be ordered by: its name in order_by and its SQL.
struct OrderColumn {
  std::string_view name;
  std::string_view sql;
};

// INVALID_ARGUMENT (field "limit", "offset" or "filter") unless the limit is 1..1000, the offset
// is not negative and the filter looks like the expression compiler's output: no ';', balanced
// quotes, as many `?` outside literals as bound values. The last check is a guard against a
// caller building SQL by hand; the compiler never produces such fragments.
Status CheckListQuery(const ListQuery& query);

// "<col> ASC|DESC, ..., <tiebreak>" for `order`, or "<fallback>, <tiebreak>" when it is empty.
// INVALID_ARGUMENT (field "order_by[i]") naming the allowed columns for one not in `allowed`.
Result<std::string> OrderByClause(const std::vector<OrderBy>& order,
                                  std::span<const OrderColumn> allowed, std::string_view fallback,
                                  std::string_view tiebreak);

// " AND (<filter>)", or "" for an empty filter.
std::string FilterClause(const SqlFilter& filter);

// Runs `sql`, whose placeholders are `owner_id` when set, then the filter's, then LIMIT and
// OFFSET, and hands each row of the page to `row`. Returns whether a further page exists (it
// asks for one row more than the page holds).
Result<bool> RunPage(Connection& db, const std::string& sql, std::optional<int64_t> owner_id,
                     const ListQuery& query, const std::function<void(const Statement&)>& row);

}  // namespace ballast::store
