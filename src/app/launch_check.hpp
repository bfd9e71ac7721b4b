// Refuses a launch where the scheduler asked for several tasks but this
// process's MPI world has size 1: `srun` without a working PMI plug-in (or a
// plain `memphase run` inside a many-task allocation) starts N independent
// singletons that would all fight over one run directory.
#pragma once

#include <optional>
#include <string>

namespace memphase::app {

/// The error message when `world_size` contradicts the scheduler's task count
/// read from `getenv` (SLURM_STEP_NUM_TASKS when set, i.e. inside an srun
/// step, else SLURM_NTASKS); nullopt when the launch is consistent, when no
/// task count is set, or when MEMPHASE_ALLOW_SINGLETON=1.
std::optional<std::string> launch_mismatch(int world_size, const char* (*getenv)(const char*));

/// The same, against the real environment; throws CampaignError on a mismatch.
void check_launch(int world_size);

}  // namespace memphase::app
