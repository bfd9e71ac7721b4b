#pragma once
// Classification of a network trained on the delayed-cue task (SPEC §3.5)
// and the no-memory learned criterion (SPEC §3.6), shared by every family
// that trains on that task: the curves decide fail / unstable, the PSD of a
// free run (of the family's own model) LC / SP. Codes: 0 fail, 1 LC, 2 SP,
// 3 unstable. Thresholds: ClassifyOptions (core/result.hpp).
#include <functional>
#include <span>

#include "core/result.hpp"
#include "core/types.hpp"

namespace memphase {

/// Stability flag of SPEC §3.5 step 1 over per-epoch accuracy/reliability:
/// e0 = first epoch with acc > learn_threshold and rel > learn_threshold; if
/// there is none, true. Otherwise, over epochs >= e0,
///   (#acc < f + #rel < f) / (#acc > f + #rel > f) < stability_ratio,
/// f = forget_threshold (values equal to f, and NaNs, count in neither). A
/// zero denominator is unstable only if the numerator is > 0. The float
/// curves are compared with the double thresholds as they are, so a metric of
/// exactly 0.8f (= 0.8000000119) counts as > 0.8. Uses the first
/// min(|acc|, |rel|) epochs.
bool is_stable(std::span<const float> acc, std::span<const float> rel, const ClassifyOptions& o = {});

/// Mean (in double) of the last max(1, int(tail_fraction * n)) entries,
/// at most n; NaN for an empty x.
double tail_mean(std::span<const float> x, double tail_fraction);

/// Learned flag of SPEC §3.5 step 2 (tail means > threshold and stable).
bool is_learned(std::span<const float> acc, std::span<const float> rel, const ClassifyOptions& o = {});

/// PSD ratio rho of SPEC §3.5 step 4 from free-run rates F (n×N, n = 9T):
/// centred PCA, projection of the UNcentred rates on the top two PCs (sign
/// fixed so the largest-|component| of each PC is positive),
/// s_t = sign(p_t1 - p_t2), P_k = |DFT(s)_k|^2 in fft-shift order, and
/// rho = sum over the disc of P_a P_b / (sum_k P_k)^2.
/// Index a of the shifted spectrum holds frequency a - n/2 (integer division,
/// numpy's fftshift for odd and even n); the disc is
/// (a - n/2)^2 + (b - n/2)^2 <= radius2 over valid indices 0 <= a, b < n.
/// Only the |f| <= floor(sqrt(radius2)) frequencies are computed (direct DFT
/// sums, O(n sqrt(radius2))); sum_k P_k = n sum_t s_t^2 by Parseval. rho is in
/// [0, 1]: ~1 when s is (nearly) constant, small when s oscillates quickly.
/// Returns NaN when undefined: F empty, N < 2, F not finite, or s identically
/// 0 (p_t1 == p_t2 at every step: no power at all). radius2 < 0 gives 0.
double psd_ratio(const Mat<double>& F, int radius2 = 9);

/// Full classification of a finished training (SPEC §3.5): uses the curves
/// for fail/unstable and, for learned networks, the rates of a free run
/// (n×N: the family's model run freely on trial type 0 for
/// o.free_run_factor · T steps, T the trial length) to compute rho. Curves
/// containing NaN/Inf (loss, accuracy or reliability) are not learned. Not
/// learned: fail if stable, else unstable, psd_ratio NaN and `free_run` not
/// called. Learned: LC if rho < psd_lc_threshold, else SP; a NaN rho (see
/// psd_ratio) fails that test and is SP, like the reference's `rho < 0.5`
/// comparison.
Classification classify(const Curves& curves, const std::function<Mat<double>()>& free_run,
                        const ClassifyOptions& o = {});

/// No-memory learned criterion (SPEC §3.6): tail means of accuracy and
/// reliability (taken on the final step) > 0.8. Aborted/diverged runs are
/// not learned. Returns class fail (0) or, when learned, LC (1) is NOT used:
/// the no-memory family reports learned / not learned only, stored as
/// net_class = fail and learned = true/false. Curves containing NaN/Inf are
/// not learned. `stable` is recorded (is_stable) for information only; it is
/// not part of the no-memory criterion. psd_ratio stays NaN.
Classification classify_no_memory(const Curves& curves, Status status, const ClassifyOptions& o = {});

}  // namespace memphase
