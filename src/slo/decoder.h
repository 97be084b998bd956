// Internal to src/slo: decoding of yaml-cpp nodes into the OpenSLO model (model.h), with the
// checks that need only the object itself: types, unknown fields, names, required fields,
// mutually exclusive fields, value ranges, durations, calendars and time zones. Checks that need
// other objects (references, duplicates, the ballast data source) are in validator.h.
//
// Every problem is reported to the context's Diagnostics; decoding goes on after an error so
// that one pass finds them all.
//
// Thread safety: functions of their arguments; date::locate_zone reads the tz database, which
// date/tz makes safe to share.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>

#include "slo/model.h"
#include "slo/yaml_decode.h"

namespace ballast::slo::internal {

// One top-level object. nullopt when the node is not a mapping or names no supported apiVersion
// or kind (after reporting it); otherwise the object, possibly partial if errors were reported.
std::optional<Object> DecodeObject(DecodeContext& ctx, const YAML::Node& node);

// Pieces shared between decode_objects.cc and decode_slo.cc.
Metadata DecodeMetadata(MapReader& parent);
std::optional<SliSpec> DecodeSliSpec(DecodeContext& ctx, const YAML::Node& node,
                                     const std::string& path);
std::optional<InlineSli> DecodeInlineSli(DecodeContext& ctx, const YAML::Node& node,
                                         const std::string& path);
std::optional<AlertPolicySpec> DecodeAlertPolicySpec(DecodeContext& ctx, const YAML::Node& node,
                                                     const std::string& path);
std::optional<SloSpec> DecodeSloSpec(DecodeContext& ctx, const YAML::Node& node,
                                     const std::string& path);
std::optional<Op> ReadOp(MapReader& map, std::string_view key);

// Reads a `[- xRef: name | - {kind: K, metadata, spec}]` entry of an AlertPolicy or SLO list.
template <typename Spec, typename DecodeSpec>
std::optional<RefOrInline<Spec>> DecodeRefOrInline(DecodeContext& ctx, const YAML::Node& node,
                                                   const std::string& path,
                                                   std::string_view ref_key, Kind kind,
                                                   DecodeSpec decode_spec) {
  MapReader m(ctx, node, path);
  if (!m.ok()) return std::nullopt;
  RefOrInline<Spec> out;
  if (m.Has(ref_key)) {
    out.ref_pos = m.PosOf(ref_key);
    out.ref = m.String(ref_key).value_or("");
    if (std::string err = NameError(out.ref); !err.empty())
      ctx.Error(out.ref_pos, m.Path(ref_key), err);
    m.Finish();  // a reference has no other fields
    return out;
  }
  auto kind_text = m.String("kind");
  if (!kind_text) {
    ctx.Error(m.pos(), path,
              std::string("expected either ") + std::string(ref_key) + " or an inline " +
                  std::string(KindName(kind)) + " (kind, metadata, spec)");
    return std::nullopt;
  }
  if (*kind_text != KindName(kind)) {
    ctx.Error(m.PosOf("kind"), m.Path("kind"),
              "expected kind " + std::string(KindName(kind)) + ", found \"" + *kind_text + "\"");
  }
  if (auto api = m.String("apiVersion"); api && *api != kApiVersionV1)
    ctx.Error(m.PosOf("apiVersion"), m.Path("apiVersion"),
              "unsupported apiVersion \"" + *api + "\": v1 expected (openslo/v1)");
  out.metadata = DecodeMetadata(m);
  YAML::Node spec = m.Get("spec");
  if (!spec.IsDefined()) {
    ctx.Error(m.pos(), m.Path("spec"), "required field is missing");
  } else {
    out.spec = decode_spec(ctx, spec, m.Path("spec"));
  }
  m.Finish();
  if (!out.spec) return std::nullopt;
  return out;
}

}  // namespace ballast::slo::internal
