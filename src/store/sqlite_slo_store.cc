#include "store/sqlite_slo_store.h"

#include <memory>
#include <utility>

#include "common/sha256.h"

namespace ballast::store {
namespace {

constexpr const char* kObjectColumns =
    "kind, name, api_version, content_json, content_hash, etag, generation, created_at, "
    "applied_at, applied_by";

StoredObject ObjectFromRow(const Statement& st) {
  StoredObject o;
  o.kind = st.ColumnText(0);
  o.name = st.ColumnText(1);
  o.api_version = st.ColumnText(2);
  o.content_json = st.ColumnText(3);
  o.content_hash = st.ColumnText(4);
  o.etag = st.ColumnText(5);
  o.generation = st.ColumnInt(6);
  o.created_at = st.ColumnInt(7);
  o.applied_at = st.ColumnInt(8);
  o.applied_by = st.ColumnText(9);
  return o;
}

// An etag that changes with every write of the object: generation and content both count, so
// deleting and re-creating the same content gets a new etag too.
std::string MakeEtag(const StoredObject& o) {
  return Sha256Hex(o.kind + "\n" + o.name + "\n" + std::to_string(o.generation) + "\n" +
                   std::to_string(o.applied_at) + "\n" + o.content_hash)
      .substr(0, 16);
}

Result<std::optional<StoredObject>> ReadObject(Connection& db, std::string_view kind,
                                               std::string_view name) {
  static const std::string sql =
      std::string("SELECT ") + kObjectColumns + " FROM objects WHERE kind = ? AND name = ?";
  BALLAST_ASSIGN_OR_RETURN(Statement st, db.Prepare(sql));
  BALLAST_RETURN_IF_ERROR(st.BindAll(kind, name));
  BALLAST_ASSIGN_OR_RETURN(bool found, st.Step());
  if (!found) return std::optional<StoredObject>();
  return std::optional<StoredObject>(ObjectFromRow(st));
}

Status AppendHistory(Connection& db, const StoredObject& o, std::string_view action) {
  BALLAST_ASSIGN_OR_RETURN(
      Statement st,
      db.Prepare("INSERT INTO object_history (kind, name, action, content_hash, at, by) "
                 "VALUES (?, ?, ?, ?, ?, ?)"));
  BALLAST_RETURN_IF_ERROR(
      st.BindAll(o.kind, o.name, action, o.content_hash, o.applied_at, o.applied_by));
  return st.Run();
}

std::string Describe(const StoredObject& o) { return o.kind + " " + o.name; }

Result<std::optional<StoredObject>> ApplyWrite(Connection& db, const ObjectWrite& w) {
  const StoredObject& in = w.object;
  if (in.kind.empty()) return Status::InvalidArgument("object kind is empty", "kind");
  if (in.name.empty()) return Status::InvalidArgument("object name is empty", "metadata.name");
  BALLAST_ASSIGN_OR_RETURN(std::optional<StoredObject> current, ReadObject(db, in.kind, in.name));
  switch (w.action) {
    case ObjectWrite::Action::kCreate: {
      if (current) {
        return Status::Aborted(Describe(in) +
                               " was created by someone else meanwhile; apply again");
      }
      StoredObject o = in;
      o.generation = 1;
      o.created_at = in.applied_at;
      o.etag = MakeEtag(o);
      static const std::string sql = std::string("INSERT INTO objects (") + kObjectColumns +
                                     ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
      BALLAST_ASSIGN_OR_RETURN(Statement st, db.Prepare(sql));
      BALLAST_RETURN_IF_ERROR(st.BindAll(o.kind, o.name, o.api_version, o.content_json,
                                         o.content_hash, o.etag, o.generation, o.created_at,
                                         o.applied_at, o.applied_by));
      BALLAST_RETURN_IF_ERROR(st.Run());
      BALLAST_RETURN_IF_ERROR(AppendHistory(db, o, "created"));
      return std::optional<StoredObject>(std::move(o));
    }
    case ObjectWrite::Action::kUpdate: {
      if (!current || current->etag != w.expected_etag) {
        return Status::Aborted(Describe(in) +
                               " was changed by someone else meanwhile; apply again");
      }
      StoredObject o = in;
      o.generation = current->generation + 1;
      o.created_at = current->created_at;
      o.etag = MakeEtag(o);
      BALLAST_ASSIGN_OR_RETURN(
          Statement st,
          db.Prepare("UPDATE objects SET api_version = ?, content_json = ?, content_hash = ?, "
                     "etag = ?, generation = ?, applied_at = ?, applied_by = ? "
                     "WHERE kind = ? AND name = ?"));
      BALLAST_RETURN_IF_ERROR(st.BindAll(o.api_version, o.content_json, o.content_hash, o.etag,
                                         o.generation, o.applied_at, o.applied_by, o.kind, o.name));
      BALLAST_RETURN_IF_ERROR(st.Run());
      BALLAST_RETURN_IF_ERROR(AppendHistory(db, o, "updated"));
      return std::optional<StoredObject>(std::move(o));
    }
    case ObjectWrite::Action::kDelete: {
      if (!current) return Status::NotFound(Describe(in) + " does not exist");
      if (!w.expected_etag.empty() && current->etag != w.expected_etag) {
        return Status::FailedPrecondition(Describe(in) + " has etag " + current->etag + ", not " +
                                          w.expected_etag);
      }
      BALLAST_ASSIGN_OR_RETURN(Statement st,
                               db.Prepare("DELETE FROM objects WHERE kind = ? AND name = ?"));
      BALLAST_RETURN_IF_ERROR(st.BindAll(in.kind, in.name));
      BALLAST_RETURN_IF_ERROR(st.Run());
      StoredObject gone = *current;
      gone.applied_at = in.applied_at;
      gone.applied_by = in.applied_by;
      BALLAST_RETURN_IF_ERROR(AppendHistory(db, gone, "deleted"));
      return std::optional<StoredObject>();
    }
  }
  return Status::Internal("unknown object write action");
}

}  // namespace

Result<SloGroupDeltas::Checked> SloGroupDeltas::Check(Connection& db, SloCounts counts) const {
  const double accuracy = telemetry::DDSketch().relative_accuracy();
  for (SloCountDelta& d : counts.deltas) {
    if (d.good > d.total) {
      return Status::InvalidArgument("good exceeds total", "slo.deltas.good");
    }
    if (!d.samples && !d.sketch.empty()) {
      // Decoded now, so that merging the group's sketches later cannot fail.
      Result<telemetry::DDSketch> sketch = telemetry::DDSketch::Deserialize(d.sketch);
      if (!sketch) {
        return Status::InvalidArgument("sketch does not decode: " + sketch.error().message(),
                                       "slo.deltas.sketch");
      }
      d.samples = std::move(*sketch);
    }
    if (d.samples && d.samples->relative_accuracy() != accuracy) {
      return Status::InvalidArgument("sketch relative accuracy is not the evaluator's",
                                     "slo.deltas.sketch");
    }
  }
  for (const SloSeriesRow& s : counts.new_series) {
    BALLAST_ASSIGN_OR_RETURN(Statement st,
                             db.Prepare("INSERT OR IGNORE INTO slo_series (id, series_key, slo, "
                                        "created_at) VALUES (?, ?, ?, ?)"));
    BALLAST_RETURN_IF_ERROR(st.BindAll(s.id, s.series_key, s.slo, s.created_at));
    BALLAST_RETURN_IF_ERROR(st.Run());
  }
  return Checked{std::move(counts)};
}

void SloGroupDeltas::Stage(Checked checked) {
  for (SloSeriesRow& s : checked.counts.new_series) new_series_.push_back(std::move(s));
  for (SloCountDelta& d : checked.counts.deltas) {
    auto [it, inserted] = index_.try_emplace(SeriesMinute{d.series_id, d.minute}, deltas_.size());
    if (inserted) {
      deltas_.push_back({std::move(d)});
      continue;
    }
    SloCountDelta& s = deltas_[it->second].delta;
    s.good += d.good;
    s.total += d.total;
    if (!d.samples) continue;
    if (s.samples) {
      s.samples->Merge(*d.samples);  // equal accuracies: checked by Check
      s.sketch.clear();              // no longer the merged sketch's bytes
    } else {
      s.samples = std::move(d.samples);
      s.sketch = std::move(d.sketch);
    }
  }
}

Status SloGroupDeltas::Flush(Connection& db) {
  last_seq_ = 0;
  for (Staged& s : deltas_) {
    SloCountDelta& d = s.delta;
    if (d.samples && d.sketch.empty()) d.sketch = d.samples->Serialize();
    BALLAST_ASSIGN_OR_RETURN(
        Statement st, db.Prepare("INSERT INTO slo_deltas (series_id, minute, good, total, sketch) "
                                 "VALUES (?, ?, ?, ?, ?)"));
    BALLAST_RETURN_IF_ERROR(st.BindAll(d.series_id, d.minute, static_cast<int64_t>(d.good),
                                       static_cast<int64_t>(d.total), Blob{d.sketch}));
    BALLAST_RETURN_IF_ERROR(st.Run());
    last_seq_ = db.LastInsertRowid();
  }
  return Status::Ok();
}

SloCounts SloGroupDeltas::TakeCommitted(int64_t* seq) {
  SloCounts out;
  out.new_series = std::move(new_series_);
  out.deltas.reserve(deltas_.size());
  for (Staged& s : deltas_) out.deltas.push_back(std::move(s.delta));
  *seq = last_seq_;
  Clear();
  return out;
}

void SloGroupDeltas::Clear() {
  new_series_.clear();
  deltas_.clear();
  index_.clear();
  last_seq_ = 0;
}

Result<std::vector<StoredObject>> SqliteSloStore::ListObjects(std::string_view kind) {
  BALLAST_ASSIGN_OR_RETURN(ReaderPool::Lease db, readers_.Acquire());
  static const std::string all =
      std::string("SELECT ") + kObjectColumns + " FROM objects ORDER BY kind, name";
  static const std::string one =
      std::string("SELECT ") + kObjectColumns + " FROM objects WHERE kind = ? ORDER BY name";
  BALLAST_ASSIGN_OR_RETURN(Statement st, db->Prepare(kind.empty() ? all : one));
  if (!kind.empty()) BALLAST_RETURN_IF_ERROR(st.BindAll(kind));
  std::vector<StoredObject> out;
  while (true) {
    BALLAST_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(ObjectFromRow(st));
  }
  return out;
}

Result<std::optional<StoredObject>> SqliteSloStore::GetObject(std::string_view kind,
                                                              std::string_view name) {
  BALLAST_ASSIGN_OR_RETURN(ReaderPool::Lease db, readers_.Acquire());
  return ReadObject(*db, kind, name);
}

Result<std::vector<StoredObject>> SqliteSloStore::WriteObjects(std::vector<ObjectWrite> writes) {
  auto stored = std::make_shared<std::vector<StoredObject>>();
  auto input = std::make_shared<std::vector<ObjectWrite>>(std::move(writes));
  Status st = writer_.SubmitAndWait([input, stored](Connection& db) -> Status {
    std::vector<StoredObject> out;
    for (const ObjectWrite& w : *input) {
      Result<std::optional<StoredObject>> r = ApplyWrite(db, w);
      if (!r) return r.error();
      if (*r) out.push_back(std::move(**r));
    }
    *stored = std::move(out);
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return std::move(*stored);
}

Result<std::vector<ObjectHistoryEntry>> SqliteSloStore::ObjectHistory(std::string_view kind,
                                                                      std::string_view name,
                                                                      int limit) {
  BALLAST_ASSIGN_OR_RETURN(ReaderPool::Lease db, readers_.Acquire());
  BALLAST_ASSIGN_OR_RETURN(
      Statement st,
      db->Prepare("SELECT id, kind, name, action, content_hash, at, by FROM object_history "
                  "WHERE kind = ? AND name = ? ORDER BY id DESC LIMIT ?"));
  BALLAST_RETURN_IF_ERROR(st.BindAll(kind, name, limit));
  std::vector<ObjectHistoryEntry> out;
  while (true) {
    BALLAST_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back({st.ColumnInt(0), st.ColumnText(1), st.ColumnText(2), st.ColumnText(3),
                   st.ColumnText(4), st.ColumnText(6), st.ColumnInt(5)});
  }
  return out;
}

Result<std::vector<SloSeriesRow>> SqliteSloStore::LoadSloSeries() {
  BALLAST_ASSIGN_OR_RETURN(ReaderPool::Lease db, readers_.Acquire());
  BALLAST_ASSIGN_OR_RETURN(
      Statement st,
      db->Prepare("SELECT id, series_key, slo, created_at, snapshot FROM slo_series ORDER BY id"));
  std::vector<SloSeriesRow> out;
  while (true) {
    BALLAST_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(
        {st.ColumnInt(0), st.ColumnText(1), st.ColumnText(2), st.ColumnInt(3), st.ColumnBlob(4)});
  }
  return out;
}

Result<std::vector<SloDeltaRow>> SqliteSloStore::LoadSloDeltas() {
  BALLAST_ASSIGN_OR_RETURN(ReaderPool::Lease db, readers_.Acquire());
  BALLAST_ASSIGN_OR_RETURN(Statement st,
                           db->Prepare("SELECT seq, series_id, minute, good, total, sketch "
                                       "FROM slo_deltas ORDER BY seq"));
  std::vector<SloDeltaRow> out;
  while (true) {
    BALLAST_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    SloDeltaRow r;
    r.seq = st.ColumnInt(0);
    r.delta.series_id = st.ColumnInt(1);
    r.delta.minute = st.ColumnInt(2);
    r.delta.good = static_cast<uint64_t>(st.ColumnInt(3));
    r.delta.total = static_cast<uint64_t>(st.ColumnInt(4));
    r.delta.sketch = st.ColumnBlob(5);
    out.push_back(std::move(r));
  }
  return out;
}

Status SqliteSloStore::SaveSloSnapshot(std::vector<std::pair<int64_t, std::string>> series,
                                       int64_t through_seq, std::optional<std::string> state) {
  auto input = std::make_shared<std::vector<std::pair<int64_t, std::string>>>(std::move(series));
  auto doc = std::make_shared<std::optional<std::string>>(std::move(state));
  return writer_.SubmitAndWait([input, doc, through_seq](Connection& db) -> Status {
    for (const auto& [id, blob] : *input) {
      BALLAST_ASSIGN_OR_RETURN(Statement st,
                               db.Prepare("UPDATE slo_series SET snapshot = ? WHERE id = ?"));
      BALLAST_RETURN_IF_ERROR(st.BindAll(Blob{blob}, id));
      BALLAST_RETURN_IF_ERROR(st.Run());
    }
    BALLAST_ASSIGN_OR_RETURN(Statement del, db.Prepare("DELETE FROM slo_deltas WHERE seq <= ?"));
    BALLAST_RETURN_IF_ERROR(del.BindAll(through_seq));
    BALLAST_RETURN_IF_ERROR(del.Run());
    if (doc->has_value()) {
      BALLAST_ASSIGN_OR_RETURN(
          Statement st,
          db.Prepare("INSERT OR REPLACE INTO slo_state (name, value) VALUES ('alerts', ?)"));
      BALLAST_RETURN_IF_ERROR(st.BindAll(Blob{**doc}));
      BALLAST_RETURN_IF_ERROR(st.Run());
    }
    return Status::Ok();
  });
}

Result<std::optional<std::string>> SqliteSloStore::LoadSloState() {
  BALLAST_ASSIGN_OR_RETURN(ReaderPool::Lease db, readers_.Acquire());
  BALLAST_ASSIGN_OR_RETURN(Statement st,
                           db->Prepare("SELECT value FROM slo_state WHERE name = 'alerts'"));
  BALLAST_ASSIGN_OR_RETURN(bool found, st.Step());
  if (!found) return std::optional<std::string>();
  return std::optional<std::string>(st.ColumnBlob(0));
}

Status SqliteSloStore::DeleteSloSeries(std::string_view slo) {
  std::string name(slo);
  return writer_.SubmitAndWait([name](Connection& db) -> Status {
    BALLAST_ASSIGN_OR_RETURN(Statement d, db.Prepare("DELETE FROM slo_deltas WHERE series_id IN "
                                                     "(SELECT id FROM slo_series WHERE slo = ?)"));
    BALLAST_RETURN_IF_ERROR(d.BindAll(name));
    BALLAST_RETURN_IF_ERROR(d.Run());
    BALLAST_ASSIGN_OR_RETURN(Statement s, db.Prepare("DELETE FROM slo_series WHERE slo = ?"));
    BALLAST_RETURN_IF_ERROR(s.BindAll(name));
    return s.Run();
  });
}

}  // namespace ballast::store
