// The values that flow into notifications: an Alert (what the SLO engine says is firing or has
// resolved) and a Target (where it goes, in which payload format).
//
// A Target comes from an OpenSLO AlertNotificationTarget: `spec.target` is the webhook URL and
// the `ballast.dev/format` annotation picks the payload (`slack`, else Alertmanager's webhook
// format). MakeTarget validates both, so a bad target is refused when it is applied rather than
// at the first alert:
//
//   BALLAST_ASSIGN_OR_RETURN(notify::Target t,
//                            notify::MakeTarget(md.name, spec.target, md.annotations));
//
// Thread safety: plain values and pure functions.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"

namespace ballast::notify {

inline constexpr std::string_view kStatusFiring = "firing";
inline constexpr std::string_view kStatusResolved = "resolved";

struct Alert {
  std::string status;  // kStatusFiring or kStatusResolved
  // By convention `alertname` names the alert and `severity` says page or ticket; the SLO engine
  // adds `service`, `slo` and friends. Annotations carry `summary` and `description`.
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  EpochMillis starts_at = 0;
  std::optional<EpochMillis> ends_at;  // set once resolved
  std::string generator_url;           // link back to the SLO in ballast; may be empty
  // Identifies the alert across firing/resolved messages; AlertFingerprint(labels) when empty.
  std::string fingerprint;

  friend bool operator==(const Alert&, const Alert&) = default;
};

// Alertmanager's fingerprint of a label set (Prometheus' labelSetToFingerprint: FNV-1a 64 over
// the sorted name/value pairs, each followed by 0xff), as 16 lowercase hex digits. Receivers use
// it to pair a resolved message with the firing one.
std::string AlertFingerprint(const std::map<std::string, std::string>& labels);

// Checks that an alert can be sent: status is firing or resolved. Errors name `alerts[index]`.
Status ValidateAlert(const Alert& alert, size_t index);

enum class Format { kAlertmanager, kSlack };

// The annotation that selects the payload format (same key as the SLO validator checks).
inline constexpr std::string_view kFormatAnnotation = "ballast.dev/format";

// "alertmanager" or "slack".
std::string_view FormatName(Format format);
// Parses a format name; errors list the accepted values.
Result<Format> ParseFormat(std::string_view name);
// kSlack when the annotations say `ballast.dev/format: slack`, kAlertmanager otherwise.
Format FormatFromAnnotations(const std::map<std::string, std::string>& annotations);

// A parsed webhook URL. Only http and https are accepted: the target receives a POST.
struct WebhookUrl {
  std::string scheme;  // "http" or "https", lowercase
  std::string host;    // IPv6 literals keep their brackets
  int port = 0;        // explicit or the scheme's default
  std::string target;  // path and query, "/" when the URL has none

  // "https://host:port": what an HTTP client connects to.
  std::string SchemeHostPort() const;
};

// Accepts http(s)://host[:port][/path][?query]. Refuses other schemes, missing hosts, bad ports,
// user information, fragments, whitespace and control characters, naming the problem; the field
// is "spec.target".
Result<WebhookUrl> ParseWebhookUrl(std::string_view url);

// The URL with its path and query replaced by "/..." (scheme, host and port kept). Webhook URLs
// often carry their secret in the path (Slack's do), so logs and error reports use this form.
std::string RedactUrl(std::string_view url);

struct Target {
  std::string name;  // the AlertNotificationTarget's metadata.name; Alertmanager's `receiver`
  std::string url;
  Format format = Format::kAlertmanager;

  friend bool operator==(const Target&, const Target&) = default;
};

// Builds a Target from an AlertNotificationTarget: validates the URL and, when present, the
// format annotation (unknown formats are an error here, not a silent fallback).
Result<Target> MakeTarget(std::string name, std::string url,
                          const std::map<std::string, std::string>& annotations);

}  // namespace ballast::notify
