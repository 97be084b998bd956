#include "slo/engine.h"

#include <gtest/gtest.h>

#include "slo/loader.h"
#include "telemetry/event.h"

namespace ballast::slo {
namespace {

constexpr EpochMillis kT0 = 1'800'000'000'000;  // minute-aligned

constexpr const char* kAvailability = R"(
apiVersion: openslo/v1
kind: SLO
metadata: {name: chat-availability}
spec:
  service: chat-api
  indicator:
    metadata: {name: chat-ok}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: ballast, spec: {where: "outcome = 'ok'"}}}
        total: {metricSource: {type: ballast, spec: {}}}
  timeWindow: [{duration: 30d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{displayName: ok, target: 0.99}]
)";

constexpr const char* kP95 = R"(
apiVersion: openslo/v1
kind: SLO
metadata: {name: chat-ttft-p95}
spec:
  service: chat-api
  indicator:
    metadata: {name: ttft-p95}
    spec:
      thresholdMetric:
        metricSource: {type: ballast, spec: {field: ttft_ms, aggregate: p95}}
  timeWindow: [{duration: 7d, isRolling: true}]
  budgetingMethod: Timeslices
  objectives: [{op: lt, value: 1000, target: 0.9, timeSliceWindow: 1m}]
)";

std::shared_ptr<const Definitions> Compile(const std::string& yaml, EpochMillis applied_at) {
  LoadResult r = LoadText(yaml, "test.yaml");
  EXPECT_TRUE(r.ok()) << r.diagnostics.ToString();
  std::map<std::string, EpochMillis, std::less<>> times;
  for (const Object& o : r.catalog.objects()) times[o.metadata.name] = applied_at;
  auto defs = CompileDefinitions(r.catalog, times);
  EXPECT_TRUE(defs) << defs.error().ToString();
  return defs ? *defs : nullptr;
}

telemetry::RequestEvent Event(EpochMillis t, bool ok, std::string_view variant = "stable",
                              double ttft = 100) {
  telemetry::RequestEvent e;
  e.time = t;
  e.service = "chat-api";
  e.variant = variant;
  e.outcome = ok ? telemetry::Outcome::kOk : telemetry::Outcome::kError;
  e.ttft_ms = ttft;
  return e;
}

// Classifies `events` and applies the counts as a committed ingest would.
store::SloCounts Ingest(SloEngine& engine, const std::vector<telemetry::RequestEvent>& events,
                        int64_t seq) {
  SloBatch batch(engine);
  for (const auto& e : events) batch.OnRequest(1, e);
  store::SloCounts counts = batch.Take();
  engine.Apply(counts, seq);
  return counts;
}

TEST(SloEngineTest, CountsPerVariantAndOverAllVariants) {
  SloEngine engine;
  engine.Configure(Compile(kAvailability, kT0));
  std::vector<telemetry::RequestEvent> events;
  for (int i = 0; i < 90; ++i) events.push_back(Event(kT0 + i * 1000, i % 10 != 0));
  for (int i = 0; i < 10; ++i) events.push_back(Event(kT0 + i * 1000, false, "canary"));
  telemetry::RequestEvent other = Event(kT0, false);
  other.service = "other-service";
  events.push_back(other);
  store::SloCounts counts = Ingest(engine, events, 1);
  // stable + canary + all variants, each listed once.
  EXPECT_EQ(counts.new_series.size(), 3u);
  // stable: minutes 0 and 1; canary: minute 0; all variants: minutes 0 and 1.
  EXPECT_EQ(counts.deltas.size(), 5u);

  auto all = engine.Report("chat-availability", "", kT0 + 120'000);
  ASSERT_TRUE(all) << all.error().ToString();
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].status.counts, (Counts{81, 100}));
  EXPECT_NEAR(*(*all)[0].status.sli, 0.81, 1e-12);
  auto canary = engine.Report("chat-availability", "canary", kT0 + 120'000);
  EXPECT_EQ((*canary)[0].status.counts, (Counts{0, 10}));
  EXPECT_EQ(engine.Variants("chat-availability"), (std::vector<std::string>{"canary", "stable"}));
  EXPECT_FALSE(engine.Report("nope", "", kT0));

  // The same series again: no new rows, counts add up.
  store::SloCounts again = Ingest(engine, {Event(kT0 + 61'000, true)}, 2);
  EXPECT_TRUE(again.new_series.empty());
  EXPECT_EQ((*engine.Report("chat-availability", "", kT0 + 120'000))[0].status.counts.total, 101u);
}

TEST(SloEngineTest, NothingCountsUntilApplied) {
  SloEngine engine;
  engine.Configure(Compile(kAvailability, kT0));
  SloBatch batch(engine);
  batch.OnRequest(1, Event(kT0, true));
  store::SloCounts counts = batch.Take();
  EXPECT_EQ(counts.deltas.size(), 2u);
  // Not applied (the commit failed or was a replay): nothing counted.
  EXPECT_EQ((*engine.Report("chat-availability", "", kT0 + 1))[0].status.counts.total, 0u);
  // The next batch resends the series rows not yet stored.
  SloBatch next(engine);
  next.OnRequest(1, Event(kT0, true));
  EXPECT_EQ(next.Take().new_series.size(), 2u);
}

TEST(SloEngineTest, PercentileTimeslicesCloseAfterGrace) {
  SloEngine engine;
  engine.Configure(Compile(kP95, kT0));
  std::vector<telemetry::RequestEvent> events;
  // Minute 0: p95 of 100 ms (good). Minute 1: 20 % at 5 s, p95 5 s (bad). Minute 2: none.
  for (int i = 0; i < 100; ++i) events.push_back(Event(kT0 + i * 100, true, "stable", 100));
  for (int i = 0; i < 100; ++i) {
    events.push_back(Event(kT0 + 60'000 + i * 100, true, "stable", i < 20 ? 5000 : 100));
  }
  Ingest(engine, events, 1);
  engine.AdvanceTo(kT0 + 3 * 60'000 + 60'000);  // slices 0..2 closed (grace 1 min)
  auto r = engine.Report("chat-ttft-p95", "", kT0 + 4 * 60'000);
  ASSERT_TRUE(r) << r.error().ToString();
  // Two slices with data: one good, one bad; the empty one has no data.
  EXPECT_EQ((*r)[0].status.counts, (Counts{1, 2}));
  // Late data for a closed slice does not change its verdict.
  Ingest(engine, {Event(kT0 + 1000, true, "stable", 9000)}, 2);
  engine.AdvanceTo(kT0 + 4 * 60'000);
  EXPECT_EQ((*engine.Report("chat-ttft-p95", "", kT0 + 4 * 60'000))[0].status.counts,
            (Counts{1, 2}));
}

// Take hands percentile sketches over decoded (SloCountDelta::samples), the all-variants delta
// holding the merge of the variants'; applying them decoded or as the bytes a restart reads back
// gives the same verdicts.
TEST(SloEngineTest, SketchesTravelDecodedAndMatchTheirBytes) {
  std::vector<telemetry::RequestEvent> events;
  for (int i = 0; i < 100; ++i) events.push_back(Event(kT0 + i * 100, true, "stable", 100));
  for (int i = 0; i < 50; ++i) events.push_back(Event(kT0 + i * 100, true, "canary", 4000));
  for (int i = 0; i < 100; ++i) {
    events.push_back(Event(kT0 + 60'000 + i * 100, true, "stable", i < 20 ? 5000 : 100));
  }
  SloEngine decoded, bytes;
  decoded.Configure(Compile(kP95, kT0));
  bytes.Configure(Compile(kP95, kT0));
  store::SloCounts counts = Ingest(decoded, events, 1);

  SloBatch batch(bytes);
  for (const auto& e : events) batch.OnRequest(1, e);
  store::SloCounts serialized = batch.Take();
  // stable: minutes 0 and 1; canary: minute 0; all variants: minutes 0 and 1.
  ASSERT_EQ(serialized.deltas.size(), 5u);
  int64_t all_minute0 = -1;
  for (store::SloCountDelta& d : serialized.deltas) {
    ASSERT_TRUE(d.samples.has_value());
    EXPECT_TRUE(d.sketch.empty());
    EXPECT_EQ(static_cast<uint64_t>(d.samples->count()), d.total);
    if (d.minute == kT0 && d.total == 150) all_minute0 = d.samples->count();
    d.sketch = d.samples->Serialize();
    d.samples.reset();
  }
  EXPECT_EQ(all_minute0, 150);  // stable's 100 and canary's 50 merged
  bytes.Apply(serialized, 1);

  decoded.AdvanceTo(kT0 + 4 * 60'000);
  bytes.AdvanceTo(kT0 + 4 * 60'000);
  for (const char* variant : {"", "stable", "canary"}) {
    auto a = decoded.Report("chat-ttft-p95", variant, kT0 + 4 * 60'000);
    auto b = bytes.Report("chat-ttft-p95", variant, kT0 + 4 * 60'000);
    ASSERT_TRUE(a && b);
    EXPECT_EQ((*a)[0].status.counts, (*b)[0].status.counts) << variant;
  }
  // Minute 0 over all variants: p95 is canary's 4 s (bad); minute 1: 5 s (bad).
  EXPECT_EQ((*decoded.Report("chat-ttft-p95", "", kT0 + 4 * 60'000))[0].status.counts,
            (Counts{0, 2}));
  EXPECT_EQ((*decoded.Report("chat-ttft-p95", "stable", kT0 + 4 * 60'000))[0].status.counts,
            (Counts{1, 2}));
}

TEST(SloEngineTest, SnapshotPlusDeltasRestoreTheSameState) {
  auto defs = Compile(std::string(kAvailability) + "\n---\n" + kP95, kT0);
  SloEngine engine;
  engine.Configure(defs);
  std::vector<store::SloSeriesRow> rows;
  std::vector<store::SloDeltaRow> log;
  int64_t seq = 0;
  // As the store does: each delta gets the next seq, the engine learns the last one.
  auto ingest = [&](const std::vector<telemetry::RequestEvent>& events) {
    SloBatch batch(engine);
    for (const auto& e : events) batch.OnRequest(1, e);
    store::SloCounts c = batch.Take();
    for (auto& row : c.new_series) rows.push_back(row);
    for (auto& d : c.deltas) log.push_back({++seq, d});
    engine.Apply(c, seq);
  };
  ingest({Event(kT0, true), Event(kT0 + 10, false, "canary", 4000)});
  engine.AdvanceTo(kT0 + 3 * 60'000);
  SloEngine::Snapshot snap = engine.TakeSnapshot();
  EXPECT_EQ(snap.series.size(), rows.size());
  for (auto& [id, blob] : snap.series) {
    for (auto& row : rows) {
      if (row.id == id) row.snapshot = blob;
    }
  }
  std::erase_if(log, [&](const store::SloDeltaRow& d) { return d.seq <= snap.through_seq; });
  ingest({Event(kT0 + 4 * 60'000, false), Event(kT0 + 4 * 60'000 + 5, true, "canary", 50)});

  SloEngine restored;
  restored.Configure(defs);
  auto skipped = restored.Restore(rows, log);
  ASSERT_TRUE(skipped) << skipped.error().ToString();
  EXPECT_EQ(*skipped, 0);
  const EpochMillis now = kT0 + 10 * 60'000;
  engine.AdvanceTo(now);
  restored.AdvanceTo(now);
  for (const char* slo : {"chat-availability", "chat-ttft-p95"}) {
    for (const char* variant : {"", "stable", "canary"}) {
      auto a = engine.Report(slo, variant, now);
      auto b = restored.Report(slo, variant, now);
      ASSERT_TRUE(a && b);
      EXPECT_EQ((*a)[0].status.counts, (*b)[0].status.counts) << slo << " " << variant;
    }
  }
  EXPECT_EQ(restored.SeriesCount(), engine.SeriesCount());

  // A new series after a restore never reuses a stored id.
  SloBatch batch(restored);
  batch.OnRequest(1, Event(now, true, "blue"));
  store::SloCounts c = batch.Take();
  ASSERT_FALSE(c.new_series.empty());
  for (const auto& row : rows) EXPECT_NE(c.new_series[0].id, row.id);
}

TEST(SloEngineTest, ChangingTheSliStartsANewSeriesButTheTargetDoesNot) {
  SloEngine engine;
  engine.Configure(Compile(kAvailability, kT0));
  Ingest(engine, {Event(kT0, true)}, 1);
  std::string target = kAvailability;
  target.replace(target.find("0.99"), 4, "0.95");
  engine.Configure(Compile(target, kT0));
  EXPECT_EQ((*engine.Report("chat-availability", "", kT0 + 1))[0].status.counts.total, 1u);
  std::string sli = kAvailability;
  sli.replace(sli.find("outcome = 'ok'"), 14, "outcome != 'error'");
  engine.Configure(Compile(sli, kT0));
  EXPECT_EQ((*engine.Report("chat-availability", "", kT0 + 1))[0].status.counts.total, 0u);
  EXPECT_EQ(engine.SeriesCount(), 0u);
}

TEST(SloEngineTest, VariantsBeyondTheCapFoldIntoOther) {
  EngineOptions options;
  options.max_variants = 2;
  SloEngine engine(options);
  engine.Configure(Compile(kAvailability, kT0));
  Ingest(
      engine,
      {Event(kT0, true, "a"), Event(kT0, true, "b"), Event(kT0, true, "c"), Event(kT0, true, "d")},
      1);
  EXPECT_EQ(engine.Variants("chat-availability"), (std::vector<std::string>{"a", "b", "other"}));
  EXPECT_EQ((*engine.Report("chat-availability", "other", kT0 + 1))[0].status.counts.total, 2u);
}

TEST(SloEngineTest, CorruptSnapshotIsAnErrorNotACrash) {
  SeriesState s;
  EXPECT_FALSE(s.Deserialize("").ok());
  EXPECT_FALSE(s.Deserialize("BSS1").ok());
  EXPECT_FALSE(
      s.Deserialize(std::string("BSS1\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 15)).ok());
  SeriesState good;
  ASSERT_TRUE(good.events.Add(kT0, 1, 2).ok());
  std::string bytes = good.Serialize();
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    SeriesState t;
    EXPECT_FALSE(t.Deserialize(bytes.substr(0, cut)).ok()) << cut;
  }
  SeriesState t;
  ASSERT_TRUE(t.Deserialize(bytes).ok());
  EXPECT_EQ(t.events.Sum(kT0, kT0 + 60'000), (Counts{1, 2}));
}

}  // namespace
}  // namespace ballast::slo

namespace ballast::slo {
namespace {

TEST(SloEngineTest, VariantsWithSlashesSurviveARestore) {
  auto defs = Compile(kAvailability, kT0);
  SloEngine engine;
  engine.Configure(defs);
  SloBatch batch(engine);
  batch.OnRequest(1, Event(kT0, false, "team/canary"));
  batch.OnRequest(1, Event(kT0, true, "stable"));
  store::SloCounts counts = batch.Take();
  engine.Apply(counts, 1);
  std::vector<store::SloSeriesRow> rows = counts.new_series;
  for (auto& [id, blob] : engine.TakeSnapshot().series) {
    for (auto& row : rows) {
      if (row.id == id) row.snapshot = blob;
    }
  }
  SloEngine restored;
  restored.Configure(defs);
  auto skipped = restored.Restore(rows, {});
  ASSERT_TRUE(skipped) << skipped.error().ToString();
  EXPECT_EQ(*skipped, 0);
  EXPECT_EQ((*restored.Report("chat-availability", "team/canary", kT0 + 1))[0].status.counts,
            (Counts{0, 1}));
}

TEST(SloEngineTest, SharedWhereClausesAreCompiledOnce) {
  // Two SLOs filtering on the same expression share one predicate.
  std::string second = kAvailability;
  second.replace(second.find("chat-availability"), 17, "chat-availability-2");
  auto defs = Compile(std::string(kAvailability) + "\n---\n" + second, kT0);
  ASSERT_EQ(defs->objectives.size(), 2u);
  EXPECT_EQ(defs->predicates.size(), 1u);
  EXPECT_EQ(defs->objectives[0].numerator_predicate, defs->objectives[1].numerator_predicate);
  EXPECT_EQ(defs->objectives[0].total_predicate, -1);  // `total` selects every event
}

}  // namespace
}  // namespace ballast::slo
