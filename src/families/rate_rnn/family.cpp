#include "families/rate_rnn/family.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "delayed_cue/mechanism_report.hpp"
#include "delayed_cue/scaling_report.hpp"
#include "delayed_cue/trial.hpp"
#include "families/rate_rnn/bptt.hpp"
#include "families/rate_rnn/config.hpp"
#include "families/rate_rnn/lyapunov.hpp"
#include "families/rate_rnn/run_task.hpp"
#include "families/rate_rnn/trainer.hpp"
#include "plugin/memory.hpp"
#include "sections/sections.hpp"
#include "sections/sections_family.hpp"

namespace memphase::rate_rnn {

std::vector<BenchUnit> bench_units(const BenchOptions& opt);                            // bench.cpp
void bench_fields(const BenchOptions& opt, const BenchTimes& seconds, BenchFields& out);  // bench.cpp

namespace {

/// Memory of one task: the BPTT buffers of bptt.hpp, the classifier's free
/// run, the curves and the copies of the weights.
std::vector<MemoryTerm> memory_terms(const Config& s, bool text) {
  std::vector<MemoryTerm> t;
  const auto shape = [text](std::string_view f, auto... a) {
    return text ? fmt::format(fmt::runtime(f), a...) : std::string();
  };
  const double n = s.model.n;
  // Trial-major kernel: the states of every step B x (N T) and dL/dlogit of
  // every step B x (2 T), per-step buffers B x N (pre-activation, delta,
  // dL/dr) and W_rec^T, in float32; the loss weights of the T steps in double.
  const double dt = s.model.dt, B = 2.0 * s.task.reps;
  const bool dcdt = s.task.kind == TaskKind::dcdt;
  const auto steps_of = [](double duration, double step) { return std::floor(duration / step); };
  const double cue = steps_of(s.task.cue, dt), delay = dcdt ? steps_of(s.task.delay, dt) : 0.0,
               resp = steps_of(s.task.response, dt), post = dcdt ? steps_of(s.task.post, dt) : 0.0;
  const double T = cue + delay + resp + post;
  // T is long because of a long period, or a short step: blame whichever is
  // further from the reference task (cue 30, delay 200, response 50, post
  // 30 ms at dt 5 ms).
  MemoryFactor steps{"model.dt", dt, 5.0 / dt};
  for (const MemoryFactor& f : {MemoryFactor{"task.cue", s.task.cue, s.task.cue / 30.0},
                                MemoryFactor{"task.delay", s.task.delay, s.task.delay / 200.0},
                                MemoryFactor{"task.response", s.task.response, s.task.response / 50.0},
                                MemoryFactor{"task.post", s.task.post, s.task.post / 30.0}})
    if (f.ratio > steps.ratio) steps = f;
  t.push_back({"BPTT buffers", shape("{:.0f} units x {:.0f} trials x {:.0f} steps", n, B, T),
               4.0 * ((n + 2.0) * B * T + 3.0 * B * n + n * n) + 8.0 * T,
               {{"model.n", n, n / 100.0}, {"task.reps", static_cast<double>(s.task.reps), s.task.reps / 64.0},
                steps}});
  t.push_back({"free run", shape("9 x {:.0f} steps x {:.0f} units", T, n), 8.0 * 9.0 * T * (2.0 * n + 5.0),
               {{"model.n", n, n / 100.0}, steps}});
  const double epochs = static_cast<double>(s.train.resolved_epochs());
  const bool auto_epochs = s.train.epochs == 0;
  t.push_back({"curves", shape("{:.0f} epochs", epochs), 4.0 * 16.0 * epochs,
               {{auto_epochs ? "train.lr" : "train.epochs", auto_epochs ? s.train.lr : epochs, epochs}}});
  t.push_back({"weights", shape("8 copies of {:.0f} units", n), 8.0 * 4.0 * (n * n + 6.0 * n + 2.0),
               {{"model.n", n, n / 100.0}}});
  return t;
}

OutputSchema make_schema() {
  OutputSchema s;
  s.grid = section_grid_columns([](const TaskSpec& t) -> const Sections& { return config(t); },
                                [](TaskSpec& t) -> Sections& { return config(t); });
  s.dense = {{"W_in", -1, 2, false}, {"W_rec", -1, -1, false}, {"W_out", 2, -1, false},
             {"b_in", -1, 1, true},  {"b_rec", -1, 1, true},   {"b_out", 2, 1, true}};
  s.dense_units = [](const TaskSpec& t) { return config(t).model.n; };
  s.pack_order = [](const TaskSpec&) { return std::string(); };
  s.has_classes = true;
  return s;
}

class RateRnnFamily final : public SectionsFamily<RateRnnFamily, Config> {
 public:
  static constexpr std::string_view kId = "rate_rnn";
  static constexpr Preset kPresets[] = {
      {"dcdt-nopost", "delayed cue discrimination, no post-response period (SPEC §3)"},
      {"dcdt-post", "with a 30 ms post-response period, epochs_coeff 100"},
      {"dcdt-longtau", "with tau 20 ms"},
      {"no-memory", "cue copied to the output, no delay (SPEC §3.6)"},
  };
  static constexpr AxisInfo kAxes[] = {axis::lr,    axis::delay,       axis::response,         axis::post,
                                       axis::tau,   axis::n,           axis::reps,             axis::noise_sigma,
                                       axis::init_state_sigma, axis::momentum, axis::weight_decay};
  // No own section and no kTag: its encoding is the sections alone (config.hpp),
  // owns_encoding() and decode() below.

  static void apply_preset(Config& s, std::string_view name) {
    if (name == "dcdt-post") {
      s.task.post = 30.0;
      s.train.epochs_coeff = 100.0;
    } else if (name == "dcdt-longtau") {
      s.model.tau = 20.0;
    } else if (name == "no-memory") {
      s.task.kind = TaskKind::no_memory;
      s.task.delay = 0.0;
      s.task.post = 0.0;
      s.task.loss = LossKind::mse;
      s.model.readout = Readout::linear;
      s.train.epochs = 3000;
      s.train.abort_loss = 100.0;
    }
  }

  void check(const TaskSpec& spec, detail::Diagnostics& diag) const override {
    detail::Rules r(diag);
    check_sections(config(spec), r, /*trial_layout=*/true);
  }
  std::string foreign_key_message(std::string_view path, std::string_view value) const override {
    return fmt::format("{} is only used by the rate RNN families (got {})", path, value);
  }
  bool owns_encoding(std::int32_t first) const override { return first >= 1; }
  TaskSpec decode(ByteReader& r) const override {
    const auto first = r.get<std::int32_t>();
    if (first < 1) r.fail("model.n of a rate RNN spec");
    auto c = std::make_unique<Config>();
    decode_sections(r, *c, first);
    return TaskSpec(this, std::move(c));
  }

  std::optional<std::string> refuse_axis(const TaskSpec& base, const AxisInfo& axis, std::string_view path,
                                         std::string_view preset) const override {
    if (config(base).task.kind != TaskKind::no_memory) return Family::refuse_axis(base, axis, path, preset);
    // The no-memory task has no delay or post period.
    if (axis.name != "delay" && axis.name != "post" && !Family::refuse_axis(base, axis, path, preset))
      return std::nullopt;
    std::vector<std::string> allowed;
    for (const AxisInfo& a : kAxes)
      if (a.name != "delay" && a.name != "post") allowed.emplace_back(a.name);
    return fmt::format("{} cannot be swept in family '{}' ({} is fixed at 0; axes of this family: {})", path,
                       preset, axis.field, detail::join_list(allowed));
  }

  std::int64_t planned_epochs(const TaskSpec& spec) const override {
    return config(spec).train.resolved_epochs();
  }
  double cost(const TaskSpec& spec) const override {
    const Config& c = config(spec);
    const TrialLayout L = make_layout(c.task, c.model.dt);
    return static_cast<double>(c.train.resolved_epochs()) * epoch_flops(c.model.n, L.batch(), L.steps);
  }
  MemoryEstimate memory(const TaskSpec& spec, bool text) const override {
    return memory_estimate(memory_terms(config(spec), text), text);
  }

  std::optional<TaskResult> run(const TaskSpec& spec, RunControl* ctl) const override {
    return run_rate_rnn(spec, ctl);
  }
  std::optional<std::string> legacy_checkpoint(std::string_view payload, std::int64_t* epoch,
                                               std::string* why) const override {
    // Format 1 of a rate RNN: the encoded TrainState itself (no epoch
    // prefix), which is also this runner's state.
    try {
      const TrainState s = decode_state(payload, "checkpoint");
      if (epoch) *epoch = s.epoch;
      return std::string(payload);
    } catch (const Error& e) {
      if (why) *why = e.what();
      return std::nullopt;
    }
  }
  std::string train_banner(const TaskSpec& spec) const override {
    const Config& c = config(spec);
    const TrialLayout L = make_layout(c.task, c.model.dt);
    return fmt::format("training N={} lr={} delay={} ms seed={}: T={} steps, batch {}, {} epochs", c.model.n,
                       c.train.lr, c.task.delay, c.train.seed, L.steps, L.batch(), c.train.resolved_epochs());
  }
  std::string train_summary(const TaskResult& r) const override {
    return fmt::format("status={} class={} ({}) learned={} psd_ratio={} epochs={} time={:.2f}s "
                       "({:.3f} ms/epoch) final_loss={:.5f}",
                       to_string(r.status), static_cast<int>(r.cls.net_class), to_string(r.cls.net_class),
                       r.cls.learned, r.cls.psd_ratio, r.epochs_run, r.train_seconds,
                       1e3 * r.train_seconds / std::max<std::int64_t>(1, r.epochs_run),
                       r.curves.loss.empty() ? std::numeric_limits<float>::quiet_NaN() : r.curves.loss.back());
  }

  const OutputSchema& schema() const override {
    static const OutputSchema s = make_schema();
    return s;
  }

  void analyze(const AnalysisInput& in, const AnalyzeOptions& opt, AnalysisReport& r) const override {
    const Config& c = config(in.campaign.base);
    const bool no_memory = c.task.kind == TaskKind::no_memory;
    if (no_memory)
      nomem_fits(in, opt, r);
    else
      beta_fits(in, opt, r, c.task.post > 0.0);
    r.section.text = outcome_lines(r, no_memory);
    mechanism_report(in, opt, r);  // campaigns with output.snapshots (SPEC §3.8)
  }
  std::optional<std::string> refuse_reanalysis(std::string_view) const override { return std::nullopt; }
  Classification reclassify(const TaskSpec& spec, const TaskResult& r, const ClassifyOptions& o) const override {
    return classify_outcome(spec, r.status, r.curves, r.final, o);
  }
  double largest_lyapunov(const TaskSpec& spec, const TaskResult& r) const override {
    return free_run_spectrum(spec, r.final, 1)(0);
  }

  std::vector<BenchUnit> bench_units(const BenchOptions& opt) const override { return rate_rnn::bench_units(opt); }
  void bench_fields(const BenchOptions& opt, const BenchTimes& seconds, BenchFields& out) const override {
    rate_rnn::bench_fields(opt, seconds, out);
  }
};

}  // namespace

const Family& family() {
  static const RateRnnFamily f;
  return f;
}

}  // namespace memphase::rate_rnn
