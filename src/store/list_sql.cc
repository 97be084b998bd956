#include "store/list_sql.h"

#include "store/expr_sql.h"

namespace ballast::store {
namespace {

Status CheckFilterSql(const SqlFilter& f) {
  size_t placeholders = 0;
  char quote = 0;
  for (char c : f.sql) {
    if (quote != 0) {
      if (c == quote) quote = 0;  // a doubled quote re-enters the literal on the next char
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '?') {
      ++placeholders;
    } else if (c == ';') {
      return Status::InvalidArgument("filter SQL holds ';'", "filter");
    }
  }
  if (quote != 0) return Status::InvalidArgument("filter SQL has an unterminated quote", "filter");
  if (placeholders != f.params.size()) {
    return Status::InvalidArgument("filter SQL has " + std::to_string(placeholders) +
                                       " placeholders but " + std::to_string(f.params.size()) +
                                       " values",
                                   "filter");
  }
  return Status::Ok();
}

}  // namespace

Status CheckListQuery(const ListQuery& query) {
  if (query.limit < 1 || query.limit > 1000) {
    return Status::InvalidArgument("limit must be from 1 to 1000", "limit");
  }
  if (query.offset < 0) return Status::InvalidArgument("offset is negative", "offset");
  return CheckFilterSql(query.filter);
}

Result<std::string> OrderByClause(const std::vector<OrderBy>& order,
                                  std::span<const OrderColumn> allowed, std::string_view fallback,
                                  std::string_view tiebreak) {
  std::string out;
  for (size_t i = 0; i < order.size(); ++i) {
    const OrderColumn* hit = nullptr;
    for (const OrderColumn& c : allowed) {
      if (c.name == order[i].column) hit = &c;
    }
    if (hit == nullptr) {
      std::string names;
      for (const OrderColumn& c : allowed) {
        if (!names.empty()) names += ", ";
        names += c.name;
      }
      return Status::InvalidArgument(
          "cannot order by '" + order[i].column + "'; expected one of " + names,
          "order_by[" + std::to_string(i) + "]");
    }
    out += std::string(hit->sql) + (order[i].descending ? " DESC, " : " ASC, ");
  }
  if (out.empty()) out = std::string(fallback) + ", ";
  return out + std::string(tiebreak);
}

std::string FilterClause(const SqlFilter& filter) {
  return filter.sql.empty() ? "" : " AND (" + filter.sql + ")";
}

Result<bool> RunPage(Connection& db, const std::string& sql, std::optional<int64_t> owner_id,
                     const ListQuery& query, const std::function<void(const Statement&)>& row) {
  BALLAST_ASSIGN_OR_RETURN(Statement st, db.Prepare(sql));
  int index = 0;
  if (owner_id) BALLAST_RETURN_IF_ERROR(st.Bind(++index, *owner_id));
  BALLAST_RETURN_IF_ERROR(BindParams(st, query.filter.params, index + 1));
  index += static_cast<int>(query.filter.params.size());
  BALLAST_RETURN_IF_ERROR(st.Bind(++index, query.limit + 1));
  BALLAST_RETURN_IF_ERROR(st.Bind(++index, query.offset));
  int64_t seen = 0;
  while (true) {
    BALLAST_ASSIGN_OR_RETURN(bool more, st.Step());
    if (!more) return false;
    if (++seen > query.limit) return true;
    row(st);
  }
}

}  // namespace ballast::store
