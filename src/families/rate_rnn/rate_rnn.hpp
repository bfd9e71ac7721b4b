#pragma once
// Leaky rate RNN of SPEC §2: initialisation and free-running simulation.
// The BPTT training kernel lives in train/ (bptt_impl.hpp).
//
//   o_t     = readout(W_out r_t + b_out)            (read out BEFORE the update)
//   z_t     = tanh(W_in u_t + b_in + W_rec r_t + b_rec + eps_t)
//   r_{t+1} = (1 - alpha) r_t + alpha z_t
#include <cstdint>

#include "core/params.hpp"
#include "core/rng.hpp"
#include "sections/sections.hpp"

namespace memphase {

/// PyTorch-default initialisation drawn from Rng(seed, "init") ONLY: Xavier
/// uniform weights U(-a, a), a = sqrt(6/(fan_in+fan_out)), diag(W_rec) = 0,
/// biases U(-1/sqrt(fan_in), 1/sqrt(fan_in)). Drawn in double and rounded to
/// S, so Params<float> == init_params<double>(...).cast<float>().
template <class S>
Params<S> init_params(int n, std::uint64_t seed);

/// Runs ONE trial of cue type `cue_type` (0 = [0,1], 1 = [1,0]) freely for
/// `steps` steps: input = cue for t < n_cue, then zeros; noise eps_t and a
/// fresh r_0 = tanh(sigma0 g) drawn from rng. Returns the rates AFTER each
/// update, r_1 .. r_steps, as a steps×N matrix (the reference records the
/// updated state). Computed in double precision.
Mat<double> free_run(const Params<float>& p, const ModelConfig& model, int n_cue, int cue_type,
                     int steps, Rng& rng);

/// Same as free_run, but also returns the read-out o_t (steps×2, the output
/// computed from r_t before update t, t = 0..steps-1).
Mat<double> free_run(const Params<float>& p, const ModelConfig& model, int n_cue, int cue_type,
                     int steps, Rng& rng, Mat<double>* outputs);

}  // namespace memphase
