#include "server/slo_runtime.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <map>
#include <set>

#include "notify/alert.h"
#include "slo/loader.h"
#include "slo/object_json.h"
#include "slo/validator.h"

namespace ballast::server {
namespace {

slo::EngineOptions EngineOptionsOf(const SloConfig& c) {
  slo::EngineOptions o;
  o.min_events = static_cast<uint64_t>(c.min_events);
  o.max_variants = c.max_variants;
  return o;
}

Status FirstError(const Diagnostics& d) {
  for (const Diagnostic& item : d.items()) {
    if (item.severity != Severity::kError) continue;
    std::string where = item.pos.file.empty()
                            ? std::string()
                            : item.pos.file + ":" + std::to_string(item.pos.line) + ":" +
                                  std::to_string(item.pos.column) + ": ";
    return Status::InvalidArgument(where + item.message, item.path);
  }
  return Status::InvalidArgument("the definitions are not valid");
}

using ObjectKey = std::pair<std::string, std::string>;  // kind, name

}  // namespace

SloRuntime::SloRuntime(store::Store& store, const Clock& clock, const SloConfig& config)
    : store_(store),
      clock_(clock),
      config_(config),
      engine_(EngineOptionsOf(config)),
      catalog_(std::make_shared<slo::Catalog>()) {}

SloRuntime::~SloRuntime() {
  store_.Telemetry().SetSloCountsSink(nullptr);  // waits for a call in progress
  {
    std::lock_guard lock(run_mu_);
    stopping_ = true;
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

std::shared_ptr<const slo::Catalog> SloRuntime::catalog() const {
  std::lock_guard lock(catalog_mu_);
  return catalog_;
}

Result<std::shared_ptr<const slo::Catalog>> SloRuntime::LoadCatalog(
    const std::vector<store::StoredObject>& rows) {
  std::vector<slo::Source> sources;
  for (const store::StoredObject& row : rows) {
    if (row.api_version != slo::kApiVersionV1) continue;  // other kinds belong to other modules
    sources.push_back({"stored " + row.kind + " " + row.name, row.content_json});
  }
  slo::LoadResult loaded = slo::LoadSources(sources);
  if (!loaded.ok()) {
    return Status::FailedPrecondition("stored definitions do not load: " +
                                      loaded.diagnostics.ToString());
  }
  return std::make_shared<const slo::Catalog>(loaded.catalog.objects());
}

Status SloRuntime::Reconfigure(std::shared_ptr<const slo::Catalog> catalog,
                               const std::vector<store::StoredObject>& rows) {
  std::map<std::string, EpochMillis, std::less<>> applied;
  for (const store::StoredObject& row : rows) {
    if (row.kind == "SLO") applied[row.name] = row.applied_at;
  }
  BALLAST_ASSIGN_OR_RETURN(std::shared_ptr<const slo::Definitions> defs,
                           slo::CompileDefinitions(*catalog, applied));
  engine_.Configure(std::move(defs));
  std::lock_guard lock(catalog_mu_);
  catalog_ = std::move(catalog);
  return Status::Ok();
}

Result<int64_t> SloRuntime::Start() {
  const auto started = std::chrono::steady_clock::now();
  BALLAST_ASSIGN_OR_RETURN(std::vector<store::StoredObject> rows, store_.Slos().ListObjects(""));
  BALLAST_ASSIGN_OR_RETURN(std::shared_ptr<const slo::Catalog> catalog, LoadCatalog(rows));
  BALLAST_RETURN_IF_ERROR(Reconfigure(std::move(catalog), rows));
  BALLAST_ASSIGN_OR_RETURN(std::vector<store::SloSeriesRow> series, store_.Slos().LoadSloSeries());
  BALLAST_ASSIGN_OR_RETURN(std::vector<store::SloDeltaRow> deltas, store_.Slos().LoadSloDeltas());
  BALLAST_ASSIGN_OR_RETURN(int64_t skipped, engine_.Restore(series, deltas));
  // From now on every committed ingest group reaches the engine, atomically per group, before
  // its batches are acknowledged.
  store_.Telemetry().SetSloCountsSink(
      [this](const store::SloCounts& counts, int64_t seq) { engine_.Apply(counts, seq); });
  engine_.AdvanceTo(clock_.NowMillis());
  const int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now() - started)
                         .count();
  spdlog::info("slo: {} objects, {} series ({} stale skipped), {} deltas restored in {} ms",
               rows.size(), series.size() - static_cast<size_t>(skipped), skipped, deltas.size(),
               ms);
  return ms;
}

void SloRuntime::StartEvaluating() {
  std::lock_guard lock(run_mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Run(); });
}

void SloRuntime::Run() {
  EpochMillis last_snapshot = clock_.NowMillis();
  std::unique_lock lock(run_mu_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::milliseconds(config_.evaluation_interval_ms));
    if (stopping_) break;
    lock.unlock();
    EvaluateNow();
    const EpochMillis now = clock_.NowMillis();
    if (now - last_snapshot >= config_.snapshot_interval_ms) {
      if (Status st = SnapshotNow(); !st.ok()) spdlog::warn("slo snapshot: {}", st.message());
      last_snapshot = now;
    }
    lock.lock();
  }
}

void SloRuntime::EvaluateNow() {
  const EpochMillis now = clock_.NowMillis();
  engine_.AdvanceTo(now);
  if (tick_hook_) tick_hook_(now);
}

Status SloRuntime::SnapshotNow() {
  std::lock_guard lock(snapshot_mu_);
  slo::SloEngine::Snapshot snap = engine_.TakeSnapshot();
  std::optional<std::string> state;
  if (state_source_) state = state_source_();
  Status st =
      store_.Slos().SaveSloSnapshot(std::move(snap.series), snap.through_seq, std::move(state));
  if (!st.ok()) {
    // The series were marked clean; the next snapshot must write them all again before it may
    // drop any delta.
    engine_.MarkAllDirty();
    return st;
  }
  snapshots_.fetch_add(1);
  return Status::Ok();
}

void SloRuntime::Stop() {
  {
    std::lock_guard lock(run_mu_);
    if (stopped_) return;
    stopped_ = true;
    stopping_ = true;
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  if (Status st = SnapshotNow(); !st.ok()) spdlog::warn("slo: last snapshot: {}", st.message());
}

tl::expected<ApplyOutcome, ApplyError> SloRuntime::Apply(const std::string& body, bool dry_run,
                                                         const std::string& by) {
  std::lock_guard lock(apply_mu_);
  std::shared_ptr<const slo::Catalog> current = catalog();
  slo::LoadResult loaded = slo::LoadText(body, "request", current.get());
  if (!loaded.ok())
    return tl::unexpected(ApplyError{FirstError(loaded.diagnostics), loaded.diagnostics});
  if (loaded.catalog.objects().empty()) {
    return tl::unexpected(
        ApplyError{Status::InvalidArgument("the body holds no objects"), loaded.diagnostics});
  }
  Result<std::vector<store::StoredObject>> rows = store_.Slos().ListObjects("");
  if (!rows) return tl::unexpected(ApplyError{rows.error(), {}});
  std::map<ObjectKey, const store::StoredObject*> stored;
  for (const store::StoredObject& row : *rows) stored[{row.kind, row.name}] = &row;

  ApplyOutcome outcome;
  outcome.diagnostics = loaded.diagnostics;
  std::vector<store::ObjectWrite> writes;
  std::set<ObjectKey> incoming;
  const EpochMillis now = clock_.NowMillis();
  for (const slo::Object& object : loaded.catalog.objects()) {
    const std::string kind(slo::KindName(object.kind));
    incoming.insert({kind, object.metadata.name});
    store::StoredObject o;
    o.kind = kind;
    o.name = object.metadata.name;
    o.api_version = object.api_version;
    o.content_json = slo::CanonicalJson(object);
    o.content_hash = slo::ContentHash(object);
    o.applied_at = now;
    o.applied_by = by;
    auto it = stored.find({kind, o.name});
    if (it == stored.end()) {
      outcome.results.push_back({kind, o.name, "created"});
      writes.push_back({store::ObjectWrite::Action::kCreate, std::move(o), ""});
    } else if (it->second->content_hash == o.content_hash) {
      outcome.results.push_back({kind, o.name, "unchanged"});
    } else {
      outcome.results.push_back({kind, o.name, "updated"});
      writes.push_back({store::ObjectWrite::Action::kUpdate, std::move(o), it->second->etag});
    }
  }

  // The catalog after this apply: what is stored, with the incoming objects in place.
  std::vector<slo::Object> merged;
  for (const slo::Object& o : current->objects()) {
    if (!incoming.contains({std::string(slo::KindName(o.kind)), o.metadata.name})) {
      merged.push_back(o);
    }
  }
  for (const slo::Object& o : loaded.catalog.objects()) merged.push_back(o);
  auto next = std::make_shared<const slo::Catalog>(std::move(merged));
  // Refuses what the engine cannot evaluate (another data source type, ...), before storing.
  std::map<std::string, EpochMillis, std::less<>> no_times;
  auto defs = slo::CompileDefinitions(*next, no_times);
  if (!defs) return tl::unexpected(ApplyError{defs.error(), loaded.diagnostics});
  // Notification targets must be URLs ballast can deliver to (http or https).
  for (const auto& [name, compiled] : (*defs)->slos) {
    for (const slo::AlertRule& rule : compiled.rules) {
      for (const slo::NotificationTarget& t : rule.targets) {
        if (auto target = notify::MakeTarget(t.name, t.url, t.annotations); !target) {
          return tl::unexpected(ApplyError{
              Status::InvalidArgument("AlertNotificationTarget " + t.name + ": " +
                                          target.error().message(),
                                      "spec.target"),
              loaded.diagnostics});
        }
      }
    }
  }
  if (dry_run || writes.empty()) return outcome;

  if (auto written = store_.Slos().WriteObjects(std::move(writes)); !written) {
    return tl::unexpected(ApplyError{written.error(), {}});
  }
  Result<std::vector<store::StoredObject>> after = store_.Slos().ListObjects("");
  if (!after) return tl::unexpected(ApplyError{after.error(), {}});
  if (Status st = Reconfigure(std::move(next), *after); !st.ok()) {
    return tl::unexpected(ApplyError{st, {}});
  }
  return outcome;
}

Status SloRuntime::Delete(const std::string& kind, const std::string& name,
                          const std::string& if_match, const std::string& by) {
  std::lock_guard lock(apply_mu_);
  BALLAST_ASSIGN_OR_RETURN(std::optional<store::StoredObject> row,
                           store_.Slos().GetObject(kind, name));
  if (!row) return Status::NotFound(kind + " '" + name + "' does not exist");
  std::shared_ptr<const slo::Catalog> current = catalog();
  std::vector<slo::Object> remaining;
  for (const slo::Object& o : current->objects()) {
    if (!(slo::KindName(o.kind) == kind && o.metadata.name == name)) remaining.push_back(o);
  }
  auto next = std::make_shared<const slo::Catalog>(std::move(remaining));
  Diagnostics diags;
  slo::Validate(*next, &diags);
  if (diags.HasErrors()) {
    Status first = FirstError(diags);
    return Status::FailedPrecondition(kind + " '" + name +
                                      "' is still referenced: " + first.message());
  }
  store::StoredObject target;
  target.kind = kind;
  target.name = name;
  target.applied_at = clock_.NowMillis();
  target.applied_by = by;
  BALLAST_RETURN_IF_ERROR(
      store_.Slos()
          .WriteObjects({{store::ObjectWrite::Action::kDelete, std::move(target), if_match}})
          .status());
  BALLAST_ASSIGN_OR_RETURN(std::vector<store::StoredObject> after, store_.Slos().ListObjects(""));
  BALLAST_RETURN_IF_ERROR(Reconfigure(std::move(next), after));
  if (kind == "SLO") BALLAST_RETURN_IF_ERROR(store_.Slos().DeleteSloSeries(name));
  return Status::Ok();
}

}  // namespace ballast::server
