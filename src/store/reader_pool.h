// ReaderPool: a fixed set of read-only connections to the store's database, so reads from any
// thread run concurrently with the writer (WAL readers see the last committed state and never
// block the writer, nor it them).
//
//   BALLAST_ASSIGN_OR_RETURN(auto pool, ReaderPool::Open(path, 4, true));
//   ReaderPool::Lease db = pool->Acquire();   // waits while all connections are lent out
//   BALLAST_ASSIGN_OR_RETURN(Statement st, db->Prepare("SELECT ..."));
//
// Thread safety: Acquire() may be called from any thread; a Lease is used by its holder only.
// Close() waits for outstanding leases to come back.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/sqlite.h"

namespace ballast::store {

class ReaderPool {
 public:
  class Lease {
   public:
    Lease(ReaderPool* pool, Connection* db) : pool_(pool), db_(db) {}
    Lease(Lease&& other) noexcept : pool_(other.pool_), db_(other.db_) { other.db_ = nullptr; }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() {
      if (db_ != nullptr) pool_->Release(db_);
    }
    Connection* operator->() const { return db_; }
    Connection& operator*() const { return *db_; }

   private:
    ReaderPool* pool_;
    Connection* db_;
  };

  // Opens `size` (at least 1) query-only connections to the existing database at `path`.
  static Result<std::unique_ptr<ReaderPool>> Open(const std::string& path, int size);

  // UNAVAILABLE after Close().
  Result<Lease> Acquire();
  void Close();

 private:
  ReaderPool() = default;
  void Release(Connection* db);

  std::vector<std::unique_ptr<Connection>> all_;
  std::mutex mu_;
  std::condition_variable returned_;
  std::vector<Connection*> idle_;  // guarded by mu_
  bool closed_ = false;            // guarded by mu_
};

}  // namespace ballast::store
