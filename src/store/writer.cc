#include "store/writer.h"

#include <cassert>
#include <chrono>
#include <future>
#include <memory>
#include <utility>

namespace ballast::store {

Writer::Writer(Connection db, WriterOptions options) : db_(std::move(db)), options_(options) {}

Writer::~Writer() { Close(); }

void Writer::AddParticipant(GroupParticipant* participant) {
  assert(!thread_.joinable());
  participants_.push_back(participant);
}

void Writer::Start() {
  std::lock_guard lock(mu_);
  assert(!thread_.joinable());
  accepting_ = true;
  thread_ = std::thread([this] { Run(); });
  writer_id_ = thread_.get_id();
}

Status Writer::Submit(WriteOperation op) {
  {
    std::lock_guard lock(mu_);
    if (!accepting_) return Status::Unavailable("the store is closed to writes");
    if (static_cast<int64_t>(queue_.size()) >= options_.queue_capacity) {
      return Status::ResourceExhausted("writer queue is full (" +
                                       std::to_string(options_.queue_capacity) +
                                       " writes waiting); retry later");
    }
    queue_.push_back(std::move(op));
  }
  wake_.notify_one();
  return Status::Ok();
}

Status Writer::SubmitAndWait(std::function<Status(Connection&)> apply) {
  assert(std::this_thread::get_id() != writer_id_);
  auto promise = std::make_shared<std::promise<Status>>();
  std::future<Status> done = promise->get_future();
  BALLAST_RETURN_IF_ERROR(
      Submit({std::move(apply), [promise](const Status& st) { promise->set_value(st); }}));
  return done.get();
}

int64_t Writer::QueueDepth() const {
  std::lock_guard lock(mu_);
  return static_cast<int64_t>(queue_.size()) + in_flight_;
}

void Writer::Close() {
  std::call_once(close_once_, [this] {
    {
      std::lock_guard lock(mu_);
      accepting_ = false;
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    db_.Close();
  });
}

void Writer::Run() {
  const size_t max_group = options_.max_group_size > 0 ? options_.max_group_size : 1;
  std::vector<WriteOperation> group;
  while (true) {
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [this] { return !queue_.empty() || stopping_; });
      // Drain before stopping: everything accepted is committed.
      if (queue_.empty()) return;
      while (!queue_.empty() && group.size() < max_group) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      in_flight_ = static_cast<int64_t>(group.size());
    }
    CommitGroup(group);
    {
      std::lock_guard lock(mu_);
      in_flight_ = 0;
    }
    group.clear();
  }
}

void Writer::CommitGroup(std::vector<WriteOperation>& group) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<Status> results(group.size());
  Status group_status;
  {
    Result<Transaction> tx = Transaction::Begin(db_);
    if (!tx) {
      group_status = tx.error().WithContext("beginning group transaction");
    } else {
      for (size_t i = 0; i < group.size() && group_status.ok(); ++i) {
        // Savepoint names are constant text: values never go into SQL.
        group_status = db_.Exec("SAVEPOINT op");
        if (!group_status.ok()) break;
        results[i] = group[i].apply(db_);
        if (!results[i].ok()) group_status = db_.Exec("ROLLBACK TO op");
        if (group_status.ok()) group_status = db_.Exec("RELEASE op");
      }
      for (GroupParticipant* p : participants_) {
        if (!group_status.ok()) break;
        group_status = p->BeforeCommit(db_);
      }
      if (group_status.ok()) group_status = tx->Commit();
      // On failure the Transaction's destructor rolls back here.
    }
  }
  if (group_status.ok()) {
    for (GroupParticipant* p : participants_) p->AfterCommit();
  } else {
    for (GroupParticipant* p : participants_) p->AfterRollback();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (options_.observer != nullptr) {
    options_.observer->OnCommit(seconds, static_cast<int>(group.size()), group_status.ok());
  }
  for (size_t i = 0; i < group.size(); ++i) {
    // An operation's own error wins; otherwise it shares the group's fate.
    const Status& st = !results[i].ok() ? results[i] : group_status;
    if (group[i].complete) group[i].complete(st);
  }
}

}  // namespace ballast::store
