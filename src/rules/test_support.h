// Shared by the rules tests: locating the Sloth corpus, reading files, comparing generated rules
// with Sloth's expected output as parsed YAML, and running promtool.
#pragma once

#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "rules/prom_text.h"

namespace ballast::rules::testing {

// The source root, from BALLAST_SOURCE_DIR (set by ctest); "." when unset.
inline std::string SourceDir() {
  const char* dir = std::getenv("BALLAST_SOURCE_DIR");
  return dir != nullptr ? dir : ".";
}

inline std::string SlothDir() { return SourceDir() + "/tests/conformance/sloth"; }

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// Renders one of Sloth's expected-output templates: `{{ .version }}` becomes `version` and
// `{{"text"}}` (a Go template string literal) becomes text.
inline std::string RenderExpectedTemplate(std::string tpl, const std::string& version) {
  for (size_t p; (p = tpl.find("{{ .version }}")) != std::string::npos;) {
    tpl.replace(p, 14, version);
  }
  size_t pos = 0;
  while ((pos = tpl.find("{{\"", pos)) != std::string::npos) {
    size_t end = tpl.find("\"}}", pos + 3);
    if (end == std::string::npos) break;
    std::string inner = tpl.substr(pos + 3, end - pos - 3);
    tpl.replace(pos, end + 3 - pos, inner);
    pos += inner.size();
  }
  return tpl;
}

// Non-null YAML documents of `text`.
inline std::vector<YAML::Node> Documents(const std::string& text) {
  std::vector<YAML::Node> docs;
  for (const YAML::Node& d : YAML::LoadAll(text)) {
    if (d.IsDefined() && !d.IsNull()) docs.push_back(d);
  }
  return docs;
}

// The first difference between two parsed YAML trees, "" when equal. `expr` values compare with
// whitespace normalised; `sloth_version` values (the generator's version) are ignored.
inline std::string YamlDiff(const YAML::Node& want, const YAML::Node& got, const std::string& path,
                            const std::string& key = "") {
  if (want.Type() != got.Type()) return path + ": node types differ";
  switch (want.Type()) {
    case YAML::NodeType::Scalar: {
      if (key == "sloth_version") return "";
      std::string a = want.Scalar(), b = got.Scalar();
      if (key == "expr") {
        a = NormalizeWhitespace(a);
        b = NormalizeWhitespace(b);
      }
      return a == b ? "" : path + ": want <" + a + "> got <" + b + ">";
    }
    case YAML::NodeType::Sequence: {
      if (want.size() != got.size()) {
        return path + ": want " + std::to_string(want.size()) + " items, got " +
               std::to_string(got.size());
      }
      for (size_t i = 0; i < want.size(); ++i) {
        std::string d = YamlDiff(want[i], got[i], path + "[" + std::to_string(i) + "]");
        if (!d.empty()) return d;
      }
      return "";
    }
    case YAML::NodeType::Map: {
      for (auto it = want.begin(); it != want.end(); ++it) {
        const std::string k = it->first.Scalar();
        if (!got[k]) return path + ": missing key " + k;
        std::string d = YamlDiff(it->second, got[k], path + "." + k, k);
        if (!d.empty()) return d;
      }
      for (auto it = got.begin(); it != got.end(); ++it) {
        if (!want[it->first.Scalar()]) return path + ": unexpected key " + it->first.Scalar();
      }
      return "";
    }
    default:
      return "";
  }
}

// Compares every document of two YAML texts.
inline std::string DocumentsDiff(const std::string& want_text, const std::string& got_text) {
  std::vector<YAML::Node> want = Documents(want_text), got = Documents(got_text);
  if (want.size() != got.size()) {
    return "want " + std::to_string(want.size()) + " documents, got " + std::to_string(got.size());
  }
  for (size_t i = 0; i < want.size(); ++i) {
    std::string d = YamlDiff(want[i], got[i], "doc" + std::to_string(i));
    if (!d.empty()) return d;
  }
  return "";
}

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs a shell command, capturing its output.
inline CommandResult RunCommand(const std::string& command) {
  CommandResult r;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) r.output.append(buf, n);
  int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

inline const char* kPromtool = "/usr/bin/promtool";

// A fresh temporary directory for one test.
inline std::string TempDir(const std::string& name) {
  std::filesystem::path p = std::filesystem::temp_directory_path() /
                            ("ballast-rules-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p.string();
}

}  // namespace ballast::rules::testing
