// libFuzzer target for the filter expression language: parses arbitrary text (the first byte
// picks the dialect), compiles it against the request-event schema and evaluates it on a fixed
// event. Also checks that Format's output parses back to the same canonical text.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/expr.h"
#include "property_checks.h"
#include "telemetry/event_record.h"

namespace {

using namespace ballast;

const telemetry::RequestEvent& FixedEvent() {
  static const telemetry::RequestEvent event = [] {
    telemetry::RequestEvent e;
    e.time = 1'767'225'600'000;
    e.service = "support-bot";
    e.variant = "canary";
    e.model = "gpt-4o-mini@3";
    e.outcome = telemetry::Outcome::kOk;
    e.latency_ms = 1840;
    e.ttft_ms = 310;
    e.output_tokens = 154;
    e.score_count = 1;
    e.scores[0] = {"quality", 0.83};
    e.flag_count = 2;
    e.flags[0] = "refusal";
    e.flags[1] = "pii_leak";
    e.attribute_count = 1;
    e.attributes[0] = {"tenant", "acme"};
    return e;
  }();
  return event;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  expr::ParseOptions options;
  std::string_view text;
  if (!ballast::fuzz::SplitExpressionInput(data, size, options, text)) return 0;
  Result<expr::Expression> parsed = expr::Parse(text, options);
  if (!parsed) {
    if (parsed.error().message().empty()) std::abort();
    return 0;
  }
  std::string canonical = expr::Format(parsed->root);
  expr::ParseOptions relaxed;
  relaxed.dialect = expr::Dialect::kMlflow;  // Format may backtick odd keys
  relaxed.max_length = 1 << 20;
  Result<expr::Expression> again = expr::Parse(canonical, relaxed);
  if (!again || expr::Format(again->root) != canonical) std::abort();

  Result<expr::Predicate> predicate = expr::Compile(parsed->root, telemetry::RequestEventSchema());
  if (predicate) {
    bool a = predicate->Evaluate(telemetry::RequestEventRecord(FixedEvent()));
    bool b = predicate->Evaluate(telemetry::RequestEventRecord(FixedEvent()));
    if (a != b) std::abort();
  }
  return 0;
}
