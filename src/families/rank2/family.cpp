#include "families/rank2/family.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "families/rank2/config.hpp"
#include "families/rank2/rank2_rnn.hpp"
#include "families/rank2/rank2_task.hpp"
#include "families/rank2/report.hpp"
#include "plugin/memory.hpp"
#include "sections/sections.hpp"
#include "sections/sections_family.hpp"

namespace memphase::rank2 {

namespace {

/// Values of the categorical axis "variant", in Rank2Variant order.
constexpr std::string_view variant_choices[] = {"a", "b", "c", "d"};

void check_rank2(const Config& spec, detail::Rules& r) {
  using detail::at_least_one;
  using detail::non_negative;
  const Rank2Config& g = spec.rank2;
  if (r.number("rank2.early_stop", g.early_stop, non_negative, ">= 0 (0: off)") &&
      g.early_stop >= 1.0)
    r.fail("rank2.early_stop",
           fmt::format("rank2.early_stop must be < 1 (a ratio loss / loss(0)) (got {})",
                       g.early_stop));
  r.integer("rank2.diag_every", g.diag_every, non_negative, ">= 0 (0: only at the end)");
  if (r.integer("rank2.flow_grid", g.flow_grid, at_least_one, ">= 2") &&
      (g.flow_grid < 2 || g.flow_grid > 201))
    r.fail("rank2.flow_grid",
           fmt::format("rank2.flow_grid must be in [2, 201] (got {})", g.flow_grid));
  if (!r.failed("model.n") && spec.model.n < 2)
    r.fail("model.n",
           fmt::format("model.n must be >= 2 for a rank-2 network (got {})", spec.model.n));
  if (!r.failed("train.epochs") && spec.train.epochs < 1)
    r.fail("train.epochs",
           fmt::format("train.epochs must be an explicit count >= 1 for a rank-2 network "
                       "(got {})",
                       spec.train.epochs == 0 ? std::string("auto")
                                              : fmt::format("{}", spec.train.epochs)));
  require_plain_sgd(spec, r, "a rank-2 network");
}

OutputSchema make_schema() {
  OutputSchema s;
  s.grid = section_grid_columns([](const TaskSpec& t) -> const Sections& { return config(t); },
                                [](TaskSpec& t) -> Sections& { return config(t); });
  s.pack_order = [](const TaskSpec&) -> std::string {
    return "rank2: [vec(m) (N*2, column-major); vec(n) (2*N, column-major); b (N); w_out (2); "
           "b_out (1)]";
  };
  s.has_classes = true;
  return s;
}

Rank2Task task_of(const Config& c) {
  Rank2Task t;
  t.layout = rank2_layout(c.rank2.variant);
  t.alpha = c.model.alpha();
  return t;
}

/// The final network of a finished task (packed parameters of extras.final)
/// and its latent class; nullopt if it has none.
std::optional<LatentClass> final_latent(const TaskSpec& spec, const TaskResult& r,
                                        const ClassifyOptions& o) {
  const Config& c = config(spec);
  const Rank2Task task = task_of(c);
  auto net = Rank2Net<double>::init(c.model.n, c.train.seed, task);
  const Vec<double> pk =
      Eigen::Map<const Eigen::VectorXf>(r.extras.final.data(),
                                        static_cast<Eigen::Index>(r.extras.final.size()))
          .cast<double>();
  if (r.status != Status::done || pk.size() != net.params().pack().size()) return std::nullopt;
  net.params().unpack(pk);
  const Rank2Params<double>& p = net.params();
  return classify_latent(rank2_latent_map(p, task.alpha), p.n * net.x0(), task.total(), o);
}

class Rank2Family final : public SectionsFamily<Rank2Family, Config> {
 public:
  static constexpr std::string_view kId = "rank2";
  static constexpr Preset kPresets[] = {
      {"rank2-a",
       "rank-2 RNN of SPEC §7, variant (a): T_disc 15, 2 ones, early stop (seed 000 Fig. 2)"},
      {"rank2-b", "rank-2 RNN of SPEC §7, variant (b): T_disc 30, 10 ones (high-lr example)"},
      {"rank2-c",
       "rank-2 RNN of SPEC §7, variant (c): T_disc 6, 2 ones (seed 000 Fig. 3, short delay)"},
      {"rank2-d",
       "rank-2 RNN of SPEC §7, variant (d): T_disc 6, 2 ones, 6 zeros (seed 000 Fig. 3, post "
       "period)"},
  };
  static constexpr AxisInfo kAxes[] = {axis::lr,
                                       axis::n,
                                       axis::epochs,
                                       axis::tau,
                                       {"variant", "rank2.variant", true, variant_choices},
                                       {"early_stop", "rank2.early_stop"}};
  static constexpr auto kOwn = &Config::rank2;
  static constexpr std::int32_t kTag = rank2::kTag;

  /// SPEC §7 reference settings of each variant.
  static void apply_preset(Config& s, std::string_view name) {
    s.model.n = 100;
    s.train.momentum = 0.0;
    s.train.weight_decay = 0.0;
    if (name == "rank2-a") {
      s.rank2.variant = Rank2Variant::a;
      s.train.lr = 0.01;
      s.train.epochs = 5'000'000;
      s.rank2.early_stop = 1e-4;
    } else if (name == "rank2-b") {
      s.rank2.variant = Rank2Variant::b;
      s.train.lr = 0.01;
      s.train.epochs = 150'000;
    } else if (name == "rank2-c") {
      s.rank2.variant = Rank2Variant::c;
      s.train.lr = 1e-3;
      s.train.epochs = 500'000;
    } else if (name == "rank2-d") {
      s.rank2.variant = Rank2Variant::d;
      s.train.lr = 1e-3;
      s.train.epochs = 1'000'000;
    } else {
      s.train.epochs = 1000;
    }
  }

  void check(const TaskSpec& spec, detail::Diagnostics& diag) const override {
    detail::Rules r(diag);
    check_sections(config(spec), r, /*trial_layout=*/false);
    check_rank2(config(spec), r);
  }
  std::string foreign_key_message(std::string_view path, std::string_view value) const override {
    return fmt::format(
        "{} is only used by the rank-2 families (rank2-a, rank2-b, rank2-c, rank2-d) (got {})",
        path, value);
  }
  std::int64_t planned_epochs(const TaskSpec& spec) const override {
    return config(spec).train.epochs;
  }
  double cost(const TaskSpec& spec) const override {
    // One epoch: forward and backward over `total` steps of N units, float;
    // `memphase bench` rank2_a (N = 100, 17 steps): see bench_units.
    const Config& c = config(spec);
    const double steps = rank2_layout(c.rank2.variant).total();
    return static_cast<double>(c.train.epochs) * steps * c.model.n * kFlopPerUnitStep;
  }
  MemoryEstimate memory(const TaskSpec& spec, bool text) const override {
    const Config& s = config(spec);
    const auto shape = [text](std::string_view f, auto... a) {
      return text ? fmt::format(fmt::runtime(f), a...) : std::string();
    };
    const double n = s.model.n;
    const double steps = rank2_layout(s.rank2.variant).total();
    const double epochs = static_cast<double>(s.train.epochs);
    const double every = std::max(s.train.record_every, 1);
    std::vector<MemoryTerm> t;
    t.push_back({"network",
                 shape("{:.0f} units x {:.0f} steps", n, steps),
                 8.0 * n * (steps + 1) * 8.0,
                 {{"model.n", n, n / 100.0}}});
    t.push_back({"curves",
                 shape("{:.0f} epochs every {:.0f}", epochs, every),
                 16.0 * epochs / every,
                 {{"train.epochs", epochs, epochs / every}}});
    const double snaps = 1.0 + (s.rank2.diag_every > 0 ? epochs / s.rank2.diag_every : 0.0);
    const double rows = snaps * (3.0 * steps + 1.0 + s.rank2.flow_grid * s.rank2.flow_grid + 17.0);
    t.push_back({"tables",
                 shape("{:.0f} snapshots", snaps),
                 rows * 8.0 * 9.0,
                 {{"rank2.diag_every", static_cast<double>(s.rank2.diag_every), snaps}}});
    return memory_estimate(t, text);
  }

  std::optional<TaskResult> run(const TaskSpec& spec, RunControl* ctl) const override {
    return run_rank2_task(spec, ctl);
  }
  std::string train_summary(const TaskResult& r) const override {
    std::string o = fmt::format(
        "status={} class={} ({}) learned={} psd_ratio={:.4g} epochs={} time={:.2f}s",
        to_string(r.status), static_cast<int>(r.cls.net_class), to_string(r.cls.net_class),
        r.cls.learned, r.cls.psd_ratio, r.epochs_run, r.train_seconds);
    for (const auto& [k, v] : r.extras.metrics) o += fmt::format(" {}={:.6g}", k, v);
    return o;
  }

  const OutputSchema& schema() const override {
    static const OutputSchema s = make_schema();
    return s;
  }

  void analyze(const AnalysisInput& in, const AnalyzeOptions&, AnalysisReport& r) const override {
    r.section = rank2_section(in);
  }
  std::optional<std::string> refuse_reanalysis(std::string_view) const override {
    return std::nullopt;
  }
  Classification reclassify(const TaskSpec& spec, const TaskResult& r,
                            const ClassifyOptions& o) const override {
    const std::optional<LatentClass> lc = final_latent(spec, r, o);
    if (!lc) return r.cls;
    return rank2_classification(r.extras.metric("final_accuracy"), *lc);
  }
  double largest_lyapunov(const TaskSpec& spec, const TaskResult& r) const override {
    const std::optional<LatentClass> lc = final_latent(spec, r, {});
    return lc ? lc->lambda1 : std::numeric_limits<double>::quiet_NaN();
  }

  std::vector<BenchUnit> bench_units(const BenchOptions&) const override {
    Rank2Task task;
    auto net = std::make_shared<Rank2Net<float>>(Rank2Net<float>::init(100, 0, task));
    TaskSpec s = make("rank2-a");
    config(s).train.epochs = 1;
    return {{"rank2_a",
             [net] {
               volatile double l = net->sgd_step(1e-12).loss;
               (void)l;
             },
             true, cost(s)}};
  }

 private:
  /// GEMM-equivalent flop per unit and step of one epoch (forward + BPTT);
  /// 5.2 µs of CPU per epoch at N = 100, total = 17 (timed in float on one
  /// core of this machine) at the 80 GFLOP/s of the cost model.
  static constexpr double kFlopPerUnitStep = 250.0;
};

}  // namespace

const Family& family() {
  static const Rank2Family f;
  return f;
}

}  // namespace memphase::rank2
