// `memphase plan CAMPAIGN.yaml`: task count, core-hours and makespan of a
// campaign from the calibrated cost model, before anything runs. Serial: no
// MPI is initialised.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <memory>

#include "app/commands.hpp"
#include "engine/cost.hpp"
#include "engine/plan.hpp"
#include "config/campaign.hpp"
#include "core/error.hpp"

namespace memphase::app {

namespace {

struct PlanFlags {
  std::string campaign, walltime, latency = "half-epoch", max_memory;
  PlanOptions opt;
  bool json = false;
};

int run_plan(PlanFlags& f) {
  if (f.opt.ranks < 1) throw ConfigError(fmt::format("--ranks must be >= 1 (got {})", f.opt.ranks));
  if (f.opt.walltime_margin < 0)
    throw ConfigError(fmt::format("--walltime-margin must be >= 0 (got {})", f.opt.walltime_margin));
  if (f.opt.gflops < 0) throw ConfigError(fmt::format("--gflops must be > 0 (got {})", f.opt.gflops));
  f.opt.walltime = parse_walltime(f.walltime, "--walltime");
  f.opt.latency = parse_latency(f.latency, "--dispatch-latency");
  if (!f.max_memory.empty()) f.opt.max_task_memory = parse_bytes(f.max_memory, "--max-task-memory");
  const Campaign c = load_campaign(f.campaign);
  const PlanReport r = plan_campaign(c, f.opt);
  if (f.json) fmt::print("{}\n", plan_to_json(r));
  else fmt::print("{}", format_plan(r));
  return 0;
}

}  // namespace

void add_plan_command(CLI::App& app, int& exit_code) {
  auto f = std::make_shared<PlanFlags>();
  CLI::App* c = app.add_subcommand(
      "plan", "Task count, core-hours and makespan of a campaign for P ranks (cost model; no MPI)");
  c->add_option("campaign", f->campaign, "campaign YAML")->required()->check(CLI::ExistingFile);
  c->add_option("--ranks,-P", f->opt.ranks, "MPI ranks (cores), rank 0 included")->capture_default_str();
  c->add_option("--walltime", f->walltime,
                "allocation length (s, 90m, 12h or h:mm:ss): tasks in the first allocation, allocations needed");
  c->add_option("--walltime-margin", f->opt.walltime_margin, "as `memphase run --walltime-margin` (s)")
      ->capture_default_str();
  c->add_flag("--simulate", f->opt.simulate,
              "replay the scheduler (longest first, P ranks, dispatch latency) against the cost model");
  c->add_option("--dispatch-latency", f->latency,
                "half-epoch (rank 0 answers between its epochs), none, or seconds per dispatch")
      ->capture_default_str();
  c->add_option("--gflops", f->opt.gflops, "effective GFLOP/s per core (default: MEMPHASE_GFLOPS or built-in)");
  c->add_option("--max-task-memory", f->max_memory,
                "memory limit per task to check against, as `memphase run --max-task-memory` (64G, 512M)");
  c->add_flag("--json", f->json, "one line of JSON instead of the table");
  c->callback([f, &exit_code]() { exit_code = run_plan(*f); });
}

}  // namespace memphase::app
