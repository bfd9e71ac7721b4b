#pragma once
// Tests only: the model/task/train sections of a spec of one of the shipped
// families (rate_rnn, toy, ghost, wcrnn), whose configurations all derive
// from Sections (sections/sections.hpp). std::bad_cast for a family without
// them.
#include "core/spec.hpp"
#include "sections/sections.hpp"

namespace memphase {

inline Sections& sec(TaskSpec& s) { return dynamic_cast<Sections&>(*s.config); }
inline const Sections& sec(const TaskSpec& s) { return dynamic_cast<const Sections&>(*s.config); }

}  // namespace memphase
