// SloRuntime: the server side of the SLO engine. It owns the applied definitions (a catalog of
// every stored object), the SloEngine, and the evaluation thread; it implements apply/delete
// (validate, compare, store, reconfigure) and persists the engine's snapshots.
//
//   SloRuntime slo(*store, clock, config.slo);
//   BALLAST_RETURN_IF_ERROR(slo.Start());     // load objects, restore series (timed)
//   ... ingest: SloBatch batch(slo.engine()); commit.slo = batch.Take(); CommitIngest(commit)
//       (Start made the store hand every committed group's counts to engine().Apply)
//   slo.Stop();                               // final snapshot; before store->Close()
//
// Thread safety: Apply and Delete serialise on one mutex (the catalog, the store write and the
// engine reconfiguration happen together); the reads may run concurrently with them.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/diagnostics.h"
#include "common/status.h"
#include "server/config.h"
#include "slo/catalog.h"
#include "slo/engine.h"
#include "store/store.h"

namespace ballast::server {

struct ApplyOutcome {
  struct Item {
    std::string kind, name, action;  // created | updated | unchanged
  };
  std::vector<Item> results;
  Diagnostics diagnostics;  // warnings (errors make Apply fail)
};

// An Apply that failed validation: the first error as a Status (its field set) and every
// diagnostic for the answer.
struct ApplyError {
  Status status;
  Diagnostics diagnostics;
};

class SloRuntime {
 public:
  SloRuntime(store::Store& store, const Clock& clock, const SloConfig& config);
  ~SloRuntime();

  // Loads the stored objects and the engine's series, then sets the store's SloCountsSink to the
  // engine (cleared by the destructor). Returns how long it took (ms).
  Result<int64_t> Start();
  // Starts the evaluation thread (slices, snapshots, and the hook below each tick).
  void StartEvaluating();
  // Stops the thread and writes a last snapshot. Idempotent.
  void Stop();

  // `tick` runs on the evaluation thread after slices were closed, with the time.
  void set_tick_hook(std::function<void(EpochMillis)> tick) { tick_hook_ = std::move(tick); }
  // Extra state saved with every snapshot (the alert state); read on the evaluation thread.
  void set_state_source(std::function<std::string()> source) { state_source_ = std::move(source); }

  tl::expected<ApplyOutcome, ApplyError> Apply(const std::string& body, bool dry_run,
                                               const std::string& by);
  Status Delete(const std::string& kind, const std::string& name, const std::string& if_match,
                const std::string& by);

  slo::SloEngine& engine() { return engine_; }
  // The catalog of every applied object (immutable snapshot).
  std::shared_ptr<const slo::Catalog> catalog() const;
  // Runs one evaluation step now (tests, replay-like use).
  void EvaluateNow();
  Status SnapshotNow();

  int64_t snapshots_written() const { return snapshots_.load(); }

 private:
  void Run();
  Result<std::shared_ptr<const slo::Catalog>> LoadCatalog(
      const std::vector<store::StoredObject>& rows);
  Status Reconfigure(std::shared_ptr<const slo::Catalog> catalog,
                     const std::vector<store::StoredObject>& rows);

  store::Store& store_;
  const Clock& clock_;
  const SloConfig config_;
  slo::SloEngine engine_;

  std::mutex apply_mu_;
  mutable std::mutex catalog_mu_;
  std::shared_ptr<const slo::Catalog> catalog_;  // guarded by catalog_mu_

  std::function<void(EpochMillis)> tick_hook_;
  std::function<std::string()> state_source_;
  std::mutex run_mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by run_mu_
  std::thread thread_;
  std::mutex snapshot_mu_;
  std::atomic<int64_t> snapshots_{0};
  bool stopped_ = false;
};

}  // namespace ballast::server
