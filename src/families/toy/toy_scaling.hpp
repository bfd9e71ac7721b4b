#pragma once
// The largest learnable α of a toy campaign (families toy-ghost, toy-cycle)
// per delay and seed, and the exponent of α_max ∝ T^-β (SPEC §4.3). Pure
// numerics, no I/O: the caller reads /grid and /tasks/learned into a ToyGrid.
//
// α_max of one (delay, seed) column of the grid: below some α the descent is
// too slow to reach the optimum within max_steps (not learned), then a band of
// α learns, then every larger α fails. α_max is the top of the contiguous
// learned run that starts at the smallest learned α, i.e. the grid version of
// toy_alpha_max's  sup{α : every α' ≤ α (above the too-slow zone) learns}.
// With a predicate on the true model it is refined between that grid value and
// the next (failing) one by bisection in ln α plus toy_alpha_max's downward
// scan (AlphaMaxOptions rel_tol, scan_band, scan_step).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <vector>

#include "stats/exponent.hpp"
#include "families/toy/toy.hpp"

namespace memphase {

/// A toy campaign's outcome on its (delay × α × seed) grid.
struct ToyGrid {
  std::vector<double> delays;  ///< T_d values (any order; points are per delay)
  std::vector<double> alphas;  ///< α values, strictly ascending
  std::size_t n_seeds = 0;
  /// learned[(i_delay * alphas.size() + i_alpha) * n_seeds + seed]:
  /// 1 learned, 0 not learned, -1 missing (task not done).
  std::vector<std::int8_t> learned;

  std::int8_t at(std::size_t i_delay, std::size_t i_alpha, std::size_t seed) const {
    return learned[(i_delay * alphas.size() + i_alpha) * n_seeds + seed];
  }
};

enum class ToyCellStatus : std::uint8_t {
  ok,            ///< alpha learned, alpha_hi (the next grid α) failed
  none_learned,  ///< no α of the column learned (grid too coarse or off range)
  all_learned,   ///< the learned run reaches the largest α: extend the grid up
  missing,       ///< some task of the column is not done
};
const char* to_string(ToyCellStatus s);

/// α_max of one (delay, seed).
struct ToyAlphaMaxCell {
  ToyCellStatus status = ToyCellStatus::missing;
  double alpha = std::numeric_limits<double>::quiet_NaN();     ///< largest learnable α found
  double alpha_hi = std::numeric_limits<double>::quiet_NaN();  ///< smallest failing α above it
  bool refined = false;  ///< alpha/alpha_hi come from bisection on the model
  int evaluations = 0;   ///< predicate calls (GD runs) of the refinement
};

/// "The toy of delay i_delay and seed `seed` learns at α" (true model).
using ToyLearns = std::function<bool(std::size_t i_delay, std::size_t seed, double alpha)>;

/// α_max per (delay, seed), index i_delay * n_seeds + seed. `learns` may be
/// empty (grid values only); otherwise ok cells are refined with it. Uses
/// opt.rel_tol, opt.scan_band, opt.scan_step (not the bracketing fields).
/// Requires alphas strictly ascending and learned.size() == D·A·S (else every
/// cell is missing). The refinement runs on `threads` threads (0 = all
/// cores; `learns` must be thread-safe); the result does not depend on it.
std::vector<ToyAlphaMaxCell> toy_alpha_max_grid(const ToyGrid& grid, const ToyLearns& learns,
                                                const AlphaMaxOptions& opt, unsigned threads = 1);

/// Refinement on closed-form toy problems: toy_learns(*problem(i_delay, seed),
/// gd with lr = α). Cells whose problem is nullopt stay unrefined (grid values).
/// The finite-confidence ghost has no ToyProblem: use the ToyLearns overload
/// with toy_task_learns (analysis/toy_task.hpp), which runs exactly the
/// campaign's task at another α.
struct ToyProblemSource {
  std::function<std::optional<ToyProblem>(std::size_t i_delay, std::size_t seed)> problem;
  GdOptions gd;  ///< max_steps and settle_steps of the campaign; lr is overwritten
};
std::vector<ToyAlphaMaxCell> toy_alpha_max_grid(const ToyGrid& grid, const ToyProblemSource& src,
                                                const AlphaMaxOptions& opt, unsigned threads = 1);

/// Exponent of α_max ∝ T^-β: for each delay, the geometric mean of alpha over
/// `seeds` (indices into 0..n_seeds-1, repeats allowed, as a bootstrap resample
/// gives them) restricted to ok cells; delays with no ok cell are left out.
/// Points (t = T_d, lr = mean α_max) go to fit_exponent; `networks` is the
/// number of learned-table entries (tasks) behind the used cells.
ExponentFit toy_exponent(const ToyGrid& grid, const std::vector<ToyAlphaMaxCell>& cells,
                         std::span<const std::size_t> seeds);

/// toy_exponent as the statistic of bootstrap_exponent (captures copies).
ExponentStatistic toy_exponent_statistic(const ToyGrid& grid,
                                         const std::vector<ToyAlphaMaxCell>& cells);

}  // namespace memphase
