// Cross-object validation of OpenSLO definitions: what the decoder cannot check on one object.
//
// - duplicate names per kind;
// - references: indicatorRef -> SLI, alertPolicyRef -> AlertPolicy, conditionRef ->
//   AlertCondition, targetRef -> AlertNotificationTarget (unknown: error), metricSourceRef ->
//   DataSource (unknown: error, or a warning when the metric source gives its type inline),
//   spec.service -> Service (undeclared: warning);
// - objectives against their SLI: op/value required on a thresholdMetric, ignored (warning) on a
//   ratioMetric; timeSliceTarget with Timeslices;
// - the ballast data source (ballast_source.h): queries compile, `aggregate` only with
//   Timeslices, good/bad count the same events as total;
// - notification targets: the `ballast.dev/format` annotation is `alertmanager` or `slack`.
//
// Only the catalog's own objects are checked; its fallback serves to resolve references.
//
// Thread safety: reads the catalog only.
#pragma once

#include "common/diagnostics.h"
#include "slo/catalog.h"

namespace ballast::slo {

// The annotation that selects a webhook payload format for an AlertNotificationTarget.
inline constexpr std::string_view kFormatAnnotation = "ballast.dev/format";

void Validate(const Catalog& catalog, Diagnostics* diags);

}  // namespace ballast::slo
