// Clock: the only source of time in ballast.
//
// Every window, alert, rollout and retention decision reads time through a Clock so that it can
// be tested and replayed in simulated time. RealClock reads the system clock; SimulatedClock
// only moves when told to.
//
// Thread safety: both implementations may be read from any thread; SimulatedClock's setters
// are atomic with respect to readers.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace ballast {

// Milliseconds since the Unix epoch, UTC. The unit of every stored timestamp.
using EpochMillis = int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual EpochMillis NowMillis() const = 0;
};

class RealClock final : public Clock {
 public:
  EpochMillis NowMillis() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  // A process-wide instance.
  static RealClock& Get() {
    static RealClock clock;
    return clock;
  }
};

class SimulatedClock final : public Clock {
 public:
  explicit SimulatedClock(EpochMillis start = 0) : now_(start) {}
  EpochMillis NowMillis() const override { return now_.load(std::memory_order_acquire); }
  void Set(EpochMillis t) { now_.store(t, std::memory_order_release); }
  void Advance(int64_t millis) { now_.fetch_add(millis, std::memory_order_acq_rel); }

 private:
  std::atomic<EpochMillis> now_;
};

}  // namespace ballast
