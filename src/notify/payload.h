// Webhook payloads: a group of alerts rendered for one target, in Alertmanager's webhook format
// (version "4", what every Alertmanager webhook receiver already parses) or as a Slack
// incoming-webhook message (a `text` fallback plus one coloured attachment per alert).
//
//   PayloadContext ctx{.receiver = target.name, .external_url = "https://ballast.example.com"};
//   std::string body = RenderPayload(target.format, alerts, ctx);
//
// Builders are pure: the same alerts give the same bytes, so the golden files in testdata/ pin
// the wire format. Keys keep Alertmanager's field order. Invalid UTF-8 in labels or annotations
// is replaced with U+FFFD rather than failing the delivery.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "notify/alert.h"

namespace ballast::notify {

struct PayloadContext {
  std::string receiver;      // the target's name
  std::string external_url;  // ballast's public base URL (Alertmanager's `externalURL`); may be ""
  // Labels that identify the group (Alertmanager's `group_by`): the ones every alert shares
  // become `groupLabels` and the `groupKey`. Labels an alert lacks are simply left out.
  std::vector<std::string> group_by = {"alertname", "service", "slo"};
  // At most this many alerts per Alertmanager message (0 = all); the rest are counted in
  // `truncatedAlerts`, as Alertmanager's `max_alerts` does.
  size_t max_alerts = 0;
};

// Alertmanager's "zero time" for an alert that has not ended.
inline constexpr std::string_view kZeroTime = "0001-01-01T00:00:00Z";
// Slack shows at most this many attachments per message; more alerts are summarised in `text`.
inline constexpr size_t kSlackMaxAttachments = 20;
// Annotation text per Slack attachment is cut (on a UTF-8 boundary) beyond this many bytes.
inline constexpr size_t kSlackMaxTextBytes = 2000;

nlohmann::ordered_json AlertmanagerPayload(const std::vector<Alert>& alerts,
                                           const PayloadContext& context);
nlohmann::ordered_json SlackPayload(const std::vector<Alert>& alerts,
                                    const PayloadContext& context);

// The request body for `format`: compact JSON, always valid UTF-8.
std::string RenderPayload(Format format, const std::vector<Alert>& alerts,
                          const PayloadContext& context);

// `s` cut to at most `max_bytes` bytes without splitting a UTF-8 sequence, with "…" appended
// when cut. Exposed for tests.
std::string TruncateUtf8(std::string_view s, size_t max_bytes);

}  // namespace ballast::notify
