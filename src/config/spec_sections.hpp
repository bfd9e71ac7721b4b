#pragma once
// Reading a family's sections of a YAML file, shared by the single-network
// file (train_config.cpp defines these) and the campaign file, which adds
// grid axes on top of the same sections.
#include <string>
#include <string_view>
#include <vector>

#include "core/spec.hpp"
#include "yaml/yaml_util.hpp"

namespace memphase::detail {

/// The spec of preset `name` (its defaults); an unknown name records
/// "unknown family 'x' (...); known families: ..." at `at`, marks "family"
/// failed and gives the first preset's spec, so that reading goes on.
TaskSpec preset_or_default(std::string_view name, Location at, Diagnostics& diag);

/// The default preset's spec (the first preset of the first family).
TaskSpec default_spec();

/// Reads the sections of spec's family from `top` into `spec` (keys that
/// are absent keep their value), recording locations under the key paths.
/// A section that only another family reads is refused key by key with that
/// family's message (Family::foreign_key_message).
void read_spec(MapReader& top, TaskSpec& spec, Diagnostics& diag);

/// Every key path of every family's sections, for "did you mean".
std::vector<std::string> all_key_paths();

/// The rules of spec's family (Family::check).
void check_spec(const TaskSpec& spec, Diagnostics& diag);

}  // namespace memphase::detail
