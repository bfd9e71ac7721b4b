#pragma once
// Parsing and validation of a single-network training configuration (YAML)
// into a TaskSpec. Every error is a ConfigError whose message names the file,
// the key path and the bad value, e.g.
//   "run.yaml: train.lr must be > 0 (got -0.1)"
//   "run.yaml:3:5: unknown key 'model.tua' (did you mean 'model.tau'?)"
#include <string>

#include "core/spec.hpp"

namespace memphase {

/// Parses YAML text. `source` names the file in messages. Starts from the
/// defaults of TaskSpec (and of `family`, when the text names one) and applies
/// the keys found; unknown keys, wrong types and out-of-range values throw.
TaskSpec parse_train_config(const std::string& yaml_text, const std::string& source);

/// Reads and parses a file (IoError if unreadable).
TaskSpec load_train_config(const std::string& path);

/// Checks ranges of an already filled spec (used after CLI overrides too).
/// `source` prefixes the message ("--lr" style names are fine for flags).
void validate(const TaskSpec& spec, const std::string& source);

/// Canonical YAML text of a spec (every key, fixed order and formatting), used
/// as provenance and for hashing: parse_train_config(to_yaml(s)) == s.
std::string to_yaml(const TaskSpec& spec);

/// Applies the defaults of a named family (SPEC §1) to spec:
///  dcdt-nopost : defaults;  dcdt-post : post 30 ms, epochs_coeff 100;
///  dcdt-longtau: tau 20;    no-memory : TaskKind::no_memory, linear read-out,
///  plain MSE, 3000 epochs, abort_loss 100.
/// Throws ConfigError for an unknown family name (listing the known ones).
void apply_family(TaskSpec& spec, const std::string& family, const std::string& source);

}  // namespace memphase
