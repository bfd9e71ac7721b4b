#pragma once
// Campaign files (YAML): a family (SPEC §1), grid axes, seeds, overrides of
// the model/task/train sections, output and checkpoint options. Expanded into
// a list of tasks with stable keys. See README "Campaign file".
//
//   name: quick
//   family: dcdt-nopost
//   grid:
//     lr: {logspace: [-1, -2, 4]}           # 10**linspace(a, b, n), numpy semantics
//     delay: {range: [0, 200, 40]}          # start, stop (inclusive), step
//     # also: a list [0.1, 0.2], {linspace: [a, b, n]}, any generator with
//     # take: k (first k values), and {union: [gen, gen, ...]}
//   seeds: 4                               # seeds 0..3, or a list [0, 3, 7]
//   model: {...}  task: {...}  train: {...}  # as in `memphase train` YAML
//   output: {record_every: 10, weights: [initial, final]}
//   checkpoint: {every_epochs: 500, every_seconds: 60}
#include <cstdint>
#include <string>
#include <vector>

#include "core/spec.hpp"

namespace memphase {

/// One grid axis after expansion: the TaskSpec field it sets and its values
/// in file order.
struct GridAxis {
  std::string name;  ///< lr, delay, response, post, tau, n, noise_sigma, ...
  std::vector<double> values;
};

/// One task of a campaign.
struct CampaignTask {
  std::uint64_t key = 0;   ///< xxh64 of the encoded TaskSpec: stable across runs and --extend
  std::int64_t index = 0;  ///< row in campaign.h5 (expansion order)
  TaskSpec spec;
  std::vector<std::int64_t> axis_index;  ///< index into each GridAxis (same order), then seed index
};

struct CheckpointPolicy {
  std::int64_t every_epochs = 0;  ///< 0: off
  double every_seconds = 60.0;    ///< 0: off
};

struct OutputPolicy {
  int record_every = 1;
  bool keep_initial = true;
  bool keep_final = true;
};

struct Campaign {
  std::string source;       ///< file name, for messages
  std::string name;
  std::string family;
  std::string canonical;    ///< canonical YAML text of the whole campaign
  std::string hash;         ///< hex64 of `canonical`
  std::vector<GridAxis> axes;
  std::vector<std::uint64_t> seeds;
  TaskSpec base;            ///< family defaults + overrides, before grid values
  CheckpointPolicy checkpoint;
  OutputPolicy output;
  std::vector<CampaignTask> tasks;  ///< cartesian product, axes outer..inner, seeds innermost
};

/// Parses and validates campaign YAML text and expands the grid. Every error
/// is a ConfigError naming `source`, the key path and the bad value.
Campaign parse_campaign(const std::string& yaml_text, const std::string& source);
Campaign load_campaign(const std::string& path);

/// Key of one task (xxh64 of its encoded TaskSpec).
std::uint64_t task_key(const TaskSpec& spec);

}  // namespace memphase
