#include "families/toy/family.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "core/error.hpp"
#include "families/toy/config.hpp"
#include "families/toy/toy_scaling.hpp"
#include "families/toy/toy_task.hpp"
#include "plugin/memory.hpp"
#include "sections/sections.hpp"
#include "sections/sections_family.hpp"

namespace memphase::toy {

namespace {

using detail::Choices;
using detail::format_double;
using detail::name_of;

constexpr const char* kRefine = "toy_refine";
constexpr const char* kRelTol = "toy_rel_tol";
constexpr double kRelTolDefault = 1e-5;

/// Plain gradient descent with an explicit update count in train.epochs
/// (unused: toy.max_steps counts the updates).
void plain_sgd(Sections& s, std::int64_t epochs) {
  s.train.momentum = 0.0;
  s.train.weight_decay = 0.0;
  s.train.epochs = epochs;
}

/// Rules of the toy section (SPEC §4): the toy's gradient descent is plain
/// (no momentum, no weight decay).
void check_toy(const Config& spec, detail::Rules& r) {
  using detail::at_least_one;
  using detail::non_negative;
  const ToyConfig& y = spec.toy;
  if (y.kind == ToyModel::none)
    r.fail("toy.kind", "toy.kind must be ghost or cycle (got none)");
  if (!r.failed("task.delay") && !(spec.task.delay > 0.0))
    r.fail("task.delay", fmt::format("task.delay must be > 0 for a toy (got {})", spec.task.delay));
  if (y.kind == ToyModel::cycle && y.loss != ToyGhostLoss::normalized)
    r.fail("toy.loss",
           fmt::format("toy.loss must be normalized for the cycle (SPEC §4.2) (got {})",
                       name_of(y.loss, Choices<ToyGhostLoss>(kToyGhostLossNames))));
  if (r.number("toy.confidence", y.confidence, non_negative, ">= 0 (0: closed form)") &&
      y.kind == ToyModel::cycle && y.confidence != 0.0)
    r.fail("toy.confidence",
           fmt::format("toy.confidence must be 0 for the cycle (only the ghost has a "
                       "finite-confidence form) (got {})",
                       y.confidence));
  r.number("toy.response_ratio", y.response_ratio, non_negative, ">= 0 (0: fixed task.response)");
  r.number(
      "toy.r0_jitter", y.r0_jitter, [](double v) { return v >= 0.0 && v < 1.0; }, "in [0, 1)");
  r.integer("toy.max_steps", y.max_steps, at_least_one, ">= 1");
  r.integer("toy.settle_steps", y.settle_steps, non_negative, ">= 0");
  require_plain_sgd(spec, r, "a toy", /*optimizer=*/true);
}

OutputSchema make_schema() {
  OutputSchema s;
  // A toy's response is its effective T_r (toy.response_ratio · T_d when set).
  s.grid = section_grid_columns([](const TaskSpec& t) -> const Sections& { return config(t); },
                                [](TaskSpec& t) -> Sections& { return config(t); },
                                [](const TaskSpec& t) {
                                  const Config& c = config(t);
                                  return c.toy.response_for(c.task.delay, c.task.response);
                                });
  s.pack_order = [](const TaskSpec&) { return std::string(); };
  return s;
}

/// Toy families (SPEC §4.3): α_max per (delay, seed) from the learned grid,
/// refined by bisection on the model between the last learning and the first
/// failing grid α; exponent of α_max ∝ T^-β with the seed-paired bootstrap
/// (seeds = jittered r0).
void toy_fits(const AnalysisInput& in, const AnalyzeOptions& opt, AnalysisReport& r) {
  const Campaign& c = in.campaign;
  const int ax = axis_pos(c, "lr"), ad = axis_pos(c, "delay");
  if (ax < 0 || ad < 0)
    return report_not_swept(r, "alpha_max", "β (α_max ∝ T^-β)", "the grid does not sweep both lr (α) and delay");
  // Groups over (delay, α) like the other families; the table's "lrs" axis is
  // the delay here so that make_groups' (x, y) = (delay, α).
  const auto groups = make_groups(in, ad, ax, [](const NetOutcome& o) {
    return static_cast<std::int8_t>(o.learned ? 1 : 0);
  });
  const std::vector<double>& alphas_file = c.axes[static_cast<std::size_t>(ax)].values;
  std::vector<std::size_t> order(alphas_file.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return alphas_file[a] < alphas_file[b]; });
  const std::size_t S = c.seeds.size();

  std::vector<std::size_t> other_axes;
  for (std::size_t a = 0; a < c.axes.size(); ++a) {
    if (static_cast<int>(a) != ax && static_cast<int>(a) != ad) other_axes.push_back(a);
  }
  for (std::size_t gi = 0; gi < groups.size(); ++gi) {
    const OutcomeGroup& g = groups[gi];
    ToyGrid grid;
    grid.delays = g.table.lrs;
    grid.n_seeds = S;
    for (const std::size_t k : order) grid.alphas.push_back(alphas_file[k]);
    const std::size_t D = grid.delays.size(), A = grid.alphas.size();
    grid.learned.assign(D * A * S, std::int8_t{-1});
    for (std::size_t id = 0; id < D; ++id)
      for (std::size_t ia = 0; ia < A; ++ia)
        for (std::size_t s = 0; s < S; ++s)
          grid.learned[(id * A + ia) * S + s] = g.table.codes[(id * A + order[ia]) * S + s];

    // A task of each (delay, seed) of this group: its spec, at another α, is
    // the predicate of the refinement.
    std::vector<const TaskSpec*> spec_of(D * S, nullptr);
    for (const CampaignTask& t : c.tasks) {
      std::size_t g_of = 0;
      for (const std::size_t a : other_axes)
        g_of = g_of * c.axes[a].values.size() + static_cast<std::size_t>(t.axis_index[a]);
      if (g_of != gi) continue;
      const auto id = static_cast<std::size_t>(t.axis_index[static_cast<std::size_t>(ad)]);
      spec_of[id * S + static_cast<std::size_t>(t.axis_index.back())] = &t.spec;
    }
    const ToyLearns learns = [&spec_of, S](std::size_t id, std::size_t s, double alpha) {
      const TaskSpec* spec = spec_of[id * S + s];
      return spec != nullptr && toy_task_learns(*spec, alpha);
    };
    AlphaMaxOptions aopt;
    aopt.rel_tol = opt.family_value(kRelTol, kRelTolDefault);
    const bool refine = opt.family_value(kRefine, 1.0) != 0.0;
    const std::vector<ToyAlphaMaxCell> cells =
        toy_alpha_max_grid(grid, refine ? learns : ToyLearns{}, aopt, opt.threads);

    ExponentReport e;
    e.name = "alpha_max" + g.suffix;
    e.label = "β (α_max ∝ T^-β)" + g.suffix;
    e.t_name = "delay T";
    e.lr_name = "α_max";
    std::vector<std::size_t> all_seeds(S);
    std::iota(all_seeds.begin(), all_seeds.end(), std::size_t{0});
    e.fit = toy_exponent(grid, cells, all_seeds);
    for (std::size_t id = 0; id < D; ++id) {
      BoundaryRow row;
      row.fit = e.name;
      row.x_name = "delay";
      row.x = grid.delays[id];
      double log_sum = 0.0;
      std::size_t ok = 0;
      std::map<std::string, int> why;
      for (std::size_t s = 0; s < S; ++s) {
        const ToyAlphaMaxCell& cell = cells[id * S + s];
        if (cell.status == ToyCellStatus::ok) {
          log_sum += std::log(cell.alpha);
          ++ok;
        } else {
          ++why[to_string(cell.status)];
        }
      }
      if (ok > 0) {
        row.status = FitStatus::ok;
        row.threshold = std::exp(log_sum / static_cast<double>(ok));
        row.used = true;
      } else {
        row.status = FitStatus::failed;
        ++e.failed;
      }
      std::vector<std::string> parts;
      for (const auto& [k, n] : why) parts.push_back(fmt::format("{} seed(s) {}", n, k));
      row.reason = fmt::format("{}", fmt::join(parts, ", "));
      r.boundaries.push_back(std::move(row));
    }
    e.boot = bootstrap_exponent(S, toy_exponent_statistic(grid, cells), e.fit, opt.boot, opt.threads);
    r.exponents.push_back(std::move(e));
  }
}


class ToyFamily final : public SectionsFamily<ToyFamily, Config> {
 public:
  static constexpr std::string_view kId = "toy";
  static constexpr Preset kPresets[] = {
      {"toy-ghost", "the ghost / slow point toy of SPEC §4.1 (no network; one gradient descent per task)"},
      {"toy-cycle", "the limit-cycle toy of SPEC §4.2"},
  };
  /// The toy's α is train.lr, T_d task.delay, T_r task.response.
  static constexpr AxisInfo kAxes[] = {axis::lr, axis::delay, axis::response};
  static constexpr auto kOwn = &Config::toy;
  static constexpr std::int32_t kTag = toy::kTag;

  /// The toy defaults are SPEC §4.1's task at T = 100 (ghost) and SPEC §4.2's
  /// cycle with T_d = 100, T_r = 10.
  static void apply_preset(Config& s, std::string_view name) {
    if (name == "toy-ghost") {
      s.toy.kind = ToyModel::ghost;
      s.task.delay = 100.0;
      s.task.response = 100.0;
      plain_sgd(s, 1);
    } else if (name == "toy-cycle") {
      s.toy.kind = ToyModel::cycle;
      s.toy.loss = ToyGhostLoss::normalized;
      s.task.delay = 100.0;
      s.task.response = 10.0;
      plain_sgd(s, 1);
    }
  }

  void check(const TaskSpec& spec, detail::Diagnostics& diag) const override {
    detail::Rules r(diag);
    check_sections(config(spec), r, /*trial_layout=*/false);
    check_toy(config(spec), r);
  }
  std::string foreign_key_message(std::string_view path, std::string_view value) const override {
    return fmt::format("{} is only used when toy.kind is ghost or cycle (families toy-ghost, toy-cycle) (got {})",
                       path, value);
  }
  std::optional<std::string> refuse_axis(const TaskSpec& base, const AxisInfo& axis, std::string_view path,
                                         std::string_view preset) const override {
    if (Family::refuse_axis(base, axis, path, preset)) {
      std::vector<std::string> allowed;
      for (const AxisInfo& a : kAxes) allowed.emplace_back(a.name);
      return fmt::format("{} cannot be swept in family '{}' (the toy does not use {}; axes of this family: {})",
                         path, preset, axis.field, detail::join_list(allowed));
    }
    const Config& c = config(base);
    if (axis.name == "response" && c.toy.response_ratio > 0.0)
      return fmt::format("{} cannot be swept when toy.response_ratio is set (T_r = "
                         "toy.response_ratio * T_d = {} * T_d; set toy.response_ratio: 0 "
                         "for a fixed response)",
                         path, format_double(c.toy.response_ratio));
    return std::nullopt;
  }

  std::int64_t planned_epochs(const TaskSpec& spec) const override { return config(spec).toy.max_steps; }
  /// A toy never polls: the whole descent is one "epoch" of the dispatch
  /// model (train.epochs is 1 in both presets).
  std::int64_t poll_epochs(const TaskSpec& spec) const override { return config(spec).train.resolved_epochs(); }
  double cost(const TaskSpec& spec) const override {
    // GD updates x the cost of one loss gradient, in "GEMM-equivalent flops"
    // (scalar, branchy code: ~5 ns per closed-form update or per Euler step
    // of the finite-confidence ghost, which makes (T_d + T_r)/0.1 of them).
    const Config& c = config(spec);
    const double t_resp = c.toy.response_for(c.task.delay, c.task.response);
    const double per_step = c.toy.confidence > 0.0 ? 400.0 * (c.task.delay + t_resp) / 0.1 : 400.0;
    return static_cast<double>(c.toy.max_steps) * per_step;
  }
  MemoryEstimate memory(const TaskSpec& spec, bool text) const override {
    return memory_estimate(
        {{"toy state", text ? "scalars" : "", 64.0 * 1024,
          {{"toy.max_steps", static_cast<double>(config(spec).toy.max_steps), 1.0}}}},
        text);
  }

  /// One gradient descent of microseconds to milliseconds: never polls, so
  /// it is neither checkpointed nor stopped in the middle.
  std::optional<TaskResult> run(const TaskSpec& spec, RunControl*) const override { return run_toy_task(spec); }
  std::optional<std::string> refuse_train(const TaskSpec& spec) const override {
    return fmt::format(
        "family toy-{} is a closed-form toy model (SPEC §4), not a network: `memphase train` "
        "trains one RNN; run a toy campaign with `memphase run` (see campaigns/toy-*.yaml)",
        config(spec).toy.kind == ToyModel::ghost ? "ghost" : "cycle");
  }

  const OutputSchema& schema() const override {
    static const OutputSchema s = make_schema();
    return s;
  }

  void analyze(const AnalysisInput& in, const AnalyzeOptions& opt, AnalysisReport& r) const override {
    toy_fits(in, opt, r);
    r.section.text = fmt::format("  learned        {} of {} done\n", r.learned, r.done);
  }
  std::optional<std::string> refuse_reanalysis(std::string_view preset) const override {
    return fmt::format("family {} is a toy model (SPEC §4) with no network dynamics (its tasks record "
                       "only whether gradient descent learned)",
                       preset);
  }
  std::vector<AnalysisOption> analysis_options() const override {
    return {{kRefine, 1.0, true, "--no-toy-refine",
             "toy families: α_max from the grid values only (no bisection on the model)"},
            {kRelTol, kRelTolDefault, false, "", ""}};
  }
};

}  // namespace

const Family& family() {
  static const ToyFamily f;
  return f;
}

}  // namespace memphase::toy
