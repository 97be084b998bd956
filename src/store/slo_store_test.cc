#include <gtest/gtest.h>

#include <future>

#include "store/sqlite_store.h"
#include "store/test_fixtures.h"

namespace ballast::store {
namespace {

using testing::TempDir;

StoredObject Obj(std::string kind, std::string name, std::string content, EpochMillis at = 100) {
  StoredObject o;
  o.kind = std::move(kind);
  o.name = std::move(name);
  o.api_version = "openslo/v1";
  o.content_json = content;
  o.content_hash = "hash-of-" + content;
  o.applied_at = at;
  o.applied_by = "alice";
  return o;
}

ObjectWrite Create(StoredObject o) { return {ObjectWrite::Action::kCreate, std::move(o), ""}; }
ObjectWrite Update(StoredObject o, std::string etag) {
  return {ObjectWrite::Action::kUpdate, std::move(o), std::move(etag)};
}

class SloStoreTest : public ::testing::Test {
 protected:
  void Open() {
    if (store_) store_->Close();
    auto s = OpenSqliteStore({.data_dir = dir_.path()});
    ASSERT_TRUE(s) << s.error().ToString();
    store_ = std::move(*s);
  }
  void TearDown() override {
    if (store_) store_->Close();
  }
  SloStore& Slos() { return store_->Slos(); }

  // Commits `counts` the way an ingest does and returns the outcome.
  IngestOutcome Ingest(SloCounts counts, std::string key = "") {
    IngestCommit c;
    c.idempotency_key = std::move(key);
    c.body_hash = "b";
    c.response_json = "{}";
    c.slo = std::move(counts);
    c.received_at = testing::kT0;
    std::promise<Result<IngestOutcome>> p;
    EXPECT_TRUE(
        store_->Telemetry()
            .CommitIngest(std::move(c), [&](Result<IngestOutcome> r) { p.set_value(std::move(r)); })
            .ok());
    Result<IngestOutcome> r = p.get_future().get();
    EXPECT_TRUE(r) << r.error().ToString();
    return r ? *r : IngestOutcome{};
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(SloStoreTest, CreateUpdateDeleteWithEtagsAndHistory) {
  Open();
  auto created =
      Slos().WriteObjects({Create(Obj("SLO", "a", "{1}")), Create(Obj("SLI", "b", "{2}"))});
  ASSERT_TRUE(created) << created.error().ToString();
  ASSERT_EQ(created->size(), 2u);
  const std::string etag = (*created)[0].etag;
  EXPECT_EQ((*created)[0].generation, 1);
  EXPECT_FALSE(etag.empty());

  auto slos = Slos().ListObjects("SLO");
  ASSERT_TRUE(slos);
  ASSERT_EQ(slos->size(), 1u);
  EXPECT_EQ((*slos)[0].content_json, "{1}");
  EXPECT_EQ(Slos().ListObjects("")->size(), 2u);

  auto updated = Slos().WriteObjects({Update(Obj("SLO", "a", "{3}", 200), etag)});
  ASSERT_TRUE(updated) << updated.error().ToString();
  EXPECT_EQ((*updated)[0].generation, 2);
  EXPECT_NE((*updated)[0].etag, etag);
  EXPECT_EQ((*updated)[0].created_at, 100);
  EXPECT_EQ((*updated)[0].applied_at, 200);

  // A stale etag aborts the whole write: the second object is not created either.
  auto stale = Slos().WriteObjects(
      {Create(Obj("SLO", "c", "{4}")), Update(Obj("SLO", "a", "{5}", 300), etag)});
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code(), StatusCode::kAborted);
  EXPECT_FALSE(Slos().GetObject("SLO", "c")->has_value());
  EXPECT_EQ((*Slos().GetObject("SLO", "a"))->content_json, "{3}");

  // Creating what exists aborts.
  EXPECT_FALSE(Slos().WriteObjects({Create(Obj("SLI", "b", "{2}"))}));

  ObjectWrite del{ObjectWrite::Action::kDelete, Obj("SLO", "a", "", 400), "wrong"};
  auto bad_delete = Slos().WriteObjects({del});
  ASSERT_FALSE(bad_delete);
  EXPECT_EQ(bad_delete.error().code(), StatusCode::kFailedPrecondition);
  del.expected_etag = "";
  ASSERT_TRUE(Slos().WriteObjects({del}));
  EXPECT_FALSE(Slos().GetObject("SLO", "a")->has_value());
  auto missing = Slos().WriteObjects({del});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), StatusCode::kNotFound);

  auto history = Slos().ObjectHistory("SLO", "a", 10);
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ((*history)[0].action, "deleted");
  EXPECT_EQ((*history)[1].action, "updated");
  EXPECT_EQ((*history)[2].action, "created");
  EXPECT_EQ((*history)[2].by, "alice");
}

TEST_F(SloStoreTest, DeltasCommitWithIngestAndFoldIntoSnapshots) {
  Open();
  SloCounts first;
  first.new_series.push_back({7, "slo-a/0/stable/abcd", "slo-a", testing::kT0, ""});
  first.deltas.push_back({7, testing::kT0, 9, 10, ""});
  first.deltas.push_back({7, testing::kT0 + 60'000, 1, 2, "sketch"});
  IngestOutcome o1 = Ingest(first, "key-1");
  EXPECT_GT(o1.slo_seq, 0);

  // A replay of the same key adds nothing.
  IngestOutcome replay = Ingest(first, "key-1");
  EXPECT_EQ(replay.kind, IngestOutcome::Kind::kReplayed);
  auto deltas = Slos().LoadSloDeltas();
  ASSERT_TRUE(deltas);
  ASSERT_EQ(deltas->size(), 2u);
  EXPECT_EQ((*deltas)[1].seq, o1.slo_seq);
  EXPECT_EQ((*deltas)[1].delta.sketch, "sketch");

  SloCounts second;
  second.new_series = first.new_series;  // resent: ignored
  second.deltas.push_back({7, testing::kT0, 3, 3, ""});
  IngestOutcome o2 = Ingest(second);
  EXPECT_GT(o2.slo_seq, o1.slo_seq);

  ASSERT_TRUE(Slos()
                  .SaveSloSnapshot({{7, std::string("state\0bytes", 11)}}, o1.slo_seq,
                                   std::string("{\"alerts\":[]}"))
                  .ok());
  Open();  // survives a restart
  auto series = Slos().LoadSloSeries();
  ASSERT_TRUE(series);
  ASSERT_EQ(series->size(), 1u);
  EXPECT_EQ((*series)[0].snapshot, std::string("state\0bytes", 11));
  EXPECT_EQ((*series)[0].series_key, "slo-a/0/stable/abcd");
  deltas = Slos().LoadSloDeltas();
  ASSERT_EQ(deltas->size(), 1u);
  EXPECT_EQ((*deltas)[0].delta.good, 3u);
  EXPECT_EQ(**Slos().LoadSloState(), "{\"alerts\":[]}");

  ASSERT_TRUE(Slos().DeleteSloSeries("slo-a").ok());
  EXPECT_TRUE(Slos().LoadSloSeries()->empty());
  EXPECT_TRUE(Slos().LoadSloDeltas()->empty());
}

TEST_F(SloStoreTest, BadDeltaFailsTheIngestAndStoresNothing) {
  Open();
  SloCounts bad;
  bad.deltas.push_back({1, testing::kT0, 5, 4, ""});
  IngestCommit c;
  c.idempotency_key = "k";
  c.body_hash = "b";
  c.slo = bad;
  std::promise<Result<IngestOutcome>> p;
  ASSERT_TRUE(store_->Telemetry()
                  .CommitIngest(std::move(c), [&](Result<IngestOutcome> r) { p.set_value(r); })
                  .ok());
  Result<IngestOutcome> r = p.get_future().get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field(), "slo.deltas.good");
  EXPECT_TRUE(Slos().LoadSloDeltas()->empty());
  EXPECT_FALSE(store_->Telemetry().LookupIdempotency("k")->has_value());
}

}  // namespace
}  // namespace ballast::store
