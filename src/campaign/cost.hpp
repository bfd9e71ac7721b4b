#pragma once
// The scheduler's cost model (no MPI): used by `run` to order tasks longest
// first and to respect a walltime, and by `plan` and `status` for estimates.
#include "core/spec.hpp"

namespace memphase {

/// Estimated cost of one task in GEMM floating-point operations:
/// epochs x epoch_flops(N, batch, steps).
double task_cost(const TaskSpec& spec);

/// Effective GFLOP/s of one core for time estimates: the value `memphase
/// bench` measured on the development machine (epoch_gflops); the
/// environment variable MEMPHASE_GFLOPS overrides it.
double effective_gflops();

}  // namespace memphase
