// The SLO model the Prometheus rules generator works from, and the readers that fill it from
// the four accepted inputs: Sloth `prometheus/v1` specs, Sloth's Kubernetes
// `PrometheusServiceLevel` (sloth.slok.dev/v1), OpenSLO `v1alpha` SLOs (as Sloth reads them) and
// OpenSLO `v1` SLOs whose ratioMetric queries a Prometheus data source.
//
// Every input document becomes one SpecDocument (and later one output document), holding one
// RuleSlo per Sloth SLO or per OpenSLO objective. Readers validate as they go and report every
// problem with file, line, column and field path into Diagnostics; a document with errors
// yields no SpecDocument.
//
//   SpecSet set = ReadSpecs(text, "slos.yaml", 30 * kDayMs);
//   if (set.diagnostics.HasErrors()) { std::cerr << set.diagnostics.ToString(); ... }
//
// Unknown fields in Sloth documents are warnings, not errors: Sloth's decoder ignores them (its
// own validate corpus relies on that: `pageAlert` in a prometheus/v1 file).
//
// Thread safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/diagnostics.h"

namespace ballast::rules {

using Labels = std::map<std::string, std::string>;

enum class SpecKind { kSlothV1, kSlothK8s, kOpenSloV1Alpha, kOpenSloV1 };

// The `sloth_spec` label value ("prometheus/v1", "sloth.slok.dev/v1", "openslo/v1alpha",
// "openslo/v1") and the `sloth_mode` one ("cli-gen-prom", "cli-gen-k8s", "cli-gen-openslo").
std::string_view SpecLabel(SpecKind kind);
std::string_view ModeLabel(SpecKind kind);

struct AlertMeta {
  bool disable = false;
  std::string name;
  Labels labels;       // alerting.labels merged with the page/ticket alert's own
  Labels annotations;  // likewise
};

struct RuleSlo {
  std::string id;       // "<service>-<name>": rule group names and the sloth_id label
  std::string name;     // sloth_slo
  std::string service;  // sloth_service
  std::string description;
  double objective = 0;  // percent, (0, 100]
  int64_t period_ms = 0;
  Labels labels;  // service labels merged with the SLO's
  // Exactly one SLI form: a raw error-ratio query, or error and total event queries. All use
  // the `{{.window}}` template.
  std::optional<std::string> raw_error_ratio_query;
  std::optional<std::string> error_query;
  std::optional<std::string> total_query;
  AlertMeta page;
  AlertMeta ticket;
  SourcePos pos;  // where the SLO (or objective) is written
  std::string path;    // its field path, for messages ("slos[1]")
};

struct KubernetesMeta {
  std::string name;
  std::string name_space;
  Labels labels;
  Labels annotations;
};

struct SpecDocument {
  SpecKind kind = SpecKind::kSlothV1;
  std::optional<KubernetesMeta> k8s;  // kSlothK8s only
  std::vector<RuleSlo> slos;
  SourcePos pos;
};

struct SpecSet {
  std::vector<SpecDocument> documents;
  Diagnostics diagnostics;
};

// Reads every document of `text` (YAML, `---`-separated). `default_period_ms` is the SLO
// period of Sloth specs and of OpenSLO SLOs without a time window. Documents that are empty
// (only comments) are skipped; documents of an unknown type are errors.
SpecSet ReadSpecs(std::string_view text, const std::string& file_name, int64_t default_period_ms);

}  // namespace ballast::rules
