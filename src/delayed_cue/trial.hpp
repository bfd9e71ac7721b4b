#pragma once
// Trial layouts of the delayed cue discrimination task (SPEC §3.1-3.4) and of
// the no-memory variant (SPEC §3.6). A batch holds `reps` copies of each of
// the two trial types: columns [0, reps) carry cue type 0 = [0,1], columns
// [reps, 2 reps) cue type 1 = [1,0].
#include <vector>

#include "sections/sections.hpp"
#include "core/types.hpp"

namespace memphase {

struct TrialLayout {
  TaskKind kind = TaskKind::dcdt;
  int n_cue = 0, n_delay = 0, n_resp = 0, n_post = 0;
  int steps = 0;  ///< T = n_cue + n_delay + n_resp + n_post
  int reps = 0;
  /// Steps [target_begin, target_end) have target = cue (DCDT); the
  /// no-memory task has target = cue at every step.
  int target_begin = 0, target_end = 0;
  /// Metric window [win_begin, win_end) for accuracy/reliability, with the
  /// reference's quirks (SPEC §3.4); the no-memory task uses the last step.
  int win_begin = 0, win_end = 0;
  /// Per-step loss weight w_t (SPEC §3.2), length T.
  std::vector<double> weight;

  int batch() const { return 2 * reps; }
  /// Cue type of batch column b (0 or 1).
  int cue_of(int b) const { return b < reps ? 0 : 1; }
  /// Index k of the active input/target channel for cue type c:
  /// type 0 = [0,1] -> channel 1, type 1 = [1,0] -> channel 0.
  static int channel_of_cue(int c) { return c == 0 ? 1 : 0; }
  /// Input is the cue for t < n_cue, else 0.
  bool input_on(int t) const { return t < n_cue; }
  /// Target equals the cue at step t (else the target is 0).
  bool target_on(int t) const { return t >= target_begin && t < target_end; }
};

/// Builds the layout for a task on step dt (ms). Step counts are
/// floor(duration/dt) in double precision.
TrialLayout make_layout(const TaskConfig& task, double dt);

/// Metric window of the reference: s = int((cue+delay)/dt - 1),
/// e = int((cue+delay+resp)/dt - 1), evaluated in SECONDS in double precision
/// exactly like Python, so that e.g. delay 300 ms gives [64, 74) and 320 ms
/// gives [69, 78).
void reference_window(double cue_ms, double delay_ms, double resp_ms, double dt_ms, int& begin,
                      int& end);

}  // namespace memphase
