#include "families/wcrnn/family.hpp"

#include <fmt/format.h>

#include <memory>

#include "families/wcrnn/config.hpp"
#include "families/wcrnn/wcrnn.hpp"
#include "families/wcrnn/wcrnn_task.hpp"
#include "metric_report/metric_report.hpp"
#include "plugin/memory.hpp"
#include "sections/sections.hpp"
#include "sections/sections_family.hpp"

namespace memphase::wcrnn {

namespace {

using detail::format_double;

/// Values of the categorical axis "residual", in ResidualKind order.
constexpr std::string_view residual_choices[] = {"homogeneous", "rotational", "heterogeneous_diag",
                                                 "heterogeneous_rot", "zero"};

/// Rules of the wcrnn section (SPEC §6).
void check_wcrnn(const Config& spec, detail::Rules& r) {
  using detail::at_least_one;
  using detail::non_negative;
  using detail::positive;
  const WcrnnConfig& w = spec.wcrnn;
  const WcrnnConfig none{};
  const ResidualSpec& R = w.residual;
  if (w.task == WcrnnTask::none)
    r.fail("wcrnn.task", "wcrnn.task must be one of lyapunov, adding, smnist, psmnist (got none)");
  r.number("wcrnn.r", R.r, non_negative, ">= 0");
  r.number("wcrnn.phi", R.phi, [](double) { return true; }, "finite");
  if (r.number("wcrnn.r_lo", R.r_lo, non_negative, ">= 0") &&
      r.number("wcrnn.r_hi", R.r_hi, non_negative, ">= 0") && R.r_lo > R.r_hi)
    r.fail("wcrnn.r_lo", fmt::format("wcrnn.r_lo must be <= wcrnn.r_hi (got {}, {})",
                                     format_double(R.r_lo), format_double(R.r_hi)));
  if (r.number("wcrnn.phi_lo", R.phi_lo, [](double) { return true; }, "finite") &&
      r.number("wcrnn.phi_hi", R.phi_hi, [](double) { return true; }, "finite") &&
      R.phi_lo > R.phi_hi)
    r.fail("wcrnn.phi_lo", fmt::format("wcrnn.phi_lo must be <= wcrnn.phi_hi (got {}, {})",
                                       format_double(R.phi_lo), format_double(R.phi_hi)));
  r.number("wcrnn.gamma", w.gamma, positive, "> 0");
  if (r.integer("wcrnn.seq_len", w.seq_len, [](int v) { return v >= 2; }, ">= 2") &&
      w.task != WcrnnTask::adding && w.task != WcrnnTask::lyapunov && w.seq_len != none.seq_len)
    r.fail("wcrnn.seq_len", fmt::format("wcrnn.seq_len is only used by the adding problem and the "
                                        "lyapunov task ((p)sMNIST has 784 steps) (got {})", w.seq_len));
  r.integer("wcrnn.batch", w.batch, at_least_one, ">= 1");
  r.number("wcrnn.clip", w.clip, non_negative, ">= 0 (0: off)");
  r.integer("wcrnn.eval_every", w.eval_every, at_least_one, ">= 1");
  r.integer("wcrnn.eval_size", w.eval_size, at_least_one, ">= 1");
  r.integer("wcrnn.train_size", w.train_size, non_negative, ">= 0 (0: all)");
  if (w.dataset != "mnist" && w.dataset != "fashion")
    r.fail("wcrnn.dataset", fmt::format("wcrnn.dataset must be one of mnist, fashion (got '{}')", w.dataset));
  r.number("wcrnn.threshold", w.threshold, non_negative, ">= 0 (0: off)");
  r.integer("wcrnn.lyap_steps", w.lyap_steps, non_negative, ">= 0 (0: no spectrum)");
  r.integer("wcrnn.lyap_transient", w.lyap_transient, non_negative, ">= 0");
  if (r.integer("wcrnn.lyap_k", w.lyap_k, non_negative, ">= 0 (0: all)") && !r.failed("model.n") &&
      w.lyap_k > spec.model.n)
    r.fail("wcrnn.lyap_k", fmt::format("wcrnn.lyap_k must be <= model.n (got {}, n {})", w.lyap_k,
                                       spec.model.n));
  if (w.task == WcrnnTask::lyapunov && w.lyap_steps == 0 && !r.failed("wcrnn.lyap_steps"))
    r.fail("wcrnn.lyap_steps", "wcrnn.lyap_steps must be >= 1 for wcrnn.task lyapunov (got 0)");
  if (w.task != WcrnnTask::lyapunov && !r.failed("train.epochs") && spec.train.epochs < 1)
    r.fail("train.epochs", fmt::format("train.epochs (optimiser updates) must be an explicit count "
                                       ">= 1 for a WCRNN (got {})", spec.train.epochs == 0 ? std::string("auto") : fmt::format("{}", spec.train.epochs)));
  if (!r.failed("train.weight_decay") && spec.train.weight_decay != 0.0)
    r.fail("train.weight_decay", fmt::format("train.weight_decay must be 0 for a WCRNN (not "
                                             "implemented) (got {})", spec.train.weight_decay));
}

OutputSchema make_schema() {
  OutputSchema s;
  s.grid = section_grid_columns([](const TaskSpec& t) -> const Sections& { return config(t); },
                                [](TaskSpec& t) -> Sections& { return config(t); });
  s.pack_order = [](const TaskSpec&) -> std::string {
    return "wcrnn: [vec(W) (N*N); vec(U) (N*I); b (N); vec(W_o) (O*N); b_o (O)], column-major";
  };
  s.diverged_attempt_in_curves = true;
  return s;
}

MetricReportOptions report_options() {
  MetricReportOptions o;
  o.table_keys = {{"lyapunov", "index"}, {"eval", "update"}};
  o.main_metrics = {"learned", "eval_accuracy", "eval_loss", "updates_to_threshold", "lyap_max", "log_r"};
  return o;
}

class WcrnnFamily final : public SectionsFamily<WcrnnFamily, Config> {
 public:
  static constexpr std::string_view kId = "wcrnn";
  static constexpr Preset kPresets[] = {
      {"wcrnn", "weakly coupled residual RNNs of SPEC §6 (adding problem, (p)sMNIST, Lyapunov spectra)"},
  };
  static constexpr AxisInfo kAxes[] = {axis::lr,
                                       axis::n,
                                       axis::momentum,
                                       axis::epochs,
                                       {"residual", "wcrnn.residual", true, residual_choices},
                                       {"r", "wcrnn.r"},
                                       {"phi", "wcrnn.phi"},
                                       {"gamma", "wcrnn.gamma"},
                                       {"seq_len", "wcrnn.seq_len", true},
                                       {"batch", "wcrnn.batch", true}};
  static constexpr auto kOwn = &Config::wcrnn;
  static constexpr std::int32_t kTag = wcrnn::kTag;

  /// Adding problem T = 100 with R = 0.95 I, γ = 0.1, N = 32, SGD lr 0.05
  /// momentum 0.9, clip 1, batch 32.
  static void apply_preset(Config& s, std::string_view name) {
    if (name != "wcrnn") return;
    s.wcrnn.task = WcrnnTask::adding;
    s.wcrnn.residual.r = 0.95;
    s.model.n = 32;
    s.train.lr = 0.05;
    s.train.momentum = 0.9;
    s.train.weight_decay = 0.0;
    s.train.epochs = 5000;
  }

  void check(const TaskSpec& spec, detail::Diagnostics& diag) const override {
    detail::Rules r(diag);
    check_sections(config(spec), r, /*trial_layout=*/false);
    check_wcrnn(config(spec), r);
  }
  std::string foreign_key_message(std::string_view path, std::string_view value) const override {
    return fmt::format("{} is only used by family wcrnn (got {})", path, value);
  }
  std::int64_t planned_epochs(const TaskSpec& spec) const override { return wcrnn::planned_epochs(config(spec)); }
  std::int64_t poll_epochs(const TaskSpec& spec) const override { return config(spec).train.resolved_epochs(); }
  double cost(const TaskSpec& spec) const override {
    // T steps of an N×N and N×I product over the batch, forward + backward
    // (~3x forward), plus ~6e3 flop-equivalents of per-step, per-sequence
    // overhead. Measured (one core): adding N 32, T 100, B 32: 0.77 ms per
    // update (model 0.5 ms); sMNIST N 64, B 32: 8.6 ms (model 11 ms).
    const Config& c = config(spec);
    const WcrnnConfig& w = c.wcrnn;
    const double n = c.model.n;
    const bool images = w.task == WcrnnTask::smnist || w.task == WcrnnTask::psmnist;
    const double T = images ? 784.0 : static_cast<double>(w.seq_len);
    const double in = images ? 1.0 : 2.0;
    const double per_update = T * w.batch * (3.0 * 2.0 * (n * n + n * in) + 6e3);
    const double evals = static_cast<double>(c.train.epochs) / w.eval_every + 1.0;
    const double eval = T * w.eval_size * (2.0 * (n * n + n * in) + 2e3);
    const double lyap = (w.lyap_steps + w.lyap_transient) * (n * n * n * 4.0);
    return static_cast<double>(wcrnn::planned_epochs(c)) * per_update + evals * eval + lyap;
  }
  MemoryEstimate memory(const TaskSpec& spec, bool text) const override {
    const Config& s = config(spec);
    const WcrnnConfig& w = s.wcrnn;
    const auto shape = [text](std::string_view f, auto... a) {
      return text ? fmt::format(fmt::runtime(f), a...) : std::string();
    };
    const double n = s.model.n;
    const bool images = w.task == WcrnnTask::smnist || w.task == WcrnnTask::psmnist;
    const double T = images ? 784.0 : w.seq_len;
    std::vector<MemoryTerm> t;
    t.push_back({"training state", shape("{:.0f} units x {} sequences x {:.0f} steps", n, w.batch, T),
                 4.0 * 3.0 * n * w.batch * T,
                 {{"model.n", n, n / 64.0}, {"wcrnn.batch", static_cast<double>(w.batch), w.batch / 32.0},
                  {"wcrnn.seq_len", T, T / 100.0}}});
    t.push_back({"held-out pass", shape("{:.0f} units x {} sequences x {:.0f} steps", n, w.eval_size, T),
                 4.0 * n * w.eval_size * T,
                 {{"wcrnn.eval_size", static_cast<double>(w.eval_size), w.eval_size / 500.0}, {"model.n", n, n / 64.0}}});
    if (images) {
      const double imgs = w.train_size > 0 ? static_cast<double>(w.train_size) + 10000.0 : 70000.0;
      t.push_back({"data set", shape("{:.0f} images", imgs), imgs * 784.0 * 4.0,
                   {{"wcrnn.train_size", imgs, imgs / 70000.0}}});
    }
    t.push_back({"Lyapunov spectrum", shape("{:.0f} x {:.0f}", n, n), 8.0 * 6.0 * n * n, {{"model.n", n, n / 64.0}}});
    const double epochs = static_cast<double>(wcrnn::planned_epochs(s));
    t.push_back({"curves", shape("{:.0f} epochs", epochs), 4.0 * 16.0 * epochs, {{"train.epochs", epochs, epochs}}});
    return memory_estimate(t, text);
  }

  std::optional<TaskResult> run(const TaskSpec& spec, RunControl* ctl) const override {
    return run_wcrnn_task(spec, ctl);
  }

  const OutputSchema& schema() const override {
    static const OutputSchema s = make_schema();
    return s;
  }

  void analyze(const AnalysisInput& in, const AnalyzeOptions&, AnalysisReport& r) const override {
    const MetricReportOptions opt = report_options();
    r.section = metric_report_section(in, metric_report(in, opt), opt, {});
  }
  std::optional<std::string> refuse_reanalysis(std::string_view preset) const override {
    return fmt::format("family {} has no PSD classes (SPEC §3.5 applies to the rate RNN); its diagnostics "
                       "(latent flow, Lyapunov spectrum) are recorded per task",
                       preset);
  }

  std::vector<BenchUnit> bench_units(const BenchOptions&) const override {
    // One update of the adding network (N 32, T 100) and of an sMNIST network
    // (N 64, random "images": 784 steps of one pixel, 32 sequences), for the
    // cost model above.
    struct Unit {
      Wcrnn<float> net;
      WcrnnBatch<float> batch;
    };
    const ResidualSpec rot{ResidualKind::rotational, 0.999, 0.224};
    auto adding = std::make_shared<Unit>(Unit{Wcrnn<float>::init(32, 2, 1, 0.1f, rot, WcrnnLoss::mse, 0),
                                              adding_problem<float>(100, 0, 0, 32)});
    WcrnnBatch<float> pixels;
    for (int t = 0; t < 784; ++t) pixels.x.push_back(Mat<float>::Random(1, 32).cwiseAbs());
    for (int j = 0; j < 32; ++j) pixels.labels.push_back(j % 10);
    auto smnist = std::make_shared<Unit>(
        Unit{Wcrnn<float>::init(64, 1, 10, 0.02f, rot, WcrnnLoss::cross_entropy, 0), std::move(pixels)});
    const WcrnnSgdOptions sgd{1e-9, 0.9, 1.0};
    auto unit_cost = [this](WcrnnTask task, int n) {
      TaskSpec s = make("");
      Config& c = config(s);
      c.wcrnn.task = task;
      c.model.n = n;
      c.train.epochs = 1;
      c.wcrnn.eval_every = 1 << 30;
      c.wcrnn.eval_size = 0;
      c.wcrnn.lyap_steps = c.wcrnn.lyap_transient = 0;
      return cost(s);
    };
    return {{"wcrnn_adding", [adding, sgd] { volatile double l = adding->net.sgd_step(adding->batch, sgd).loss; (void)l; },
             false, unit_cost(WcrnnTask::adding, 32)},
            {"wcrnn_smnist", [smnist, sgd] { volatile double l = smnist->net.sgd_step(smnist->batch, sgd).loss; (void)l; },
             false, unit_cost(WcrnnTask::smnist, 64)}};
  }
};

}  // namespace

const Family& family() {
  static const WcrnnFamily f;
  return f;
}

}  // namespace memphase::wcrnn
