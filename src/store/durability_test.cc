// Crash durability: a child process commits batches and reports each acknowledgment on a pipe;
// the parent SIGKILLs it mid-stream, reopens the database and checks that every acknowledged
// batch is present exactly once (and that nothing, acknowledged or not, is counted twice).
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <set>
#include <thread>

#include "store/sqlite_store.h"
#include "store/test_fixtures.h"

namespace ballast::store {
namespace {

using testing::kT0;
using testing::MakeCommit;
using testing::MakeKey;
using testing::MakeRollup;
using testing::TempDir;

constexpr EpochMillis kMin = telemetry::kMinuteMillis;
constexpr EpochMillis kCounterMinute = kT0 - kMin;  // key 2: +1 per applied batch

// Batch i: one request in its own row (key 1, kT0 + i minutes) and one in the shared counter.
IngestCommit Batch(int64_t i) {
  return MakeCommit("b" + std::to_string(i), "h", {MakeKey(1, "chat"), MakeKey(2, "counter")},
                    {{1, kT0 + i * kMin, MakeRollup(1)}, {2, kCounterMinute, MakeRollup(1)}});
}

[[noreturn]] void RunChild(const std::string& dir, int ack_fd) {
  auto store = OpenSqliteStore({.data_dir = dir, .writer_queue_capacity = 64});
  if (!store) _exit(2);
  TelemetryStore& t = (*store)->Telemetry();
  for (int64_t i = 0;; ++i) {
    while (true) {
      Status st = t.CommitIngest(Batch(i), [i, ack_fd](Result<IngestOutcome> r) {
        if (!r || r->kind != IngestOutcome::Kind::kApplied) _exit(3);
        // `done` runs after the fsync: only now may the batch be reported as acknowledged.
        if (write(ack_fd, &i, sizeof i) != sizeof i) _exit(4);
      });
      if (st.ok()) break;
      if (!st.IsResourceExhausted()) _exit(5);
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
}

// Reads 8-byte acknowledgments until `want` arrived (want < 0: until EOF). False on timeout.
bool ReadAcks(int fd, std::set<int64_t>& acks, int want) {
  std::string buffer;
  while (want < 0 || static_cast<int>(acks.size()) < want) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 30'000) <= 0) return false;
    char chunk[4096];
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0) return false;
    if (n == 0) return want < 0;
    buffer.append(chunk, n);
    while (buffer.size() >= sizeof(int64_t)) {
      int64_t i;
      memcpy(&i, buffer.data(), sizeof i);
      buffer.erase(0, sizeof i);
      acks.insert(i);
    }
  }
  return true;
}

TEST(DurabilityTest, EveryAcknowledgedBatchSurvivesSigkillExactlyOnce) {
  TempDir dir;
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    RunChild(dir.path(), fds[1]);
  }
  close(fds[1]);
  std::set<int64_t> acks;
  const bool got_enough = ReadAcks(fds[0], acks, 300);
  kill(child, SIGKILL);
  int wstatus = 0;
  waitpid(child, &wstatus, 0);
  ASSERT_TRUE(got_enough) << "child exited early, status " << wstatus;
  ASSERT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL) << "status " << wstatus;
  ASSERT_TRUE(ReadAcks(fds[0], acks, -1));  // acknowledgments written before the kill
  close(fds[0]);

  auto store = OpenSqliteStore({.data_dir = dir.path()});
  ASSERT_TRUE(store) << store.error().ToString();
  TelemetryStore& t = (*store)->Telemetry();
  const int64_t max_ack = *acks.rbegin();
  auto rows = t.QueryRollups("chat", kT0, kT0 + (max_ack + 10'000) * kMin);
  ASSERT_TRUE(rows) << rows.error().ToString();
  std::set<int64_t> stored;
  for (const RollupRow& r : *rows) {
    EXPECT_EQ(r.rollup.requests, 1) << "batch at minute " << r.minute << " counted twice";
    stored.insert((r.minute - kT0) / kMin);
  }
  for (int64_t i : acks) {
    EXPECT_TRUE(stored.contains(i)) << "acknowledged batch " << i << " lost";
    auto key = t.LookupIdempotency("b" + std::to_string(i));
    ASSERT_TRUE(key);
    EXPECT_TRUE(key->has_value()) << "idempotency key of batch " << i << " lost";
  }
  // Counts and keys committed together: the shared counter equals the number of batch rows.
  auto counter = t.QueryRollups("counter", kCounterMinute, kCounterMinute + kMin);
  ASSERT_TRUE(counter && counter->size() == 1u);
  EXPECT_EQ((*counter)[0].rollup.requests, static_cast<int64_t>(stored.size()));
  EXPECT_GE(stored.size(), acks.size());
  (*store)->Close();
}

}  // namespace
}  // namespace ballast::store
