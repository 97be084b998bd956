// libFuzzer target for eval dataset case files (store/eval_store.h, ParseCasesJsonl): arbitrary
// bytes as a JSON-lines file. Properties checked, against an independent reading of the lines:
// - each non-blank line (a trailing '\r' dropped) is either the next case, equal to
//   CanonicalCase(line), or the next problem, naming that line (from 1) with CanonicalCase's
//   message and field; parsing stops after `max_problems` problems, so cases + problems equals
//   the non-blank lines read up to that point;
// - a file with no non-blank line is exactly one problem on line 0 and no cases;
// - cases are canonical (CanonicalCase of a case is itself) and objects with a `vars` object;
// - a smaller `max_problems` gives a prefix of the same result;
// - CaseProblemsStatus names the first problem's line in its message and field, and the content
//   hash is 64 hex digits.
//
// Links ballast_store (eval_store.cc; nlohmann-json) and ballast_common.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "property_checks.h"
#include "store/eval_store.h"

namespace {

using ballast::fuzz::Require;
namespace store = ballast::store;

bool Blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

void CheckAgainstLines(std::string_view text, const store::ParsedCases& p, size_t max_problems) {
  Require(p.problems.size() <= max_problems || (max_problems == 0 && p.problems.size() == 1),
          "more problems than max_problems");
  size_t next_case = 0, next_problem = 0;
  int64_t line_no = 0;
  bool stopped = false;
  size_t nonblank = 0;
  for (size_t pos = 0; pos < text.size() && !stopped;) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (Blank(line)) continue;
    ++nonblank;
    auto c = store::CanonicalCase(line);
    if (c) {
      Require(next_case < p.cases.size(), "a valid line is not a case");
      Require(p.cases[next_case] == *c, "case differs from CanonicalCase(line)");
      ++next_case;
    } else {
      Require(next_problem < p.problems.size(), "a bad line has no problem");
      const store::CaseProblem& problem = p.problems[next_problem];
      Require(problem.line == line_no, "problem names the wrong line");
      Require(problem.message == c.error().message() && problem.field == c.error().field(),
              "problem differs from CanonicalCase's error");
      ++next_problem;
      stopped = next_problem >= max_problems;
    }
  }
  Require(next_case == p.cases.size(), "more cases than valid lines");
  if (nonblank == 0) {
    Require(p.problems.size() == 1 && p.problems[0].line == 0 && p.cases.empty(),
            "an empty file is not one problem on line 0");
    return;
  }
  Require(next_problem == p.problems.size(), "more problems than bad lines");
}

void CheckCases(const store::ParsedCases& p) {
  for (const std::string& c : p.cases) {
    auto again = store::CanonicalCase(c);
    Require(again && *again == c, "a case is not canonical");
    auto j = nlohmann::json::parse(c, nullptr, /*allow_exceptions=*/false);
    Require(j.is_object() && j.contains("vars") && j["vars"].is_object(),
            "a case is not an object with a vars object");
  }
  const std::string hash = store::CasesContentHash(p.cases);
  Require(hash.size() == 64 && hash.find_first_not_of("0123456789abcdef") == std::string::npos,
          "content hash is not 64 hex digits");
  if (p.problems.empty()) return;
  ballast::Status s = store::CaseProblemsStatus(p.problems);
  const int64_t line = p.problems[0].line;
  const std::string where = line > 0 ? "line " + std::to_string(line) : "cases";
  Require(s.code() == ballast::StatusCode::kInvalidArgument, "problems status is not INVALID");
  Require(s.message().rfind(where + ": ", 0) == 0, "problems status does not name the line",
          s.message());
  Require(s.field().rfind(where, 0) == 0, "problems status field does not name the line",
          s.field());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  store::ParsedCases p = store::ParseCasesJsonl(text);
  CheckAgainstLines(text, p, 20);
  CheckCases(p);

  const size_t few = size % 4;  // 0..3, 0 included: one problem is always reported
  store::ParsedCases q = store::ParseCasesJsonl(text, few);
  CheckAgainstLines(text, q, few == 0 ? 1 : few);
  Require(q.cases.size() <= p.cases.size() && q.problems.size() <= p.problems.size(),
          "a smaller max_problems found more");
  for (size_t i = 0; i < q.cases.size(); ++i)
    Require(q.cases[i] == p.cases[i], "a smaller max_problems changed a case");
  for (size_t i = 0; i < q.problems.size(); ++i)
    Require(q.problems[i].line == p.problems[i].line, "a smaller max_problems changed a problem");
  return 0;
}
