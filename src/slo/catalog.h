// Catalog: a set of loaded OpenSLO objects indexed by (kind, name), with the reference
// resolution the validator and the evaluator share (indicatorRef -> SLI, metricSourceRef ->
// DataSource, ...).
//
// A catalog may have a fallback: references not found among its own objects are looked up
// there. This is how `POST /v1/apply` validates new objects against those already stored.
//
//   Catalog stored(store_objects);
//   Catalog incoming(std::move(loaded.objects), &stored);
//   Diagnostics d = Validate(incoming);
//
// Thread safety: immutable after construction; safe to read from many threads. The fallback
// must outlive the catalog.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "slo/model.h"

namespace ballast::slo {

class Catalog {
 public:
  Catalog() = default;
  // When two objects share a kind and a name, lookups return the first (Validate reports it).
  explicit Catalog(std::vector<Object> objects, const Catalog* fallback = nullptr);

  const std::vector<Object>& objects() const { return objects_; }
  const Catalog* fallback() const { return fallback_; }

  // The object of that kind and name, here or in the fallback; nullptr when unknown.
  const Object* Find(Kind kind, std::string_view name) const;

  // The SLI an objective of `slo` uses: the objective's own indicator or indicatorRef, else the
  // SLO's. nullptr when it is a reference to an unknown SLI (or there is none).
  const SliSpec* IndicatorFor(const SloSpec& slo, const Objective& objective) const;

  // A metric source's own type, else the type of the DataSource it references; empty when
  // neither is known.
  std::string EffectiveType(const MetricSource& source) const;

 private:
  std::vector<Object> objects_;
  std::map<std::pair<Kind, std::string>, size_t, std::less<>> index_;
  const Catalog* fallback_ = nullptr;
};

}  // namespace ballast::slo
