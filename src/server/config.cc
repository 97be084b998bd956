#include "server/config.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "common/time.h"

namespace ballast::server {
namespace {

std::string Where(const std::string& source, const YAML::Node& node, const std::string& path) {
  const YAML::Mark mark = node.Mark();
  std::string out = source;
  if (mark.line >= 0) {
    out += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
  }
  return out + ": " + path;
}

// A strict reader of one YAML mapping: every key must be claimed by a setter, and each setter
// reports errors with the key's position.
class Section {
 public:
  Section(const std::string& source, const YAML::Node& node, std::string path)
      : source_(source), node_(node), path_(std::move(path)) {}

  Status CheckMap() const {
    if (node_.IsNull()) return Status::Ok();
    if (!node_.IsMap())
      return Status::InvalidArgument(Where(source_, node_, path_) + ": expected a mapping", path_);
    return Status::Ok();
  }

  template <typename Fn>
  Status Field(const std::string& key, Fn&& fn) {
    claimed_.push_back(key);
    if (!node_.IsMap()) return Status::Ok();
    YAML::Node child = node_[key];
    if (!child) return Status::Ok();
    return fn(child, Join(key));
  }

  Status String(const std::string& key, std::string& out) {
    return Field(key, [&](const YAML::Node& n, const std::string& p) -> Status {
      if (!n.IsScalar()) return Error(n, p, "expected a string");
      out = n.Scalar();
      return Status::Ok();
    });
  }

  Status Int(const std::string& key, int64_t lo, int64_t hi, int64_t& out) {
    return Field(key, [&](const YAML::Node& n, const std::string& p) -> Status {
      if (!n.IsScalar()) return Error(n, p, "expected an integer");
      const std::string& s = n.Scalar();
      int64_t v = 0;
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec != std::errc() || end != s.data() + s.size())
        return Error(n, p, "expected an integer, got \"" + s + "\"");
      if (v < lo || v > hi)
        return Error(n, p, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
      out = v;
      return Status::Ok();
    });
  }

  Status Int(const std::string& key, int lo, int hi, int& out) {
    int64_t v = out;
    BALLAST_RETURN_IF_ERROR(Int(key, static_cast<int64_t>(lo), static_cast<int64_t>(hi), v));
    out = static_cast<int>(v);
    return Status::Ok();
  }

  // Byte sizes: an integer, or with a suffix KiB MiB GiB (powers of two) or KB MB GB.
  Status Bytes(const std::string& key, int64_t lo, int64_t hi, int64_t& out) {
    return Field(key, [&](const YAML::Node& n, const std::string& p) -> Status {
      if (!n.IsScalar()) return Error(n, p, "expected a size like 16MiB");
      const std::string& s = n.Scalar();
      int64_t v = 0;
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec != std::errc() || end == s.data()) return Error(n, p, "expected a size like 16MiB");
      std::string suffix(end, s.data() + s.size());
      static const std::map<std::string, int64_t> kMult = {
          {"", 1},      {"B", 1},        {"KiB", 1LL << 10}, {"MiB", 1LL << 20}, {"GiB", 1LL << 30},
          {"KB", 1000}, {"MB", 1000000}, {"GB", 1000000000}};
      auto it = kMult.find(suffix);
      if (it == kMult.end())
        return Error(n, p,
                     "unknown size unit \"" + suffix + "\" (expected B KiB MiB GiB KB MB GB)");
      if (v > hi / it->second)
        return Error(n, p, "too large (max " + std::to_string(hi) + " bytes)");
      v *= it->second;
      if (v < lo || v > hi)
        return Error(
            n, p,
            "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + " bytes");
      out = v;
      return Status::Ok();
    });
  }

  Status DurationMs(const std::string& key, int64_t lo, int64_t hi, int64_t& out) {
    return Field(key, [&](const YAML::Node& n, const std::string& p) -> Status {
      if (!n.IsScalar()) return Error(n, p, "expected a duration like 30s");
      auto d = ParseDuration(n.Scalar());
      if (!d) return Error(n, p, d.error().message());
      if (!d->IsFixed()) return Error(n, p, "calendar units (M Q Y) are not allowed here");
      int64_t v = d->ApproxMillis();
      if (v < lo || v > hi)
        return Error(
            n, p,
            "must be between " + FormatMillisAsDuration(lo) + " and " + FormatMillisAsDuration(hi));
      out = v;
      return Status::Ok();
    });
  }

  Status Bool(const std::string& key, bool& out) {
    return Field(key, [&](const YAML::Node& n, const std::string& p) -> Status {
      if (!n.IsScalar()) return Error(n, p, "expected true or false");
      const std::string& s = n.Scalar();
      if (s == "true")
        out = true;
      else if (s == "false")
        out = false;
      else
        return Error(n, p, "expected true or false, got \"" + s + "\"");
      return Status::Ok();
    });
  }

  Status Sub(const std::string& key, const std::function<Status(Section&)>& fn) {
    return Field(key, [&](const YAML::Node& n, const std::string& p) -> Status {
      Section sub(source_, n, p);
      BALLAST_RETURN_IF_ERROR(sub.CheckMap());
      BALLAST_RETURN_IF_ERROR(fn(sub));
      return sub.CheckUnknown();
    });
  }

  // Every key not claimed by a setter is an error.
  Status CheckUnknown() const {
    if (!node_.IsMap()) return Status::Ok();
    for (const auto& kv : node_) {
      std::string key = kv.first.Scalar();
      if (std::find(claimed_.begin(), claimed_.end(), key) == claimed_.end()) {
        std::string known;
        for (const auto& c : claimed_) known += (known.empty() ? "" : ", ") + c;
        return Error(kv.first, Join(key), "unknown setting (known here: " + known + ")");
      }
    }
    return Status::Ok();
  }

  Status Error(const YAML::Node& n, const std::string& path, const std::string& what) const {
    return Status::InvalidArgument(Where(source_, n, path) + ": " + what, path);
  }

 private:
  std::string Join(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

  const std::string& source_;
  YAML::Node node_;
  std::string path_;
  std::vector<std::string> claimed_;
};

constexpr int64_t kDay = 86'400'000;

Status ReadConfig(Section& root, ServerConfig& c) {
  BALLAST_RETURN_IF_ERROR(root.String("listen", c.listen));
  BALLAST_RETURN_IF_ERROR(root.Int("io_threads", 1, 64, c.io_threads));
  BALLAST_RETURN_IF_ERROR(
      root.Sub("log", [&](Section& s) { return s.String("level", c.log_level); }));
  BALLAST_RETURN_IF_ERROR(root.Sub("limits", [&](Section& s) -> Status {
    auto& l = c.limits;
    BALLAST_RETURN_IF_ERROR(s.Bytes("max_body_bytes", 1024, 1LL << 30, l.max_body_bytes));
    BALLAST_RETURN_IF_ERROR(
        s.Bytes("max_decompressed_bytes", 1024, 4LL << 30, l.max_decompressed_bytes));
    BALLAST_RETURN_IF_ERROR(s.Bytes("max_header_bytes", 1024, 1 << 20, l.max_header_bytes));
    BALLAST_RETURN_IF_ERROR(s.Int("max_connections", 1, 100000, l.max_connections));
    BALLAST_RETURN_IF_ERROR(s.DurationMs("idle_timeout", 100, kDay, l.idle_timeout_ms));
    BALLAST_RETURN_IF_ERROR(
        s.DurationMs("request_read_timeout", 100, kDay, l.request_read_timeout_ms));
    return s.DurationMs("drain_timeout", 0, kDay, l.drain_timeout_ms);
  }));
  BALLAST_RETURN_IF_ERROR(root.Sub("store", [&](Section& s) -> Status {
    auto& st = c.store;
    BALLAST_RETURN_IF_ERROR(s.String("data_dir", st.data_dir));
    BALLAST_RETURN_IF_ERROR(s.Int("writer_queue_capacity", 1, 1 << 20, st.writer_queue_capacity));
    BALLAST_RETURN_IF_ERROR(s.Int("max_group_size", 1, 1 << 16, st.max_group_size));
    return s.Int("read_connections", 1, 64, st.read_connections);
  }));
  BALLAST_RETURN_IF_ERROR(root.Sub("ingest", [&](Section& s) -> Status {
    auto& in = c.ingest;
    BALLAST_RETURN_IF_ERROR(s.Sub("accept_window", [&](Section& w) -> Status {
      BALLAST_RETURN_IF_ERROR(w.DurationMs("past", 60'000, 3650 * kDay, in.accept_past_ms));
      return w.DurationMs("future", 0, kDay, in.accept_future_ms);
    }));
    BALLAST_RETURN_IF_ERROR(
        s.Int("max_series_per_service", 1, 10'000'000, in.max_series_per_service));
    return s.Int("evaluation_join_requests", 0, 100'000'000, in.evaluation_join_requests);
  }));
  BALLAST_RETURN_IF_ERROR(root.Sub("retention", [&](Section& s) -> Status {
    auto& r = c.retention;
    BALLAST_RETURN_IF_ERROR(s.DurationMs("idempotency", 3'600'000, 30 * kDay, r.idempotency_ms));
    return s.DurationMs("minute_rollups", kDay, 3650 * kDay, r.minute_rollups_ms);
  }));
  BALLAST_RETURN_IF_ERROR(root.Sub("slo", [&](Section& s) -> Status {
    auto& o = c.slo;
    BALLAST_RETURN_IF_ERROR(
        s.DurationMs("evaluation_interval", 1'000, 3'600'000, o.evaluation_interval_ms));
    BALLAST_RETURN_IF_ERROR(s.DurationMs("snapshot_interval", 1'000, kDay, o.snapshot_interval_ms));
    BALLAST_RETURN_IF_ERROR(s.Int("min_events", 0, 1'000'000, o.min_events));
    return s.Int("max_variants", 1, 1000, o.max_variants);
  }));
  BALLAST_RETURN_IF_ERROR(root.Sub("notifications", [&](Section& s) -> Status {
    auto& n = c.notifications;
    BALLAST_RETURN_IF_ERROR(s.Int("max_attempts", 1, 100, n.max_attempts));
    BALLAST_RETURN_IF_ERROR(s.DurationMs("initial_backoff", 1, 3'600'000, n.initial_backoff_ms));
    BALLAST_RETURN_IF_ERROR(s.DurationMs("max_backoff", 1, kDay, n.max_backoff_ms));
    BALLAST_RETURN_IF_ERROR(s.DurationMs("timeout", 100, 600'000, n.timeout_ms));
    BALLAST_RETURN_IF_ERROR(s.Int("queue", 1, 1'000'000, n.queue));
    return s.String("external_url", n.external_url);
  }));
  BALLAST_RETURN_IF_ERROR(root.Sub("auth", [&](Section& s) -> Status {
    BALLAST_RETURN_IF_ERROR(
        s.Field("mode", [&](const YAML::Node& n, const std::string& p) -> Status {
          std::string m = n.IsScalar() ? n.Scalar() : "";
          // YAML 1.1 reads a bare on/off as booleans in some tools; accept both spellings.
          if (m == "auto")
            c.auth.mode = AuthMode::kAuto;
          else if (m == "on" || m == "true")
            c.auth.mode = AuthMode::kOn;
          else if (m == "off" || m == "false")
            c.auth.mode = AuthMode::kOff;
          else
            return s.Error(n, p, "expected auto, on or off");
          return Status::Ok();
        }));
    return s.Bool("metrics_public", c.auth.metrics_public);
  }));
  return root.CheckUnknown();
}

Status Validate(const ServerConfig& c) {
  BALLAST_RETURN_IF_ERROR(ParseListenAddress(c.listen).status());
  static const char* kLevels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  if (std::find(std::begin(kLevels), std::end(kLevels), c.log_level) == std::end(kLevels))
    return Status::InvalidArgument(
        "log level \"" + c.log_level +
            "\" is not one of trace, debug, info, warn, error, critical, off",
        "log.level");
  if (c.notifications.max_backoff_ms < c.notifications.initial_backoff_ms)
    return Status::InvalidArgument("must be at least notifications.initial_backoff",
                                   "notifications.max_backoff");
  if (c.store.data_dir.empty())
    return Status::InvalidArgument("data directory must not be empty", "store.data_dir");
  if (c.limits.max_decompressed_bytes < c.limits.max_body_bytes)
    return Status::InvalidArgument("must be at least limits.max_body_bytes",
                                   "limits.max_decompressed_bytes");
  return Status::Ok();
}

}  // namespace

Result<ServerConfig> ParseServerConfig(const std::string& yaml_text, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(source + ":" + std::to_string(e.mark.line + 1) + ":" +
                                   std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  ServerConfig config;
  try {
    Section section(source, root, "");
    BALLAST_RETURN_IF_ERROR(section.CheckMap());
    BALLAST_RETURN_IF_ERROR(ReadConfig(section, config));
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(source + ": " + e.what());
  }
  BALLAST_RETURN_IF_ERROR(Validate(config));
  return config;
}

Result<ServerConfig> LoadServerConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument("cannot read configuration file " + path, "--config");
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseServerConfig(ss.str(), path);
}

Result<ServerConfig> ApplyFlags(ServerConfig config, const ServeFlags& flags) {
  if (flags.listen) config.listen = *flags.listen;
  if (flags.data_dir) config.store.data_dir = *flags.data_dir;
  if (flags.log_level) config.log_level = *flags.log_level;
  BALLAST_RETURN_IF_ERROR(Validate(config));
  return config;
}

Result<ListenAddress> ParseListenAddress(const std::string& text) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("listen address \"" + text + "\": " + why, "listen");
  };
  std::string host;
  std::string port_text;
  if (!text.empty() && text[0] == '[') {
    auto close = text.find(']');
    if (close == std::string::npos) return bad("missing ']'");
    host = text.substr(1, close - 1);
    if (close + 1 >= text.size() || text[close + 1] != ':') return bad("expected :PORT after ']'");
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string::npos) return bad("expected HOST:PORT");
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  if (host.empty()) host = "0.0.0.0";
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535)
    return bad("port must be a number from 0 to 65535");
  return ListenAddress{host, static_cast<uint16_t>(port)};
}

bool IsLoopback(const ListenAddress& a) {
  return a.host == "localhost" || a.host == "::1" || a.host.rfind("127.", 0) == 0;
}

}  // namespace ballast::server
