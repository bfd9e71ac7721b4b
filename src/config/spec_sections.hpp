#pragma once
// The model/task/train sections of a TaskSpec as read from YAML: shared by
// the single-network file (train_config.cpp defines these) and the campaign
// file, which adds grid axes on top of the same sections.
#include <string>
#include <string_view>
#include <vector>

#include "config/yaml_util.hpp"
#include "core/spec.hpp"

namespace memphase::detail {

/// Names of the known families (SPEC §1), in the order listed in messages.
std::vector<std::string> family_names();

/// Applies the defaults of family `name` to `spec` (only the fields the
/// family sets). Unknown names record "unknown family 'x' (...); known
/// families: ..." at `at` and return false.
bool apply_family(TaskSpec& spec, std::string_view name, Location at, Diagnostics& diag);

/// Reads the sections model, task and train of `top` into `spec` (keys that
/// are absent keep their value in spec). Records locations under the key
/// paths "model.n", ..., so that check_spec can point at them.
void read_spec_sections(MapReader& top, TaskSpec& spec, Diagnostics& diag);

/// Every key path of the model/task/train sections ("model.n", ...), in
/// canonical order; used for "did you mean" across sections.
std::vector<std::string> spec_key_paths();

/// Range and consistency rules of a TaskSpec (see validate()); each failure
/// is recorded at the remembered location of its key path.
void check_spec(const TaskSpec& spec, Diagnostics& diag);

}  // namespace memphase::detail
