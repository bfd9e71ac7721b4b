#include "families/gru/family.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "delayed_cue/mechanism_report.hpp"
#include "delayed_cue/scaling_report.hpp"
#include "delayed_cue/trial.hpp"
#include "families/gru/config.hpp"
#include "families/gru/gru.hpp"
#include "families/gru/run_task.hpp"
#include "plugin/memory.hpp"
#include "sections/sections.hpp"
#include "sections/sections_family.hpp"

namespace memphase::gru {

namespace {

/// Memory of one task: the BPTT buffers of GruKernel (states, gates and
/// noise of every step), the classifier's free run, curves and weights.
std::vector<MemoryTerm> memory_terms(const Config& s, bool text) {
  const auto shape = [text](std::string_view f, auto... a) {
    return text ? fmt::format(fmt::runtime(f), a...) : std::string();
  };
  const double n = s.model.n, dt = s.model.dt, B = 2.0 * s.task.reps;
  const auto steps_of = [](double d, double step) { return std::floor(d / step); };
  const double T = steps_of(s.task.cue, dt) + steps_of(s.task.delay, dt) +
                   steps_of(s.task.response, dt) + steps_of(s.task.post, dt);
  MemoryFactor steps{"task.delay", s.task.delay, s.task.delay / 200.0};
  if (5.0 / dt > steps.ratio) steps = {"model.dt", dt, 5.0 / dt};
  std::vector<MemoryTerm> t;
  t.push_back({"BPTT buffers",
               shape("{:.0f} units x {:.0f} trials x {:.0f} steps", n, B, T),
               4.0 * (6.0 * n + 4.0) * B * T + 4.0 * 12.0 * n * B,
               {{"model.n", n, n / 100.0},
                {"task.reps", static_cast<double>(s.task.reps), s.task.reps / 64.0},
                steps}});
  t.push_back({"free run",
               shape("9 x {:.0f} steps x {:.0f} units", T, n),
               8.0 * 9.0 * T * (2.0 * n + 5.0),
               {{"model.n", n, n / 100.0}, steps}});
  const double epochs = static_cast<double>(s.train.resolved_epochs());
  const bool auto_epochs = s.train.epochs == 0;
  t.push_back(
      {"curves",
       shape("{:.0f} epochs", epochs),
       4.0 * 16.0 * epochs,
       {{auto_epochs ? "train.lr" : "train.epochs", auto_epochs ? s.train.lr : epochs, epochs}}});
  t.push_back({"weights",
               shape("7 copies of {:.0f} units", n),
               7.0 * 4.0 * (3.0 * n * n + 11.0 * n + 2.0),
               {{"model.n", n, n / 100.0}}});
  return t;
}

OutputSchema make_schema() {
  OutputSchema s;
  s.grid = section_grid_columns([](const TaskSpec& t) -> const Sections& { return config(t); },
                                [](TaskSpec& t) -> Sections& { return config(t); });
  s.pack_order = [](const TaskSpec&) -> std::string {
    return "gru: [vec(W_ih) (3N*2); vec(W_hh) (3N*N); b_ih (3N); b_hh (3N); vec(W_out) (2*N); "
           "b_out (2)], "
           "column-major, gates in nn.GRUCell's order (r, z, n)";
  };
  s.has_classes = true;
  return s;
}

class GruFamily final : public SectionsFamily<GruFamily, Config> {
 public:
  static constexpr std::string_view kId = "gru";
  static constexpr Preset kPresets[] = {
      {"gru-nopost", "GRU (nn.GRUCell, N = 100) on the delayed cue task, no post-response period"},
      {"gru-post", "the same with a 30 ms post-response period, epochs_coeff 100"},
  };
  static constexpr AxisInfo kAxes[] = {
      axis::lr,   axis::delay,       axis::response,         axis::post,     axis::n,
      axis::reps, axis::noise_sigma, axis::init_state_sigma, axis::momentum, axis::weight_decay};
  static constexpr auto kOwn = &Config::gru;
  static constexpr bool kOwnEncoded = false;  // the encoding is kTag and the sections (config.hpp)
  static constexpr std::int32_t kTag = gru::kTag;

  static void apply_preset(Config& s, std::string_view name) {
    if (name == "gru-post") {
      s.task.post = 30.0;
      s.train.epochs_coeff = 100.0;
    }
  }

  void check(const TaskSpec& spec, detail::Diagnostics& diag) const override {
    detail::Rules r(diag);
    const Config& c = config(spec);
    check_sections(c, r, /*trial_layout=*/true);
    // What the GRU does not use must keep its default, so that it cannot be
    // set (or change a task key) in vain.
    const ModelConfig m;
    if (!r.failed("model.tau") && !r.failed("model.dt") && c.model.tau != m.tau)
      r.fail("model.tau",
             fmt::format("model.tau is not used by a GRU (no leak: the update gate plays its "
                         "role; model.dt only sets the step counts) and must be {} (got {})",
                         m.tau, c.model.tau));
    if (c.model.readout != Readout::sigmoid)
      r.fail("model.readout",
             "model.readout must be sigmoid for a GRU (the delayed cue task) (got linear)");
    if (c.task.kind != TaskKind::dcdt)
      r.fail("task.kind", "task.kind must be dcdt for a GRU (got no_memory)");
  }
  std::string foreign_key_message(std::string_view path, std::string_view value) const override {
    return fmt::format("{} is only used by the gru families (got {})", path, value);
  }
  std::int64_t planned_epochs(const TaskSpec& spec) const override {
    return config(spec).train.resolved_epochs();
  }
  double cost(const TaskSpec& spec) const override {
    const Config& c = config(spec);
    const TrialLayout L = make_layout(c.task, c.model.dt);
    return static_cast<double>(c.train.resolved_epochs()) *
           epoch_flops(c.model.n, L.batch(), L.steps);
  }
  MemoryEstimate memory(const TaskSpec& spec, bool text) const override {
    return memory_estimate(memory_terms(config(spec), text), text);
  }

  std::optional<TaskResult> run(const TaskSpec& spec, RunControl* ctl) const override {
    return run_gru(spec, ctl);
  }
  std::string train_banner(const TaskSpec& spec) const override {
    const Config& c = config(spec);
    const TrialLayout L = make_layout(c.task, c.model.dt);
    return fmt::format(
        "training GRU N={} lr={} delay={} ms seed={}: T={} steps, batch {}, {} epochs", c.model.n,
        c.train.lr, c.task.delay, c.train.seed, L.steps, L.batch(), c.train.resolved_epochs());
  }
  std::string train_summary(const TaskResult& r) const override {
    return fmt::format(
        "status={} class={} ({}) learned={} psd_ratio={} epochs={} time={:.2f}s final_loss={:.5f}",
        to_string(r.status), static_cast<int>(r.cls.net_class), to_string(r.cls.net_class),
        r.cls.learned, r.cls.psd_ratio, r.epochs_run, r.train_seconds,
        r.curves.loss.empty() ? std::numeric_limits<float>::quiet_NaN() : r.curves.loss.back());
  }

  const OutputSchema& schema() const override {
    static const OutputSchema s = make_schema();
    return s;
  }

  void analyze(const AnalysisInput& in, const AnalyzeOptions& opt,
               AnalysisReport& r) const override {
    beta_fits(in, opt, r, config(in.campaign.base).task.post > 0.0);
    r.section.text = outcome_lines(r, /*no_memory=*/false);
    mechanism_report(in, opt, r);  // campaigns with output.snapshots (SPEC §3.8)
  }
  std::optional<std::string> refuse_reanalysis(std::string_view) const override {
    return std::nullopt;
  }
  Classification reclassify(const TaskSpec& spec, const TaskResult& r,
                            const ClassifyOptions& o) const override {
    return classify_outcome(spec, r.status, r.curves, r.extras.final, o);
  }
};

}  // namespace

const Family& family() {
  static const GruFamily f;
  return f;
}

}  // namespace memphase::gru
