#include "rules/spec.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>

#include "rules/spec_reader.h"

namespace ballast::rules {
namespace {

struct Chunk {
  int first_line = 0;  // 0-based line of the chunk's first line
  std::vector<std::string_view> lines;
};

// A line that separates documents: "---" alone or followed by whitespace/comment.
bool IsSeparator(std::string_view line) {
  if (line.substr(0, 3) != "---") return false;
  return line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r';
}

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      if (start < text.size()) lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

std::string JoinLines(const std::vector<std::string_view>& lines) {
  std::string out;
  for (std::string_view l : lines) {
    out.append(l);
    out.push_back('\n');
  }
  return out;
}

std::string ScalarOr(const YAML::Node& map, const char* key) {
  const YAML::Node n = map[key];
  return n.IsDefined() && n.IsScalar() ? n.Scalar() : "";
}

}  // namespace

std::string_view SpecLabel(SpecKind kind) {
  switch (kind) {
    case SpecKind::kSlothV1:
      return "prometheus/v1";
    case SpecKind::kSlothK8s:
      return "sloth.slok.dev/v1";
    case SpecKind::kOpenSloV1Alpha:
      return "openslo/v1alpha";
    case SpecKind::kOpenSloV1:
      return "openslo/v1";
  }
  return "";
}

std::string_view ModeLabel(SpecKind kind) {
  switch (kind) {
    case SpecKind::kSlothV1:
      return "cli-gen-prom";
    case SpecKind::kSlothK8s:
      return "cli-gen-k8s";
    case SpecKind::kOpenSloV1Alpha:
    case SpecKind::kOpenSloV1:
      return "cli-gen-openslo";
  }
  return "";
}

SpecSet ReadSpecs(std::string_view text, const std::string& file_name,
                  int64_t default_period_ms) {
  SpecSet set;
  std::vector<std::string_view> lines = SplitLines(text);
  std::vector<Chunk> chunks(1);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (IsSeparator(lines[i])) {
      chunks.push_back(Chunk{static_cast<int>(i) + 1, {}});
      continue;
    }
    chunks.back().lines.push_back(lines[i]);
  }

  // OpenSLO v1 documents go to src/slo's loader together (their references resolve across
  // documents); every other line is blanked so that its positions stay right.
  std::vector<bool> v1_line(lines.size(), false);
  bool any_v1 = false;
  std::vector<std::pair<int, SpecDocument>> ordered;
  for (const Chunk& chunk : chunks) {
    std::vector<SpecDocument> docs;
    internal::Reader r(file_name, chunk.first_line, &set.diagnostics);
    YAML::Node root;
    try {
      root = YAML::Load(JoinLines(chunk.lines));
    } catch (const YAML::ParserException& e) {
      SourcePos pos{file_name, e.mark.line + 1 + chunk.first_line, e.mark.column + 1};
      set.diagnostics.Error(pos, "", "invalid YAML: " + e.msg);
      continue;
    } catch (const YAML::Exception& e) {
      set.diagnostics.Error({file_name, chunk.first_line + 1, 1}, "",
                            std::string("invalid YAML: ") + e.what());
      continue;
    }
    if (!root.IsDefined() || root.IsNull()) continue;  // empty or comments only
    if (!root.IsMap()) {
      r.Error(root, "", "a document must be a mapping (a Sloth spec or an OpenSLO object)");
      continue;
    }
    try {
      const std::string version = ScalarOr(root, "version");
      const std::string api = ScalarOr(root, "apiVersion");
      const std::string kind = ScalarOr(root, "kind");
      if (root["version"].IsDefined()) {
        if (version != "prometheus/v1") {
          r.Error(root["version"], "version",
                  "unsupported spec version '" + version + "': expected prometheus/v1");
        } else {
          internal::DecodeSlothV1(root, r, default_period_ms, &docs);
        }
      } else if (api == "sloth.slok.dev/v1") {
        if (kind == "PrometheusServiceLevel") {
          internal::DecodeSlothK8s(root, r, default_period_ms, &docs);
        } else {
          r.Error(root["kind"].IsDefined() ? root["kind"] : root, "kind",
                  "unsupported kind '" + kind + "' for sloth.slok.dev/v1: expected "
                  "PrometheusServiceLevel");
        }
      } else if (api == "openslo/v1alpha") {
        if (kind == "SLO") {
          internal::DecodeOpenSloV1Alpha(root, r, default_period_ms, &docs);
        } else {
          r.Warning(root["kind"].IsDefined() ? root["kind"] : root, "kind",
                    "only SLO objects of openslo/v1alpha generate rules; " + kind + " ignored");
        }
      } else if (api == "openslo/v1") {
        any_v1 = true;
        for (size_t k = 0; k < chunk.lines.size(); ++k) {
          v1_line[static_cast<size_t>(chunk.first_line) + k] = true;
        }
      } else {
        r.Error(root, api.empty() ? "version" : "apiVersion",
                api.empty() ? "unknown document: expected version: prometheus/v1, or an apiVersion "
                              "of sloth.slok.dev/v1, openslo/v1alpha or openslo/v1"
                            : "unsupported apiVersion '" + api +
                                  "': expected sloth.slok.dev/v1, openslo/v1alpha or openslo/v1");
      }
    } catch (const YAML::Exception& e) {
      r.Error(root, "", std::string("unreadable document: ") + e.what());
      docs.clear();
    }
    for (SpecDocument& d : docs) ordered.emplace_back(d.pos.line, std::move(d));
  }

  if (any_v1) {
    std::string masked;
    for (size_t i = 0; i < lines.size(); ++i) {
      if (v1_line[i] || IsSeparator(lines[i])) masked.append(lines[i]);
      masked.push_back('\n');
    }
    std::vector<SpecDocument> docs;
    internal::DecodeOpenSloV1(masked, file_name, default_period_ms, &set.diagnostics, &docs);
    for (SpecDocument& d : docs) ordered.emplace_back(d.pos.line, std::move(d));
  }

  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });

  // Rule group names derive from SLO ids: a repeated id would make the rules file invalid.
  std::map<std::string, SourcePos> seen;
  for (auto& [line, doc] : ordered) {
    for (const RuleSlo& s : doc.slos) {
      auto [it, inserted] = seen.emplace(s.id, s.pos);
      if (!inserted) {
        set.diagnostics.Error(s.pos, s.path,
                              "SLO id '" + s.id + "' is repeated (first at " +
                                  it->second.ToString() + ")");
      }
    }
    set.documents.push_back(std::move(doc));
  }
  if (set.diagnostics.HasErrors()) set.documents.clear();
  return set;
}

}  // namespace ballast::rules
