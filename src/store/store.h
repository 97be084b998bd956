// Store: the storage root. Opens the database, applies the numbered migrations, runs the single
// writer thread, and hands out the per-aggregate interfaces.
//
//   BALLAST_ASSIGN_OR_RETURN(auto store, store::OpenSqliteStore({.data_dir = dir}));
//   store->Telemetry().CommitIngest(...);
//   ...
//   store->Close();  // drains the writer queue, commits, closes
//
// Thread safety: all methods may be called from any thread; Close() once, after which no other
// method may be called.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "store/eval_store.h"
#include "store/lineage_store.h"
#include "store/model_card_store.h"
#include "store/prompt_store.h"
#include "store/registry_store.h"
#include "store/slo_store.h"
#include "store/telemetry_store.h"
#include "store/token_store.h"

namespace ballast::store {

// Observations of the writer, for /metrics. Implemented by the server; called from the writer
// thread, so implementations must be cheap and thread-safe.
class WriterObserver {
 public:
  virtual ~WriterObserver() = default;
  // One group transaction committed (or failed) after `seconds`, holding `operations` writes.
  virtual void OnCommit(double seconds, int operations, bool ok) = 0;
};

struct StoreOptions {
  // Directory for ballast.db (created if missing).
  std::string data_dir;
  // Writes waiting for the writer beyond this are refused with RESOURCE_EXHAUSTED.
  int writer_queue_capacity = 4096;
  // Most writes committed in one transaction.
  int max_group_size = 512;
  // Read connections in the pool.
  int read_connections = 4;
  // SQLite synchronous=FULL; only tests of non-durable paths turn it off.
  bool durable = true;
  const Clock* clock = &RealClock::Get();
  WriterObserver* observer = nullptr;
};

class Store {
 public:
  virtual ~Store() = default;
  virtual TelemetryStore& Telemetry() = 0;
  virtual TokenStore& Tokens() = 0;
  virtual SloStore& Slos() = 0;
  virtual RegistryStore& Registry() = 0;
  virtual PromptStore& Prompts() = 0;
  virtual EvalStore& Evals() = 0;
  virtual LineageStore& Lineage() = 0;
  virtual ModelCardStore& ModelCards() = 0;
  // OK once the store is open and every migration is applied.
  virtual Status Ready() = 0;
  // Writes queued and not yet committed.
  virtual int64_t WriterQueueDepth() const = 0;
  virtual int SchemaVersion() const = 0;
  // Stops accepting writes, commits everything queued, closes connections. Idempotent.
  virtual void Close() = 0;
};

Result<std::unique_ptr<Store>> OpenSqliteStore(const StoreOptions& options);

}  // namespace ballast::store
