#include "registry/diagnostics.h"

#include <algorithm>
#include <tuple>
#include <utility>

namespace ballast::registry {

std::string SourcePos::ToString() const {
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
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
  items_.push_back({Severity::kError, std::move(pos), std::move(path), std::move(message)});
  ++errors_;
}

void Diagnostics::Warning(SourcePos pos, std::string path, std::string message) {
  items_.push_back({Severity::kWarning, std::move(pos), std::move(path), std::move(message)});
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
  if (errors_ == 0) return Status::Ok();
  std::string message;
  std::string field;
  for (const Diagnostic& d : items_) {
    if (d.severity != Severity::kError) continue;
    if (!message.empty()) message += '\n';
    else field = d.path;
    message += d.ToString();
  }
  return Status::InvalidArgument(std::move(message), std::move(field));
}

}  // namespace ballast::registry
