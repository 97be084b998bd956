#include "store/reader_pool.h"

#include <algorithm>
#include <utility>

namespace ballast::store {

Result<std::unique_ptr<ReaderPool>> ReaderPool::Open(const std::string& path, int size) {
  std::unique_ptr<ReaderPool> pool(new ReaderPool());
  ConnectionOptions options;
  options.create = false;
  options.query_only = true;
  // synchronous only matters for writes; leave the default FULL.
  for (int i = 0; i < std::max(size, 1); ++i) {
    BALLAST_ASSIGN_OR_RETURN(Connection db, Connection::Open(path, options));
    pool->all_.push_back(std::make_unique<Connection>(std::move(db)));
    pool->idle_.push_back(pool->all_.back().get());
  }
  return pool;
}

Result<ReaderPool::Lease> ReaderPool::Acquire() {
  std::unique_lock lock(mu_);
  returned_.wait(lock, [this] { return closed_ || !idle_.empty(); });
  if (closed_) return Status::Unavailable("the store is closed");
  Connection* db = idle_.back();
  idle_.pop_back();
  return Lease(this, db);
}

void ReaderPool::Release(Connection* db) {
  {
    std::lock_guard lock(mu_);
    idle_.push_back(db);
  }
  returned_.notify_all();
}

void ReaderPool::Close() {
  std::unique_lock lock(mu_);
  if (closed_) return;
  closed_ = true;
  returned_.notify_all();
  returned_.wait(lock, [this] { return idle_.size() == all_.size(); });
  for (auto& db : all_) db->Close();
}

}  // namespace ballast::store
