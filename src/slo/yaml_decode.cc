#include "slo/yaml_decode.h"

#include <charconv>
#include <cmath>
#include <utility>

namespace ballast::slo::internal {
namespace {

bool IsQuoted(const YAML::Node& node) { return node.Tag() == "!"; }

std::optional<bool> PlainBool(const std::string& s) {
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  return std::nullopt;
}

std::optional<double> PlainNumber(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<int64_t> PlainInteger(std::string_view s) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string_view TypeName(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "a scalar";
    default:
      return "null";
  }
}

bool ToJsonInto(DecodeContext& ctx, const YAML::Node& node, const std::string& path, int depth,
                int& budget, nlohmann::json& out) {
  if (--budget < 0) {
    ctx.Error(node, path,
              "value too large (more than " + std::to_string(kMaxJsonNodes) +
                  " nodes after expanding aliases)");
    return false;
  }
  if (depth > kMaxJsonDepth) {
    ctx.Error(node, path, "value nested deeper than " + std::to_string(kMaxJsonDepth));
    return false;
  }
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      out = nlohmann::json::object();
      for (const auto& kv : node) {
        if (!kv.first.IsScalar()) {
          ctx.Error(kv.first, path, "mapping keys must be scalars");
          return false;
        }
        const std::string& key = kv.first.Scalar();
        if (out.contains(key)) {
          ctx.Error(kv.first, JoinPath(path, key), "duplicate key");
          return false;
        }
        if (!ToJsonInto(ctx, kv.second, JoinPath(path, key), depth + 1, budget, out[key]))
          return false;
      }
      return true;
    }
    case YAML::NodeType::Sequence: {
      out = nlohmann::json::array();
      size_t i = 0;
      for (const auto& item : node) {
        nlohmann::json v;
        if (!ToJsonInto(ctx, item, IndexPath(path, i++), depth + 1, budget, v)) return false;
        out.push_back(std::move(v));
      }
      return true;
    }
    case YAML::NodeType::Scalar: {
      const std::string& s = node.Scalar();
      if (IsQuoted(node)) {
        out = s;
      } else if (auto b = PlainBool(s)) {
        out = *b;
      } else if (auto i = PlainInteger(s)) {
        out = *i;
      } else if (auto d = PlainNumber(s)) {
        out = *d;
      } else {
        out = s;
      }
      return true;
    }
    default:
      out = nullptr;
      return true;
  }
}

}  // namespace

SourcePos DecodeContext::Pos(const YAML::Node& node) const {
  SourcePos pos;
  pos.file = file_;
  if (node.IsDefined()) {
    YAML::Mark m = node.Mark();
    if (m.line >= 0 && m.column >= 0) {
      pos.line = m.line + 1;
      pos.column = m.column + 1;
    }
  }
  return pos;
}

void DecodeContext::Error(const YAML::Node& node, const std::string& path, std::string message) {
  diags_->Error(Pos(node), path, std::move(message));
}

void DecodeContext::Error(const SourcePos& pos, const std::string& path, std::string message) {
  diags_->Error(pos, path, std::move(message));
}

void DecodeContext::Warning(const YAML::Node& node, const std::string& path, std::string message) {
  diags_->Warning(Pos(node), path, std::move(message));
}

std::string JoinPath(const std::string& base, std::string_view key) {
  if (base.empty()) return std::string(key);
  std::string out = base;
  out += '.';
  out += key;
  return out;
}

std::string IndexPath(const std::string& base, size_t index) {
  return base + '[' + std::to_string(index) + ']';
}

bool IsNull(const YAML::Node& node) { return !node.IsDefined() || node.IsNull(); }

std::optional<nlohmann::json> ToJson(DecodeContext& ctx, const YAML::Node& node,
                                     const std::string& path) {
  int budget = kMaxJsonNodes;
  nlohmann::json out;
  if (!ToJsonInto(ctx, node, path, 0, budget, out)) return std::nullopt;
  return out;
}

MapReader::MapReader(DecodeContext& ctx, const YAML::Node& node, std::string path)
    : ctx_(ctx), node_(node), path_(std::move(path)) {
  if (!node.IsMap()) {
    ok_ = false;
    ctx_.Error(node, path_,
               std::string("expected a mapping, found ") + std::string(TypeName(node)));
    return;
  }
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) {
      ctx_.Error(kv.first, path_, "mapping keys must be scalars");
      continue;
    }
    const std::string& key = kv.first.Scalar();
    if (Find(key) != nullptr) {
      ctx_.Error(kv.first, Path(key), "duplicate key");
      continue;
    }
    entries_.push_back({key, kv.first, kv.second, false});
  }
}

MapReader::Entry* MapReader::Find(std::string_view key) {
  for (Entry& e : entries_)
    if (e.key == key) return &e;
  return nullptr;
}

const MapReader::Entry* MapReader::Find(std::string_view key) const {
  for (const Entry& e : entries_)
    if (e.key == key) return &e;
  return nullptr;
}

YAML::Node MapReader::Get(std::string_view key) {
  Entry* e = Find(key);
  if (e == nullptr) return YAML::Node(YAML::NodeType::Undefined);
  e->used = true;
  if (e->value.IsNull()) return YAML::Node(YAML::NodeType::Undefined);
  return e->value;
}

bool MapReader::Has(std::string_view key) const {
  const Entry* e = Find(key);
  return e != nullptr && !e->value.IsNull();
}

SourcePos MapReader::PosOf(std::string_view key) const {
  const Entry* e = Find(key);
  if (e == nullptr) return pos();
  return ctx_.Pos(e->value.IsNull() ? e->key_node : e->value);
}

std::optional<std::string> MapReader::String(std::string_view key, bool required) {
  YAML::Node v = Get(key);
  if (!v.IsDefined()) {
    if (required) ctx_.Error(node_, Path(key), "required field is missing");
    return std::nullopt;
  }
  return ReadString(ctx_, v, Path(key));
}

std::optional<double> MapReader::Number(std::string_view key, bool required) {
  YAML::Node v = Get(key);
  if (!v.IsDefined()) {
    if (required) ctx_.Error(node_, Path(key), "required field is missing");
    return std::nullopt;
  }
  return ReadNumber(ctx_, v, Path(key));
}

std::optional<bool> MapReader::Bool(std::string_view key) {
  YAML::Node v = Get(key);
  if (!v.IsDefined()) return std::nullopt;
  std::optional<bool> b;
  if (v.IsScalar() && !IsQuoted(v)) b = PlainBool(v.Scalar());
  if (!b) ctx_.Error(v, Path(key), "expected true or false");
  return b;
}

std::optional<Duration> MapReader::DurationField(std::string_view key, bool required) {
  YAML::Node v = Get(key);
  if (!v.IsDefined()) {
    if (required) ctx_.Error(node_, Path(key), "required field is missing");
    return std::nullopt;
  }
  return ReadDuration(ctx_, v, Path(key));
}

void MapReader::Finish() {
  for (const Entry& e : entries_)
    if (!e.used) ctx_.Error(e.key_node, Path(e.key), "unknown field");
}

std::optional<std::string> ReadString(DecodeContext& ctx, const YAML::Node& node,
                                      const std::string& path) {
  if (!node.IsScalar()) {
    ctx.Error(node, path, std::string("expected a string, found ") + std::string(TypeName(node)));
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<double> ReadNumber(DecodeContext& ctx, const YAML::Node& node,
                                 const std::string& path) {
  std::optional<double> v;
  if (node.IsScalar() && !IsQuoted(node)) v = PlainNumber(node.Scalar());
  if (!v) {
    std::string shown =
        node.IsScalar() ? "\"" + node.Scalar().substr(0, 40) + "\"" : std::string(TypeName(node));
    ctx.Error(node, path, "expected a number, found " + shown);
  }
  return v;
}

std::optional<Duration> ReadDuration(DecodeContext& ctx, const YAML::Node& node,
                                     const std::string& path) {
  auto text = ReadString(ctx, node, path);
  if (!text) return std::nullopt;
  Result<Duration> d = ParseDuration(*text);
  if (!d) {
    ctx.Error(node, path, d.error().message() + " (expected e.g. 5m, 1h, 28d, 1w, 1M, 1Q, 1Y)");
    return std::nullopt;
  }
  if (d->count <= 0) {
    ctx.Error(node, path, "duration must be positive");
    return std::nullopt;
  }
  return *d;
}

}  // namespace ballast::slo::internal
