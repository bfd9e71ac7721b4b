// `memphase status DIR`: progress of a campaign from its manifest, journals
// (through their indexes) and checkpoints. Serial: no MPI; safe while a job
// is running on DIR (it writes nothing), except `--reindex`, which takes the
// run lock and rewrites the journal indexes that are not current.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <memory>

#include "app/commands.hpp"
#include "rundir/run_dir.hpp"
#include "engine/status.hpp"
#include "core/error.hpp"

namespace memphase::app {

namespace {

struct StatusFlags {
  std::string dir;
  int ranks = 0;
  double gflops = 0.0;
  bool json = false;
  bool reindex = false;
};

int run_status(const StatusFlags& f) {
  if (f.ranks < 0) throw ConfigError(fmt::format("--ranks must be >= 1 (got {})", f.ranks));
  if (f.reindex) {
    const JournalIndex idx = reindex_journals(RunPaths{f.dir});
    if (!f.json)
      fmt::print("memphase status: rebuilt {} of {} journal index(es) in {}\n", idx.index_rebuilt, idx.files, f.dir);
  }
  const StatusReport r = read_status(f.dir, f.ranks, f.gflops);
  if (f.json) fmt::print("{}\n", status_to_json(r));
  else fmt::print("{}", format_status(r));
  return 0;
}

}  // namespace

void add_status_command(CLI::App& app, int& exit_code) {
  auto f = std::make_shared<StatusFlags>();
  CLI::App* c = app.add_subcommand(
      "status", "Done / in flight / pending, classes, core-hours and ETA of a run directory (no MPI)");
  c->add_option("dir", f->dir, "run directory (memphase run --out DIR)")->required();
  c->add_option("--ranks,-P", f->ranks, "ranks for the ETA (default: those of the last run)");
  c->add_option("--gflops", f->gflops, "effective GFLOP/s per core (default: MEMPHASE_GFLOPS or built-in)");
  c->add_flag("--json", f->json, "one line of JSON (\"remaining\": tasks not yet committed)");
  c->add_flag("--reindex", f->reindex,
              "first rebuild the journal indexes that are missing, torn or stale (takes the run lock: "
              "refused while a run holds it)");
  c->callback([f, &exit_code]() { exit_code = run_status(*f); });
}

}  // namespace memphase::app
