// `memphase train`: one network from flags and/or a YAML file, written as a
// one-task campaign HDF5 file.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <string_view>
#include <tuple>
#include <vector>

#include "app/commands.hpp"
#include "engine/cost.hpp"
#include "config/campaign.hpp"
#include "config/train_config.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/version.hpp"
#include "families/registry.hpp"
#include "io/task_file.hpp"
#include "plugin/family.hpp"

namespace memphase::app {

namespace {

struct TrainFlags {
  std::string config, family, out = "memphase-train.h5";
  std::optional<double> lr, delay, post, tau, noise_sigma, init_state_sigma, momentum,
      weight_decay;
  std::optional<std::int64_t> epochs;
  std::optional<std::uint64_t> seed;
  std::optional<int> n, reps, record_every, snapshots;
  int progress_every = 0;
  std::string command_line;
};

/// Sets the field `field` ("task.delay") of the spec from the flag --`axis`,
/// as the grid axis of that name does; refused (ConfigError) when the spec's
/// family has no such key.
void set_section_field(TaskSpec& spec, std::string_view axis, std::string_view field, double v) {
  const std::vector<std::string> keys = spec.family->key_paths();
  if (std::find(keys.begin(), keys.end(), field) == keys.end())
    throw ConfigError(fmt::format("--{}: family {} has no key {}", axis, spec.family->id(), field));
  spec.family->set_axis(spec, axis, v);
}

int run_train(const TrainFlags& f) {
  TaskSpec spec;
  if (!f.config.empty()) {
    if (!f.family.empty())
      throw ConfigError(fmt::format("--family {}: not allowed with --config {} (put 'family: {}' in the "
                                    "file, so that the file's keys override the family defaults)",
                                    f.family, f.config, f.family));
    spec = load_train_config(f.config);
  } else {
    spec = preset_spec(f.family.empty() ? std::string(families().front()->presets().front().name) : f.family,
                       "--family");
  }
  // The flags set the fields of the model/task/train sections, as grid axes do.
  const std::tuple<std::string_view, std::string_view, std::optional<double>> fields[] = {
      {"lr", "train.lr", f.lr},
      {"delay", "task.delay", f.delay},
      {"post", "task.post", f.post},
      {"tau", "model.tau", f.tau},
      {"noise_sigma", "model.noise_sigma", f.noise_sigma},
      {"init_state_sigma", "model.init_state_sigma", f.init_state_sigma},
      {"momentum", "train.momentum", f.momentum},
      {"weight_decay", "train.weight_decay", f.weight_decay},
      {"epochs", "train.epochs", f.epochs ? std::optional<double>(static_cast<double>(*f.epochs)) : std::nullopt},
      {"n", "model.n", f.n ? std::optional<double>(*f.n) : std::nullopt},
      {"reps", "task.reps", f.reps ? std::optional<double>(*f.reps) : std::nullopt}};
  for (const auto& [axis, field, v] : fields)
    if (v) set_section_field(spec, axis, field, *v);
  if (f.seed) spec.config->set_seed(*f.seed);
  if (f.record_every) spec.config->set_record_every(*f.record_every);
  if (f.snapshots) {
    if (*f.snapshots < 0) throw ConfigError(fmt::format("--snapshots must be >= 0 (0: off) (got {})", *f.snapshots));
    if (!spec.config->set_snapshots(*f.snapshots))
      throw ConfigError(fmt::format("--snapshots: family {} has no PSD classifier to snapshot (got {})",
                                    spec.family->id(), *f.snapshots));
  }
  validate(spec, f.config.empty() ? std::string("command line") : f.config + " + command line");
  // An absurd size (e.g. --delay 1e9) is refused as `memphase run` refuses it
  // (engine/cost.hpp task_memory_check), before anything is allocated.
  if (const MemoryCheck mc = task_memory_check(); mc.active()) {
    const MemoryEstimate m = mc.estimate(spec);
    if (m.bytes > mc.limit_bytes)
      throw ConfigError(fmt::format("{}: {} makes the network need about {} of memory ({}), more than the {} "
                                    "allowed ({}) (got {})",
                                    f.config.empty() ? std::string("command line") : f.config, m.key,
                                    format_bytes(m.bytes), m.breakdown, format_bytes(mc.limit_bytes),
                                    mc.limit_text, m.value));
  }
  const Family& family = *spec.family;
  if (const std::optional<std::string> why = family.refuse_train(spec))
    throw ConfigError(fmt::format("{}: {}", f.config.empty() ? std::string("--family") : f.config, *why));

  Provenance prov;
  prov.config_yaml = to_yaml(spec);
  prov.config_hash = hex64(hash64(prov.config_yaml));
  prov.code_version = std::string(code_version_string());
  prov.command = f.command_line;
  // The family's runner, as the campaign engine drives it, with a progress
  // line every `chunk` epochs.
  if (const std::string banner = family.train_banner(spec); !banner.empty()) spdlog::info("{}", banner);
  const std::int64_t planned = family.planned_epochs(spec);
  const std::int64_t chunk = f.progress_every > 0 ? f.progress_every : std::max<std::int64_t>(1, planned / 10);
  RunControl ctl;
  bool curves_seen = false;
  ctl.progress = [&](std::int64_t e, const Curves& c) {
    curves_seen = true;
    if (e % chunk == 0 && !c.loss.empty())
      spdlog::info("epoch {}/{}: loss {:.5f} acc {:.3f} rel {:.3f}", e, planned, c.loss.back(), c.accuracy.back(),
                   c.reliability.back());
  };
  ctl.poll = [&](std::int64_t e) {
    if (!curves_seen && e % chunk == 0) spdlog::info("epoch {}/{}", e, planned);
    return RunAction::go_on;
  };
  const TaskResult r = *family.run(spec, &ctl);
  write_task_file(f.out, r, prov);
  fmt::print("{} -> {}\n", family.train_summary(r), f.out);
  return 0;
}

}  // namespace

void add_train_command(CLI::App& app, int& exit_code) {
  auto f = std::make_shared<TrainFlags>();
  CLI::App* c = app.add_subcommand("train", "Train ONE network (SPEC §2-3) and write an HDF5 file");
  c->add_option("--config,-c", f->config, "YAML file (sections model/task/train, optional family)")
      ->check(CLI::ExistingFile);
  c->add_option("--family", f->family, "preset (family defaults): " + detail::join_list(preset_names()));
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
  c->add_option("--snapshots", f->snapshots,
                 "classify the current network every k epochs and at the end (SPEC §3.8; 0: off)");
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
    fmt::print("{}\n", run_bench(*o));
    exit_code = 0;
  });
}

}  // namespace memphase::app
