#include "store/sqlite_telemetry_store.h"

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "store/sqlite_slo_store.h"

namespace ballast::store {
namespace {

using telemetry::DDSketch;
using telemetry::Rollup;
using telemetry::SeriesKeyId;

// Columns of a rollup row in the order RollupFromRow reads them.
constexpr const char* kRollupColumns =
    "requests, outcome_ok, outcome_error, outcome_timeout, outcome_rate_limited, "
    "outcome_filtered, outcome_cancelled, input_tokens, output_tokens, cost_usd, "
    "latency_sketch, ttft_sketch";
constexpr int kRollupColumnCount = 12;
static_assert(telemetry::kOutcomeCount == 6, "rollups table has one column per outcome");

std::string RowName(SeriesKeyId key_id, EpochMillis minute) {
  return "rollup (key " + std::to_string(key_id) + ", minute " + std::to_string(minute) + ")";
}

// Reads kRollupColumns starting at column `first`.
Result<Rollup> RollupFromRow(const Statement& st, int first, SeriesKeyId key_id,
                             EpochMillis minute) {
  Rollup r;
  int c = first;
  r.requests = st.ColumnInt(c++);
  for (int64_t& n : r.outcomes) n = st.ColumnInt(c++);
  r.input_tokens = st.ColumnInt(c++);
  r.output_tokens = st.ColumnInt(c++);
  r.cost_usd = st.ColumnDouble(c++);
  Result<DDSketch> latency = DDSketch::Deserialize(st.ColumnBlob(c++));
  if (!latency) return latency.error().WithContext(RowName(key_id, minute) + ": latency_sketch");
  Result<DDSketch> ttft = DDSketch::Deserialize(st.ColumnBlob(c++));
  if (!ttft) return ttft.error().WithContext(RowName(key_id, minute) + ": ttft_sketch");
  r.latency_ms = std::move(*latency);
  r.ttft_ms = std::move(*ttft);
  return r;
}

std::string DescribeKey(const telemetry::SeriesKey& k) {
  return "(service '" + k.service + "', variant '" + k.variant + "', model '" + k.model +
         "', prompt '" + k.prompt + "')";
}

}  // namespace

SqliteTelemetryStore::SqliteTelemetryStore(Writer& writer, ReaderPool& readers, const Clock& clock,
                                           size_t cache_rows)
    : writer_(writer), readers_(readers), clock_(clock), cache_(cache_rows) {}

// ---- Writes ----

void SqliteTelemetryStore::SetSloCountsSink(SloCountsSink sink) {
  std::lock_guard lock(sink_mu_);
  sink_ = std::move(sink);
}

Status SqliteTelemetryStore::CommitIngest(IngestCommit commit,
                                          std::function<void(Result<IngestOutcome>)> done) {
  struct Pending {
    IngestCommit commit;
    IngestOutcome outcome;
    std::function<void(Result<IngestOutcome>)> done;
  };
  auto pending = std::make_shared<Pending>(Pending{std::move(commit), {}, std::move(done)});
  return writer_.Submit({[this, pending](Connection& db) -> Status {
                           Result<IngestOutcome> outcome = ApplyIngest(db, pending->commit);
                           if (!outcome) return outcome.error();
                           pending->outcome = std::move(*outcome);
                           return Status::Ok();
                         },
                         [this, pending](const Status& st) {
                           if (!pending->done) return;
                           if (st.ok()) {
                             // Runs after AfterCommit, before the next group: the group's seq.
                             if (pending->outcome.kind == IngestOutcome::Kind::kApplied) {
                               pending->outcome.slo_seq = slo_group_seq_;
                             }
                             pending->done(std::move(pending->outcome));
                           } else {
                             pending->done(st);
                           }
                         }});
}

Result<IngestOutcome> SqliteTelemetryStore::ApplyIngest(Connection& db, IngestCommit& commit) {
  const EpochMillis now = clock_.NowMillis();
  // 1. Idempotency: a live key decides the outcome without applying anything.
  if (!commit.idempotency_key.empty()) {
    BALLAST_ASSIGN_OR_RETURN(
        Statement st,
        db.Prepare("SELECT body_hash, response_json, created_at FROM idempotency_keys "
                   "WHERE key = ?"));
    BALLAST_RETURN_IF_ERROR(st.BindAll(commit.idempotency_key));
    BALLAST_ASSIGN_OR_RETURN(bool found, st.Step());
    if (found && st.ColumnInt(2) >= now - kIdempotencyRetentionMillis) {
      if (st.ColumnText(0) == commit.body_hash) {
        return IngestOutcome{IngestOutcome::Kind::kReplayed, st.ColumnText(1)};
      }
      return IngestOutcome{IngestOutcome::Kind::kConflict, st.ColumnText(1)};
    }
  }

  // 2. Validate the deltas and load (or find cached) every row they touch. No memory changes
  // yet beyond caching rows exactly as stored.
  std::unordered_set<SeriesKeyId> batch_keys;
  for (const telemetry::NewSeriesKey& k : commit.batch.new_keys) {
    BALLAST_RETURN_IF_ERROR(InsertSeriesKey(db, k));
    batch_keys.insert(k.id);
  }
  std::vector<RollupCache::Entry*> rows;
  rows.reserve(commit.batch.deltas.size());
  for (size_t i = 0; i < commit.batch.deltas.size(); ++i) {
    const telemetry::RollupDelta& d = commit.batch.deltas[i];
    const std::string field = "deltas[" + std::to_string(i) + "]";
    if (d.minute != telemetry::MinuteOf(d.minute)) {
      return Status::InvalidArgument(
          "minute " + std::to_string(d.minute) + " is not the start of a minute",
          field + ".minute");
    }
    if (!known_keys_.contains(d.key_id) && !batch_keys.contains(d.key_id)) {
      BALLAST_ASSIGN_OR_RETURN(bool exists, SeriesKeyExists(db, d.key_id));
      if (!exists) {
        return Status::FailedPrecondition("series key id " + std::to_string(d.key_id) +
                                          " is neither stored nor in the batch's new keys");
      }
      batch_keys.insert(d.key_id);
    }
    BALLAST_ASSIGN_OR_RETURN(RollupCache::Entry * row, LoadRow(db, {d.key_id, d.minute}));
    // Merge() asserts equal accuracies; refuse the batch instead of crashing.
    if (row->rollup.latency_ms.relative_accuracy() != d.rollup.latency_ms.relative_accuracy() ||
        row->rollup.ttft_ms.relative_accuracy() != d.rollup.ttft_ms.relative_accuracy()) {
      return Status::InvalidArgument("sketch relative accuracy differs from the stored row's",
                                     field);
    }
    rows.push_back(row);
  }

  // The SLO evaluator's deltas: checked and their new series stored now (fallible), staged for
  // the group's rows last.
  BALLAST_ASSIGN_OR_RETURN(SloGroupDeltas::Checked slo,
                           slo_group_.Check(db, std::move(commit.slo)));

  // 3. The key, in the same transaction as the counts it produced.
  if (!commit.idempotency_key.empty()) {
    // REPLACE: an expired key that retention has not yet pruned is taken over.
    BALLAST_ASSIGN_OR_RETURN(
        Statement st,
        db.Prepare("INSERT OR REPLACE INTO idempotency_keys "
                   "(key, body_hash, response_json, created_at) VALUES (?, ?, ?, ?)"));
    BALLAST_RETURN_IF_ERROR(
        st.BindAll(commit.idempotency_key, commit.body_hash, commit.response_json, now));
    BALLAST_RETURN_IF_ERROR(st.Run());
  }

  // 4. Infallible: merge into the cached rows; BeforeCommit writes each changed row once.
  for (size_t i = 0; i < rows.size(); ++i) {
    rows[i]->rollup.Merge(commit.batch.deltas[i].rollup);
    rows[i]->dirty = true;
  }
  known_keys_.insert(batch_keys.begin(), batch_keys.end());
  slo_group_.Stage(std::move(slo));
  return IngestOutcome{IngestOutcome::Kind::kApplied, commit.response_json, 0};
}

Status SqliteTelemetryStore::InsertSeriesKey(Connection& db, const telemetry::NewSeriesKey& k) {
  if (k.key.service.empty()) {
    return Status::InvalidArgument("series key " + std::to_string(k.id) + " has no service",
                                   "new_keys.service");
  }
  {
    BALLAST_ASSIGN_OR_RETURN(
        Statement st, db.Prepare("INSERT OR IGNORE INTO series_keys "
                                 "(id, service, variant, model, prompt) VALUES (?, ?, ?, ?, ?)"));
    BALLAST_RETURN_IF_ERROR(
        st.BindAll(k.id, k.key.service, k.key.variant, k.key.model, k.key.prompt));
    BALLAST_RETURN_IF_ERROR(st.Run());
    if (db.Changes() == 1) return Status::Ok();
  }
  // Ignored: either the same key is already stored under this id (a retry), or the id or the
  // key is taken by something else, which would attribute counts to the wrong series.
  BALLAST_ASSIGN_OR_RETURN(
      Statement st,
      db.Prepare("SELECT id, service, variant, model, prompt FROM series_keys "
                 "WHERE id = ? OR (service = ? AND variant = ? AND model = ? AND prompt = ?)"));
  BALLAST_RETURN_IF_ERROR(
      st.BindAll(k.id, k.key.service, k.key.variant, k.key.model, k.key.prompt));
  while (true) {
    BALLAST_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    telemetry::SeriesKey stored{st.ColumnText(1), st.ColumnText(2), st.ColumnText(3),
                                st.ColumnText(4)};
    if (st.ColumnInt(0) == k.id && stored == k.key) return Status::Ok();
    return Status::FailedPrecondition("series key id " + std::to_string(k.id) + " " +
                                      DescribeKey(k.key) + " conflicts with stored id " +
                                      std::to_string(st.ColumnInt(0)) + " " + DescribeKey(stored));
  }
  return Status::Internal("series key " + std::to_string(k.id) + " was neither inserted nor found");
}

Result<bool> SqliteTelemetryStore::SeriesKeyExists(Connection& db, SeriesKeyId id) {
  BALLAST_ASSIGN_OR_RETURN(Statement st, db.Prepare("SELECT 1 FROM series_keys WHERE id = ?"));
  BALLAST_RETURN_IF_ERROR(st.BindAll(id));
  return st.Step();
}

Result<RollupCache::Entry*> SqliteTelemetryStore::LoadRow(Connection& db,
                                                          const RollupCache::RowKey& key) {
  if (RollupCache::Entry* hit = cache_.Find(key)) return hit;
  // A miss is never a dirty row (dirty rows are not evicted), so the stored row is current.
  static const std::string sql =
      std::string("SELECT ") + kRollupColumns + " FROM rollups WHERE key_id = ? AND minute = ?";
  BALLAST_ASSIGN_OR_RETURN(Statement st, db.Prepare(sql));
  BALLAST_RETURN_IF_ERROR(st.BindAll(key.key_id, key.minute));
  BALLAST_ASSIGN_OR_RETURN(bool found, st.Step());
  if (!found) {
    Rollup empty;
    return &cache_.Insert(key, std::move(empty));
  }
  BALLAST_ASSIGN_OR_RETURN(Rollup stored, RollupFromRow(st, 0, key.key_id, key.minute));
  return &cache_.Insert(key, std::move(stored));
}

Status SqliteTelemetryStore::BeforeCommit(Connection& db) {
  static const std::string upsert =
      std::string("INSERT INTO rollups (key_id, minute, ") + kRollupColumns +
      ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key_id, minute) DO UPDATE "
      "SET requests = excluded.requests, outcome_ok = excluded.outcome_ok, "
      "outcome_error = excluded.outcome_error, outcome_timeout = excluded.outcome_timeout, "
      "outcome_rate_limited = excluded.outcome_rate_limited, "
      "outcome_filtered = excluded.outcome_filtered, "
      "outcome_cancelled = excluded.outcome_cancelled, input_tokens = excluded.input_tokens, "
      "output_tokens = excluded.output_tokens, cost_usd = excluded.cost_usd, "
      "latency_sketch = excluded.latency_sketch, ttft_sketch = excluded.ttft_sketch";
  static_assert(kRollupColumnCount + 2 == 14, "the SQL above binds one parameter per column");
  // Per key: the first and last minute written in this group.
  std::map<SeriesKeyId, std::pair<EpochMillis, EpochMillis>> seen;
  Status status;
  cache_.ForEachDirty([&](RollupCache::Entry& e) {
    if (!status.ok()) return;
    auto [it, inserted] = seen.try_emplace(e.key.key_id, e.key.minute, e.key.minute);
    if (!inserted) {
      it->second.first = std::min(it->second.first, e.key.minute);
      it->second.second = std::max(it->second.second, e.key.minute);
    }
    Result<Statement> st = db.Prepare(upsert);
    if (!st) {
      status = st.error();
      return;
    }
    const Rollup& r = e.rollup;
    const std::string latency = r.latency_ms.Serialize();
    const std::string ttft = r.ttft_ms.Serialize();
    status = st->BindAll(e.key.key_id, e.key.minute, r.requests, r.outcomes[0], r.outcomes[1],
                         r.outcomes[2], r.outcomes[3], r.outcomes[4], r.outcomes[5], r.input_tokens,
                         r.output_tokens, r.cost_usd, Blob{latency}, Blob{ttft});
    if (status.ok()) status = st->Run();
  });
  BALLAST_RETURN_IF_ERROR(status);
  for (const auto& [key_id, span] : seen) {
    BALLAST_ASSIGN_OR_RETURN(
        Statement st,
        db.Prepare("UPDATE series_keys SET first_seen = min(coalesce(first_seen, ?1), ?1), "
                   "last_seen = max(coalesce(last_seen, ?2), ?2) WHERE id = ?3"));
    BALLAST_RETURN_IF_ERROR(st.BindAll(span.first, span.second, key_id));
    BALLAST_RETURN_IF_ERROR(st.Run());
  }
  return slo_group_.Flush(db);
}

void SqliteTelemetryStore::AfterCommit() {
  cache_.MarkAllCleanAndTrim();
  slo_group_seq_ = 0;
  if (slo_group_.empty()) return;
  SloCounts counts = slo_group_.TakeCommitted(&slo_group_seq_);
  std::lock_guard lock(sink_mu_);
  if (sink_) sink_(counts, slo_group_seq_);
}

void SqliteTelemetryStore::AfterRollback() {
  // Dirty rows, keys and SLO deltas staged by the group never reached the database.
  cache_.Clear();
  known_keys_.clear();
  slo_group_.Clear();
  slo_group_seq_ = 0;
}

Status SqliteTelemetryStore::Prune(EpochMillis idempotency_before, EpochMillis rollups_before) {
  return writer_.SubmitAndWait([this, idempotency_before, rollups_before](Connection& db) {
    return ApplyPrune(db, idempotency_before, rollups_before);
  });
}

Status SqliteTelemetryStore::ApplyPrune(Connection& db, EpochMillis idempotency_before,
                                        EpochMillis rollups_before) {
  {
    BALLAST_ASSIGN_OR_RETURN(Statement st,
                             db.Prepare("DELETE FROM idempotency_keys WHERE created_at < ?"));
    BALLAST_RETURN_IF_ERROR(st.BindAll(idempotency_before));
    BALLAST_RETURN_IF_ERROR(st.Run());
  }
  {
    BALLAST_ASSIGN_OR_RETURN(Statement st, db.Prepare("DELETE FROM rollups WHERE minute < ?"));
    BALLAST_RETURN_IF_ERROR(st.BindAll(rollups_before));
    BALLAST_RETURN_IF_ERROR(st.Run());
  }
  // Last and infallible: cached rows (dirty ones included) of deleted minutes are gone too.
  cache_.EraseBefore(rollups_before);
  return Status::Ok();
}

// ---- Reads ----

Result<std::optional<StoredIdempotency>> SqliteTelemetryStore::LookupIdempotency(
    const std::string& key) {
  BALLAST_ASSIGN_OR_RETURN(ReaderPool::Lease db, readers_.Acquire());
  BALLAST_ASSIGN_OR_RETURN(Statement st,
                           db->Prepare("SELECT body_hash, response_json, created_at "
                                       "FROM idempotency_keys WHERE key = ? AND created_at >= ?"));
  BALLAST_RETURN_IF_ERROR(st.BindAll(key, clock_.NowMillis() - kIdempotencyRetentionMillis));
  BALLAST_ASSIGN_OR_RETURN(bool found, st.Step());
  if (!found) return std::optional<StoredIdempotency>();
  return std::optional<StoredIdempotency>(
      StoredIdempotency{st.ColumnText(0), st.ColumnText(1), st.ColumnInt(2)});
}

Result<std::vector<SeriesKeyRow>> SqliteTelemetryStore::LoadSeriesKeys() {
  BALLAST_ASSIGN_OR_RETURN(ReaderPool::Lease db, readers_.Acquire());
  BALLAST_ASSIGN_OR_RETURN(
      Statement st,
      db->Prepare("SELECT id, service, variant, model, prompt FROM series_keys ORDER BY id"));
  std::vector<SeriesKeyRow> out;
  while (true) {
    BALLAST_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back({st.ColumnInt(0),
                   {st.ColumnText(1), st.ColumnText(2), st.ColumnText(3), st.ColumnText(4)}});
  }
  return out;
}

Result<std::vector<ServiceSummary>> SqliteTelemetryStore::ListServices() {
  BALLAST_ASSIGN_OR_RETURN(ReaderPool::Lease db, readers_.Acquire());
  BALLAST_ASSIGN_OR_RETURN(
      Statement st,
      db->Prepare("SELECT service, coalesce(min(first_seen), 0), coalesce(max(last_seen), 0), "
                  "count(*) FROM series_keys GROUP BY service ORDER BY service"));
  std::vector<ServiceSummary> out;
  while (true) {
    BALLAST_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back({st.ColumnText(0), st.ColumnInt(1), st.ColumnInt(2), st.ColumnInt(3)});
  }
  return out;
}

Result<std::vector<RollupRow>> SqliteTelemetryStore::QueryRollups(const std::string& service,
                                                                  EpochMillis from,
                                                                  EpochMillis to) {
  BALLAST_ASSIGN_OR_RETURN(ReaderPool::Lease db, readers_.Acquire());
  static const std::string sql =
      std::string("SELECT r.key_id, r.minute, ") + kRollupColumns +
      " FROM rollups r JOIN series_keys k ON k.id = r.key_id "
      "WHERE k.service = ? AND r.minute >= ? AND r.minute < ? ORDER BY r.minute, r.key_id";
  BALLAST_ASSIGN_OR_RETURN(Statement st, db->Prepare(sql));
  BALLAST_RETURN_IF_ERROR(st.BindAll(service, from, to));
  std::vector<RollupRow> out;
  while (true) {
    BALLAST_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    const SeriesKeyId key_id = st.ColumnInt(0);
    const EpochMillis minute = st.ColumnInt(1);
    BALLAST_ASSIGN_OR_RETURN(Rollup rollup, RollupFromRow(st, 2, key_id, minute));
    out.push_back({key_id, minute, std::move(rollup)});
  }
  return out;
}

}  // namespace ballast::store
