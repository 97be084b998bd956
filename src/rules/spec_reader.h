// Internal to src/rules: reading yaml-cpp nodes with positions and field paths into
// diagnostics, shared by the Sloth and OpenSLO v1alpha decoders (sloth_decode.cc) and the
// document splitter (spec.cc).
//
// Thread safety: a Reader appends to one Diagnostics; use one per thread.
#pragma once

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "common/diagnostics.h"
#include "rules/spec.h"

namespace ballast::rules::internal {

// n[key] when n is a mapping, otherwise an undefined node (yaml-cpp throws when a scalar is
// subscripted).
YAML::Node Child(const YAML::Node& n, const char* key);

// "a.b" from ("a", "b"); "b" from ("", "b").
std::string Join(const std::string& path, std::string_view key);

class Reader {
 public:
  // `line_offset`: 0-based line of the document's first line within the file.
  Reader(std::string file, int line_offset, Diagnostics* diags)
      : file_(std::move(file)), line_offset_(line_offset), diags_(diags) {}

  SourcePos Pos(const YAML::Node& n) const;
  void Error(const YAML::Node& at, const std::string& path, std::string message);
  void Warning(const YAML::Node& at, const std::string& path, std::string message);
  int errors() const { return errors_; }

  // Warns about each key of `map` not in `known` (Sloth ignores them).
  void WarnUnknownKeys(const YAML::Node& map, const std::string& path,
                       std::initializer_list<std::string_view> known);

  // parent[key] as a string; nullopt when absent or null. Errors when it is not a scalar.
  std::optional<std::string> String(const YAML::Node& parent, const char* key,
                                    const std::string& path);
  // parent[key] as a number; nullopt when absent (no error) or invalid (error).
  std::optional<double> Number(const YAML::Node& parent, const char* key, const std::string& path);
  // parent[key] as a boolean; false when absent.
  bool Bool(const YAML::Node& parent, const char* key, const std::string& path);
  // parent[key] as a map of Prometheus labels (annotations: values may hold anything but must
  // not be empty). Invalid entries are errors.
  // `any_key` accepts any non-empty key (Kubernetes metadata labels such as
  // app.kubernetes.io/part-of).
  Labels LabelMap(const YAML::Node& parent, const char* key, const std::string& path,
                  bool annotations, bool any_key = false);
  // Checks an SLI query: present, uses {{.window}}, renders and looks like PromQL.
  void CheckQuery(const YAML::Node& at, const std::string& path, const std::string& query,
                  bool require_window);

 private:
  std::string file_;
  int line_offset_;
  Diagnostics* diags_;
  int errors_ = 0;
};

// Decoders of one parsed document; each appends its SpecDocument when the document has no
// error. `default_period_ms` applies to Sloth specs and OpenSLO SLOs without timeWindows.
void DecodeSlothV1(const YAML::Node& root, Reader& r, int64_t default_period_ms,
                   std::vector<SpecDocument>* out);
void DecodeSlothK8s(const YAML::Node& root, Reader& r, int64_t default_period_ms,
                    std::vector<SpecDocument>* out);
void DecodeOpenSloV1Alpha(const YAML::Node& root, Reader& r, int64_t default_period_ms,
                          std::vector<SpecDocument>* out);

// OpenSLO v1: `text` holds the file with every non-v1 document blanked (line numbers kept);
// loads it with src/slo's loader and maps each SLO whose SLI reads Prometheus.
void DecodeOpenSloV1(const std::string& text, const std::string& file_name,
                     int64_t default_period_ms, Diagnostics* diags,
                     std::vector<SpecDocument>* out);

}  // namespace ballast::rules::internal
