#pragma once
// Synthetic phase diagrams with a KNOWN scaling law, for validating the
// boundary estimators (issue 14: bias, spread and CI coverage of β) and for
// designing a campaign before paying for it. Pure numerics.
//
// Every seed s is one network, the same in every cell (as in a campaign): it
// has a latent boundary factor φ_s = exp(σ z_s), z_s ~ N(0, 1). At learning
// rate lr and delay T its outcome is drawn in this order:
//
//   unstable (class 3)   with probability u(lr, T), the floor;
//   fail (class 0)       else with probability G_LC(T / (φ_s T_LC(lr)));
//   SP (class 2)         else with probability h · (1 - G_SP(T / (φ_s T_SP(lr))));
//   LC (class 1)         otherwise.
//
// T_X(lr) = T_X(lr_ref) (lr / lr_ref)^(-1/β_X), so EVERY location of the
// transitions (onset, midpoint) scales as lr^(-1/β_X): an estimator that
// gets a different β is biased, whatever location it measures.
// G is a CDF of T/T_X with T_X its location: the onset for exp_saturation
// and ramp, the midpoint for logistic and lognormal.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "stats/fit.hpp"

namespace memphase {

/// Shape of a transition (the CDF G of x = T / T_X).
enum class TransitionShape {
  exp_saturation,  ///< 0 below 1, then 1 - exp(-(x - 1)/ω): the reference's LC model
  logistic,        ///< σ((x - 1)/ω): the reference's SP model (and the binomial estimator's)
  lognormal,       ///< Φ(ln x / ω): a model NEITHER estimator fits
  ramp,            ///< linear from 1 - ω to 1 + ω: neither, with kinks
};
const char* to_string(TransitionShape s);

/// The unstable floor u(lr, T).
enum class FloorKind {
  none,     ///< 0
  flat,     ///< level everywhere (the measured ~15 %)
  varying,  ///< level · 2 q(lr) · 4 (T/Tmax)(1 - T/Tmax): none at the smallest lr, most at the
            ///< largest, peaking at mid delays (q = position of ln lr in the grid, 0..1)
};
const char* to_string(FloorKind k);

struct SyntheticDesign {
  std::vector<double> lrs;     ///< grid learning rates
  std::vector<double> delays;  ///< grid delays (ms); every lr uses all of them
  /// Optional per-lr delay windows (the block grid of a campaign): if not
  /// empty, lr i uses only the delays in [window_lo[i], window_hi[i]];
  /// cells outside get code -1 (not run).
  std::vector<double> window_lo, window_hi;
  std::size_t seeds = 10;
  double lr_ref = 0.1;
  double beta_lc = 2.72, tc_lc_ref = 73.0;  ///< T_LC(lr_ref), ms (a paper-like scale)
  double beta_sp = 4.05, tc_sp_ref = 61.0;  ///< T_SP(lr_ref), ms
  TransitionShape lc_shape = TransitionShape::exp_saturation;
  TransitionShape sp_shape = TransitionShape::logistic;
  double lc_width = 0.5;   ///< ω of G_LC (relative to T_LC)
  double sp_width = 0.25;  ///< ω of G_SP
  double sp_plateau = 0.9; ///< h: share of SP among learned networks at short delays
  FloorKind floor = FloorKind::none;
  double floor_level = 0.15;
  double seed_sigma = 0.15; ///< σ of the per-seed boundary factor
};

/// T_X(lr) of the design (X = LC or SP).
double synthetic_tc(const SyntheticDesign& d, Boundary b, double lr);

/// The CDF G(x) of a shape with width ω.
double transition_cdf(TransitionShape s, double x, double width);

/// One random phase diagram of the design (deterministic given rng_seed).
OutcomeTable simulate_diagram(const SyntheticDesign& d, std::uint64_t rng_seed);

}  // namespace memphase
