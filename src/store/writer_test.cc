#include "store/writer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>

#include "store/test_fixtures.h"

namespace ballast::store {
namespace {

using testing::TempDir;

class RecordingObserver : public WriterObserver {
 public:
  void OnCommit(double seconds, int operations, bool ok) override {
    std::lock_guard lock(mu_);
    EXPECT_GE(seconds, 0);
    groups_.push_back(ok ? operations : -operations);
  }
  // Operations per group, negative for a failed group.
  std::vector<int> groups() {
    std::lock_guard lock(mu_);
    return groups_;
  }

 private:
  std::mutex mu_;
  std::vector<int> groups_;
};

class WriterTest : public ::testing::Test {
 protected:
  void StartWriter(int capacity, int max_group) {
    auto db = Connection::Open(dir_.path() + "/w.db", {});
    ASSERT_TRUE(db) << db.error().ToString();
    ASSERT_TRUE(db->Exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY)").ok());
    writer_ =
        std::make_unique<Writer>(std::move(*db), WriterOptions{capacity, max_group, &observer_});
  }

  // An operation that blocks the writer thread until Release(), so tests control grouping.
  WriteOperation Gate() {
    auto opened = gate_.get_future().share();
    return {[opened, this](Connection&) {
              entered_.set_value();
              opened.wait();
              return Status::Ok();
            },
            nullptr};
  }
  // Submits the gate and returns once the writer runs it: later submissions form new groups.
  void BlockWriter() {
    ASSERT_TRUE(writer_->Submit(Gate()).ok());
    entered_.get_future().wait();
  }
  void Release() {
    released_ = true;
    gate_.set_value();
  }
  // A failed assertion must not leave the writer blocked (Close() would wait forever).
  void TearDown() override {
    if (!released_ && writer_ != nullptr) Release();
  }

  static WriteOperation Insert(int id, std::atomic<int>* ok_count = nullptr,
                               Status* result = nullptr) {
    return {[id](Connection& db) -> Status {
              BALLAST_ASSIGN_OR_RETURN(Statement st, db.Prepare("INSERT INTO t (id) VALUES (?)"));
              BALLAST_RETURN_IF_ERROR(st.BindAll(id));
              return st.Run();
            },
            [ok_count, result](const Status& st) {
              if (ok_count != nullptr && st.ok()) ++*ok_count;
              if (result != nullptr) *result = st;
            }};
  }

  std::vector<int64_t> Ids() {
    auto db = Connection::Open(dir_.path() + "/w.db", {});
    EXPECT_TRUE(db);
    std::vector<int64_t> ids;
    auto st = db->Prepare("SELECT id FROM t ORDER BY id");
    while (st && *st->Step()) ids.push_back(st->ColumnInt(0));
    return ids;
  }

  TempDir dir_;
  RecordingObserver observer_;
  std::promise<void> gate_;
  std::promise<void> entered_;  // set when the writer runs the gate
  bool released_ = false;
  std::unique_ptr<Writer> writer_;
};

TEST_F(WriterTest, FailingOperationRollsBackAloneWithinItsGroup) {
  StartWriter(100, 100);
  writer_->Start();
  BlockWriter();
  Status a, b, c;
  ASSERT_TRUE(writer_->Submit(Insert(1, nullptr, &a)).ok());
  ASSERT_TRUE(writer_
                  ->Submit({[](Connection& db) -> Status {
                              BALLAST_RETURN_IF_ERROR(db.Exec("INSERT INTO t VALUES (2)"));
                              return Status::InvalidArgument("bad batch", "deltas[0]");
                            },
                            [&b](const Status& st) { b = st; }})
                  .ok());
  ASSERT_TRUE(writer_->Submit(Insert(3, nullptr, &c)).ok());
  Release();
  writer_->Close();
  EXPECT_TRUE(a.ok()) << a.ToString();
  EXPECT_EQ(b, Status::InvalidArgument("bad batch", "deltas[0]"));
  EXPECT_TRUE(c.ok()) << c.ToString();
  EXPECT_EQ(Ids(), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(observer_.groups(), (std::vector<int>{1, 3}));  // gate alone, then one group
}

TEST_F(WriterTest, GroupsAreCappedAtMaxGroupSize) {
  StartWriter(100, 4);
  writer_->Start();
  BlockWriter();
  std::atomic<int> ok{0};
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(writer_->Submit(Insert(i, &ok)).ok());
  EXPECT_EQ(writer_->QueueDepth(), 11);  // 10 queued + the gate in flight
  Release();
  writer_->Close();
  EXPECT_EQ(ok.load(), 10);
  EXPECT_EQ(observer_.groups(), (std::vector<int>{1, 4, 4, 2}));
  EXPECT_EQ(writer_->QueueDepth(), 0);
}

TEST_F(WriterTest, FullQueueIsRefusedSynchronously) {
  StartWriter(2, 100);
  writer_->Start();
  BlockWriter();
  EXPECT_EQ(writer_->QueueDepth(), 1);  // the gate, in flight; the queue itself is empty
  std::atomic<int> ok{0};
  bool refused_called = false;
  ASSERT_TRUE(writer_->Submit(Insert(1, &ok)).ok());
  ASSERT_TRUE(writer_->Submit(Insert(2, &ok)).ok());
  Status full = writer_->Submit(
      {[](Connection&) { return Status::Ok(); }, [&](const Status&) { refused_called = true; }});
  EXPECT_TRUE(full.IsResourceExhausted()) << full.ToString();
  Release();
  writer_->Close();
  EXPECT_EQ(ok.load(), 2);
  EXPECT_FALSE(refused_called);
}

TEST_F(WriterTest, CloseDrainsEverythingQueuedThenRefuses) {
  StartWriter(1000, 16);
  writer_->Start();
  BlockWriter();
  std::atomic<int> ok{0};
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(writer_->Submit(Insert(i, &ok)).ok());
  std::thread closer([this] { writer_->Close(); });
  // Close() must stop intake before the writer is released; then the drain runs.
  while (writer_->Submit(Insert(1000)).code() != StatusCode::kUnavailable) {
    std::this_thread::yield();
  }
  Status after = writer_->Submit(Insert(1001));
  EXPECT_EQ(after.code(), StatusCode::kUnavailable);
  Release();
  closer.join();
  writer_->Close();  // idempotent
  EXPECT_EQ(ok.load(), 100);
  auto ids = Ids();
  // 0..99 plus any 1000 accepted before Close() stopped intake (a duplicate 1000 fails alone).
  ASSERT_GE(ids.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(ids[i], i);
}

TEST_F(WriterTest, SubmitAndWaitReturnsTheOperationStatus) {
  StartWriter(10, 10);
  writer_->Start();
  EXPECT_TRUE(
      writer_->SubmitAndWait([](Connection& db) { return db.Exec("INSERT INTO t VALUES (5)"); })
          .ok());
  Status dup =
      writer_->SubmitAndWait([](Connection& db) { return db.Exec("INSERT INTO t VALUES (5)"); });
  EXPECT_TRUE(dup.IsAlreadyExists()) << dup.ToString();
  writer_->Close();
  EXPECT_EQ(Ids(), (std::vector<int64_t>{5}));
}

class FailingParticipant : public GroupParticipant {
 public:
  Status BeforeCommit(Connection&) override {
    return fail ? Status::Internal("flush failed") : Status::Ok();
  }
  void AfterCommit() override { ++commits; }
  void AfterRollback() override { ++rollbacks; }
  bool fail = true;
  int commits = 0;
  int rollbacks = 0;
};

TEST_F(WriterTest, ParticipantFailureFailsTheWholeGroup) {
  StartWriter(10, 10);
  FailingParticipant participant;
  writer_->AddParticipant(&participant);
  writer_->Start();
  Status st =
      writer_->SubmitAndWait([](Connection& db) { return db.Exec("INSERT INTO t VALUES (1)"); });
  EXPECT_EQ(st, Status::Internal("flush failed"));
  writer_->Close();
  EXPECT_TRUE(Ids().empty());
  EXPECT_EQ(participant.rollbacks, 1);
  EXPECT_EQ(participant.commits, 0);
  EXPECT_EQ(observer_.groups(), (std::vector<int>{-1}));
}

}  // namespace
}  // namespace ballast::store
