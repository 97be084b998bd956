// Internal to src/slo: typed, position-aware reading of yaml-cpp nodes for the object decoder.
//
// A MapReader wraps one YAML mapping at a known field path. Each accessor marks its key as
// known and reports type errors with the value's position; Finish() reports every key that no
// accessor asked for ("unknown field"). Duplicate keys are errors. Nothing here throws: yaml-cpp
// exceptions are caught at the reader boundary (loader.cc).
//
// JSON files go through the same path: JSON is YAML flow syntax, so positions are available for
// both formats.
//
// Thread safety: a DecodeContext and its readers belong to one thread.
#pragma once

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.h"
#include "slo/diagnostics.h"

namespace ballast::slo::internal {

// Limits on free-form values (metricSource.spec, connectionDetails) converted to JSON: aliases
// can make a small document expand exponentially.
inline constexpr int kMaxJsonDepth = 64;
inline constexpr int kMaxJsonNodes = 100000;

class DecodeContext {
 public:
  DecodeContext(std::string file, Diagnostics* diags) : file_(std::move(file)), diags_(diags) {}

  SourcePos Pos(const YAML::Node& node) const;
  void Error(const YAML::Node& node, const std::string& path, std::string message);
  void Error(const SourcePos& pos, const std::string& path, std::string message);
  void Warning(const YAML::Node& node, const std::string& path, std::string message);
  const std::string& file() const { return file_; }
  Diagnostics& diags() { return *diags_; }

 private:
  std::string file_;
  Diagnostics* diags_;
};

// "a.b" + "c" -> "a.b.c"; "" + "c" -> "c".
std::string JoinPath(const std::string& base, std::string_view key);
// "a.b" + 3 -> "a.b[3]".
std::string IndexPath(const std::string& base, size_t index);

// True for a null scalar (`key:` with nothing, `~`, `null`) or an undefined node.
bool IsNull(const YAML::Node& node);

// Plain scalars become numbers, booleans or null where YAML's core schema says so; quoted
// scalars stay strings. Errors (too deep, too large) are reported and yield nullopt.
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

  // The value of `key` (marked known), or an undefined node when absent. A null value counts as
  // absent.
  YAML::Node Get(std::string_view key);
  bool Has(std::string_view key) const;
  // Position of the value of `key`, or of the mapping when absent.
  SourcePos PosOf(std::string_view key) const;

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

// Scalar readers shared by MapReader and sequence items.
std::optional<std::string> ReadString(DecodeContext& ctx, const YAML::Node& node,
                                      const std::string& path);
std::optional<double> ReadNumber(DecodeContext& ctx, const YAML::Node& node,
                                 const std::string& path);
// A positive OpenSLO duration shorthand ("5m", "28d", "1M").
std::optional<Duration> ReadDuration(DecodeContext& ctx, const YAML::Node& node,
                                     const std::string& path);

}  // namespace ballast::slo::internal
