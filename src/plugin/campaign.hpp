#pragma once
// A campaign as parsed (config/campaign.hpp parses and validates it): the
// grid of one preset's tasks with their stable keys, and the output and
// checkpoint policies. Plain records, shared by the engine, the report and
// the families' reports.
#include <cstdint>
#include <string>
#include <vector>

#include "core/spec.hpp"

namespace memphase {

/// One grid axis after expansion: the name of the field it sets (the
/// family's AxisInfo) and its values in file order.
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
  /// Mechanism snapshots every k epochs (SPEC §3.8); 0 (default): off, and
  /// absent from the canonical text, so existing config hashes stay.
  int snapshots = 0;
  bool keep_initial = true;
  bool keep_final = true;
};

struct Campaign {
  std::string source;       ///< file name, for messages
  std::string name;
  std::string family;       ///< the preset named by the file's `family:` key
  std::string canonical;    ///< canonical YAML text of the whole campaign
  std::string hash;         ///< hex64 of `canonical`
  std::vector<GridAxis> axes;
  std::vector<std::uint64_t> seeds;
  TaskSpec base;            ///< preset defaults + overrides, before grid values (base.family: the plugin)
  CheckpointPolicy checkpoint;
  OutputPolicy output;
  std::vector<CampaignTask> tasks;  ///< cartesian product, axes outer..inner, seeds innermost
};

}  // namespace memphase
