// `memphase run` and `memphase gather`: the MPI subcommands. MPI is
// initialised only here, so the serial subcommands never touch it.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <memory>

#include "app/commands.hpp"
#include "app/launch_check.hpp"
#include "engine/cost.hpp"
#include "engine/gather.hpp"
#include "engine/plan.hpp"
#include "rundir/run_dir.hpp"
#include "engine/scheduler.hpp"
#include "config/campaign.hpp"
#include "core/error.hpp"
#include "io/durable.hpp"

namespace memphase::app {

namespace {

/// Runs an MPI subcommand body. Errors that every rank agreed on (input and
/// directory checks happen before any collective work) are printed once, by
/// rank 0, and turned into the exit code of every rank; MPI then finalises
/// normally instead of aborting.
template <class F>
int with_mpi(F&& body) {
  boost::mpi::environment env(boost::mpi::threading::single, /*abort_on_exception=*/false);
  boost::mpi::communicator world;
  auto report = [&](const char* kind, const std::exception& e, int code) {
    if (world.rank() == 0) fmt::print(stderr, "memphase: {}{}\n", kind, e.what());
    return code;
  };
  try {
    check_launch(world.size());  // N singletons from a PMI-less srun: refuse
    return body(world);
  } catch (const ConfigError& e) {
    return report("error: ", e, 2);
  } catch (const CampaignError& e) {
    return report("error: ", e, 2);
  } catch (const IoError& e) {
    return report("I/O error: ", e, 3);
  }
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<RunOptions>();
  auto walltime = std::make_shared<std::string>();
  CLI::App* c = app.add_subcommand("run", "Run or resume a campaign (use under mpirun/srun)");
  c->add_option("campaign", o->campaign_path, "campaign YAML")->required()->check(CLI::ExistingFile);
  c->add_option("--out,-o", o->out_dir, "run directory (created, or resumed if it exists)")->required();
  c->add_flag("--extend", o->extend, "accept a superset grid (more seeds/delays) and run only new tasks");
  c->add_flag("--ignore-version", o->ignore_version,
              "resume although the code version differs (results may not be bit-identical)");
  c->add_option("--walltime", *walltime, "time budget (s, 90m, 12h or h:mm:ss); Slurm's end time is used too");
  c->add_option("--walltime-margin", o->walltime_margin, "checkpoint this many seconds before the end")
      ->capture_default_str();
  c->add_option("--progress-every", o->progress_seconds, "seconds between progress lines")->capture_default_str();
  c->add_flag("--no-gather", [o](std::int64_t) { o->gather = false; }, "do not write campaign.h5 at the end");
  auto max_mem = std::make_shared<std::string>();
  c->add_option("--max-task-memory", *max_mem,
                "refuse tasks whose estimated memory exceeds this (64G, 512M, bytes; default "
                "MEMPHASE_MAX_TASK_MEMORY, else half of this node's memory)");
  c->callback([o, walltime, max_mem, &exit_code]() {
    o->walltime = parse_walltime(*walltime, "--walltime");
    if (!max_mem->empty()) o->max_task_memory = parse_bytes(*max_mem, "--max-task-memory");
    install_stop_signal_handlers();  // before MPI_Init, which is slow on a loaded node
    exit_code = with_mpi([&](const boost::mpi::communicator& world) { return run_campaign(world, *o); });
  });
}

void add_gather_command(CLI::App& app, int& exit_code) {
  auto dir = std::make_shared<std::string>();
  CLI::App* c = app.add_subcommand("gather", "Write DIR/campaign.h5 from the journals (parallel HDF5)");
  c->add_option("dir", *dir, "run directory")->required();
  c->callback([dir, &exit_code]() {
    exit_code = with_mpi([&](const boost::mpi::communicator& world) {
    RunPaths p{*dir};
    // Every rank validates the directory itself (it is on a shared file
    // system); a failure is therefore the same on every rank, before any
    // collective work.
    read_manifest(p);
    const Campaign camp = parse_campaign(read_file(p.campaign()), p.campaign());
    const std::int64_t rows = gather_campaign(world, p, camp);
    if (world.rank() == 0)
      fmt::print("memphase gather: {} of {} tasks done; wrote {}\n", rows, camp.tasks.size(), p.output());
    return 0;
    });
  });
}

}  // namespace memphase::app
