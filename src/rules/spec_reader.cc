#include "rules/spec_reader.h"

#include <charconv>

#include "rules/prom_text.h"

namespace ballast::rules::internal {
namespace {

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t extra = 0;
    if (c < 0x80) {
      extra = 0;
    } else if ((c >> 5) == 0x6) {
      extra = 1;
    } else if ((c >> 4) == 0xE) {
      extra = 2;
    } else if ((c >> 3) == 0x1E) {
      extra = 3;
    } else {
      return false;
    }
    for (size_t k = 1; k <= extra; ++k) {
      if (i + k >= s.size()) return false;
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
    }
    i += extra + 1;
  }
  return true;
}

}  // namespace

YAML::Node Child(const YAML::Node& n, const char* key) {
  if (!n.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  return n[key];
}

std::string Join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

SourcePos Reader::Pos(const YAML::Node& n) const {
  SourcePos p;
  p.file = file_;
  if (n.IsDefined()) {
    const YAML::Mark m = n.Mark();
    if (m.line >= 0) {
      p.line = m.line + 1 + line_offset_;
      p.column = m.column + 1;
    }
  }
  return p;
}

void Reader::Error(const YAML::Node& at, const std::string& path, std::string message) {
  ++errors_;
  diags_->Error(Pos(at), path, std::move(message));
}

void Reader::Warning(const YAML::Node& at, const std::string& path, std::string message) {
  diags_->Warning(Pos(at), path, std::move(message));
}

void Reader::WarnUnknownKeys(const YAML::Node& map, const std::string& path,
                             std::initializer_list<std::string_view> known) {
  if (!map.IsMap()) return;
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (!it->first.IsScalar()) {
      Error(it->first, path, "keys must be strings");
      continue;
    }
    const std::string& key = it->first.Scalar();
    bool found = false;
    for (std::string_view k : known) found = found || k == key;
    if (!found) Warning(it->first, Join(path, key), "unknown field, ignored");
  }
}

std::optional<std::string> Reader::String(const YAML::Node& parent, const char* key,
                                          const std::string& path) {
  if (!parent.IsMap()) return std::nullopt;
  const YAML::Node n = parent[key];
  if (!n || n.IsNull()) return std::nullopt;
  if (!n.IsScalar()) {
    Error(n, Join(path, key), "must be a string");
    return std::nullopt;
  }
  return n.Scalar();
}

std::optional<double> Reader::Number(const YAML::Node& parent, const char* key,
                                     const std::string& path) {
  if (!parent.IsMap()) return std::nullopt;
  const YAML::Node n = parent[key];
  if (!n || n.IsNull()) return std::nullopt;
  const std::string field = Join(path, key);
  if (!n.IsScalar()) {
    Error(n, field, "must be a number");
    return std::nullopt;
  }
  std::string_view s = n.Scalar();
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) {
    Error(n, field, "'" + n.Scalar() + "' is not a number");
    return std::nullopt;
  }
  return v;
}

bool Reader::Bool(const YAML::Node& parent, const char* key, const std::string& path) {
  if (!parent.IsMap()) return false;
  const YAML::Node n = parent[key];
  if (!n || n.IsNull()) return false;
  if (n.IsScalar()) {
    const std::string& s = n.Scalar();
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
  }
  Error(n, Join(path, key), "must be true or false");
  return false;
}

Labels Reader::LabelMap(const YAML::Node& parent, const char* key, const std::string& path,
                        bool annotations, bool any_key) {
  Labels out;
  if (!parent.IsMap()) return out;
  const YAML::Node n = parent[key];
  const std::string field = Join(path, key);
  if (!n || n.IsNull()) return out;
  if (!n.IsMap()) {
    Error(n, field, "must be a mapping of names to strings");
    return out;
  }
  for (auto it = n.begin(); it != n.end(); ++it) {
    if (!it->first.IsScalar()) {
      Error(it->first, field, "keys must be strings");
      continue;
    }
    const std::string& name = it->first.Scalar();
    const std::string entry = Join(field, name);
    if (any_key ? name.empty() : (!IsValidLabelName(name) || (!annotations && name == "__name__"))) {
      Error(it->first, entry,
            std::string("'") + name + "' is not a valid " + (annotations ? "annotation" : "label") +
                " name ([a-zA-Z_][a-zA-Z0-9_]*)");
      continue;
    }
    if (!it->second.IsScalar() || it->second.Scalar().empty()) {
      Error(it->second.IsDefined() && !it->second.IsNull() ? it->second : it->first, entry,
            "must be a non-empty string");
      continue;
    }
    if (!IsValidUtf8(it->second.Scalar())) {
      Error(it->second, entry, "must be valid UTF-8");
      continue;
    }
    out[name] = it->second.Scalar();
  }
  return out;
}

void Reader::CheckQuery(const YAML::Node& at, const std::string& path, const std::string& query,
                        bool require_window) {
  if (query.empty()) {
    Error(at, path, "is required");
    return;
  }
  if (require_window && !HasWindowTemplate(query)) {
    Error(at, path, "must use the {{.window}} template for the rate window");
    return;
  }
  std::optional<std::string> rendered = RenderWindow(query, "1m");
  if (!rendered) {
    Error(at, path, "only the {{.window}} template action is supported");
    return;
  }
  std::string problem = QuerySyntaxError(*rendered);
  if (!problem.empty()) Error(at, path, "invalid PromQL: " + problem);
}

}  // namespace ballast::rules::internal
