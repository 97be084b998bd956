#include "slo/catalog.h"

namespace ballast::slo {

Catalog::Catalog(std::vector<Object> objects, const Catalog* fallback)
    : objects_(std::move(objects)), fallback_(fallback) {
  for (size_t i = 0; i < objects_.size(); ++i)
    index_.emplace(std::make_pair(objects_[i].kind, objects_[i].metadata.name), i);
}

const Object* Catalog::Find(Kind kind, std::string_view name) const {
  auto it = index_.find(std::make_pair(kind, std::string(name)));
  if (it != index_.end()) return &objects_[it->second];
  return fallback_ != nullptr ? fallback_->Find(kind, name) : nullptr;
}

const SliSpec* Catalog::IndicatorFor(const SloSpec& slo, const Objective& objective) const {
  auto resolve = [this](const std::string& ref) -> const SliSpec* {
    const Object* o = Find(Kind::kSli, ref);
    return o != nullptr ? &o->As<SliSpec>() : nullptr;
  };
  if (objective.indicator) return &objective.indicator->spec;
  if (!objective.indicator_ref.empty()) return resolve(objective.indicator_ref);
  if (slo.indicator) return &slo.indicator->spec;
  if (!slo.indicator_ref.empty()) return resolve(slo.indicator_ref);
  return nullptr;
}

std::string Catalog::EffectiveType(const MetricSource& source) const {
  if (!source.type.empty()) return source.type;
  if (source.metric_source_ref.empty()) return {};
  const Object* ds = Find(Kind::kDataSource, source.metric_source_ref);
  return ds != nullptr ? ds->As<DataSourceSpec>().type : std::string();
}

}  // namespace ballast::slo
