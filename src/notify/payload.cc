#include "notify/payload.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "common/time.h"

namespace ballast::notify {

namespace {

using Labels = std::map<std::string, std::string>;
using Json = nlohmann::ordered_json;

bool IsFiring(const Alert& a) { return a.status == kStatusFiring; }

std::string GroupStatus(const std::vector<Alert>& alerts) {
  return std::any_of(alerts.begin(), alerts.end(), IsFiring) ? std::string(kStatusFiring)
                                                             : std::string(kStatusResolved);
}

// The pairs present with the same value in every map; empty for no maps.
template <typename Get>
Labels Common(const std::vector<Alert>& alerts, Get get) {
  if (alerts.empty()) return {};
  Labels common = get(alerts.front());
  for (size_t i = 1; i < alerts.size() && !common.empty(); ++i) {
    const Labels& other = get(alerts[i]);
    std::erase_if(common, [&](const auto& kv) {
      auto it = other.find(kv.first);
      return it == other.end() || it->second != kv.second;
    });
  }
  return common;
}

Labels GroupLabels(const Labels& common, const std::vector<std::string>& group_by) {
  Labels out;
  for (const std::string& name : group_by) {
    if (auto it = common.find(name); it != common.end()) out.insert(*it);
  }
  return out;
}

// Go's %q for the ASCII cases a label value can hold; the key only has to be stable.
std::string GoQuote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += c;
    }
  }
  return out + "\"";
}

// Alertmanager's groupKey: "<route key>:<group labels>"; ballast has one flat route, "{}".
std::string GroupKey(const Labels& group_labels) {
  std::string out = "{}:{";
  bool first = true;
  for (const auto& [name, value] : group_labels) {
    if (!first) out += ", ";
    first = false;
    out += name + "=" + GoQuote(value);
  }
  return out + "}";
}

Json LabelsJson(const Labels& labels) {
  Json out = Json::object();
  for (const auto& [k, v] : labels) out[k] = v;
  return out;
}

std::string Fingerprint(const Alert& a) {
  return a.fingerprint.empty() ? AlertFingerprint(a.labels) : a.fingerprint;
}

const std::string* Find(const Labels& labels, const std::string& key) {
  auto it = labels.find(key);
  return it == labels.end() || it->second.empty() ? nullptr : &it->second;
}

// Slack's mrkdwn treats &, < and > as control characters; everything else is literal.
std::string SlackEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string StatusTag(const Alert& a) { return IsFiring(a) ? "FIRING" : "RESOLVED"; }

// Alertmanager's `alertname`, else the SLO engine's `rule`.
std::string AlertName(const Alert& a) {
  if (const std::string* name = Find(a.labels, "alertname")) return *name;
  if (const std::string* rule = Find(a.labels, "rule")) return *rule;
  return "alert";
}

Json SlackField(std::string_view title, std::string_view value, bool short_field) {
  Json f;
  f["title"] = title;
  f["value"] = SlackEscape(TruncateUtf8(value, kSlackMaxTextBytes));
  f["short"] = short_field;
  return f;
}

Json SlackAttachment(const Alert& a) {
  static const std::vector<std::pair<std::string, std::string>> kShortLabels = {
      {"severity", "Severity"},   {"service", "Service"}, {"slo", "SLO"},
      {"objective", "Objective"}, {"variant", "Variant"}, {"window", "Window"}};
  Json att;
  std::string name = AlertName(a);
  const std::string* summary = Find(a.annotations, "summary");
  const std::string* description = Find(a.annotations, "description");
  att["fallback"] = SlackEscape(fmt::format("[{}] {}{}", StatusTag(a), name,
                                            summary ? ": " + TruncateUtf8(*summary, 200) : ""));
  att["color"] = IsFiring(a) ? "#E01E5A" : "#2EB67D";
  att["title"] = SlackEscape(fmt::format("[{}] {}", StatusTag(a), name));
  if (!a.generator_url.empty()) att["title_link"] = a.generator_url;
  std::string text;
  if (summary) text = *summary;
  if (description) text += (text.empty() ? "" : "\n") + *description;
  if (!text.empty()) att["text"] = SlackEscape(TruncateUtf8(text, kSlackMaxTextBytes));

  Json fields = Json::array();
  std::string rest;
  for (const auto& [key, title] : kShortLabels) {
    if (const std::string* v = Find(a.labels, key)) fields.push_back(SlackField(title, *v, true));
  }
  for (const auto& [k, v] : a.labels) {
    bool is_short = std::any_of(kShortLabels.begin(), kShortLabels.end(),
                                [&](const auto& s) { return s.first == k; });
    bool is_title = k == "alertname" || (k == "rule" && !Find(a.labels, "alertname"));
    if (is_short || is_title) continue;
    rest += (rest.empty() ? "" : ", ") + k + "=" + v;
  }
  if (!rest.empty()) fields.push_back(SlackField("Labels", rest, false));
  fields.push_back(SlackField("Started", FormatRfc3339(a.starts_at), true));
  if (a.ends_at) fields.push_back(SlackField("Resolved", FormatRfc3339(*a.ends_at), true));
  att["fields"] = std::move(fields);
  att["footer"] = "ballast";
  att["ts"] = (a.ends_at && !IsFiring(a) ? *a.ends_at : a.starts_at) / 1000;
  return att;
}

}  // namespace

std::string TruncateUtf8(std::string_view s, size_t max_bytes) {
  static constexpr std::string_view kEllipsis = "\xE2\x80\xA6";
  if (s.size() <= max_bytes) return std::string(s);
  if (max_bytes < kEllipsis.size()) return std::string();
  size_t cut = max_bytes - kEllipsis.size();
  // Back up to the start of the sequence the cut falls in (continuation bytes are 10xxxxxx).
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return std::string(s.substr(0, cut)) + std::string(kEllipsis);
}

Json AlertmanagerPayload(const std::vector<Alert>& all, const PayloadContext& context) {
  size_t sent = context.max_alerts == 0 ? all.size() : std::min(all.size(), context.max_alerts);
  std::vector<Alert> alerts(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(sent));
  Labels common_labels = Common(alerts, [](const Alert& a) -> const Labels& { return a.labels; });
  Labels group_labels = GroupLabels(common_labels, context.group_by);

  Json j;
  j["receiver"] = context.receiver;
  j["status"] = GroupStatus(all);
  Json list = Json::array();
  for (const Alert& a : alerts) {
    Json item;
    item["status"] = a.status;
    item["labels"] = LabelsJson(a.labels);
    item["annotations"] = LabelsJson(a.annotations);
    item["startsAt"] = FormatRfc3339(a.starts_at);
    item["endsAt"] = a.ends_at ? FormatRfc3339(*a.ends_at) : std::string(kZeroTime);
    item["generatorURL"] = a.generator_url;
    item["fingerprint"] = Fingerprint(a);
    list.push_back(std::move(item));
  }
  j["alerts"] = std::move(list);
  j["groupLabels"] = LabelsJson(group_labels);
  j["commonLabels"] = LabelsJson(common_labels);
  j["commonAnnotations"] =
      LabelsJson(Common(alerts, [](const Alert& a) -> const Labels& { return a.annotations; }));
  j["externalURL"] = context.external_url;
  j["version"] = "4";
  j["groupKey"] = GroupKey(group_labels);
  j["truncatedAlerts"] = all.size() - sent;
  return j;
}

Json SlackPayload(const std::vector<Alert>& alerts, const PayloadContext& context) {
  size_t firing = static_cast<size_t>(std::count_if(alerts.begin(), alerts.end(), IsFiring));
  Labels common = Common(alerts, [](const Alert& a) -> const Labels& { return a.labels; });
  std::string subject;
  for (const auto& [name, value] : GroupLabels(common, context.group_by)) {
    subject += (subject.empty() ? "" : " ") + value;
  }
  if (subject.empty() && !alerts.empty()) subject = AlertName(alerts.front());
  std::string text = firing > 0 ? fmt::format("[FIRING:{}] {}", firing, subject)
                                : fmt::format("[RESOLVED] {}", subject);
  if (alerts.size() - firing > 0 && firing > 0) {
    text += fmt::format(" ({} resolved)", alerts.size() - firing);
  }
  size_t shown = std::min(alerts.size(), kSlackMaxAttachments);
  if (shown < alerts.size()) {
    text += fmt::format(" (+{} more alerts not shown)", alerts.size() - shown);
  }
  Json j;
  j["text"] = SlackEscape(text);
  Json attachments = Json::array();
  for (size_t i = 0; i < shown; ++i) attachments.push_back(SlackAttachment(alerts[i]));
  j["attachments"] = std::move(attachments);
  return j;
}

std::string RenderPayload(Format format, const std::vector<Alert>& alerts,
                          const PayloadContext& context) {
  Json j = format == Format::kSlack ? SlackPayload(alerts, context)
                                    : AlertmanagerPayload(alerts, context);
  // `replace` turns invalid UTF-8 into U+FFFD instead of throwing: a label with a stray byte
  // must not lose the alert.
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace ballast::notify
