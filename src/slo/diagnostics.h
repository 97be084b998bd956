// Diagnostics: every problem found while loading OpenSLO definitions, collected in one pass.
//
// Loading never stops at the first problem: the reader, the decoder and the validator append to
// one Diagnostics list so that `ballast validate` can print every error at once. Each entry names
// the file, the 1-based line and column, the field path inside the object and the problem:
//
//   slos/chat.yaml:14:9: spec.objectives[0].target: must be less than 1
//   slos/chat.yaml:20:7: warning: spec.objectives[0].op: ignored on a ratioMetric objective
//
// Errors make a load fail; warnings do not (they flag legal but unusual definitions).
//
// Thread safety: values; no shared state.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common/status.h"

namespace ballast::slo {

// Where a value was read. line and column are 1-based; 0 means unknown (e.g. stdin JSON without
// positions, or an object built in code).
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

  // One diagnostic per line, in the order found.
  std::string ToString() const;
  // OK without errors; otherwise InvalidArgument whose message lists every error (one a line)
  // and whose field is the first error's path.
  Status ToStatus() const;

 private:
  std::vector<Diagnostic> items_;
  size_t errors_ = 0;
};

}  // namespace ballast::slo
