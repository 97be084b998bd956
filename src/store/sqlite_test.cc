#include "store/sqlite.h"

#include <gtest/gtest.h>

#include "store/test_fixtures.h"

namespace ballast::store {
namespace {

class SqliteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Connection::Open(dir_.path() + "/t.db", {});
    ASSERT_TRUE(db) << db.error().ToString();
    db_ = std::move(*db);
    ASSERT_TRUE(db_.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, data BLOB, "
                         "score REAL, opt INTEGER)")
                    .ok());
  }
  testing::TempDir dir_;
  Connection db_;
};

TEST_F(SqliteTest, BindsAndReadsEveryType) {
  auto ins = db_.Prepare("INSERT INTO t (id, name, data, score, opt) VALUES (?, ?, ?, ?, ?)");
  ASSERT_TRUE(ins);
  const std::string blob("a\0b", 3);
  ASSERT_TRUE(ins->BindAll(int64_t{7}, "it's; DROP TABLE t", Blob{blob}, 2.5, std::nullopt).ok());
  ASSERT_TRUE(ins->Run().ok());
  EXPECT_EQ(db_.Changes(), 1);

  auto sel = db_.Prepare("SELECT id, name, data, score, opt, typeof(data) FROM t WHERE id = ?");
  ASSERT_TRUE(sel);
  ASSERT_TRUE(sel->BindAll(7).ok());
  auto row = sel->Step();
  ASSERT_TRUE(row && *row);
  EXPECT_EQ(sel->ColumnInt(0), 7);
  EXPECT_EQ(sel->ColumnText(1), "it's; DROP TABLE t");  // a value, never SQL
  EXPECT_EQ(sel->ColumnBlob(2), blob);
  EXPECT_DOUBLE_EQ(sel->ColumnDouble(3), 2.5);
  EXPECT_TRUE(sel->ColumnIsNull(4));
  EXPECT_EQ(sel->ColumnOptionalInt(4), std::nullopt);
  EXPECT_EQ(sel->ColumnText(5), "blob");
  auto done = sel->Step();
  ASSERT_TRUE(done);
  EXPECT_FALSE(*done);
}

TEST_F(SqliteTest, EmptyBlobIsBlobNotNull) {
  auto ins = db_.Prepare("INSERT INTO t (id, data) VALUES (1, ?)");
  ASSERT_TRUE(ins && ins->BindAll(Blob{}).ok() && ins->Run().ok());
  auto sel = db_.Prepare("SELECT typeof(data) FROM t");
  ASSERT_TRUE(sel && *sel->Step());
  EXPECT_EQ(sel->ColumnText(0), "blob");
}

TEST_F(SqliteTest, StatementIsResetWhenHandleDies) {
  ASSERT_TRUE(db_.Exec("INSERT INTO t (id) VALUES (1), (2)").ok());
  {
    auto sel = db_.Prepare("SELECT id FROM t ORDER BY id");
    ASSERT_TRUE(sel && *sel->Step());
    EXPECT_EQ(sel->ColumnInt(0), 1);
  }  // abandoned mid-read
  auto again = db_.Prepare("SELECT id FROM t ORDER BY id");
  ASSERT_TRUE(again && *again->Step());
  EXPECT_EQ(again->ColumnInt(0), 1);  // starts from the first row again
}

TEST_F(SqliteTest, ErrorsCarrySqliteMessageAndMapCodes) {
  auto bad = db_.Prepare("SELEC nonsense");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), StatusCode::kInternal);
  EXPECT_NE(bad.error().message().find("syntax error"), std::string::npos) << bad.error().message();

  ASSERT_TRUE(db_.Exec("INSERT INTO t (id, name) VALUES (1, 'a')").ok());
  auto dup = db_.Prepare("INSERT INTO t (id, name) VALUES (?, ?)");
  ASSERT_TRUE(dup && dup->BindAll(2, "a").ok());
  Status st = dup->Run();
  EXPECT_TRUE(st.IsAlreadyExists()) << st.ToString();
  EXPECT_NE(st.message().find("UNIQUE constraint failed: t.name"), std::string::npos)
      << st.message();
}

TEST_F(SqliteTest, PrepareRefusesMoreThanOneStatement) {
  auto two = db_.Prepare("SELECT 1; DELETE FROM t");
  ASSERT_FALSE(two);
  EXPECT_NE(two.error().message().find("one statement"), std::string::npos);
  EXPECT_TRUE(db_.Prepare("SELECT 1;").has_value());  // a trailing semicolon is fine
}

TEST_F(SqliteTest, TransactionRollsBackUnlessCommitted) {
  {
    auto tx = Transaction::Begin(db_);
    ASSERT_TRUE(tx);
    ASSERT_TRUE(db_.Exec("INSERT INTO t (id) VALUES (1)").ok());
  }
  {
    auto tx = Transaction::Begin(db_);
    ASSERT_TRUE(tx);
    ASSERT_TRUE(db_.Exec("INSERT INTO t (id) VALUES (2)").ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  auto sel = db_.Prepare("SELECT group_concat(id) FROM t");
  ASSERT_TRUE(sel && *sel->Step());
  EXPECT_EQ(sel->ColumnText(0), "2");
}

TEST_F(SqliteTest, OpensInWalModeWithForeignKeys) {
  auto mode = db_.Prepare("PRAGMA journal_mode");
  ASSERT_TRUE(mode && *mode->Step());
  EXPECT_EQ(mode->ColumnText(0), "wal");
  auto fk = db_.Prepare("PRAGMA foreign_keys");
  ASSERT_TRUE(fk && *fk->Step());
  EXPECT_EQ(fk->ColumnInt(0), 1);
  auto sync = db_.Prepare("PRAGMA synchronous");
  ASSERT_TRUE(sync && *sync->Step());
  EXPECT_EQ(sync->ColumnInt(0), 2);  // FULL
}

TEST_F(SqliteTest, QueryOnlyConnectionRefusesWrites) {
  ConnectionOptions ro;
  ro.create = false;
  ro.query_only = true;
  auto reader = Connection::Open(dir_.path() + "/t.db", ro);
  ASSERT_TRUE(reader) << reader.error().ToString();
  EXPECT_FALSE(reader->Exec("INSERT INTO t (id) VALUES (9)").ok());
}

TEST(SqliteOpenTest, MissingFileWithoutCreateIsAnError) {
  testing::TempDir dir;
  ConnectionOptions o;
  o.create = false;
  auto db = Connection::Open(dir.path() + "/absent.db", o);
  ASSERT_FALSE(db);
  EXPECT_NE(db.error().message().find("absent.db"), std::string::npos);
}

}  // namespace
}  // namespace ballast::store

namespace ballast::store {
namespace {

TEST(SqliteCacheTest, DistinctQueryTextsDoNotGrowTheCacheWithoutBound) {
  auto db = Connection::Open(":memory:", {});
  ASSERT_TRUE(db) << db.error().ToString();
  for (int i = 0; i < 400; ++i) {
    // Search queries vary with the user's filter: each text is new.
    auto st = db->Prepare("SELECT ? + " + std::to_string(i));
    ASSERT_TRUE(st) << st.error().ToString();
    ASSERT_TRUE(st->BindAll(int64_t{1}).ok());
    auto row = st->Step();
    ASSERT_TRUE(row && *row);
    EXPECT_EQ(st->ColumnInt(0), 1 + i);
  }
  EXPECT_EQ(db->CachedStatementCount(), Connection::kMaxCachedStatements);
  // A cached text is still served from the cache; an uncached one works again and again.
  for (int round = 0; round < 2; ++round) {
    for (int i : {0, 399}) {
      auto st = db->Prepare("SELECT ? + " + std::to_string(i));
      ASSERT_TRUE(st);
      ASSERT_TRUE(st->BindAll(int64_t{2}).ok());
      ASSERT_TRUE(*st->Step());
      EXPECT_EQ(st->ColumnInt(0), 2 + i);
    }
  }
}

}  // namespace
}  // namespace ballast::store
