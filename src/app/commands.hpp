#pragma once
// Subcommands of the memphase binary. Each returns the process exit code;
// only main() decides how the process exits.
#include <map>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace memphase::app {

/// Registers `memphase train` on the CLI and returns a callback runner.
void add_train_command(CLI::App& app, int& exit_code);

/// Options and result of `memphase bench`.
struct BenchOptions {
  int n = 100;
  int batch = 128;
  double delay = 200.0;
  double min_time = 1.0;  ///< seconds per benchmark
  /// Each benchmark runs in `rounds` interleaved slices of min_time/rounds
  /// seconds and reports its fastest slice (1 = one plain measurement).
  int rounds = 5;
};
/// One cell of `memphase bench`'s grid: an epoch of N units, T steps,
/// B = 128, against the sgemm rate at N×N×128.
struct BenchCell {
  int n = 0, steps = 0;
  double epoch_ms = 0, sgemm_gflops = 0, roofline_fraction = 0;
};
struct BenchResult {
  int n = 0, batch = 0, steps = 0, rounds = 1;
  double epoch_ms = 0, noise_ms = 0, sgemm_gflops = 0, epoch_flops = 0, epoch_gflops = 0,
         roofline_fraction = 0, roofline_epoch_ms = 0;
  /// N in {50, 100, 200} × T in {16, 56, 96} (delays 0, 200, 400 ms).
  std::vector<BenchCell> grid;
  /// Two networks on one core: ms per network-epoch with their steps
  /// interleaved, and one after the other (same kernels, same work).
  double pair_interleaved_ms = 0, pair_sequential_ms = 0;
  /// Other families: ms per epoch (ghost) / update (WCRNN), and that time
  /// over the cost model's (campaign/cost.cpp) at effective_gflops().
  std::map<std::string, double> unit_ms, cost_ratio;
};
BenchResult run_bench(const BenchOptions& opt);
std::string to_json(const BenchResult& r);
void add_bench_command(CLI::App& app, int& exit_code);

/// `memphase run CAMPAIGN.yaml --out DIR` (MPI; see campaign/scheduler.hpp).
void add_run_command(CLI::App& app, int& exit_code);
/// `memphase gather DIR` (MPI, collective parallel-HDF5 write).
void add_gather_command(CLI::App& app, int& exit_code);
/// `memphase status DIR`: counts, core-hours, ETA from manifest and journals.
void add_status_command(CLI::App& app, int& exit_code);
/// `memphase analyze DIR`: phase diagram, fits, exponents (no MPI).
void add_analyze_command(CLI::App& app, int& exit_code);
/// `memphase plan CAMPAIGN.yaml [--ranks P] [--walltime H] [--simulate]`.
void add_plan_command(CLI::App& app, int& exit_code);

}  // namespace memphase::app
