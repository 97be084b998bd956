// Diagnostics: every problem found while reading a definition file, collected in one pass.
//
// Readers never stop at the first problem: the YAML reader (common/yaml_decode.h), the module
// decoders and validators append to one Diagnostics list so that `ballast validate`,
// `ballast prompt push --check` and the HTTP apply endpoints can report every error at once.
// Each entry names the file, the 1-based line and column, the field path inside the object and
// the problem:
//
//   slos/chat.yaml:14:9: spec.objectives[0].target: must be less than 1
//   prompts/support.yaml:20:5: warning: spec.variables.tone: declared but never used
//
// Errors make a load fail; warnings do not (they flag legal but unusual definitions).
//
// Thread safety: values; no shared state.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common/status.h"

namespace ballast {

// Where a value was read. line and column are 1-based; 0 means unknown (e.g. JSON without
// positions, or an object built in code).
struct SourcePos {
  std::string file;
  int line = 0;
  int column = 0;

  // "file:line:column", "file:line", "file" or "" depending on what is known; a position without
  // a file name is shown as "<input>:line:column".
  std::string ToString() const;
  friend bool operator==(const SourcePos&, const SourcePos&) = default;
};

enum class Severity { kError, kWarning };

struct Diagnostic {
  Severity severity = Severity::kError;
  SourcePos pos;
  std::string path;  // field path inside the object: "spec.objectives[0].target"; may be empty
  std::string message;

  // "file:line:col: [warning: ]path: message".
  std::string ToString() const;
};

class Diagnostics {
 public:
  void Error(SourcePos pos, std::string path, std::string message);
  void Warning(SourcePos pos, std::string path, std::string message);
  void Add(Diagnostic d);
  void Append(const Diagnostics& other);

  bool HasErrors() const { return errors_ > 0; }
  size_t error_count() const { return errors_; }
  size_t warning_count() const { return items_.size() - errors_; }
  const std::vector<Diagnostic>& items() const { return items_; }
  bool empty() const { return items_.empty(); }

  // Orders entries by file name, line and column (stable), so that output follows the document
  // rather than the order checks ran in. Callers that load several files in a meaningful order
  // sort by their own file order instead (slo/loader.cc).
  void SortByPosition();

  // One diagnostic per line, in the order held.
  std::string ToString() const;
  // OK without errors; otherwise InvalidArgument whose message lists every error (one a line)
  // and whose field is the first error's path (empty when that error is about no field).
  Status ToStatus() const;

 private:
  std::vector<Diagnostic> items_;
  size_t errors_ = 0;
};

}  // namespace ballast
