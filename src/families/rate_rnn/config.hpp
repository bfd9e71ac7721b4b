#pragma once
// Configuration of the rate_rnn family (presets dcdt-nopost, dcdt-post,
// dcdt-longtau, no-memory): the model/task/train sections of
// sections/sections.hpp and nothing else. Its canonical encoding is the
// sections' alone (it predates the other families, whose encodings start
// with a negative tag where model.n >= 1 starts this one).
#include "core/spec.hpp"
#include "sections/sections.hpp"

namespace memphase::rate_rnn {

struct Config : SectionsConfig<Config> {
  void encode(ByteWriter& w) const override { encode_sections(w, *this); }
};

/// The rate_rnn configuration of a spec (std::bad_cast for another family).
inline const Config& config(const TaskSpec& s) { return s.as<Config>(); }
inline Config& config(TaskSpec& s) { return s.as<Config>(); }

}  // namespace memphase::rate_rnn
