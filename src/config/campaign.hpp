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
//   toy: {...}                             # families toy-ghost / toy-cycle only
//   output: {record_every: 10, weights: [initial, final]}
//   checkpoint: {every_epochs: 500, every_seconds: 60}
//
// Axes: each family declares the ones it can sweep (Family::axes; e.g. the
// rate RNN: lr, delay, response, post, tau, n, reps, noise_sigma,
// init_state_sigma, momentum, weight_decay; the no-memory preset cannot sweep
// delay or post). Values of an axis must be distinct; every value, and every
// combination, must pass the same range rules as a `memphase train` file
// (validate()).
//
// Toy families (SPEC §4; no network is trained, see analysis/toy_task.hpp):
//   family: toy-ghost                      # or toy-cycle
//   grid: {lr: {logspace: [-12, -8, 17]}, delay: [50, 100, 200]}
//   toy:
//     loss: normalized       # ghost: raw (SPEC §4.1, default) | normalized; cycle: normalized
//     confidence: 0          # ghost: 0 = closed form, > 0 = numeric sigmoid(c (x - x*))
//     response_ratio: 1      # 0 (default): T_r = task.response; > 0: T_r = ratio * T_d
//     r0_jitter: 0.1         # seed s starts at eps = toy_r0_jitter(s, width)
//     max_steps: 200000      # GD updates (the task's "epochs")
//     settle_steps: 20000    # updates that must follow the first crossing
// α = train.lr, T_d = task.delay, T_r = task.response. The only toy axes are
// lr, delay and response (response not with response_ratio > 0). toy.kind is
// set by the family; momentum and weight_decay must stay 0. Canonical text
// gets the toy.* keys (only for toy families, so RNN hashes are unchanged).
//
// Errors are ConfigErrors listing every mistake of the file, one per line:
//   "x.yaml:4:7: grid.lr[2]: train.lr must be > 0 (got -0.1)"
//   "x.yaml:3:1: unknown key 'gird' (did you mean 'grid'?)"
//   "x.yaml:5:8: seeds must be >= 1 (got 0)"
//
// Canonical text (Campaign::canonical) is flat YAML, one "key: value" per
// line in a fixed order, every generator expanded, doubles shortest
// round-trip:
//   memphase_campaign: 1
//   name: quick
//   family: dcdt-nopost
//   grid_order: [lr, delay]
//   grid.lr[0]: 0.31622776601683794
//   ...
//   seeds[0]: 0
//   model.n: 100            (the resolved base spec, to_yaml() keys, minus the
//   ...                      swept fields, train.seed and train.record_every)
//   output.record_every: 1
//   output.weights: [initial, final]
//   checkpoint.every_epochs: 0
//   checkpoint.every_seconds: 30.0
// parse_campaign() reads this form back (the first key marks it), giving the
// same tasks, keys and canonical text.
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/spec.hpp"
#include "plugin/campaign.hpp"
#include "plugin/family.hpp"
#include "plugin/memory.hpp"

namespace memphase {

/// The working-set limit of one task, checked at validation by `memphase
/// run` (on every rank, so a job refuses an absurd task before any
/// collective work instead of losing a rank to it). Disabled by default:
/// status, gather and analyze read run directories without it.
struct MemoryCheck {
  double limit_bytes = 0.0;  ///< <= 0: no check
  std::string limit_text;    ///< how the limit was set, for the message ("half of this machine's 23.4 GiB ...")
  std::function<MemoryEstimate(const TaskSpec&)> estimate;
  bool active() const { return limit_bytes > 0 && static_cast<bool>(estimate); }
};

/// Parses and validates campaign YAML text and expands the grid. Every error
/// is a ConfigError naming `source`, the key path and the bad value. With an
/// enabled `memory` check, a task whose estimate exceeds the limit is an
/// error too, at the key that drives it (the base sections), at the grid
/// value (one axis alone), or at `grid` for a combination of axis values:
///   "x.yaml:7:10: grid.delay[2]: task.delay = 1e+09 needs about 1.47 TiB of
///    memory per task (...), more than the 11.7 GiB allowed (...)"
Campaign parse_campaign(const std::string& yaml_text, const std::string& source,
                        const MemoryCheck& memory = {});
/// Reads and parses a file (IoError if unreadable).
Campaign load_campaign(const std::string& path, const MemoryCheck& memory = {});

/// Key of one task (xxh64 of its encoded TaskSpec).
std::uint64_t task_key(const TaskSpec& spec);

namespace detail {

/// numpy.linspace(a, b, n) with endpoint: bitwise the values of numpy's
/// portable code path (i*step + a without FMA; the last value is b exactly).
/// n <= 0 gives no value, n == 1 gives [a].
std::vector<double> linspace(double a, double b, std::int64_t n);

/// 10 ** linspace(a, b, n) with std::pow. Bitwise equal to numpy.logspace when
/// numpy uses libm's pow; numpy's AVX-512 build (SVML) can differ by 1 ulp,
/// e.g. it gives 0.09999999999999999 for 10**-1.
std::vector<double> logspace(double a, double b, std::int64_t n);

/// start + i*step for i = 0, 1, ... while <= stop; a value within 1e-9
/// (relative to the largest of |start|, |stop|, |step|) of stop is included
/// and set to stop exactly. Empty if step <= 0, start > stop, or non-finite.
std::vector<double> range_inclusive(double start, double stop, double step);

}  // namespace detail

}  // namespace memphase
