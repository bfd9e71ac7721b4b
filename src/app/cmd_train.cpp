// `memphase train`: one network from flags and/or a YAML file, written as a
// one-task campaign HDF5 file.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cmath>
#include <optional>

#include "analysis/model_task.hpp"
#include "analysis/run_task.hpp"
#include "app/commands.hpp"
#include "campaign/cost.hpp"
#include "config/campaign.hpp"
#include "config/train_config.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/version.hpp"
#include "io/task_file.hpp"

namespace memphase::app {

namespace {

struct TrainFlags {
  std::string config, family, out = "memphase-train.h5";
  std::optional<double> lr, delay, post, tau, noise_sigma, init_state_sigma, momentum,
      weight_decay;
  std::optional<std::int64_t> epochs;
  std::optional<std::uint64_t> seed;
  std::optional<int> n, reps, record_every;
  int progress_every = 0;
  std::string command_line;
};

int run_train(const TrainFlags& f) {
  TaskSpec spec;
  if (!f.config.empty()) {
    if (!f.family.empty())
      throw ConfigError(fmt::format("--family {}: not allowed with --config {} (put 'family: {}' in the "
                                    "file, so that the file's keys override the family defaults)",
                                    f.family, f.config, f.family));
    spec = load_train_config(f.config);
  } else if (!f.family.empty()) {
    apply_family(spec, f.family, "--family");
  }
  if (f.lr) spec.train.lr = *f.lr;
  if (f.delay) spec.task.delay = *f.delay;
  if (f.post) spec.task.post = *f.post;
  if (f.tau) spec.model.tau = *f.tau;
  if (f.noise_sigma) spec.model.noise_sigma = *f.noise_sigma;
  if (f.init_state_sigma) spec.model.init_state_sigma = *f.init_state_sigma;
  if (f.momentum) spec.train.momentum = *f.momentum;
  if (f.weight_decay) spec.train.weight_decay = *f.weight_decay;
  if (f.epochs) spec.train.epochs = *f.epochs;
  if (f.seed) spec.train.seed = *f.seed;
  if (f.n) spec.model.n = *f.n;
  if (f.reps) spec.task.reps = *f.reps;
  if (f.record_every) spec.train.record_every = *f.record_every;
  validate(spec, f.config.empty() ? std::string("command line") : f.config + " + command line");
  // An absurd size (e.g. --delay 1e9) is refused as `memphase run` refuses it
  // (campaign/cost.hpp task_memory_check), before anything is allocated.
  if (const MemoryCheck mc = task_memory_check(); mc.enabled()) {
    const MemoryEstimate m = mc.estimate(spec);
    if (m.bytes > mc.limit_bytes)
      throw ConfigError(fmt::format("{}: {} makes the network need about {} of memory ({}), more than the {} "
                                    "allowed ({}) (got {})",
                                    f.config.empty() ? std::string("command line") : f.config, m.key,
                                    format_bytes(m.bytes), m.breakdown, format_bytes(mc.limit_bytes),
                                    mc.limit_text, m.value));
  }
  if (spec.toy.enabled())
    throw ConfigError(fmt::format(
        "{}: family toy-{} is a closed-form toy model (SPEC §4), not a network: `memphase train` "
        "trains one RNN; run a toy campaign with `memphase run` (see campaigns/toy-*.yaml)",
        f.config.empty() ? std::string("--family") : f.config,
        spec.toy.kind == ToyModel::ghost ? "ghost" : "cycle"));

  Provenance prov;
  prov.config_yaml = to_yaml(spec);
  prov.config_hash = hex64(hash64(prov.config_yaml));
  prov.code_version = std::string(code_version_string());
  prov.command = f.command_line;
  if (!spec.rate_rnn()) {
    // Ghost network (SPEC §5) or WCRNN (SPEC §6): the runner of the campaign
    // engine, with a progress line every `chunk` epochs.
    const std::int64_t planned = spec.planned_epochs();
    const std::int64_t chunk =
        f.progress_every > 0 ? f.progress_every : std::max<std::int64_t>(1, planned / 10);
    RunControl ctl;
    ctl.poll = [&](std::int64_t e) {
      if (e % chunk == 0) spdlog::info("epoch {}/{}", e, planned);
      return RunAction::go_on;
    };
    const TaskResult r = *run_model_task(spec, &ctl);
    write_task_file(f.out, r, prov);
    fmt::print("status={} learned={} epochs={} time={:.2f}s", to_string(r.status), r.cls.learned, r.epochs_run,
               r.train_seconds);
    for (const auto& [k, v] : r.extras.metrics) fmt::print(" {}={:.6g}", k, v);
    fmt::print(" -> {}\n", f.out);
    return 0;
  }
  Trainer trainer(spec);
  const std::int64_t total = trainer.epochs();
  spdlog::info("training N={} lr={} delay={} ms seed={}: T={} steps, batch {}, {} epochs",
               spec.model.n, spec.train.lr, spec.task.delay, spec.train.seed,
               trainer.layout().steps, trainer.layout().batch(), total);
  TrainState s = trainer.start();
  const std::int64_t chunk =
      f.progress_every > 0 ? f.progress_every : std::max<std::int64_t>(1, total / 10);
  while (!trainer.advance(s, chunk)) {
    spdlog::info("epoch {}/{}: loss {:.5f} acc {:.3f} rel {:.3f}", s.epoch, total,
                 s.curves.loss.back(), s.curves.accuracy.back(), s.curves.reliability.back());
  }
  TaskResult r = finish_task(trainer, std::move(s));
  write_task_file(f.out, r, prov);

  fmt::print("status={} class={} ({}) learned={} psd_ratio={} epochs={} time={:.2f}s "
             "({:.3f} ms/epoch) final_loss={:.5f} -> {}\n",
             to_string(r.status), static_cast<int>(r.cls.net_class), to_string(r.cls.net_class),
             r.cls.learned, r.cls.psd_ratio, r.epochs_run, r.train_seconds,
             1e3 * r.train_seconds / std::max<std::int64_t>(1, r.epochs_run),
             r.curves.loss.empty() ? NAN : r.curves.loss.back(), f.out);
  return 0;
}

}  // namespace

void add_train_command(CLI::App& app, int& exit_code) {
  auto f = std::make_shared<TrainFlags>();
  CLI::App* c = app.add_subcommand("train", "Train ONE network (SPEC §2-3) and write an HDF5 file");
  c->add_option("--config,-c", f->config, "YAML file (sections model/task/train, optional family)")
      ->check(CLI::ExistingFile);
  c->add_option("--family", f->family, "family defaults: dcdt-nopost, dcdt-post, dcdt-longtau, no-memory, ghost-rank1, ghost-rankK, wcrnn");
  c->add_option("--out,-o", f->out, "output HDF5 file")->capture_default_str();
  c->add_option("--lr", f->lr, "learning rate");
  c->add_option("--delay", f->delay, "delay period (ms)");
  c->add_option("--post", f->post, "post-response period (ms)");
  c->add_option("--tau", f->tau, "time constant (ms)");
  c->add_option("--noise-sigma", f->noise_sigma, "std of the process noise");
  c->add_option("--init-state-sigma", f->init_state_sigma, "r_0 = tanh(sigma g); 0 gives r_0 = 0");
  c->add_option("--momentum", f->momentum, "SGD momentum");
  c->add_option("--weight-decay", f->weight_decay, "SGD weight decay");
  c->add_option("--epochs", f->epochs, "explicit epoch count (default: SPEC §3.3 formula)");
  c->add_option("--seed", f->seed, "network seed (initial weights depend on it only)");
  c->add_option("--n", f->n, "hidden units");
  c->add_option("--reps", f->reps, "copies of each trial type (batch = 2 reps)");
  c->add_option("--record-every", f->record_every, "keep every k-th epoch of the curves in the file");
  c->add_option("--progress-every", f->progress_every, "log every k epochs (default: 10 lines)");
  c->callback([f, &exit_code, &app]() {
    f->command_line = "memphase train";
    for (const auto& a : app.remaining()) f->command_line += " " + a;
    exit_code = run_train(*f);
  });
}

void add_bench_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<BenchOptions>();
  CLI::App* c = app.add_subcommand(
      "bench", "Single-threaded ms/epoch (B=128, N=100, delay 200 ms) vs the sgemm roofline; one JSON line");
  c->add_option("--n", o->n, "hidden units")->capture_default_str();
  c->add_option("--batch", o->batch, "batch size (2 reps)")->capture_default_str();
  c->add_option("--delay", o->delay, "delay (ms)")->capture_default_str();
  c->add_option("--min-time", o->min_time, "seconds per benchmark")->capture_default_str();
  c->add_option("--rounds", o->rounds, "interleaved rounds per benchmark, fastest kept (1: one plain run)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  c->callback([o, &exit_code]() {
    fmt::print("{}\n", to_json(run_bench(*o)));
    exit_code = 0;
  });
}

}  // namespace memphase::app
