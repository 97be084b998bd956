#include "registry/yaml_reader.h"

#include <yaml-cpp/eventhandler.h>

#include <charconv>
#include <cmath>
#include <sstream>
#include <utility>

namespace ballast::registry::internal {
namespace {

// Quoted scalars carry the non-specific tag "!"; plain ones "?" (or an explicit tag).
bool IsQuoted(const YAML::Node& node) { return node.Tag() == "!"; }

std::optional<bool> PlainBool(const std::string& s) {
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  return std::nullopt;
}

std::optional<int64_t> PlainInteger(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> PlainNumber(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

bool IsPlainNull(const YAML::Node& node) {
  if (!node.IsScalar() || IsQuoted(node)) return false;
  const std::string& s = node.Scalar();
  return s == "~" || s == "null" || s == "Null" || s == "NULL";
}

// yaml-cpp 0.7's LoadAll loops forever, allocating a null document per turn, on some invalid
// inputs (a leading ",", jbeder/yaml-cpp#1319). Driving the parser with an event handler that
// builds nothing detects a document that makes no progress before LoadAll is called.
class ProgressCheck final : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override {
    start_ = mark;
    events_ = 0;
    only_null_ = true;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override { ++events_; }
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override { Other(); }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {
    Other();
  }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    Other();
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    Other();
  }
  void OnMapEnd() override {}

  // False (with the position) when the parser would not get past a document.
  static bool ParsesToEnd(const std::string& text, YAML::Mark* stuck_at) {
    std::istringstream in(text);
    YAML::Parser parser(in);
    ProgressCheck check;
    int last_null_pos = -1;
    while (parser.HandleNextDocument(check)) {
      bool empty = check.only_null_ && check.events_ <= 1;
      if (empty && check.start_.pos == last_null_pos) {
        *stuck_at = check.start_;
        return false;
      }
      last_null_pos = empty ? check.start_.pos : -1;
    }
    return true;
  }

 private:
  void Other() {
    ++events_;
    only_null_ = false;
  }
  YAML::Mark start_;
  int events_ = 0;
  bool only_null_ = true;
};

bool ToJsonInto(YamlContext& ctx, const YAML::Node& node, const std::string& path, int depth,
                int& budget, nlohmann::json& out) {
  if (--budget < 0) {
    ctx.Error(node, path, "value too large (more than " + std::to_string(kMaxJsonNodes) +
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
        if (!IsValidUtf8(key)) {
          ctx.Error(kv.first, path, "key is not valid UTF-8");
          return false;
        }
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
        if (!IsValidUtf8(s)) {
          ctx.Error(node, path, "string is not valid UTF-8");
          return false;
        }
        out = s;
      } else if (IsPlainNull(node)) {
        out = nullptr;
      } else if (auto b = PlainBool(s)) {
        out = *b;
      } else if (auto i = PlainInteger(s)) {
        out = *i;
      } else if (auto d = PlainNumber(s)) {
        out = *d;
      } else if (!IsValidUtf8(s)) {
        ctx.Error(node, path, "string is not valid UTF-8");
        return false;
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

SourcePos YamlContext::Pos(const YAML::Node& node) const {
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

void YamlContext::Error(const YAML::Node& node, const std::string& path, std::string message) {
  diags_->Error(Pos(node), path, std::move(message));
}

void YamlContext::Warning(const YAML::Node& node, const std::string& path, std::string message) {
  diags_->Warning(Pos(node), path, std::move(message));
}

std::vector<YAML::Node> ParseYamlDocuments(YamlContext& ctx, const std::string& text) {
  try {
    YAML::Mark stuck;
    if (!ProgressCheck::ParsesToEnd(text, &stuck)) {
      ctx.diags().Error(SourcePos{ctx.file(), stuck.line + 1, stuck.column + 1}, "",
                        "invalid YAML/JSON: unexpected token");
      return {};
    }
    return YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    SourcePos pos{ctx.file(), e.mark.line >= 0 ? e.mark.line + 1 : 0,
                  e.mark.column >= 0 ? e.mark.column + 1 : 0};
    ctx.diags().Error(pos, "", "invalid YAML/JSON: " + e.msg);
  } catch (const std::exception& e) {
    ctx.diags().Error(SourcePos{ctx.file()}, "", std::string("cannot parse: ") + e.what());
  }
  return {};
}

std::string JoinPath(const std::string& base, std::string_view key) {
  if (base.empty()) return std::string(key);
  return base + "." + std::string(key);
}

std::string IndexPath(const std::string& base, size_t index) {
  return base + "[" + std::to_string(index) + "]";
}

bool IsNull(const YAML::Node& node) {
  return !node.IsDefined() || node.IsNull() || IsPlainNull(node);
}

std::string DescribeType(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      if (IsQuoted(node)) return "a string";
      if (IsPlainNull(node)) return "null";
      if (PlainBool(node.Scalar())) return "a boolean";
      if (PlainNumber(node.Scalar())) return "a number";
      return "a string";
    default:
      return "null";
  }
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (size_t k = 1; k <= n; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF.
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
      return false;
    i += n + 1;
  }
  return true;
}

std::optional<std::string> ReadString(YamlContext& ctx, const YAML::Node& node,
                                      const std::string& path) {
  if (!node.IsScalar() || IsPlainNull(node)) {
    ctx.Error(node, path, "expected a string, found " + DescribeType(node));
    return std::nullopt;
  }
  if (!IsValidUtf8(node.Scalar())) {
    ctx.Error(node, path, "string is not valid UTF-8");
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<double> ReadNumber(YamlContext& ctx, const YAML::Node& node,
                                 const std::string& path) {
  std::optional<double> v;
  if (node.IsScalar() && !IsQuoted(node)) v = PlainNumber(node.Scalar());
  if (!v) ctx.Error(node, path, "expected a number, found " + DescribeType(node));
  return v;
}

std::optional<int64_t> ReadInteger(YamlContext& ctx, const YAML::Node& node,
                                   const std::string& path) {
  std::optional<int64_t> v;
  if (node.IsScalar() && !IsQuoted(node)) v = PlainInteger(node.Scalar());
  if (!v) ctx.Error(node, path, "expected an integer, found " + DescribeType(node));
  return v;
}

std::optional<bool> ReadBool(YamlContext& ctx, const YAML::Node& node, const std::string& path) {
  std::optional<bool> v;
  if (node.IsScalar() && !IsQuoted(node)) v = PlainBool(node.Scalar());
  if (!v) ctx.Error(node, path, "expected true or false, found " + DescribeType(node));
  return v;
}

std::optional<nlohmann::json> ReadStringOrNumber(YamlContext& ctx, const YAML::Node& node,
                                                 const std::string& path) {
  std::optional<nlohmann::json> v;
  if (node.IsScalar()) {
    int budget = 1;
    nlohmann::json j;
    Diagnostics scratch;
    YamlContext quiet(ctx.file(), &scratch);
    if (ToJsonInto(quiet, node, path, 0, budget, j) && (j.is_string() || j.is_number())) v = j;
  }
  if (!v) ctx.Error(node, path, "expected a string or a number, found " + DescribeType(node));
  return v;
}

std::optional<nlohmann::json> ReadJson(YamlContext& ctx, const YAML::Node& node,
                                       const std::string& path) {
  int budget = kMaxJsonNodes;
  nlohmann::json out;
  if (!ToJsonInto(ctx, node, path, 0, budget, out)) return std::nullopt;
  return out;
}

FieldReader::FieldReader(YamlContext& ctx, const YAML::Node& node, std::string path)
    : ctx_(ctx), node_(node), path_(std::move(path)) {
  if (!node.IsMap()) {
    ok_ = false;
    ctx_.Error(node, path_, "expected a mapping, found " + DescribeType(node));
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

FieldReader::Entry* FieldReader::Find(std::string_view key) {
  for (Entry& e : entries_)
    if (e.key == key) return &e;
  return nullptr;
}

YAML::Node FieldReader::Get(std::string_view key) {
  Entry* e = Find(key);
  if (e == nullptr) return YAML::Node(YAML::NodeType::Undefined);
  e->used = true;
  if (internal::IsNull(e->value)) return YAML::Node(YAML::NodeType::Undefined);
  return e->value;
}

YAML::Node FieldReader::KeyNode(std::string_view key) const {
  for (const Entry& e : entries_)
    if (e.key == key) return e.key_node;
  return YAML::Node(YAML::NodeType::Undefined);
}

std::vector<std::pair<YAML::Node, YAML::Node>> FieldReader::TakeAll() {
  std::vector<std::pair<YAML::Node, YAML::Node>> out;
  for (Entry& e : entries_) {
    e.used = true;
    out.emplace_back(e.key_node, e.value);
  }
  return out;
}

std::optional<std::string> FieldReader::String(std::string_view key, bool required) {
  YAML::Node v = Get(key);
  if (!v.IsDefined()) {
    if (required) ctx_.Error(node_, Path(key), "required field is missing");
    return std::nullopt;
  }
  return ReadString(ctx_, v, Path(key));
}

void FieldReader::Finish() {
  for (const Entry& e : entries_) {
    if (!e.used) ctx_.Error(e.key_node, Path(e.key), "unknown field");
  }
}

}  // namespace ballast::registry::internal
