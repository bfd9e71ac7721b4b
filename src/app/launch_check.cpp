#include "app/launch_check.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <string_view>

#include "core/error.hpp"

namespace memphase::app {

namespace {
long positive(const char* s) {
  if (!s || !*s) return 0;
  char* end = nullptr;
  const long v = std::strtol(s, &end, 10);
  return (end && *end == '\0' && v > 0) ? v : 0;
}
const char* real_getenv(const char* name) { return std::getenv(name); }
}  // namespace

std::optional<std::string> launch_mismatch(int world_size, const char* (*getenv)(const char*)) {
  if (world_size != 1) return std::nullopt;
  if (const char* allow = getenv("MEMPHASE_ALLOW_SINGLETON"); allow && std::string_view(allow) == "1")
    return std::nullopt;
  const char* var = "SLURM_STEP_NUM_TASKS";
  long ntasks = positive(getenv(var));
  if (ntasks == 0) {
    var = "SLURM_NTASKS";
    ntasks = positive(getenv(var));
  }
  if (ntasks <= 1) return std::nullopt;
  return fmt::format(
      "{}={} but this process's MPI world has size 1: the ranks were started as {} independent "
      "single-process MPI jobs that would fight over one run directory. Under srun, the MPI "
      "library did not get the job layout: use `srun --mpi=pmix` (see `srun --mpi=list`) or start "
      "the ranks with `mpirun -np {}` inside the allocation (jobs/slurm.sbatch, README \"Running on a "
      "cluster\"). To run one rank on purpose inside this allocation, set MEMPHASE_ALLOW_SINGLETON=1.",
      var, ntasks, ntasks, ntasks);
}

void check_launch(int world_size) {
  if (auto msg = launch_mismatch(world_size, &real_getenv)) throw CampaignError(*msg);
}

}  // namespace memphase::app
