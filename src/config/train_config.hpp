#pragma once
// Parsing and validation of a single-network training configuration (YAML)
// into a TaskSpec, through the family that the file names (families/
// registry.hpp). Every error is a ConfigError whose message names the file,
// the key path and the bad value, e.g.
//   "run.yaml: train.lr must be > 0 (got -0.1)"
//   "run.yaml:3:5: unknown key 'model.tua' (did you mean 'model.tau'?)"
#include <string>

#include "core/spec.hpp"

namespace memphase {

/// Parses YAML text. `source` names the file in messages. Starts from the
/// defaults of the preset named by `family:` (without it: the family whose
/// own section the file has, e.g. `ghost:` in the canonical text of a ghost
/// network, else dcdt-nopost) and applies the keys found; unknown keys,
/// keys of another family's section, wrong types and out-of-range values
/// throw.
TaskSpec parse_train_config(const std::string& yaml_text, const std::string& source);

/// Reads and parses a file (IoError if unreadable).
TaskSpec load_train_config(const std::string& path);

/// Checks ranges of an already filled spec (used after CLI overrides too).
/// `source` prefixes the message ("--lr" style names are fine for flags).
void validate(const TaskSpec& spec, const std::string& source);

/// Canonical YAML text of a spec (every key, fixed order and formatting;
/// Family::to_yaml), used as provenance and for hashing:
/// parse_train_config(to_yaml(s)) == s.
std::string to_yaml(const TaskSpec& spec);

/// The defaults of a preset (SPEC §1): dcdt-nopost, dcdt-post, ... (the
/// registry's make_spec). Throws ConfigError for an unknown name, listing
/// the known ones.
TaskSpec preset_spec(const std::string& family, const std::string& source);

}  // namespace memphase
