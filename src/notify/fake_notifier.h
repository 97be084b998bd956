// FakeNotifier: a Notifier that records every call, for tests of the modules that send alerts
// (the SLO engine, rollouts). Nothing is delivered.
//
//   notify::FakeNotifier notifier;
//   engine.Evaluate(...);
//   ASSERT_EQ(notifier.Calls().size(), 1u);
//   EXPECT_EQ(notifier.Calls()[0].alerts[0].status, "firing");
//
// Thread safety: all members may be called from any thread; Calls() returns a copy.
#pragma once

#include <mutex>
#include <utility>
#include <vector>

#include "notify/notifier.h"

namespace ballast::notify {

class FakeNotifier final : public Notifier {
 public:
  struct Call {
    Target target;
    std::vector<Alert> alerts;
  };

  void Notify(const Target& target, std::vector<Alert> alerts) override {
    std::lock_guard lock(mu_);
    calls_.push_back({target, std::move(alerts)});
  }

  std::vector<Call> Calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }

  // Every alert sent so far, in order, regardless of target.
  std::vector<Alert> Alerts() const {
    std::lock_guard lock(mu_);
    std::vector<Alert> out;
    for (const Call& c : calls_) out.insert(out.end(), c.alerts.begin(), c.alerts.end());
    return out;
  }

  void Clear() {
    std::lock_guard lock(mu_);
    calls_.clear();
  }

 private:
  mutable std::mutex mu_;
  std::vector<Call> calls_;  // guarded by mu_
};

}  // namespace ballast::notify
