#include "families/ghost/family.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>

#include "families/ghost/config.hpp"
#include "families/ghost/ghost_rnn.hpp"
#include "families/ghost/ghost_task.hpp"
#include "families/ghost/report.hpp"
#include "plugin/memory.hpp"
#include "sections/sections.hpp"
#include "sections/sections_family.hpp"

namespace memphase::ghost {

namespace {

/// Rules of the ghost section (SPEC §5).
void check_ghost(const Config& spec, detail::Rules& r) {
  using detail::at_least_one;
  using detail::non_negative;
  using detail::positive;
  const GhostConfig& g = spec.ghost;
  if (g.kind == GhostModel::none) r.fail("ghost.kind", "ghost.kind must be rank1 or rankK (got none)");
  if (r.integer("ghost.rank", g.rank, at_least_one, ">= 1") && !r.failed("model.n") &&
      g.kind == GhostModel::rankK && g.rank > spec.model.n)
    r.fail("ghost.rank", fmt::format("ghost.rank must be <= model.n (K = N is full rank) (got rank "
                                     "{}, n {})", g.rank, spec.model.n));
  if (g.kind == GhostModel::rank1 && g.rank != 1 && !r.failed("ghost.rank"))
    r.fail("ghost.rank", fmt::format("ghost.rank must be 1 for ghost.kind rank1 (got {}); use "
                                     "family ghost-rankK", g.rank));
  r.number("ghost.confidence", g.confidence, positive, "> 0");
  if (r.number("ghost.recovery_confidence", g.recovery_confidence, non_negative,
               ">= 0 (0: no recovery phase)") &&
      g.recovery_confidence > 0.0 && g.kind != GhostModel::rank1)
    r.fail("ghost.recovery_confidence",
           fmt::format("ghost.recovery_confidence needs ghost.kind rank1 (the rank-K read-out "
                       "has no fixed confidence) (got {})", g.recovery_confidence));
  r.integer("ghost.recovery_epochs", g.recovery_epochs, at_least_one, ">= 1");
  r.number("ghost.recovery_lr", g.recovery_lr, non_negative, ">= 0 (0: train.lr)");
  r.integer("ghost.diag_every", g.diag_every, non_negative, ">= 0 (0: off)");
  r.integer("ghost.tail", g.tail, at_least_one, ">= 1");
  if (!r.failed("train.epochs") && spec.train.epochs < 1)
    r.fail("train.epochs", fmt::format("train.epochs must be an explicit count >= 1 for a ghost "
                                       "network (got {})", spec.train.epochs == 0 ? std::string("auto") : fmt::format("{}", spec.train.epochs)));
  require_plain_sgd(spec, r, "a ghost network");
}

std::int64_t planned(const Config& c) {
  return c.train.epochs + (c.ghost.recovery() ? c.ghost.recovery_epochs : 0);
}

OutputSchema make_schema() {
  OutputSchema s;
  s.grid = section_grid_columns([](const TaskSpec& t) -> const Sections& { return config(t); },
                                [](TaskSpec& t) -> Sections& { return config(t); });
  s.pack_order = [](const TaskSpec& t) -> std::string {
    if (config(t).ghost.kind == GhostModel::rank1) return "rank1: [m (N); n (N); b (N)]";
    return "rankK: [vec(M) (N*K, column-major); vec(N) (K*N, column-major); b (N); w_out (N); b_out (1)]";
  };
  s.diverged_attempt_in_curves = true;
  return s;
}

class GhostFamily final : public SectionsFamily<GhostFamily, Config> {
 public:
  static constexpr std::string_view kId = "ghost";
  static constexpr Preset kPresets[] = {
      {"ghost-rank1", "rank-one ghost network of SPEC §5 (seed 001 Fig. 4 settings)"},
      {"ghost-rankK", "rank-K network W = M N with a trainable read-out (SPEC §5)"},
  };
  static constexpr AxisInfo kAxes[] = {axis::lr,
                                       axis::n,
                                       axis::epochs,
                                       {"rank", "ghost.rank", true},
                                       {"confidence", "ghost.confidence"},
                                       {"recovery_c", "ghost.recovery_confidence"}};
  static constexpr auto kOwn = &Config::ghost;
  static constexpr std::int32_t kTag = ghost::kTag;

  /// Seed 001 Fig. 4 settings of both presets: N = 100, lr 0.02, 6000 epochs
  /// of plain SGD, c = 10 (GhostConfig's default); rank K: 2.
  static void apply_preset(Config& s, std::string_view name) {
    if (name != "ghost-rank1" && name != "ghost-rankK") return;
    s.ghost.kind = name == "ghost-rank1" ? GhostModel::rank1 : GhostModel::rankK;
    if (s.ghost.kind == GhostModel::rankK) s.ghost.rank = 2;
    s.model.n = 100;
    s.train.lr = 0.02;
    s.train.momentum = 0.0;
    s.train.weight_decay = 0.0;
    s.train.epochs = 6000;
  }

  void check(const TaskSpec& spec, detail::Diagnostics& diag) const override {
    detail::Rules r(diag);
    check_sections(config(spec), r, /*trial_layout=*/false);
    check_ghost(config(spec), r);
  }
  std::string foreign_key_message(std::string_view path, std::string_view value) const override {
    return fmt::format("{} is only used by the ghost families (ghost-rank1, ghost-rankK) (got {})", path, value);
  }
  std::int64_t planned_epochs(const TaskSpec& spec) const override { return planned(config(spec)); }
  std::int64_t poll_epochs(const TaskSpec& spec) const override { return config(spec).train.resolved_epochs(); }
  double cost(const TaskSpec& spec) const override {
    // Scalar-heavy 40-step BPTT on N-vectors. `memphase bench` (one idle
    // core): rank 1 (N = 100) 23.5 µs per epoch -> 2e4 flop-eq per unit;
    // rank K = 100 (N = 100) 181 µs, rank K = 1..10 ~50-80 µs (quick rank
    // sweep) -> 4e4 per unit + 1e3 per unit and rank.
    const Config& c = config(spec);
    const double n = c.model.n;
    const double k = c.ghost.rank;
    const double per_epoch = c.ghost.kind == GhostModel::rankK ? n * (4e4 + 1e3 * k) : n * 2e4;
    return static_cast<double>(planned(c)) * per_epoch;
  }
  MemoryEstimate memory(const TaskSpec& spec, bool text) const override {
    const Config& s = config(spec);
    const auto shape = [text](std::string_view f, auto... a) {
      return text ? fmt::format(fmt::runtime(f), a...) : std::string();
    };
    const double n = s.model.n;
    const double epochs = static_cast<double>(planned(s));
    std::vector<MemoryTerm> t;
    t.push_back({"network", shape("{:.0f} units x 40 steps", n),
                 8.0 * n * 40.0 * 16.0 + 8.0 * 8.0 * n * std::max(1, s.ghost.rank), {{"model.n", n, n / 100.0}}});
    t.push_back({"curves", shape("{:.0f} epochs", epochs), 4.0 * 16.0 * epochs, {{"train.epochs", epochs, epochs}}});
    // Diagnostic tables every diag_every epochs: ~12 doubles a row, plus the
    // flow f(kappa) on a grid of ~200 points for rank 1.
    const double rows = s.ghost.diag_every > 0 ? epochs / s.ghost.diag_every : 0.0;
    t.push_back({"tables", shape("{:.0f} snapshots", rows), rows * 8.0 * (12.0 + 3.0 * 200.0),
                 {{"ghost.diag_every", static_cast<double>(s.ghost.diag_every), rows}}});
    return memory_estimate(t, text);
  }

  std::optional<TaskResult> run(const TaskSpec& spec, RunControl* ctl) const override {
    return run_ghost_task(spec, ctl);
  }

  const OutputSchema& schema() const override {
    static const OutputSchema s = make_schema();
    return s;
  }

  void analyze(const AnalysisInput& in, const AnalyzeOptions&, AnalysisReport& r) const override {
    r.section = ghost_section(in);
  }
  std::optional<std::string> refuse_reanalysis(std::string_view preset) const override {
    return fmt::format("family {} has no PSD classes (SPEC §3.5 applies to the rate RNN); its diagnostics "
                       "(latent flow, Lyapunov spectrum) are recorded per task",
                       preset);
  }

  std::vector<BenchUnit> bench_units(const BenchOptions&) const override {
    // One epoch of each network, for the cost model above.
    auto g1 = std::make_shared<GhostRank1<double>>(GhostRank1<double>::init(100, 0));
    auto gk = std::make_shared<GhostRankK<double>>(GhostRankK<double>::init(100, 100, 0));
    auto unit_seconds = [this](GhostModel kind, int rank) {
      TaskSpec s = make(kind == GhostModel::rank1 ? "ghost-rank1" : "ghost-rankK");
      Config& c = config(s);
      c.model.n = 100;
      c.ghost.rank = rank;
      c.train.epochs = 1;
      return cost(s);
    };
    return {{"ghost_rank1", [g1] { volatile double l = g1->sgd_step(1e-9).loss; (void)l; }, true,
             unit_seconds(GhostModel::rank1, 1)},
            {"ghost_rank100", [gk] { volatile double l = gk->sgd_step(1e-9).loss; (void)l; }, true,
             unit_seconds(GhostModel::rankK, 100)}};
  }
};

}  // namespace

const Family& family() {
  static const GhostFamily f;
  return f;
}

}  // namespace memphase::ghost
