// Notifier: the seam between alert evaluation and delivery. The SLO engine hands each firing or
// resolved group of alerts to a Notifier and moves on; how and when the webhook receives it is
// the notifier's business.
//
//   notifier.Notify(target, {alert});  // returns at once, whatever the receiver is doing
//
// Contract: Notify never blocks on the network, never throws and never fails; problems show up
// in the implementation's counters and logs. WebhookNotifier delivers for real; FakeNotifier
// (fake_notifier.h) records calls for other modules' tests.
//
// Thread safety: Notify may be called from any thread.
#pragma once

#include <vector>

#include "notify/alert.h"

namespace ballast::notify {

class Notifier {
 public:
  virtual ~Notifier() = default;
  // Queues `alerts` for `target`. An empty group is ignored.
  virtual void Notify(const Target& target, std::vector<Alert> alerts) = 0;
};

}  // namespace ballast::notify
