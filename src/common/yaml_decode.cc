#include "common/yaml_decode.h"

#include <yaml-cpp/eventhandler.h>

#include <charconv>
#include <cmath>
#include <exception>
#include <sstream>

namespace ballast::yaml {
namespace {

// Quoted scalars carry the non-specific tag "!"; plain ones "?" (or an explicit tag).
bool IsQuoted(const YAML::Node& node) { return node.Tag() == "!"; }

std::optional<bool> PlainBool(const std::string& s) {
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  return std::nullopt;
}

std::optional<int64_t> PlainInteger(std::string_view s, bool allow_plus) {
  if (allow_plus && !s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
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

// yaml-cpp turns untagged plain null spellings into null nodes itself; this catches the tagged
// ones (`!x null`), which stay scalars.
bool IsPlainNullScalar(const YAML::Node& node) {
  if (!node.IsScalar() || IsQuoted(node)) return false;
  const std::string& s = node.Scalar();
  return s == "~" || s == "null" || s == "Null" || s == "NULL";
}

// yaml-cpp 0.7's LoadAll loops forever, allocating a null document per turn, on some invalid
// inputs (a leading ",", jbeder/yaml-cpp#1319, fixed upstream in 2024). This event handler
// drives the same parser without building nodes so that a document which makes no progress can
// be detected before LoadAll is called.
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

bool ToJsonInto(DecodeContext& ctx, const YAML::Node& node, const std::string& path, int depth,
                int& budget, nlohmann::json& out) {
  const Dialect& dialect = ctx.dialect();
  if (--budget < 0) {
    ctx.Error(node, path,
              "value too large (more than " + std::to_string(dialect.max_json_nodes) +
                  " nodes after expanding aliases)");
    return false;
  }
  if (depth > dialect.max_json_depth) {
    ctx.Error(node, path, "value nested deeper than " + std::to_string(dialect.max_json_depth));
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
        if (dialect.strict_scalars && !IsValidUtf8(key)) {
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
      bool checked_string = !dialect.strict_scalars || IsValidUtf8(s);
      if (IsQuoted(node)) {
        if (!checked_string) {
          ctx.Error(node, path, "string is not valid UTF-8");
          return false;
        }
        out = s;
      } else if (dialect.strict_scalars && IsPlainNullScalar(node)) {
        out = nullptr;
      } else if (auto b = PlainBool(s)) {
        out = *b;
      } else if (auto i = PlainInteger(s, dialect.signed_integers)) {
        out = *i;
      } else if (auto d = PlainNumber(s)) {
        out = *d;
      } else if (!checked_string) {
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

bool DecodeContext::IsNull(const YAML::Node& node) const {
  return yaml::IsNull(node) || (dialect_.strict_scalars && IsPlainNullScalar(node));
}

std::vector<YAML::Node> ParseDocuments(DecodeContext& ctx, const std::string& text) {
  try {
    YAML::Mark stuck;
    if (!ProgressCheck::ParsesToEnd(text, &stuck)) {
      ctx.Error(SourcePos{ctx.file(), stuck.line + 1, stuck.column + 1}, "",
                "invalid YAML/JSON: unexpected token");
      return {};
    }
    return YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    SourcePos pos{ctx.file(), e.mark.line >= 0 ? e.mark.line + 1 : 0,
                  e.mark.column >= 0 ? e.mark.column + 1 : 0};
    ctx.Error(pos, "", "invalid YAML/JSON: " + e.msg);
  } catch (const std::exception& e) {
    ctx.Error(SourcePos{ctx.file()}, "", std::string("cannot parse: ") + e.what());
  }
  return {};
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

std::string DescribeType(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      if (IsQuoted(node)) return "a string";
      if (IsPlainNullScalar(node)) return "null";
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

std::optional<std::string> ReadString(DecodeContext& ctx, const YAML::Node& node,
                                      const std::string& path) {
  bool strict = ctx.dialect().strict_scalars;
  if (!node.IsScalar() || (strict && IsPlainNullScalar(node))) {
    ctx.Error(node, path, "expected a string, found " + DescribeType(node));
    return std::nullopt;
  }
  if (strict && !IsValidUtf8(node.Scalar())) {
    ctx.Error(node, path, "string is not valid UTF-8");
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<double> ReadNumber(DecodeContext& ctx, const YAML::Node& node,
                                 const std::string& path) {
  std::optional<double> v;
  if (node.IsScalar() && !IsQuoted(node)) v = PlainNumber(node.Scalar());
  if (!v) {
    std::string found = !ctx.dialect().name_found_type && node.IsScalar()
                            ? "\"" + node.Scalar().substr(0, 40) + "\""
                            : DescribeType(node);
    ctx.Error(node, path, "expected a number, found " + found);
  }
  return v;
}

std::optional<int64_t> ReadInteger(DecodeContext& ctx, const YAML::Node& node,
                                   const std::string& path) {
  std::optional<int64_t> v;
  if (node.IsScalar() && !IsQuoted(node))
    v = PlainInteger(node.Scalar(), ctx.dialect().signed_integers);
  if (!v) ctx.Error(node, path, "expected an integer, found " + DescribeType(node));
  return v;
}

std::optional<bool> ReadBool(DecodeContext& ctx, const YAML::Node& node, const std::string& path) {
  std::optional<bool> v;
  if (node.IsScalar() && !IsQuoted(node)) v = PlainBool(node.Scalar());
  if (!v) {
    std::string message = "expected true or false";
    if (ctx.dialect().name_found_type) message += ", found " + DescribeType(node);
    ctx.Error(node, path, std::move(message));
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

std::optional<nlohmann::json> ReadStringOrNumber(DecodeContext& ctx, const YAML::Node& node,
                                                 const std::string& path) {
  std::optional<nlohmann::json> v;
  if (node.IsScalar()) {
    int budget = 1;
    nlohmann::json j;
    Diagnostics scratch;
    DecodeContext quiet(ctx.file(), &scratch, ctx.dialect());
    if (ToJsonInto(quiet, node, path, 0, budget, j) && (j.is_string() || j.is_number())) v = j;
  }
  if (!v) ctx.Error(node, path, "expected a string or a number, found " + DescribeType(node));
  return v;
}

std::optional<nlohmann::json> ToJson(DecodeContext& ctx, const YAML::Node& node,
                                     const std::string& path) {
  int budget = ctx.dialect().max_json_nodes;
  nlohmann::json out;
  if (!ToJsonInto(ctx, node, path, 0, budget, out)) return std::nullopt;
  return out;
}

MapReader::MapReader(DecodeContext& ctx, const YAML::Node& node, std::string path)
    : ctx_(ctx), node_(node), path_(std::move(path)) {
  if (!node.IsMap()) {
    ok_ = false;
    std::string found =
        !ctx_.dialect().name_found_type && node.IsScalar() ? "a scalar" : DescribeType(node);
    ctx_.Error(node, path_, "expected a mapping, found " + found);
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
  if (ctx_.IsNull(e->value)) return YAML::Node(YAML::NodeType::Undefined);
  return e->value;
}

bool MapReader::Has(std::string_view key) const {
  const Entry* e = Find(key);
  return e != nullptr && !ctx_.IsNull(e->value);
}

SourcePos MapReader::PosOf(std::string_view key) const {
  const Entry* e = Find(key);
  if (e == nullptr) return pos();
  return ctx_.Pos(ctx_.IsNull(e->value) ? e->key_node : e->value);
}

YAML::Node MapReader::KeyNode(std::string_view key) const {
  const Entry* e = Find(key);
  return e != nullptr ? e->key_node : YAML::Node(YAML::NodeType::Undefined);
}

std::vector<std::pair<YAML::Node, YAML::Node>> MapReader::TakeAll() {
  std::vector<std::pair<YAML::Node, YAML::Node>> out;
  for (Entry& e : entries_) {
    e.used = true;
    out.emplace_back(e.key_node, e.value);
  }
  return out;
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
  return ReadBool(ctx_, v, Path(key));
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

}  // namespace ballast::yaml
