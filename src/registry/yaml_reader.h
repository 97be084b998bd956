// Internal to src/registry: the YAML reading of prompt and model-card files, which is the shared
// reader of common/yaml_decode.h in the registry dialect.
//
// Prompt and model-card files are stricter than OpenSLO files: strings must be valid UTF-8, a
// tagged null spelling still counts as null, "+5" is an integer, every type error names the type
// it found ("expected a number, found a string") and free-form values (model parameters) are
// limited to 32 levels and 10000 nodes. The decoders (prompt_decode.cc, model_card.cc) read with
// a yaml::DecodeContext in this dialect.
//
// Thread safety: a DecodeContext and its readers belong to one thread.
#pragma once

#include "common/yaml_decode.h"

namespace ballast::registry::internal {

inline constexpr yaml::Dialect kRegistryDialect{.strict_scalars = true,
                                                .signed_integers = true,
                                                .name_found_type = true,
                                                .max_json_depth = 32,
                                                .max_json_nodes = 10000};

}  // namespace ballast::registry::internal
