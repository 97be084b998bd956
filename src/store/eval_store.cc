// The pure parts of eval_store.h: case files, content hashes and status names.
#include "store/eval_store.h"

#include <nlohmann/json.hpp>

#include "common/sha256.h"

namespace ballast::store {
namespace {

using nlohmann::json;

// The canonical text of a checked case, or the problem (message, field within the case).
Result<std::string> CheckCase(const json& c) {
  if (!c.is_object()) {
    return Status::InvalidArgument(
        "a case must be a JSON object {\"vars\": {...}, \"expected\": ..., \"metadata\": {...}}");
  }
  for (const auto& [key, value] : c.items()) {
    if (key != "vars" && key != "expected" && key != "metadata") {
      return Status::InvalidArgument(
          "unknown field '" + key + "' (a case has vars, expected and metadata)", key);
    }
  }
  auto vars = c.find("vars");
  if (vars == c.end()) return Status::InvalidArgument("vars is missing", "vars");
  if (!vars->is_object()) return Status::InvalidArgument("vars must be a JSON object", "vars");
  auto metadata = c.find("metadata");
  if (metadata != c.end() && !metadata->is_object()) {
    return Status::InvalidArgument("metadata must be a JSON object", "metadata");
  }
  try {
    // nlohmann's object is a sorted map: dump() is canonical (sorted keys, no whitespace).
    std::string text = c.dump();
    if (text.size() > kMaxCaseBytes) {
      return Status::InvalidArgument("a case is larger than " + std::to_string(kMaxCaseBytes) +
                                     " bytes");
    }
    return text;
  } catch (const json::exception& e) {
    return Status::InvalidArgument(std::string("case cannot be written as JSON: ") + e.what());
  }
}

Result<std::string> CanonicalFromText(std::string_view text) {
  if (text.size() > kMaxCaseBytes) {
    return Status::InvalidArgument("line is longer than " + std::to_string(kMaxCaseBytes) +
                                   " bytes");
  }
  json c = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (c.is_discarded()) return Status::InvalidArgument("not valid JSON");
  return CheckCase(c);
}

bool IsBlank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

}  // namespace

Result<std::string> CanonicalCase(std::string_view json_text) {
  return CanonicalFromText(json_text);
}

ParsedCases ParseCasesJsonl(std::string_view text, size_t max_problems) {
  ParsedCases out;
  int64_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (IsBlank(line)) continue;
    if (static_cast<int64_t>(out.cases.size()) >= kMaxDatasetCases) {
      out.problems.push_back({line_no, "",
                              "more than " + std::to_string(kMaxDatasetCases) +
                                  " cases in one version"});
      break;
    }
    Result<std::string> c = CanonicalFromText(line);
    if (c) {
      out.cases.push_back(std::move(*c));
      continue;
    }
    out.problems.push_back({line_no, c.error().field(), c.error().message()});
    if (out.problems.size() >= max_problems) break;
  }
  if (out.cases.empty() && out.problems.empty()) {
    out.problems.push_back({0, "", "no cases: expected one JSON object per line"});
  }
  return out;
}

Status CaseProblemsStatus(const std::vector<CaseProblem>& problems) {
  if (problems.empty()) return Status::Internal("CaseProblemsStatus called without problems");
  const CaseProblem& p = problems.front();
  std::string where = p.line > 0 ? "line " + std::to_string(p.line) : "cases";
  std::string message = where + ": " + p.message;
  if (problems.size() > 1) {
    message += " (and " + std::to_string(problems.size() - 1) + " more bad line" +
               (problems.size() > 2 ? "s" : "") + ")";
  }
  return Status::InvalidArgument(message, p.field.empty() ? where : where + "." + p.field);
}

std::string CasesContentHash(const std::vector<std::string>& cases) {
  Sha256 h;
  for (size_t i = 0; i < cases.size(); ++i) {
    if (i > 0) h.Update(std::string_view("\n"));
    h.Update(cases[i]);
  }
  Sha256::Digest d = h.Finish();
  return HexEncode(d);
}

std::string_view EvalStatusName(EvalStatus s) {
  switch (s) {
    case EvalStatus::kRunning:
      return "running";
    case EvalStatus::kCompleted:
      return "completed";
    case EvalStatus::kFailed:
      return "failed";
  }
  return "completed";
}

std::optional<EvalStatus> ParseEvalStatus(std::string_view s) {
  if (s == "running") return EvalStatus::kRunning;
  if (s == "completed") return EvalStatus::kCompleted;
  if (s == "failed") return EvalStatus::kFailed;
  return std::nullopt;
}

}  // namespace ballast::store
