// Numbered schema migrations for the SQLite store (DESIGN.md §4: "Schema changes are numbered
// migrations applied at start").
//
// Each migration is a constant SQL script with a version; versions start at 1 and increase by
// one. ApplyMigrations records every applied version in `schema_migrations(version,
// applied_at)`, applies the missing ones in order, each in its own transaction, and refuses a
// database whose recorded version is newer than the newest migration this binary knows, so an
// old binary never writes into a schema it does not understand.
//
// Thread safety: functions over one Connection; the caller confines it.
#pragma once

#include <span>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "store/sqlite.h"

namespace ballast::store {

struct Migration {
  int version = 0;
  std::string_view description;
  const char* sql = nullptr;  // one or more statements; constant text only
};

// The migrations of the ballast schema, in order.
std::span<const Migration> SchemaMigrations();

// The highest version recorded in `db`, 0 for a fresh database.
Result<int> CurrentSchemaVersion(Connection& db);

// Brings `db` to the last version in `migrations` and returns it. FAILED_PRECONDITION when the
// database is newer than `migrations` or the list is not numbered 1, 2, 3, ...
Result<int> ApplyMigrations(Connection& db, std::span<const Migration> migrations,
                            const Clock& clock);

}  // namespace ballast::store
