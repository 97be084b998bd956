// Typed, position-aware reading of yaml-cpp nodes into Diagnostics, shared by the OpenSLO
// decoder (src/slo), the rules spec reader (src/rules) and the prompt and model-card decoders
// (src/registry).
//
// ParseDocuments splits a file into its documents and reports syntax errors with their position.
// A MapReader wraps one YAML mapping at a known field path: each accessor marks its key as read
// and reports type errors at the value's position; Finish() reports every key nobody read
// ("unknown field"), so typos never pass silently. Duplicate keys are errors. Nothing here
// throws: yaml-cpp's exceptions are caught in ParseDocuments.
//
//   yaml::DecodeContext ctx("slos/chat.yaml", &diags, dialect);
//   for (const YAML::Node& doc : yaml::ParseDocuments(ctx, text)) {
//     yaml::MapReader m(ctx, doc, "");
//     std::optional<std::string> kind = m.String("kind", /*required=*/true);
//     ...
//     m.Finish();
//   }
//
// JSON is YAML flow syntax, so JSON files go through the same path, with positions.
//
// The modules read scalars slightly differently and word type errors differently; a Dialect
// (held by the DecodeContext) names each difference so that every module keeps its messages.
//
// Thread safety: a DecodeContext and its readers belong to one thread.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/diagnostics.h"
#include "common/time.h"

namespace ballast::yaml {

struct Dialect {
  // Strings (also JSON keys and values) must be valid UTF-8, and a plain null spelling (`~`,
  // `null`) counts as null even under an explicit tag. Off: strings are taken as yaml-cpp gives
  // them.
  bool strict_scalars = false;
  // A leading '+' is allowed on integers ("+5" is the integer 5 in ToJson and ReadInteger). Off:
  // "+5" is read as the number 5.0.
  bool signed_integers = false;
  // How a type error names what it found. On: always ", found <type>" with scalars classified
  // ("a string", "a number", "a boolean", "null"). Off: a number error quotes the scalar
  // (`found "abc"`), a mapping error calls any scalar "a scalar", and a boolean error names
  // nothing.
  bool name_found_type = false;
  // Limits on free-form values converted to JSON: aliases can make a small document expand
  // exponentially.
  int max_json_depth = 64;
  int max_json_nodes = 100000;
};

class DecodeContext {
 public:
  DecodeContext(std::string file, Diagnostics* diags, Dialect dialect = {})
      : file_(std::move(file)), diags_(diags), dialect_(dialect) {}

  // The node's 1-based position; file only when the node is undefined or has no mark.
  SourcePos Pos(const YAML::Node& node) const;
  void Error(const YAML::Node& node, const std::string& path, std::string message);
  void Error(const SourcePos& pos, const std::string& path, std::string message);
  void Warning(const YAML::Node& node, const std::string& path, std::string message);
  // True for an undefined or null node and, under strict_scalars, a tagged null spelling.
  bool IsNull(const YAML::Node& node) const;

  const std::string& file() const { return file_; }
  Diagnostics& diags() { return *diags_; }
  const Dialect& dialect() const { return dialect_; }

 private:
  std::string file_;
  Diagnostics* diags_;
  Dialect dialect_;
};

// Parses every document of `text`. On a syntax error reports it (with its position, path "")
// and returns no documents. Guards against yaml-cpp 0.7's endless LoadAll on some invalid inputs.
std::vector<YAML::Node> ParseDocuments(DecodeContext& ctx, const std::string& text);

// "a.b" + "c" -> "a.b.c"; "" + "c" -> "c".
std::string JoinPath(const std::string& base, std::string_view key);
// "a.b" + 3 -> "a.b[3]".
std::string IndexPath(const std::string& base, size_t index);

// True for a null scalar (`key:` with nothing, `~`, `null`) or an undefined node. See also
// DecodeContext::IsNull.
bool IsNull(const YAML::Node& node);
// "a mapping", "a list", "a string", "a number", "a boolean" or "null".
std::string DescribeType(const YAML::Node& node);
bool IsValidUtf8(std::string_view s);

// Scalar readers: the value, or nullopt after reporting an error naming the expected type.
// Numbers, integers and booleans must be plain (unquoted) scalars.
std::optional<std::string> ReadString(DecodeContext& ctx, const YAML::Node& node,
                                      const std::string& path);
std::optional<double> ReadNumber(DecodeContext& ctx, const YAML::Node& node,
                                 const std::string& path);
std::optional<int64_t> ReadInteger(DecodeContext& ctx, const YAML::Node& node,
                                   const std::string& path);
std::optional<bool> ReadBool(DecodeContext& ctx, const YAML::Node& node, const std::string& path);
// A positive duration shorthand ("5m", "28d", "1M"; common/time.h ParseDuration).
std::optional<Duration> ReadDuration(DecodeContext& ctx, const YAML::Node& node,
                                     const std::string& path);
// A scalar as a JSON string or number (plain numerals become numbers); booleans, null and
// collections are errors.
std::optional<nlohmann::json> ReadStringOrNumber(DecodeContext& ctx, const YAML::Node& node,
                                                 const std::string& path);
// Any value as JSON: plain scalars become numbers, booleans or null where YAML's core schema
// says so; quoted scalars stay strings. Too deep or too large values (Dialect limits) are
// reported and yield nullopt.
std::optional<nlohmann::json> ToJson(DecodeContext& ctx, const YAML::Node& node,
                                     const std::string& path);

class MapReader {
 public:
  // Reports an error (and ok() is false) when `node` is not a mapping.
  MapReader(DecodeContext& ctx, const YAML::Node& node, std::string path);

  bool ok() const { return ok_; }
  const YAML::Node& node() const { return node_; }
  const std::string& path() const { return path_; }
  DecodeContext& ctx() { return ctx_; }
  SourcePos pos() const { return ctx_.Pos(node_); }
  std::string Path(std::string_view key) const { return JoinPath(path_, key); }

  // The value of `key` (marked read), or an undefined node when absent. A null value counts as
  // absent.
  YAML::Node Get(std::string_view key);
  bool Has(std::string_view key) const;
  // Position of the value of `key`, of its key when the value is null, or of the mapping when
  // absent.
  SourcePos PosOf(std::string_view key) const;
  // The key node of `key` (for positions), undefined when absent.
  YAML::Node KeyNode(std::string_view key) const;
  // Entries in document order, each marked read; for mappings whose keys are names.
  std::vector<std::pair<YAML::Node, YAML::Node>> TakeAll();

  // Typed accessors: nullopt when absent (after an error if `required`) or of the wrong type
  // (after an error naming the expected type).
  std::optional<std::string> String(std::string_view key, bool required = false);
  std::optional<double> Number(std::string_view key, bool required = false);
  std::optional<bool> Bool(std::string_view key);
  std::optional<Duration> DurationField(std::string_view key, bool required = false);

  // Reports every key not read by an accessor.
  void Finish();

 private:
  struct Entry {
    std::string key;
    YAML::Node key_node;
    YAML::Node value;
    bool used = false;
  };
  Entry* Find(std::string_view key);
  const Entry* Find(std::string_view key) const;

  DecodeContext& ctx_;
  YAML::Node node_;
  std::string path_;
  std::vector<Entry> entries_;
  bool ok_ = true;
};

}  // namespace ballast::yaml
