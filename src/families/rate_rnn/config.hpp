#pragma once
// Configuration of the rate_rnn family (presets dcdt-nopost, dcdt-post,
// dcdt-longtau, no-memory): the model/task/train sections of
// sections/sections.hpp, and the snapshot interval of SPEC §3.8. Its
// canonical encoding is the sections' alone (it predates the other families,
// whose encodings start with a negative tag where model.n >= 1 starts this
// one); the snapshot interval is not encoded (core/spec.hpp).
#include "core/spec.hpp"
#include "sections/sections.hpp"

namespace memphase::rate_rnn {

struct Config : SectionsConfig<Config> {
  int snapshot_every = 0;  ///< output.snapshots (0: off)

  void encode(ByteWriter& w) const override { encode_sections(w, *this); }
  int snapshots() const override { return snapshot_every; }
  bool set_snapshots(int k) override {
    // The no-memory task has no PSD classification to follow.
    if (k > 0 && task.kind == TaskKind::no_memory) return false;
    snapshot_every = k;
    return true;
  }
};

/// The rate_rnn configuration of a spec (std::bad_cast for another family).
inline const Config& config(const TaskSpec& s) { return s.as<Config>(); }
inline Config& config(TaskSpec& s) { return s.as<Config>(); }

}  // namespace memphase::rate_rnn
