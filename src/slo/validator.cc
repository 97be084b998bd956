#include "slo/validator.h"

#include <map>
#include <string>
#include <utility>

#include "slo/ballast_source.h"

namespace ballast::slo {
namespace {

class Validator {
 public:
  Validator(const Catalog& catalog, Diagnostics* diags) : catalog_(catalog), diags_(diags) {}

  void Run() {
    std::map<std::pair<Kind, std::string>, const Object*> seen;
    for (const Object& o : catalog_.objects()) {
      auto [it, inserted] = seen.emplace(std::make_pair(o.kind, o.metadata.name), &o);
      if (!inserted && !o.metadata.name.empty()) {
        diags_->Error(o.metadata.name_pos, "metadata.name",
                      "duplicate " + std::string(KindName(o.kind)) + " \"" + o.metadata.name +
                          "\": already defined at " + it->second->metadata.name_pos.ToString());
      }
      switch (o.kind) {
        case Kind::kSlo:
          CheckSlo(o.As<SloSpec>());
          break;
        case Kind::kSli:
          CheckSli(o.As<SliSpec>());
          break;
        case Kind::kAlertPolicy:
          CheckPolicy(o.As<AlertPolicySpec>(), "spec");
          break;
        case Kind::kAlertNotificationTarget:
          CheckTargetMetadata(o.metadata, "metadata");
          break;
        default:
          break;
      }
    }
  }

 private:
  void UnknownRef(const SourcePos& pos, const std::string& path, Kind kind,
                  const std::string& name) {
    diags_->Error(pos, path,
                  "unknown " + std::string(KindName(kind)) + " \"" + name +
                      "\" (no such object among those loaded)");
  }

  void CheckTargetMetadata(const Metadata& md, const std::string& path) {
    auto it = md.annotations.find(std::string(kFormatAnnotation));
    if (it != md.annotations.end() && it->second != "slack" && it->second != "alertmanager")
      diags_->Error(md.name_pos, path + ".annotations." + std::string(kFormatAnnotation),
                    "invalid value \"" + it->second + "\": expected slack or alertmanager");
  }

  void CheckPolicy(const AlertPolicySpec& p, const std::string& path) {
    for (size_t i = 0; i < p.conditions.size(); ++i) {
      const auto& c = p.conditions[i];
      if (c.is_ref() && catalog_.Find(Kind::kAlertCondition, c.ref) == nullptr)
        UnknownRef(c.ref_pos, path + ".conditions[" + std::to_string(i) + "].conditionRef",
                   Kind::kAlertCondition, c.ref);
    }
    for (size_t i = 0; i < p.notification_targets.size(); ++i) {
      const auto& t = p.notification_targets[i];
      std::string tpath = path + ".notificationTargets[" + std::to_string(i) + "]";
      if (t.is_ref()) {
        if (catalog_.Find(Kind::kAlertNotificationTarget, t.ref) == nullptr)
          UnknownRef(t.ref_pos, tpath + ".targetRef", Kind::kAlertNotificationTarget, t.ref);
      } else if (t.metadata) {
        CheckTargetMetadata(*t.metadata, tpath + ".metadata");
      }
    }
  }

  // Resolves metricSourceRef; returns the effective type.
  std::string CheckMetricSource(const MetricSource& ms) {
    if (!ms.metric_source_ref.empty()) {
      const Object* ds = catalog_.Find(Kind::kDataSource, ms.metric_source_ref);
      std::string path = ms.path + ".metricSourceRef";
      if (ds == nullptr && ms.type.empty()) {
        UnknownRef(ms.ref_pos, path, Kind::kDataSource, ms.metric_source_ref);
      } else if (ds == nullptr) {
        diags_->Warning(ms.ref_pos, path,
                        "DataSource \"" + ms.metric_source_ref +
                            "\" is not declared; using the type given here (" + ms.type + ")");
      } else if (!ms.type.empty() && ds->As<DataSourceSpec>().type != ms.type) {
        diags_->Error(ms.ref_pos, ms.path + ".type",
                      "type \"" + ms.type + "\" differs from the type of DataSource \"" +
                          ms.metric_source_ref + "\" (" + ds->As<DataSourceSpec>().type + ")");
      }
    }
    return catalog_.EffectiveType(ms);
  }

  void CheckSli(const SliSpec& sli) {
    if (sli.threshold_metric) {
      const MetricSource& ms = sli.threshold_metric->metric_source;
      if (IsBallastType(CheckMetricSource(ms)))
        ParseBallastQuery(ms, SourceRole::kThreshold, diags_);
    }
    if (!sli.ratio_metric) return;
    const RatioMetric& r = *sli.ratio_metric;
    std::optional<BallastQuery> total;
    bool total_ballast = false;
    if (r.total) {
      total_ballast = IsBallastType(CheckMetricSource(*r.total));
      if (total_ballast) total = ParseBallastQuery(*r.total, SourceRole::kTotal, diags_);
    }
    EventKind events = total ? total->events : EventKind::kRequests;
    for (const auto* part : {&r.good, &r.bad}) {
      if (!*part) continue;
      const MetricSource& ms = **part;
      bool ballast = IsBallastType(CheckMetricSource(ms));
      SourceRole role = part == &r.good ? SourceRole::kGood : SourceRole::kBad;
      if (ballast != total_ballast && r.total) {
        diags_->Error(ms.pos, ms.path + ".type",
                      "good/bad and total must use the same data source type");
        continue;
      }
      if (!ballast) continue;
      auto q = ParseBallastQuery(ms, role, diags_, events);
      if (q && total && q->events != total->events) {
        auto it = ms.spec_field_pos.find("events");
        diags_->Error(it != ms.spec_field_pos.end() ? it->second : ms.pos, ms.path + ".spec.events",
                      "must count the same events as total (" +
                          std::string(EventKindName(total->events)) + ")");
      }
    }
    if (r.raw && IsBallastType(CheckMetricSource(*r.raw)))
      diags_->Error(r.raw->pos, r.raw->path,
                    "raw ratios are not supported by the ballast data source: use good or bad "
                    "with total");
  }

  void CheckObjective(const SloSpec& slo, const Objective& o, const std::string& path) {
    const SliSpec* sli = catalog_.IndicatorFor(slo, o);
    if (sli == nullptr) return;  // unknown reference, reported elsewhere
    Aggregate aggregate = Aggregate::kNone;
    if (sli->threshold_metric) {
      if (!o.op)
        diags_->Error(o.pos, path + ".op", "required with a thresholdMetric (lt, lte, gt, gte)");
      if (!o.value) diags_->Error(o.pos, path + ".value", "required with a thresholdMetric");
      const MetricSource& ms = sli->threshold_metric->metric_source;
      if (IsBallastType(catalog_.EffectiveType(ms))) {
        Diagnostics scratch;  // the SLI's own errors are reported where the SLI is checked
        if (auto q = ParseBallastQuery(ms, SourceRole::kThreshold, &scratch))
          aggregate = q->aggregate;
      }
    } else if (sli->ratio_metric) {
      if (o.op)
        diags_->Warning(o.op_pos, path + ".op",
                        "ignored: a ratioMetric objective compares good/total with the target");
      if (o.value)
        diags_->Warning(o.value_pos, path + ".value",
                        "ignored: a ratioMetric objective compares good/total with the target");
    }
    bool timeslices = slo.budgeting_method == BudgetingMethod::kTimeslices;
    if (aggregate != Aggregate::kNone) {
      if (!timeslices)
        diags_->Error(o.pos, path,
                      "the SLI aggregates " + std::string(AggregateName(aggregate)) +
                          " per time slice: budgetingMethod must be Timeslices");
      else if (o.time_slice_target)
        diags_->Warning(o.time_slice_target_pos, path + ".timeSliceTarget",
                        "ignored: with aggregate " + std::string(AggregateName(aggregate)) +
                            " a slice is good when its " + std::string(AggregateName(aggregate)) +
                            " meets op and value");
    } else if (timeslices && !o.time_slice_target) {
      diags_->Error(o.pos, path + ".timeSliceTarget", "required with budgetingMethod Timeslices");
    }
  }

  void CheckSlo(const SloSpec& slo) {
    if (!slo.service.empty() && catalog_.Find(Kind::kService, slo.service) == nullptr)
      diags_->Warning(slo.service_pos, "spec.service",
                      "Service \"" + slo.service + "\" is not declared");
    if (!slo.indicator_ref.empty() && catalog_.Find(Kind::kSli, slo.indicator_ref) == nullptr)
      UnknownRef(slo.indicator_ref_pos, "spec.indicatorRef", Kind::kSli, slo.indicator_ref);
    if (slo.indicator) CheckSli(slo.indicator->spec);
    for (size_t i = 0; i < slo.objectives.size(); ++i) {
      const Objective& o = slo.objectives[i];
      std::string path = "spec.objectives[" + std::to_string(i) + "]";
      if (!o.indicator_ref.empty() && catalog_.Find(Kind::kSli, o.indicator_ref) == nullptr)
        UnknownRef(o.indicator_ref_pos, path + ".indicatorRef", Kind::kSli, o.indicator_ref);
      if (o.indicator) CheckSli(o.indicator->spec);
      CheckObjective(slo, o, path);
    }
    for (size_t i = 0; i < slo.alert_policies.size(); ++i) {
      const auto& p = slo.alert_policies[i];
      std::string path = "spec.alertPolicies[" + std::to_string(i) + "]";
      if (p.is_ref()) {
        if (catalog_.Find(Kind::kAlertPolicy, p.ref) == nullptr)
          UnknownRef(p.ref_pos, path + ".alertPolicyRef", Kind::kAlertPolicy, p.ref);
      } else {
        CheckPolicy(*p.spec, path + ".spec");
      }
    }
  }

  const Catalog& catalog_;
  Diagnostics* diags_;
};

}  // namespace

void Validate(const Catalog& catalog, Diagnostics* diags) { Validator(catalog, diags).Run(); }

}  // namespace ballast::slo
