// Diagnostics for prompt files: every problem found while decoding, collected in one pass.
//
// Decoding never stops at the first problem, so `ballast prompt push --check` can print every
// error of a directory at once. Each entry names the file, the 1-based line and column, the field
// path inside the object and the problem:
//
//   prompts/support.yaml:12:7: spec.messages[1].role: unknown role "admin" (expected system,
//   user, assistant or tool)
//   prompts/support.yaml:20:5: warning: spec.variables.tone: declared but never used
//
// Errors make a load fail; warnings do not.
//
// Thread safety: values; no shared state.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common/status.h"

namespace ballast::registry {

// Where a value was read. line and column are 1-based; 0 means unknown.
struct SourcePos {
  std::string file;
  int line = 0;
  int column = 0;

  // "file:line:column", "file" or "" depending on what is known.
  std::string ToString() const;
  friend bool operator==(const SourcePos&, const SourcePos&) = default;
};

enum class Severity { kError, kWarning };

struct Diagnostic {
  Severity severity = Severity::kError;
  SourcePos pos;
  std::string path;  // field path inside the object: "spec.messages[0].content"; may be empty
  std::string message;

  // "file:line:col: [warning: ]path: message".
  std::string ToString() const;
};

class Diagnostics {
 public:
  void Error(SourcePos pos, std::string path, std::string message);
  void Warning(SourcePos pos, std::string path, std::string message);

  bool HasErrors() const { return errors_ > 0; }
  size_t error_count() const { return errors_; }
  size_t warning_count() const { return items_.size() - errors_; }
  const std::vector<Diagnostic>& items() const { return items_; }
  bool empty() const { return items_.empty(); }

  // Orders entries by file, line and column (stable), so that output follows the document
  // rather than the order checks ran in.
  void SortByPosition();

  // One diagnostic per line, in the order found.
  std::string ToString() const;
  // OK without errors; otherwise InvalidArgument listing every error (one a line) whose field is
  // the first error's path.
  Status ToStatus() const;

 private:
  std::vector<Diagnostic> items_;
  size_t errors_ = 0;
};

}  // namespace ballast::registry
