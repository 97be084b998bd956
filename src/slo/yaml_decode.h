// Internal to src/slo: the YAML reading of OpenSLO files, which is the shared reader of
// common/yaml_decode.h in the OpenSLO dialect.
//
// OpenSLO files keep yaml-cpp's view of scalars (no UTF-8 check), quote the offending scalar in
// number errors (`expected a number, found "abc"`) and allow free-form values (metricSource
// spec, connectionDetails) of up to 64 levels and 100000 nodes. The names below are the reader's
// own, brought into slo::internal for the decoders (decoder.h, decode_*.cc).
//
// Thread safety: a DecodeContext and its readers belong to one thread.
#pragma once

#include "common/yaml_decode.h"

namespace ballast::slo::internal {

inline constexpr yaml::Dialect kOpenSloDialect{.strict_scalars = false,
                                               .signed_integers = false,
                                               .name_found_type = false,
                                               .max_json_depth = 64,
                                               .max_json_nodes = 100000};

using yaml::DecodeContext;
using yaml::IndexPath;
using yaml::IsNull;
using yaml::JoinPath;
using yaml::MapReader;
using yaml::ReadDuration;
using yaml::ReadNumber;
using yaml::ReadString;
using yaml::ToJson;

}  // namespace ballast::slo::internal
