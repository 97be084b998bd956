#include "common/diagnostics.h"

#include <algorithm>
#include <tuple>
#include <utility>

namespace ballast {

std::string SourcePos::ToString() const {
  if (file.empty() && line == 0) return {};
  std::string out = file.empty() ? "<input>" : file;
  if (line > 0) {
    out += ':' + std::to_string(line);
    if (column > 0) out += ':' + std::to_string(column);
  }
  return out;
}

std::string Diagnostic::ToString() const {
  std::string out = pos.ToString();
  if (!out.empty()) out += ": ";
  if (severity == Severity::kWarning) out += "warning: ";
  if (!path.empty()) out += path + ": ";
  out += message;
  return out;
}

void Diagnostics::Error(SourcePos pos, std::string path, std::string message) {
  Add({Severity::kError, std::move(pos), std::move(path), std::move(message)});
}

void Diagnostics::Warning(SourcePos pos, std::string path, std::string message) {
  Add({Severity::kWarning, std::move(pos), std::move(path), std::move(message)});
}

void Diagnostics::Add(Diagnostic d) {
  if (d.severity == Severity::kError) ++errors_;
  items_.push_back(std::move(d));
}

void Diagnostics::Append(const Diagnostics& other) {
  for (const Diagnostic& d : other.items_) Add(d);
}

void Diagnostics::SortByPosition() {
  std::stable_sort(items_.begin(), items_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.pos.file, a.pos.line, a.pos.column) <
           std::tie(b.pos.file, b.pos.line, b.pos.column);
  });
}

std::string Diagnostics::ToString() const {
  std::string out;
  for (const Diagnostic& d : items_) {
    out += d.ToString();
    out += '\n';
  }
  return out;
}

Status Diagnostics::ToStatus() const {
  if (!HasErrors()) return Status::Ok();
  std::string message;
  std::string field;
  bool first = true;
  for (const Diagnostic& d : items_) {
    if (d.severity != Severity::kError) continue;
    if (first) field = d.path;
    first = false;
    if (!message.empty()) message += '\n';
    message += d.ToString();
  }
  return Status::InvalidArgument(std::move(message), std::move(field));
}

}  // namespace ballast
