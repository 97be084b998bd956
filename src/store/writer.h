// Writer: the one thread that writes to the database, with group commit (DESIGN.md §4).
//
// Callers submit WriteOperations into a bounded queue. The writer thread takes everything
// available (up to max_group_size), runs the group in ONE transaction with a SAVEPOINT around
// each operation (a failing operation is rolled back alone and the others still commit), commits
// (one fsync for the whole group when durable) and only then calls each operation's `complete`.
// So a completion with OK means the write is on disk; the cost of the fsync is shared by every
// operation that arrived while the previous group was committing.
//
// Operations are closures over the writer's connection, so any aggregate can use the writer.
// An aggregate that defers work to the end of the group (e.g. one row write for many deltas)
// registers a GroupParticipant: BeforeCommit() runs inside the transaction after the last
// operation, AfterRollback() tells it the group's writes were lost. Contract for operations
// that also change a participant's memory: do all fallible work (SQL) first and change memory
// last, infallibly, so that a rolled-back savepoint never leaves memory ahead of the database.
//
// Thread safety: Submit(), SubmitAndWait(), QueueDepth() and Close() may be called from any
// thread; SubmitAndWait() must not be called from the writer thread (it would wait on itself).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "common/status.h"
#include "store/sqlite.h"
#include "store/store.h"

namespace ballast::store {

struct WriteOperation {
  // Runs on the writer thread inside the group transaction, within its own savepoint. A non-OK
  // result rolls the savepoint back and becomes the operation's completion status.
  std::function<Status(Connection&)> apply;
  // Called exactly once on the writer thread: OK after the group committed, otherwise the
  // operation's own error or the group's commit error. Must not block on the writer.
  std::function<void(const Status&)> complete;
};

class GroupParticipant {
 public:
  virtual ~GroupParticipant() = default;
  // Inside the transaction, after every operation of the group ran; an error fails the group.
  virtual Status BeforeCommit(Connection& db) = 0;
  // The group committed.
  virtual void AfterCommit() = 0;
  // The group was rolled back: drop state derived from its writes.
  virtual void AfterRollback() = 0;
};

struct WriterOptions {
  int queue_capacity = 4096;
  int max_group_size = 512;
  WriterObserver* observer = nullptr;  // may be null
};

class Writer {
 public:
  // Takes the write connection; the writer thread is the only user of it.
  Writer(Connection db, WriterOptions options);
  ~Writer();  // Close()
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Before Start() only; the participant must outlive the writer.
  void AddParticipant(GroupParticipant* participant);
  void Start();

  // Queues `op`. RESOURCE_EXHAUSTED when the queue is full, UNAVAILABLE after Close(); in both
  // cases `complete` is never called.
  Status Submit(WriteOperation op);
  // Queues `apply` and waits until its group committed; returns its final status.
  Status SubmitAndWait(std::function<Status(Connection&)> apply);

  // Operations queued or in the group being committed.
  int64_t QueueDepth() const;

  // Stops accepting, commits everything queued, joins the thread, closes the connection.
  // Idempotent.
  void Close();

 private:
  void Run();
  void CommitGroup(std::vector<WriteOperation>& group);

  Connection db_;  // writer thread only (after Start)
  const WriterOptions options_;
  std::vector<GroupParticipant*> participants_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<WriteOperation> queue_;  // guarded by mu_
  int64_t in_flight_ = 0;             // guarded by mu_: popped, not yet completed
  bool accepting_ = false;            // guarded by mu_
  bool stopping_ = false;             // guarded by mu_
  std::thread thread_;
  std::thread::id writer_id_;
  std::once_flag close_once_;
};

}  // namespace ballast::store
