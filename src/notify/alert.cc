#include "notify/alert.h"

#include <fmt/format.h>

#include <cctype>
#include <cstdint>

namespace ballast::notify {

namespace {

constexpr uint64_t kFnvOffset = 14695981039346656037ULL;
constexpr uint64_t kFnvPrime = 1099511628211ULL;
constexpr unsigned char kSeparator = 0xff;

uint64_t FnvAdd(uint64_t h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= kFnvPrime;
  }
  return h;
}

uint64_t FnvAddByte(uint64_t h, unsigned char b) {
  h ^= b;
  h *= kFnvPrime;
  return h;
}

constexpr std::string_view kField = "spec.target";

Status UrlError(std::string_view url, std::string_view problem) {
  // The URL is quoted redacted: a rejected Slack URL still carries its secret.
  return Status::InvalidArgument(fmt::format("'{}': {}", RedactUrl(url), problem),
                                 std::string(kField));
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string AlertFingerprint(const std::map<std::string, std::string>& labels) {
  uint64_t h = kFnvOffset;
  for (const auto& [name, value] : labels) {  // std::map iterates in sorted order
    h = FnvAdd(h, name);
    h = FnvAddByte(h, kSeparator);
    h = FnvAdd(h, value);
    h = FnvAddByte(h, kSeparator);
  }
  return fmt::format("{:016x}", h);
}

Status ValidateAlert(const Alert& alert, size_t index) {
  if (alert.status != kStatusFiring && alert.status != kStatusResolved) {
    return Status::InvalidArgument(
        fmt::format("status \"{}\" is neither firing nor resolved", alert.status),
        fmt::format("alerts[{}].status", index));
  }
  return Status::Ok();
}

std::string_view FormatName(Format format) {
  return format == Format::kSlack ? "slack" : "alertmanager";
}

Result<Format> ParseFormat(std::string_view name) {
  if (name == "slack") return Format::kSlack;
  if (name == "alertmanager") return Format::kAlertmanager;
  return Status::InvalidArgument(
      fmt::format("unknown notification format \"{}\": expected slack or alertmanager", name),
      fmt::format("metadata.annotations.{}", kFormatAnnotation));
}

Format FormatFromAnnotations(const std::map<std::string, std::string>& annotations) {
  auto it = annotations.find(std::string(kFormatAnnotation));
  return it != annotations.end() && it->second == "slack" ? Format::kSlack : Format::kAlertmanager;
}

std::string WebhookUrl::SchemeHostPort() const {
  return fmt::format("{}://{}:{}", scheme, host, port);
}

Result<WebhookUrl> ParseWebhookUrl(std::string_view url) {
  if (url.empty()) return UrlError(url, "the webhook URL is empty");
  for (size_t i = 0; i < url.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(url[i]);
    if (c <= 0x20 || c == 0x7f) {
      return UrlError(url, fmt::format("whitespace or control character at position {}", i));
    }
  }
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) {
    return UrlError(url, "not a URL: expected http://host[:port]/path or https://...");
  }
  WebhookUrl out;
  out.scheme = Lower(url.substr(0, sep));
  if (out.scheme == "http") {
    out.port = 80;
  } else if (out.scheme == "https") {
    out.port = 443;
  } else {
    return UrlError(url, fmt::format("unsupported scheme \"{}\": webhook targets must be http:// "
                                     "or https:// URLs",
                                     url.substr(0, sep)));
  }
  std::string_view rest = url.substr(sep + 3);
  if (rest.find('#') != std::string_view::npos) {
    return UrlError(url, "fragments (#...) are never sent to the server; remove it");
  }
  size_t end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, end);
  std::string_view target = end == std::string_view::npos ? "" : rest.substr(end);
  if (authority.find('@') != std::string_view::npos) {
    return UrlError(url, "user information (user:password@) in the URL is not supported");
  }
  std::string_view host = authority;
  std::string_view port;
  if (authority.starts_with('[')) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return UrlError(url, "unterminated IPv6 address");
    host = authority.substr(0, close + 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return UrlError(url, "unexpected text after the IPv6 address");
      port = after.substr(1);
      if (port.empty()) return UrlError(url, "empty port");
    }
  } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (port.empty()) return UrlError(url, "empty port");
  }
  if (host.empty() || host == "[]") return UrlError(url, "the URL has no host");
  if (!port.empty()) {
    int value = 0;
    for (char c : port) {
      if (!std::isdigit(static_cast<unsigned char>(c)) || value > 65535) {
        return UrlError(url, fmt::format("invalid port \"{}\"", port));
      }
      value = value * 10 + (c - '0');
    }
    if (value < 1 || value > 65535) {
      return UrlError(url, fmt::format("port {} is out of range 1-65535", port));
    }
    out.port = value;
  }
  out.host = Lower(host);
  out.target = target.empty() ? "/" : std::string(target);
  if (out.target[0] == '?') out.target.insert(out.target.begin(), '/');
  return out;
}

std::string RedactUrl(std::string_view url) {
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) return "<not a URL>";
  size_t end = url.find_first_of("/?#", sep + 3);
  std::string_view authority =
      url.substr(sep + 3, end == std::string_view::npos ? std::string_view::npos : end - sep - 3);
  // Drop user information too: it is a credential.
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority = authority.substr(at + 1);
  }
  return fmt::format("{}://{}{}", url.substr(0, sep), authority,
                     end == std::string_view::npos ? "" : "/...");
}

Result<Target> MakeTarget(std::string name, std::string url,
                          const std::map<std::string, std::string>& annotations) {
  if (name.empty()) return Status::InvalidArgument("the target has no name", "metadata.name");
  BALLAST_RETURN_IF_ERROR(ParseWebhookUrl(url).status());
  Format format = Format::kAlertmanager;
  if (auto it = annotations.find(std::string(kFormatAnnotation)); it != annotations.end()) {
    BALLAST_ASSIGN_OR_RETURN(format, ParseFormat(it->second));
  }
  return Target{std::move(name), std::move(url), format};
}

}  // namespace ballast::notify
