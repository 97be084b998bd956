#include <gtest/gtest.h>

#include <future>
#include <mutex>

#include "store/sqlite_store.h"
#include "store/test_fixtures.h"
#include "telemetry/ddsketch.h"

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

std::string SketchOf(std::initializer_list<double> values) {
  telemetry::DDSketch s;
  for (double v : values) s.Add(v);
  return s.Serialize();
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
  first.deltas.push_back({7, testing::kT0 + 60'000, 1, 2, SketchOf({120, 340})});
  IngestOutcome o1 = Ingest(first, "key-1");
  EXPECT_GT(o1.slo_seq, 0);

  // A replay of the same key adds nothing.
  IngestOutcome replay = Ingest(first, "key-1");
  EXPECT_EQ(replay.kind, IngestOutcome::Kind::kReplayed);
  auto deltas = Slos().LoadSloDeltas();
  ASSERT_TRUE(deltas);
  ASSERT_EQ(deltas->size(), 2u);
  EXPECT_EQ((*deltas)[1].seq, o1.slo_seq);
  EXPECT_EQ((*deltas)[1].delta.sketch, SketchOf({120, 340}));

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

// The group commit's SLO deltas: one row per (series, minute), the sink called once per group
// with the merged counts, before any acknowledgement of the group.
class SloGroupTest : public SloStoreTest {
 protected:
  struct SinkCall {
    SloCounts counts;
    int64_t seq = 0;
  };
  // The first sink call blocks until Release(), so that the ingests queued meanwhile form one
  // group.
  void InstallBlockingSink() {
    store_->Telemetry().SetSloCountsSink([this](const SloCounts& c, int64_t seq) {
      {
        std::lock_guard lock(mu_);
        calls_.push_back({c, seq});
      }
      if (calls_.size() == 1) {
        first_call_.set_value();
        release_.get_future().wait();
      }
    });
  }
  void Release() { release_.set_value(); }
  std::future<Result<IngestOutcome>> IngestAsync(SloCounts counts, std::string key = "") {
    IngestCommit c;
    c.idempotency_key = std::move(key);
    c.body_hash = "b";
    c.response_json = "{}";
    c.slo = std::move(counts);
    auto promise = std::make_shared<std::promise<Result<IngestOutcome>>>();
    auto future = promise->get_future();
    EXPECT_TRUE(
        store_->Telemetry()
            .CommitIngest(std::move(c),
                          [promise](Result<IngestOutcome> r) { promise->set_value(std::move(r)); })
            .ok());
    return future;
  }
  std::vector<SinkCall> Calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }

  std::mutex mu_;
  std::vector<SinkCall> calls_;
  std::promise<void> first_call_;
  std::promise<void> release_;
};

SloCounts Counts(std::vector<SloCountDelta> deltas, std::vector<SloSeriesRow> series = {}) {
  SloCounts c;
  c.new_series = std::move(series);
  c.deltas = std::move(deltas);
  return c;
}

TEST_F(SloGroupTest, OneRowPerSeriesAndMinuteAndOneSinkCallPerGroup) {
  Open();
  InstallBlockingSink();
  const SloSeriesRow s7{7, "slo-a/0/*/abcd", "slo-a", testing::kT0, ""};
  const SloSeriesRow s8{8, "slo-a/0/stable/abcd", "slo-a", testing::kT0, ""};
  auto first = IngestAsync(Counts({{7, testing::kT0, 1, 1, ""}}, {s7}));
  first_call_.get_future().wait();  // the writer now waits in the sink, after group 1 committed
  // Queued while the writer is blocked: committed together as group 2.
  auto a = IngestAsync(Counts({{7, testing::kT0, 9, 10, ""},
                               {8, testing::kT0, 4, 5, SketchOf({100, 200})},
                               {7, testing::kT0 + 60'000, 1, 1, ""}},
                              {s8}),
                       "key-a");
  auto b = IngestAsync(
      Counts({{7, testing::kT0, 3, 3, ""}, {8, testing::kT0, 2, 2, SketchOf({300})}}, {s8}),
      "key-b");
  auto replay = IngestAsync(Counts({{7, testing::kT0, 1000, 1000, ""}}), "key-a");
  Release();
  Result<IngestOutcome> r1 = first.get(), ra = a.get(), rb = b.get(), rr = replay.get();
  ASSERT_TRUE(r1 && ra && rb && rr);
  EXPECT_EQ(rr->kind, IngestOutcome::Kind::kReplayed);  // same key in the same group: once

  // The rows: group 1's, then one per (series, minute) of group 2 in first-seen order.
  auto deltas = Slos().LoadSloDeltas();
  ASSERT_TRUE(deltas);
  ASSERT_EQ(deltas->size(), 4u);
  EXPECT_EQ((*deltas)[0].seq, r1->slo_seq);
  const SloCountDelta& d7 = (*deltas)[1].delta;
  EXPECT_EQ(d7.series_id, 7);
  EXPECT_EQ(d7.minute, testing::kT0);
  EXPECT_EQ(d7.good, 12u);
  EXPECT_EQ(d7.total, 13u);
  const SloCountDelta& d8 = (*deltas)[2].delta;
  EXPECT_EQ(d8.series_id, 8);
  EXPECT_EQ(d8.good, 6u);
  EXPECT_EQ(d8.total, 7u);
  Result<telemetry::DDSketch> merged = telemetry::DDSketch::Deserialize(d8.sketch);
  ASSERT_TRUE(merged);
  EXPECT_EQ(merged->count(), 3);
  EXPECT_EQ((*deltas)[3].delta.minute, testing::kT0 + 60'000);
  // Every batch of group 2 reports the group's last row.
  EXPECT_EQ(ra->slo_seq, (*deltas)[3].seq);
  EXPECT_EQ(rb->slo_seq, (*deltas)[3].seq);
  EXPECT_GT(ra->slo_seq, r1->slo_seq);

  std::vector<SinkCall> calls = Calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].seq, r1->slo_seq);
  EXPECT_EQ(calls[1].seq, ra->slo_seq);
  ASSERT_EQ(calls[1].counts.deltas.size(), 3u);
  EXPECT_EQ(calls[1].counts.deltas[0].good, 12u);
  EXPECT_EQ(calls[1].counts.deltas[1].sketch, d8.sketch);
  EXPECT_EQ(calls[1].counts.new_series.size(), 2u);  // s8 from both batches
  EXPECT_EQ(Slos().LoadSloSeries()->size(), 2u);
}

// Deltas from SloBatch carry their sketch decoded (`samples`) and no bytes: the group merges them
// with sketches received as bytes, stores ONE serialized sketch per (series, minute), and hands
// the sink the merged sketch decoded together with the row's bytes.
TEST_F(SloGroupTest, DecodedSketchesMergeWithBytesAndAreSerializedOncePerRow) {
  Open();
  InstallBlockingSink();
  auto first = IngestAsync(Counts({{7, testing::kT0, 1, 1, ""}}));
  first_call_.get_future().wait();
  auto Decoded = [](std::initializer_list<double> values) {
    telemetry::DDSketch s;
    for (double v : values) s.Add(v);
    return s;
  };
  SloCountDelta a{8, testing::kT0, 2, 2, ""};
  a.samples = Decoded({100, 200});
  SloCountDelta b{8, testing::kT0, 1, 1, SketchOf({300})};  // bytes only
  SloCountDelta c{8, testing::kT0 + 60'000, 1, 1, ""};
  c.samples = Decoded({50});
  auto ra = IngestAsync(Counts({a, c}), "a");
  auto rb = IngestAsync(Counts({b}), "b");
  Release();
  ASSERT_TRUE(first.get());
  ASSERT_TRUE(ra.get());
  ASSERT_TRUE(rb.get());

  auto deltas = Slos().LoadSloDeltas();
  ASSERT_TRUE(deltas);
  ASSERT_EQ(deltas->size(), 3u);
  const SloCountDelta& merged = (*deltas)[1].delta;
  EXPECT_EQ(merged.total, 3u);
  EXPECT_FALSE(merged.samples.has_value());  // read back: bytes only
  EXPECT_EQ(merged.sketch, Decoded({100, 200, 300}).Serialize());
  EXPECT_EQ((*deltas)[2].delta.sketch, Decoded({50}).Serialize());

  std::vector<SinkCall> calls = Calls();
  ASSERT_EQ(calls.size(), 2u);
  ASSERT_EQ(calls[1].counts.deltas.size(), 2u);
  const SloCountDelta& sunk = calls[1].counts.deltas[0];
  ASSERT_TRUE(sunk.samples.has_value());
  EXPECT_EQ(*sunk.samples, Decoded({100, 200, 300}));
  EXPECT_EQ(sunk.sketch, merged.sketch);
  ASSERT_TRUE(calls[1].counts.deltas[1].samples.has_value());
  EXPECT_EQ(calls[1].counts.deltas[1].samples->count(), 1);
}

TEST_F(SloGroupTest, DecodedSketchOfAnotherAccuracyFailsTheBatch) {
  Open();
  SloCountDelta d{7, testing::kT0, 1, 1, ""};
  d.samples = telemetry::DDSketch(0.05);
  d.samples->Add(10);
  IngestCommit c;
  c.body_hash = "b";
  c.slo = Counts({d});
  std::promise<Result<IngestOutcome>> p;
  ASSERT_TRUE(store_->Telemetry()
                  .CommitIngest(std::move(c), [&](Result<IngestOutcome> r) { p.set_value(r); })
                  .ok());
  Result<IngestOutcome> r = p.get_future().get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field(), "slo.deltas.sketch");
  EXPECT_TRUE(Slos().LoadSloDeltas()->empty());
}

TEST_F(SloGroupTest, FailedBatchInAGroupIsNeitherStoredNorCounted) {
  Open();
  InstallBlockingSink();
  auto first = IngestAsync(Counts({{7, testing::kT0, 1, 1, ""}}));
  first_call_.get_future().wait();
  auto good = IngestAsync(Counts({{7, testing::kT0, 2, 2, ""}}), "good");
  auto bad =
      IngestAsync(Counts({{7, testing::kT0, 50, 50, ""}, {7, testing::kT0 + 60'000, 5, 4, ""}},
                         {{9, "slo-b/0/*/ef", "slo-b", testing::kT0, ""}}),
                  "bad");
  auto corrupt = IngestAsync(Counts({{7, testing::kT0, 70, 70, "not a sketch"}}), "corrupt");
  Release();
  ASSERT_TRUE(first.get());
  Result<IngestOutcome> g = good.get(), b = bad.get(), c = corrupt.get();
  ASSERT_TRUE(g);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().field(), "slo.deltas.good");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().field(), "slo.deltas.sketch");
  EXPECT_FALSE(store_->Telemetry().LookupIdempotency("bad")->has_value());

  auto deltas = Slos().LoadSloDeltas();
  ASSERT_TRUE(deltas);
  ASSERT_EQ(deltas->size(), 2u);
  EXPECT_EQ((*deltas)[1].delta.total, 2u);
  EXPECT_TRUE(Slos().LoadSloSeries()->empty());  // the failed batch's series insert rolled back
  std::vector<SinkCall> calls = Calls();
  ASSERT_EQ(calls.size(), 2u);
  ASSERT_EQ(calls[1].counts.deltas.size(), 1u);
  EXPECT_EQ(calls[1].counts.deltas[0].total, 2u);
  EXPECT_TRUE(calls[1].counts.new_series.empty());
}

TEST_F(SloGroupTest, WithoutASinkCountsAreStillStoredAndClearingWaits) {
  Open();
  IngestOutcome o = Ingest(Counts({{7, testing::kT0, 1, 2, ""}}));
  EXPECT_GT(o.slo_seq, 0);
  store_->Telemetry().SetSloCountsSink(nullptr);
  EXPECT_EQ(Slos().LoadSloDeltas()->size(), 1u);
  // A batch without SLO counts in a group without any: seq 0.
  IngestOutcome none = Ingest(SloCounts{});
  EXPECT_EQ(none.slo_seq, 0);
}

}  // namespace
}  // namespace ballast::store
