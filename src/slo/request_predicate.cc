#include "slo/request_predicate.h"

#include <algorithm>
#include <cmath>

#include "common/expr.h"

namespace ballast::slo {
namespace {

using telemetry::RequestEvent;

}  // namespace

std::optional<RequestField> RequestField::Of(std::string_view name) {
  static constexpr std::pair<std::string_view, Source> kFields[] = {
      {"time", Source::kTime},
      {"latency_ms", Source::kLatency},
      {"ttft_ms", Source::kTtft},
      {"tpot_ms", Source::kTpot},
      {"input_tokens", Source::kInputTokens},
      {"output_tokens", Source::kOutputTokens},
      {"cached_input_tokens", Source::kCachedInputTokens},
      {"cost_usd", Source::kCost},
  };
  RequestField f;
  for (const auto& [field, source] : kFields) {
    if (name == field) {
      f.source_ = source;
      return f;
    }
  }
  constexpr std::string_view kScores = "scores.";
  if (name.size() > kScores.size() && name.substr(0, kScores.size()) == kScores &&
      name.find('.', kScores.size()) == std::string_view::npos) {
    f.source_ = Source::kScore;
    f.key_ = std::string(name.substr(kScores.size()));
    return f;
  }
  return std::nullopt;
}

// Builds RequestPredicate::nodes_ from the AST; false for any form it does not cover.
class RequestPredicateCompiler {
 public:
  using P = RequestPredicate;
  explicit RequestPredicateCompiler(P& p) : p_(p) {}

  bool Build(const expr::Node& n, uint32_t at) {
    P::Node out;
    switch (n.kind) {
      case expr::NodeKind::kAnd:
      case expr::NodeKind::kOr:
      case expr::NodeKind::kNot: {
        if (n.children.empty()) return false;
        out.kind = n.kind == expr::NodeKind::kAnd  ? P::Kind::kAnd
                   : n.kind == expr::NodeKind::kOr ? P::Kind::kOr
                                                   : P::Kind::kNot;
        out.first = static_cast<uint32_t>(p_.nodes_.size());
        out.count = static_cast<uint32_t>(n.children.size());
        p_.nodes_.resize(p_.nodes_.size() + n.children.size());
        for (uint32_t i = 0; i < out.count; ++i) {
          if (!Build(n.children[i], out.first + i)) return false;
        }
        break;
      }
      case expr::NodeKind::kComparison:
        if (!Comparison(n, out)) return false;
        break;
    }
    p_.nodes_[at] = std::move(out);
    return true;
  }

 private:
  static std::optional<P::Compare> CompareOf(expr::Op op) {
    switch (op) {
      case expr::Op::kEq:
        return P::Compare::kEq;
      case expr::Op::kNe:
        return P::Compare::kNe;
      case expr::Op::kLt:
        return P::Compare::kLt;
      case expr::Op::kLe:
        return P::Compare::kLe;
      case expr::Op::kGt:
        return P::Compare::kGt;
      case expr::Op::kGe:
        return P::Compare::kGe;
      case expr::Op::kIn:
        return P::Compare::kIn;
      case expr::Op::kNotIn:
        return P::Compare::kNotIn;
      default:
        return std::nullopt;
    }
  }

  // Only = != IN NOT IN with string literals; fills `out.strings` sorted and unique.
  static bool StringValues(const expr::Node& n, P::Node& out) {
    if (out.compare != P::Compare::kEq && out.compare != P::Compare::kNe &&
        out.compare != P::Compare::kIn && out.compare != P::Compare::kNotIn) {
      return false;
    }
    for (const expr::Literal& l : n.values) {
      if (l.kind != expr::Literal::Kind::kString) return false;
      out.strings.push_back(l.string);
    }
    std::sort(out.strings.begin(), out.strings.end());
    out.strings.erase(std::unique(out.strings.begin(), out.strings.end()), out.strings.end());
    return !out.strings.empty();
  }

  bool Comparison(const expr::Node& n, P::Node& out) {
    const std::vector<std::string>& path = n.field.segments;
    if (path.empty() || n.values.empty()) return false;
    if (n.op == expr::Op::kHas) {
      if (path.size() != 1 || path[0] != "flags" || n.values.size() != 1 ||
          n.values[0].kind != expr::Literal::Kind::kString) {
        return false;
      }
      out.kind = P::Kind::kFlag;
      out.key = n.values[0].string;
      return true;
    }
    std::optional<P::Compare> compare = CompareOf(n.op);
    if (!compare) return false;
    out.compare = *compare;
    const bool list = out.compare == P::Compare::kIn || out.compare == P::Compare::kNotIn;
    if (!list && n.values.size() != 1) return false;
    if (path.size() == 2 && path[0] == "attributes") {
      out.kind = P::Kind::kAttribute;
      out.key = path[1];
      return StringValues(n, out);
    }
    std::string name = path[0];
    if (path.size() == 2 && path[0] == "scores") name += "." + path[1];
    if (path.size() > 2 || (path.size() == 2 && path[0] != "scores")) return false;
    if (std::optional<RequestField> f = RequestField::Of(name)) {
      out.kind = P::Kind::kNumber;
      out.number_field = std::move(f);
      for (const expr::Literal& l : n.values) {
        if (l.kind != expr::Literal::Kind::kNumber) return false;
        out.numbers.push_back(l.number);
      }
      std::sort(out.numbers.begin(), out.numbers.end());
      out.numbers.erase(std::unique(out.numbers.begin(), out.numbers.end()), out.numbers.end());
      return true;
    }
    if (name == "outcome") {
      out.kind = P::Kind::kOutcome;
      if (!StringValues(n, out)) return false;
      uint32_t named = 0;
      for (const std::string& v : out.strings) {
        telemetry::Outcome o;
        if (!telemetry::ParseOutcome(v, o)) return false;
        named |= 1u << static_cast<unsigned>(o);
      }
      // The outcome is always present: != and NOT IN are the complement.
      const uint32_t all = (1u << telemetry::kOutcomeCount) - 1;
      const bool negated = out.compare == P::Compare::kNe || out.compare == P::Compare::kNotIn;
      out.outcomes = negated ? all & ~named : named;
      out.strings.clear();
      return true;
    }
    static constexpr std::pair<std::string_view, P::StringField> kStrings[] = {
        {"service", P::StringField::kService},
        {"variant", P::StringField::kVariant},
        {"request_id", P::StringField::kRequestId},
        {"model", P::StringField::kModel},
        {"prompt", P::StringField::kPrompt},
        {"provider", P::StringField::kProvider},
        {"operation", P::StringField::kOperation},
        {"error_type", P::StringField::kErrorType},
        {"finish_reason", P::StringField::kFinishReason},
    };
    for (const auto& [field, which] : kStrings) {
      if (name == field) {
        out.kind = P::Kind::kString;
        out.string_field = which;
        return StringValues(n, out);
      }
    }
    return false;
  }

  P& p_;
};

std::optional<RequestPredicate> RequestPredicate::Compile(std::string_view text) {
  if (text.empty()) return std::nullopt;
  Result<expr::Expression> parsed = expr::Parse(text);
  if (!parsed) return std::nullopt;
  RequestPredicate p;
  p.nodes_.resize(1);
  RequestPredicateCompiler compiler(p);
  if (!compiler.Build(parsed->root, 0)) return std::nullopt;
  return p;
}

namespace {

// Flags and attributes as RequestEventRecord bounds them.
bool HasFlag(const RequestEvent& e, std::string_view flag) {
  for (int i = 0, n = std::clamp(e.flag_count, 0, telemetry::kMaxFlags); i < n; ++i)
    if (e.flags[i] == flag) return true;
  return false;
}

std::optional<std::string_view> Attribute(const RequestEvent& e, std::string_view key) {
  for (int i = 0, n = std::clamp(e.attribute_count, 0, static_cast<int>(e.attributes.size()));
       i < n; ++i)
    if (e.attributes[i].first == key) return e.attributes[i].second;
  return std::nullopt;
}

}  // namespace

std::string_view RequestPredicate::StringOf(const RequestEvent& e, StringField which) {
  switch (which) {
    case StringField::kService:
      return e.service;
    case StringField::kVariant:
      return e.variant;
    case StringField::kRequestId:
      return e.request_id;
    case StringField::kModel:
      return e.model;
    case StringField::kPrompt:
      return e.prompt;
    case StringField::kProvider:
      return e.provider;
    case StringField::kOperation:
      return e.operation;
    case StringField::kErrorType:
      return e.error_type;
    case StringField::kFinishReason:
      return e.finish_reason;
  }
  return {};
}

bool RequestPredicate::EvalNode(const Node& n, const RequestEvent& e) const {
  switch (n.kind) {
    case Kind::kAnd:
      for (uint32_t i = 0; i < n.count; ++i)
        if (!EvalNode(nodes_[n.first + i], e)) return false;
      return true;
    case Kind::kOr:
      for (uint32_t i = 0; i < n.count; ++i)
        if (EvalNode(nodes_[n.first + i], e)) return true;
      return false;
    case Kind::kNot:
      return !EvalNode(nodes_[n.first], e);
    case Kind::kOutcome:
      return (n.outcomes >> static_cast<unsigned>(e.outcome)) & 1u;
    case Kind::kFlag:
      return HasFlag(e, n.key);
    case Kind::kNumber: {
      const std::optional<double> v = n.number_field->Read(e);
      if (!v) return false;
      const double x = n.numbers.front();
      switch (n.compare) {
        case Compare::kEq:
          return *v == x;
        case Compare::kNe:
          return *v != x;
        case Compare::kLt:
          return *v < x;
        case Compare::kLe:
          return *v <= x;
        case Compare::kGt:
          return *v > x;
        case Compare::kGe:
          return *v >= x;
        case Compare::kIn:
          return std::binary_search(n.numbers.begin(), n.numbers.end(), *v);
        case Compare::kNotIn:
          return !std::binary_search(n.numbers.begin(), n.numbers.end(), *v);
      }
      return false;
    }
    case Kind::kString:
    case Kind::kAttribute: {
      std::string_view v;
      if (n.kind == Kind::kString) {
        v = StringOf(e, n.string_field);
        if (v.empty()) return false;  // an optional string not sent is absent
      } else {
        std::optional<std::string_view> a = Attribute(e, n.key);
        if (!a) return false;
        v = *a;
      }
      bool found;
      if (n.strings.size() == 1) {
        found = v == n.strings.front();
      } else {
        auto it = std::lower_bound(
            n.strings.begin(), n.strings.end(), v,
            [](const std::string& a, std::string_view b) { return std::string_view(a) < b; });
        found = it != n.strings.end() && *it == v;
      }
      return (n.compare == Compare::kEq || n.compare == Compare::kIn) ? found : !found;
    }
  }
  return false;
}

bool RequestPredicate::Evaluate(const RequestEvent& e) const { return EvalNode(nodes_[0], e); }

}  // namespace ballast::slo
