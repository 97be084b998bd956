// Internal to src/registry: typed, position-aware reading of yaml-cpp nodes for the prompt
// decoder.
//
// A FieldReader wraps one YAML mapping at a known field path. Each accessor marks its key as
// read and reports type errors at the value's position; Finish() reports every key nobody read
// ("unknown field"), so typos never pass silently. Duplicate keys are errors. Nothing here
// throws; yaml-cpp's parse exceptions are caught by ParseYamlDocuments.
//
// JSON is YAML flow syntax, so JSON prompt files go through the same path with positions.
//
// Thread safety: a YamlContext and its readers belong to one thread.
#pragma once

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "registry/diagnostics.h"

namespace ballast::registry::internal {

// Limits on free-form values converted to JSON: aliases can make a small document expand
// exponentially.
inline constexpr int kMaxJsonDepth = 32;
inline constexpr int kMaxJsonNodes = 10000;

class YamlContext {
 public:
  YamlContext(std::string file, Diagnostics* diags) : file_(std::move(file)), diags_(diags) {}
  SourcePos Pos(const YAML::Node& node) const;
  void Error(const YAML::Node& node, const std::string& path, std::string message);
  void Warning(const YAML::Node& node, const std::string& path, std::string message);
  const std::string& file() const { return file_; }
  Diagnostics& diags() { return *diags_; }

 private:
  std::string file_;
  Diagnostics* diags_;
};

// Parses every document of `text`; on a syntax error reports it (with position) and returns
// nothing.
std::vector<YAML::Node> ParseYamlDocuments(YamlContext& ctx, const std::string& text);

std::string JoinPath(const std::string& base, std::string_view key);
std::string IndexPath(const std::string& base, size_t index);
bool IsNull(const YAML::Node& node);
// "a mapping", "a list", "a string", "a number", "a boolean", "null".
std::string DescribeType(const YAML::Node& node);

// Scalar readers; nullopt after reporting an error. Strings must be valid UTF-8; numbers and
// booleans must be plain (unquoted) scalars.
std::optional<std::string> ReadString(YamlContext& ctx, const YAML::Node& node,
                                      const std::string& path);
std::optional<double> ReadNumber(YamlContext& ctx, const YAML::Node& node, const std::string& path);
std::optional<int64_t> ReadInteger(YamlContext& ctx, const YAML::Node& node,
                                   const std::string& path);
std::optional<bool> ReadBool(YamlContext& ctx, const YAML::Node& node, const std::string& path);
// A scalar as a JSON string or number (plain numerals become numbers); booleans, null and
// collections are errors.
std::optional<nlohmann::json> ReadStringOrNumber(YamlContext& ctx, const YAML::Node& node,
                                                 const std::string& path);
// Any value, YAML core schema for plain scalars, with depth and size limits.
std::optional<nlohmann::json> ReadJson(YamlContext& ctx, const YAML::Node& node,
                                       const std::string& path);

bool IsValidUtf8(std::string_view s);

class FieldReader {
 public:
  // Reports an error (and ok() is false) when `node` is not a mapping.
  FieldReader(YamlContext& ctx, const YAML::Node& node, std::string path);

  bool ok() const { return ok_; }
  const YAML::Node& node() const { return node_; }
  std::string Path(std::string_view key) const { return JoinPath(path_, key); }

  // The value of `key`, marked read; undefined when absent or null.
  YAML::Node Get(std::string_view key);
  // The key node of `key` (for positions), undefined when absent.
  YAML::Node KeyNode(std::string_view key) const;
  // Entries in document order, each marked read; for maps whose keys are names.
  std::vector<std::pair<YAML::Node, YAML::Node>> TakeAll();

  std::optional<std::string> String(std::string_view key, bool required = false);

  // Reports every key not read.
  void Finish();

 private:
  struct Entry {
    std::string key;
    YAML::Node key_node;
    YAML::Node value;
    bool used = false;
  };
  Entry* Find(std::string_view key);

  YamlContext& ctx_;
  YAML::Node node_;
  std::string path_;
  std::vector<Entry> entries_;
  bool ok_ = true;
};

}  // namespace ballast::registry::internal
