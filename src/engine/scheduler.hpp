#pragma once
// `memphase run`: the MPI master/worker engine. Rank 0 orders the pending
// tasks by estimated cost (longest first) and hands them out on request; it
// also trains, serving requests between its own epochs. Every rank
// checkpoints its in-flight task and appends finished tasks to its own
// journal. The communicator is passed in; nothing here uses MPI_COMM_WORLD.
#include <boost/mpi/communicator.hpp>
#include <cstdint>
#include <string>

namespace memphase {

struct RunOptions {
  std::string campaign_path;
  std::string out_dir;
  bool extend = false;          ///< accept a superset grid and run only new tasks
  bool ignore_version = false;  ///< resume although the code version changed
  /// Wall-clock budget in seconds (0: none). Also read from Slurm
  /// (SLURM_JOB_END_TIME) when present. Tasks that cannot finish are not
  /// dispatched; every rank checkpoints `walltime_margin` seconds before the end.
  double walltime = 0.0;
  double walltime_margin = 60.0;
  double progress_seconds = 10.0;  ///< progress line interval on rank 0
  bool gather = true;              ///< write campaign.h5 when all tasks are done
  /// Memory limit of one task at validation, bytes (0: MEMPHASE_MAX_TASK_MEMORY,
  /// else half of this node's memory; campaign/cost.hpp task_memory_check).
  double max_task_memory = 0.0;
  std::string command_line;
};

/// Runs (or resumes) a campaign on `comm`. Returns the exit code: 0 when all
/// tasks are done or the run stopped cleanly on a signal / walltime (the
/// message says how to resume). Throws ConfigError / CampaignError / IoError
/// on every rank alike before any training starts.
int run_campaign(const boost::mpi::communicator& comm, const RunOptions& opt);

/// SIGTERM, SIGINT and SIGUSR1 become a stop request: every rank checkpoints
/// at its next epoch boundary and `run` exits 0. Installed by `run` before MPI
/// starts (a signal during start-up must not kill a rank) and again by
/// run_campaign; idempotent.
void install_stop_signal_handlers();

}  // namespace memphase
