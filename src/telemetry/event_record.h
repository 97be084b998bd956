// The filter-expression view of telemetry events: the Schema of each event kind (which fields a
// `where:` may name, and their types) and the Record adapters that let a compiled
// expr::Predicate read a RequestEvent or an EvaluationEvent without copying or allocating.
//
//   static const expr::Predicate good =
//       *expr::Compile("outcome = 'ok' AND ttft_ms <= 800", RequestEventSchema());
//   bool is_good = good.Evaluate(RequestEventRecord(event));
//
// Fields follow DESIGN.md §3 (docs/expressions.md lists them). Optional string fields that are
// empty (not sent) read as absent, so `NOT model = 'x'` matches an event without a model while
// `model != 'x'` does not. `tpot_ms` reads the derived value when it was not sent (the formula of
// RequestEvent::DeriveTpot), so filters see it whether or not the parser derived it.
//
// Thread safety: the schemas are immutable process-wide singletons, safe from any thread. A
// record adapter borrows its event and must not outlive it.
#pragma once

#include "common/expr.h"
#include "telemetry/event.h"

namespace ballast::telemetry {

const expr::Schema& RequestEventSchema();
const expr::Schema& EvaluationEventSchema();

class RequestEventRecord final : public expr::Record {
 public:
  explicit RequestEventRecord(const RequestEvent& event) : event_(event) {}
  expr::FieldValue Get(expr::SlotId slot, std::string_view key) const override;

 private:
  const RequestEvent& event_;
};

class EvaluationEventRecord final : public expr::Record {
 public:
  explicit EvaluationEventRecord(const EvaluationEvent& event) : event_(event) {}
  expr::FieldValue Get(expr::SlotId slot, std::string_view key) const override;

 private:
  const EvaluationEvent& event_;
};

}  // namespace ballast::telemetry
