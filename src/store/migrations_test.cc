#include "store/migrations.h"

#include <gtest/gtest.h>

#include "store/sqlite_store.h"
#include "store/test_fixtures.h"

namespace ballast::store {
namespace {

using testing::TempDir;

// (version, applied_at) rows of schema_migrations.
std::vector<std::pair<int64_t, int64_t>> AppliedMigrations(Connection& db) {
  std::vector<std::pair<int64_t, int64_t>> out;
  auto st = db.Prepare("SELECT version, applied_at FROM schema_migrations ORDER BY version");
  EXPECT_TRUE(st);
  if (!st) return out;
  while (true) {
    auto row = st->Step();
    if (!row || !*row) break;
    out.emplace_back(st->ColumnInt(0), st->ColumnInt(1));
  }
  return out;
}

Connection OpenDb(const std::string& path) {
  auto db = Connection::Open(path, {});
  EXPECT_TRUE(db) << db.error().ToString();
  return std::move(*db);
}

TEST(MigrationsTest, ListIsNumberedFromOne) {
  auto list = SchemaMigrations();
  ASSERT_FALSE(list.empty());
  for (size_t i = 0; i < list.size(); ++i) EXPECT_EQ(list[i].version, static_cast<int>(i) + 1);
}

TEST(MigrationsTest, AppliedOnceAndIdempotentOnReopen) {
  TempDir dir;
  SimulatedClock clock(1000);
  const int latest = static_cast<int>(SchemaMigrations().size());
  {
    auto store = OpenSqliteStore({.data_dir = dir.path(), .clock = &clock});
    ASSERT_TRUE(store) << store.error().ToString();
    EXPECT_TRUE((*store)->Ready().ok());
    EXPECT_EQ((*store)->SchemaVersion(), latest);
    (*store)->Close();
  }
  clock.Set(5000);
  {
    auto store = OpenSqliteStore({.data_dir = dir.path(), .clock = &clock});
    ASSERT_TRUE(store) << store.error().ToString();
    EXPECT_EQ((*store)->SchemaVersion(), latest);
    (*store)->Close();
  }
  Connection db = OpenDb(DatabasePath(dir.path()));
  auto applied = AppliedMigrations(db);
  ASSERT_EQ(applied.size(), static_cast<size_t>(latest));
  for (int i = 0; i < latest; ++i) {
    EXPECT_EQ(applied[i].first, i + 1);
    EXPECT_EQ(applied[i].second, 1000) << "migration " << i + 1 << " re-applied on reopen";
  }
}

TEST(MigrationsTest, CreatesMissingDataDirectory) {
  TempDir dir;
  const std::string nested = dir.path() + "/a/b";
  auto store = OpenSqliteStore({.data_dir = nested});
  ASSERT_TRUE(store) << store.error().ToString();
  (*store)->Close();
  EXPECT_TRUE(std::filesystem::exists(nested + "/ballast.db"));
}

TEST(MigrationsTest, RefusesNewerSchema) {
  TempDir dir;
  {
    auto store = OpenSqliteStore({.data_dir = dir.path()});
    ASSERT_TRUE(store);
    (*store)->Close();
  }
  {
    Connection db = OpenDb(DatabasePath(dir.path()));
    ASSERT_TRUE(db.Exec("INSERT INTO schema_migrations VALUES (999, 0)").ok());
  }
  auto store = OpenSqliteStore({.data_dir = dir.path()});
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(store.error().message().find("schema version 999 is newer"), std::string::npos)
      << store.error().message();
}

TEST(MigrationsTest, FailingMigrationIsRolledBackAndNamed) {
  TempDir dir;
  Connection db = OpenDb(dir.path() + "/m.db");
  SimulatedClock clock(1);
  const Migration good[] = {{1, "create a", "CREATE TABLE a (x INTEGER)"}};
  ASSERT_EQ(*ApplyMigrations(db, good, clock), 1);
  const Migration bad[] = {{1, "create a", "CREATE TABLE a (x INTEGER)"},
                           {2, "half then broken", "CREATE TABLE b (y); CREATE TABLE oops ("}};
  auto r = ApplyMigrations(db, bad, clock);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("migration 2 (half then broken)"), std::string::npos)
      << r.error().message();
  EXPECT_EQ(*CurrentSchemaVersion(db), 1);
  // Table b from the failed script's first statement was rolled back with it.
  auto b = db.Prepare("SELECT count(*) FROM sqlite_master WHERE name = 'b'");
  ASSERT_TRUE(b && *b->Step());
  EXPECT_EQ(b->ColumnInt(0), 0);
}

TEST(MigrationsTest, RejectsMisnumberedList) {
  TempDir dir;
  Connection db = OpenDb(dir.path() + "/m.db");
  SimulatedClock clock(1);
  const Migration gap[] = {{1, "a", "CREATE TABLE a (x)"}, {3, "c", "CREATE TABLE c (x)"}};
  auto r = ApplyMigrations(db, gap, clock);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("has version 3, expected 2"), std::string::npos);
  EXPECT_EQ(*CurrentSchemaVersion(db), 0);
}

TEST(MigrationsTest, RejectsInvalidOptions) {
  auto r = OpenSqliteStore({.data_dir = ""});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field(), "data_dir");
  TempDir dir;
  auto q = OpenSqliteStore({.data_dir = dir.path(), .writer_queue_capacity = 0});
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().field(), "writer_queue_capacity");
}

}  // namespace
}  // namespace ballast::store
