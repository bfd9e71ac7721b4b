#pragma once
// Subcommands of the memphase binary. Each returns the process exit code;
// only main() decides how the process exits.
#include <string>

#include "plugin/bench.hpp"

namespace CLI {
class App;
}

namespace memphase::app {

/// Registers `memphase train` on the CLI and returns a callback runner.
void add_train_command(CLI::App& app, int& exit_code);

/// `memphase bench`: times the units of work of every family
/// (plugin/bench.hpp) and returns the JSON line of their fields.
std::string run_bench(const BenchOptions& opt);
void add_bench_command(CLI::App& app, int& exit_code);

/// `memphase run CAMPAIGN.yaml --out DIR` (MPI; see engine/scheduler.hpp).
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
