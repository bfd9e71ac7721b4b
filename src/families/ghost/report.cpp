#include "families/ghost/report.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>

#include "families/ghost/config.hpp"

namespace memphase::ghost {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// κ* of the rank-one network (SPEC §5: o = sigmoid(c (κ - κ*)), κ* = 1).
constexpr double kKappaStar = 1.0;

/// AbruptRow of one network from its "latent" table and drop_epoch metric;
/// false when it has no latent snapshots. Columns are found by name (files
/// of older versions lack kappa_fp/speed_kstar/kappa0: those stay NaN).
bool abrupt_row(const Extras& x, AbruptRow& a) {
  const Table* t = x.table("latent");
  if (!t || t->rows() == 0) return false;
  auto col = [&](std::string_view name) -> int {
    const auto it = std::find(t->columns.begin(), t->columns.end(), name);
    return it == t->columns.end() ? -1 : static_cast<int>(it - t->columns.begin());
  };
  const std::size_t w = t->columns.size();
  auto at = [&](std::size_t row, int c) {
    return c < 0 ? kNaN : t->data[row * w + static_cast<std::size_t>(c)];
  };
  const int ep = col("epoch"), fp = col("fixed_points"), gh = col("ghosts"), gs = col("ghost_speed"),
            gk = col("ghost_kappa"), kf = col("kappa_fp"), sk = col("speed_kstar"), k0 = col("kappa0");
  if (ep < 0 || fp < 0 || gh < 0) return false;
  // Phase-1 snapshots only (recovery has none, but be strict).
  const double phase1 = x.metric("phase1_epochs");
  a.drop_epoch = x.metric("drop_epoch");
  a.kappa0 = at(0, k0);
  a.speed_kstar_start = at(0, sk);
  a.fp_min = std::numeric_limits<int>::max();
  a.fp_max = std::numeric_limits<int>::min();
  std::ptrdiff_t before = -1, after = -1;
  for (std::size_t r = 0; r < t->rows(); ++r) {
    const double e = at(r, ep);
    if (std::isfinite(phase1) && e > phase1) continue;
    const int n = static_cast<int>(at(r, fp));
    a.fp_min = std::min(a.fp_min, n);
    a.fp_max = std::max(a.fp_max, n);
    if (!std::isfinite(a.ghost_onset) && at(r, gh) > 0) {
      a.ghost_onset = e;
      a.ghost_speed_onset = at(r, gs);
      a.ghost_kappa_onset = at(r, gk);
    }
    if (a.dropped() && e < a.drop_epoch) before = static_cast<std::ptrdiff_t>(r);
    if (a.dropped() && e >= a.drop_epoch && after < 0) after = static_cast<std::ptrdiff_t>(r);
  }
  if (before >= 0) {
    const auto r = static_cast<std::size_t>(before);
    a.kappa_fp_before = at(r, kf);
    a.speed_kstar_before = at(r, sk);
    a.ghost_before = at(r, gh) > 0;
    if (a.ghost_before) a.ghost_speed_before = at(r, gs);
  }
  if (after >= 0) a.kappa_fp_after = at(static_cast<std::size_t>(after), kf);
  return true;
}

AbruptSummary summarise(const std::vector<AbruptRow>& rows) {
  AbruptSummary s;
  std::vector<double> lag;
  for (const AbruptRow& a : rows) {
    ++s.networks;
    if (!a.dropped()) continue;
    ++s.dropped;
    s.fp_constant += a.fp_min == a.fp_max ? 1 : 0;
    s.fp_crosses += a.kappa_fp_before < kKappaStar && a.kappa_fp_after >= kKappaStar ? 1 : 0;
    s.ghost_before += a.ghost_before ? 1 : 0;
    s.ghost_slowing += a.ghost_before && a.ghost_speed_before < a.ghost_speed_onset ? 1 : 0;
    s.ghost_after += a.ghost_onset >= a.drop_epoch ? 1 : 0;
    if (std::isfinite(a.ghost_onset)) lag.push_back(a.ghost_onset - a.drop_epoch);
  }
  s.ghost_lag = metric_stat(std::move(lag));
  return s;
}


bool stuck(const AnalysisInput& in, std::size_t i) { return in.nets[i].extras.metric("stuck") == 1.0; }

}  // namespace

/// Seed 001 Fig. 4 (learned and stuck after phase 1, recovery per c) and
/// Fig. 3A (the latent circuit across the abrupt drop).
GhostReport ghost_report(const AnalysisInput& in) {
  const Campaign& c = in.campaign;
  GhostReport r;
  auto stuck = [&](std::size_t i) { return ghost::stuck(in, i); };
  // Ghost rank 1: seed 001 Fig. 4.
  {
    const int rc = axis_pos(c, "recovery_c");
    for (std::size_t a = 0; a < c.axes.size(); ++a)
      if (static_cast<int>(a) != rc) r.group_axes.push_back(c.axes[a].name);
    auto group_of = [&](const CampaignTask& t) {
      std::vector<double> g;
      for (std::size_t a = 0; a < c.axes.size(); ++a)
        if (static_cast<int>(a) != rc) g.push_back(c.axes[a].values[static_cast<std::size_t>(t.axis_index[a])]);
      return g;
    };
    // Phase 1 is the same in every recovery_c cell: count each seed once
    // (the first c with a done task of that seed).
    std::map<std::vector<double>, std::map<std::uint64_t, std::pair<bool, bool>>> seen;
    // (group, c) -> seed -> (accuracy after the last recovery epoch, averaged over them)
    std::map<std::pair<std::vector<double>, double>, std::map<std::uint64_t, std::pair<double, double>>> rec;
    for (std::size_t i = 0; i < c.tasks.size(); ++i) {
      if (!in.nets[i].done) continue;
      const Extras& x = in.nets[i].extras;
      const std::vector<double> g = group_of(c.tasks[i]);
      const std::uint64_t seed = c.tasks[i].spec.seed();
      const bool first = seen[g].try_emplace(seed, x.metric("learned_accuracy") == 1.0, stuck(i)).second;
      AbruptRow a;
      if (first && abrupt_row(x, a)) {
        a.group = g;
        a.seed = seed;
        r.abrupt.push_back(std::move(a));
      }
      if (rc >= 0 && stuck(i)) {
        rec[{g, config(c.tasks[i].spec).ghost.recovery_confidence}][seed] = {x.metric("recovery_final_accuracy"),
                                                                     x.metric("recovery_mean_accuracy")};
      }
    }
    for (const auto& [g, seeds] : seen) {
      Fig4Row f{g, 0, 0, 0};
      for (const auto& [s, ls] : seeds) {
        ++f.seeds;
        f.learned += ls.first ? 1 : 0;
        f.stuck += ls.second ? 1 : 0;
      }
      r.fig4.push_back(std::move(f));
    }
    // The reference of the paired gain: the largest c of the group (the
    // phase-1 confidence in seed 001 Fig. 4, c = 10: no recovery).
    std::map<std::vector<double>, double> ref_c;
    for (const auto& [gc, v] : rec) {
      const auto [it, fresh] = ref_c.try_emplace(gc.first, gc.second);
      it->second = std::max(it->second, gc.second);
    }
    for (const auto& [gc, v] : rec) {
      RecoveryRow row{gc.first, gc.second, {}, {}, ref_c[gc.first], {}, {}};
      std::vector<double> fin, mean, gain_fin, gain_mean;
      const auto& ref = rec.at({gc.first, row.ref_c});
      for (const auto& [seed, acc] : v) {
        fin.push_back(acc.first);
        mean.push_back(acc.second);
        const auto it = ref.find(seed);
        if (it == ref.end()) continue;  // that seed's reference task is not done (yet)
        gain_fin.push_back(acc.first - it->second.first);
        gain_mean.push_back(acc.second - it->second.second);
      }
      row.final_accuracy = metric_stat(std::move(fin));
      row.mean_accuracy = metric_stat(std::move(mean));
      row.final_gain = metric_stat(std::move(gain_fin));
      row.mean_gain = metric_stat(std::move(gain_mean));
      r.recovery.push_back(std::move(row));
    }
    r.abrupt_summary = summarise(r.abrupt);
  }
    return r;
}

namespace {

MetricReportExtras extras_of(const AnalysisInput& in, const GhostReport& r) {
  MetricReportExtras ext;
  const Campaign& c = in.campaign;
  (void)c;
  const std::string ghead = fmt::format("{}", fmt::join(r.group_axes, ","));
  auto gcols = [](const std::vector<double>& g) { return fmt::format("{}", fmt::join(g, ",")); };
  const std::string sep = r.group_axes.empty() ? "" : ",";
  std::string& md = ext.md;
  std::string& tex = ext.tex;
  auto& out = ext.files;
  if (!r.fig4.empty()) {
    std::string f = ghead + sep + "seeds,learned,stuck\n";
    md += "## Learned and stuck networks after phase 1 (seed 001 Fig. 4: 74 learned, 54 stuck of 100)\n\n";
    md += fmt::format("| {}{}seeds | learned | stuck |\n{}\n", fmt::join(r.group_axes, " | "),
                      r.group_axes.empty() ? "" : " | ", md_rule(r.group_axes.size() + 3));
    tex += "\\begin{tabular}{" + std::string(r.group_axes.size(), 'r') + "rrr}\n\\hline\n";
    tex += fmt::format("{}{}seeds & learned & stuck \\\\\n\\hline\n", fmt::join(r.group_axes, " & "),
                       r.group_axes.empty() ? "" : " & ");
    for (const Fig4Row& x : r.fig4) {
      f += fmt::format("{}{}{},{},{}\n", gcols(x.group), sep, x.seeds, x.learned, x.stuck);
      md += fmt::format("| {}{}{} | {} | {} |\n", fmt::join(x.group, " | "), r.group_axes.empty() ? "" : " | ",
                        x.seeds, x.learned, x.stuck);
      tex += fmt::format("{}{}{} & {} & {} \\\\\n", fmt::join(x.group, " & "), r.group_axes.empty() ? "" : " & ",
                         x.seeds, x.learned, x.stuck);
    }
    tex += "\\hline\n\\end{tabular}\n";
    md += "\n";
    out.emplace_back("ghost_fig4.csv", f);
  }
  if (!r.recovery.empty()) {
    std::string f = ghead + sep +
                    "c,n,final_accuracy_mean,final_accuracy_sem,mean_accuracy_mean,mean_accuracy_sem,ref_c,gain_n,"
                    "final_gain_mean,final_gain_sem,mean_gain_mean,mean_gain_sem\n";
    md += "## Recovery of the stuck networks by lowering the confidence c (mean ± s.e.m.)\n\n"
          "Gain: the same network's accuracy at c minus at the largest c (paired by seed).\n\n";
    md += "| c | stuck networks | accuracy after the last recovery epoch | gain | accuracy averaged over the recovery "
          "epochs | gain |\n" + md_rule(6) + "\n";
    tex += "\\begin{tabular}{rrrrrr}\n\\hline\n$c$ & $n$ & final accuracy & gain & mean accuracy & gain \\\\\n\\hline\n";
    for (const RecoveryRow& x : r.recovery) {
      f += fmt::format("{}{}{},{},{},{},{},{},{},{},{},{},{},{}\n", gcols(x.group), sep, x.c, x.final_accuracy.n,
                       num(x.final_accuracy.mean), num(x.final_accuracy.sem), num(x.mean_accuracy.mean),
                       num(x.mean_accuracy.sem), x.ref_c, x.final_gain.n, num(x.final_gain.mean), num(x.final_gain.sem),
                       num(x.mean_gain.mean), num(x.mean_gain.sem));
      md += fmt::format("| {:.4g} | {} | {} ± {} | {} ± {} | {} ± {} | {} ± {} |\n", x.c, x.final_accuracy.n,
                        fix(x.final_accuracy.mean), fix(x.final_accuracy.sem), fix(x.final_gain.mean),
                        fix(x.final_gain.sem), fix(x.mean_accuracy.mean), fix(x.mean_accuracy.sem),
                        fix(x.mean_gain.mean), fix(x.mean_gain.sem));
      tex += fmt::format("{:.4g} & {} & ${} \\pm {}$ & ${} \\pm {}$ & ${} \\pm {}$ & ${} \\pm {}$ \\\\\n", x.c,
                         x.final_accuracy.n, fix(x.final_accuracy.mean), fix(x.final_accuracy.sem),
                         fix(x.final_gain.mean), fix(x.final_gain.sem), fix(x.mean_accuracy.mean),
                         fix(x.mean_accuracy.sem), fix(x.mean_gain.mean), fix(x.mean_gain.sem));
    }
    tex += "\\hline\n\\end{tabular}\n";
    md += "\n";
    out.emplace_back("recovery.csv", f);
  }
  if (!r.abrupt.empty()) {
    const AbruptSummary& s = r.abrupt_summary;
    std::string f = ghead + sep +
                    "seed,drop_epoch,kappa0,fixed_points_min,fixed_points_max,kappa_fp_before,kappa_fp_after,"
                    "speed_kstar_start,speed_kstar_before,ghost_onset,ghost_speed_onset,ghost_kappa_onset,"
                    "ghost_before_drop,ghost_speed_before\n";
    md += "## Abrupt learning and the latent circuit (seed 001 Fig. 3A)\n\n";
    md += fmt::format(
        "{} networks with latent snapshots; {} with an abrupt drop (loss below half its initial value). Of those:\n\n"
        "- one fixed-point count through all of phase 1: {} of {}\n"
        "- the fixed point nearest κ* crosses κ* = 1 at the drop: {} of {}\n"
        "- a ghost (local minimum of |f| without a fixed point) just before the drop: {} of {}, its speed falling "
        "since its onset in {}\n"
        "- the first ghost appears at or after the drop: {} of {}; onset − drop: median {} epochs (min {}, max {})\n\n",
        s.networks, s.dropped, s.fp_constant, s.dropped, s.fp_crosses, s.dropped, s.ghost_before, s.dropped,
        s.ghost_slowing, s.ghost_after, s.dropped, num(s.ghost_lag.median), num(s.ghost_lag.min),
        num(s.ghost_lag.max));
    md += fmt::format("| {}{}seed | drop | κ0 | fixed points | fixed point nearest κ*: before → after | speed at κ*: epoch 0 → before | ghost onset "
                      "(speed @ κ) | ghost before drop |\n{}\n",
                      fmt::join(r.group_axes, " | "), r.group_axes.empty() ? "" : " | ",
                      md_rule(r.group_axes.size() + 8));
    tex += "% abrupt learning (seed 001 Fig. 3A): per network\n\\begin{tabular}{" +
           std::string(r.group_axes.size(), 'r') + "rrrrrrr}\n\\hline\n";
    tex += fmt::format("{}{}seed & drop & fixed points & fixed point before & after & ghost onset & ghost before "
                       "\\\\\n\\hline\n",
                       fmt::join(r.group_axes, " & "), r.group_axes.empty() ? "" : " & ");
    for (const AbruptRow& a : r.abrupt) {
      const std::string fps = a.fp_min == a.fp_max ? fmt::format("{}", a.fp_min) : fmt::format("{}–{}", a.fp_min, a.fp_max);
      f += fmt::format("{}{}{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", gcols(a.group), sep, a.seed, num(a.drop_epoch),
                       num(a.kappa0), a.fp_min, a.fp_max, num(a.kappa_fp_before), num(a.kappa_fp_after),
                       num(a.speed_kstar_start), num(a.speed_kstar_before), num(a.ghost_onset),
                       num(a.ghost_speed_onset), num(a.ghost_kappa_onset), a.ghost_before ? 1 : 0,
                       num(a.ghost_speed_before));
      const std::string onset = std::isfinite(a.ghost_onset)
                                    ? fmt::format("{:.0f} ({} @ {})", a.ghost_onset, fix(a.ghost_speed_onset),
                                                  fix(a.ghost_kappa_onset, 2))
                                    : std::string("–");
      md += fmt::format("| {}{}{} | {} | {} | {} | {} → {} | {} → {} | {} | {} |\n", fmt::join(a.group, " | "),
                        r.group_axes.empty() ? "" : " | ", a.seed, a.dropped() ? fmt::format("{:.0f}", a.drop_epoch) : "–",
                        fix(a.kappa0, 2), fps, fix(a.kappa_fp_before, 2), fix(a.kappa_fp_after, 2),
                        fix(a.speed_kstar_start), fix(a.speed_kstar_before), onset,
                        a.ghost_before ? fmt::format("yes ({})", fix(a.ghost_speed_before)) : "no");
      tex += fmt::format("{}{}{} & {} & {} & {} & {} & {} & {} \\\\\n", fmt::join(a.group, " & "),
                         r.group_axes.empty() ? "" : " & ", a.seed,
                         a.dropped() ? fmt::format("{:.0f}", a.drop_epoch) : "–", fps, fix(a.kappa_fp_before, 2),
                         fix(a.kappa_fp_after, 2), std::isfinite(a.ghost_onset) ? fmt::format("{:.0f}", a.ghost_onset) : "–",
                         a.ghost_before ? "yes" : "no");
    }
    tex += "\\hline\n\\end{tabular}\n";
    md += "\n";
    out.emplace_back("abrupt.csv", f);
  }
  using J = nlohmann::ordered_json;
  auto sj = [](const MetricStat& s) {
    auto v = [](double y) { return std::isfinite(y) ? J(y) : J(nullptr); };
    return J{{"n", s.n}, {"mean", v(s.mean)}, {"sem", v(s.sem)}, {"median", v(s.median)}, {"min", v(s.min)}, {"max", v(s.max)}};
  };
  J j = J::object();
  if (!r.fig4.empty()) {
    J f = J::array();
    for (const Fig4Row& x : r.fig4) {
      J g;
      for (std::size_t a = 0; a < r.group_axes.size(); ++a) g[r.group_axes[a]] = x.group[a];
      f.push_back({{"group", g}, {"seeds", x.seeds}, {"learned", x.learned}, {"stuck", x.stuck}});
    }
    j["fig4"] = f;
  }
  if (!r.recovery.empty()) {
    J f = J::array();
    for (const RecoveryRow& x : r.recovery) {
      J g;
      for (std::size_t a = 0; a < r.group_axes.size(); ++a) g[r.group_axes[a]] = x.group[a];
      f.push_back({{"group", g}, {"c", x.c}, {"final_accuracy", sj(x.final_accuracy)}, {"mean_accuracy", sj(x.mean_accuracy)},
                   {"ref_c", x.ref_c}, {"final_gain", sj(x.final_gain)}, {"mean_gain", sj(x.mean_gain)}});
    }
    j["recovery"] = f;
  }
  if (!r.abrupt.empty()) {
    const AbruptSummary& s = r.abrupt_summary;
    auto v = [](double x) { return std::isfinite(x) ? J(x) : J(nullptr); };
    J nets = J::array();
    for (const AbruptRow& a : r.abrupt) {
      J g;
      for (std::size_t k = 0; k < r.group_axes.size(); ++k) g[r.group_axes[k]] = a.group[k];
      nets.push_back({{"group", g}, {"seed", a.seed}, {"drop_epoch", v(a.drop_epoch)}, {"kappa0", v(a.kappa0)},
                      {"fixed_points_min", a.fp_min}, {"fixed_points_max", a.fp_max},
                      {"kappa_fp_before", v(a.kappa_fp_before)}, {"kappa_fp_after", v(a.kappa_fp_after)},
                      {"speed_kstar_start", v(a.speed_kstar_start)}, {"speed_kstar_before", v(a.speed_kstar_before)},
                      {"ghost_onset", v(a.ghost_onset)}, {"ghost_speed_onset", v(a.ghost_speed_onset)},
                      {"ghost_kappa_onset", v(a.ghost_kappa_onset)}, {"ghost_before_drop", a.ghost_before},
                      {"ghost_speed_before", v(a.ghost_speed_before)}});
    }
    j["abrupt"] = {{"networks", s.networks}, {"dropped", s.dropped}, {"fixed_points_constant", s.fp_constant},
                   {"fixed_point_crosses_kappa_star", s.fp_crosses}, {"ghost_before_drop", s.ghost_before},
                   {"ghost_slowing_before_drop", s.ghost_slowing}, {"ghost_at_or_after_drop", s.ghost_after},
                   {"ghost_lag", sj(s.ghost_lag)}, {"per_network", nets}};
  }
  ext.json = j.dump();
  std::string o;
  for (const Fig4Row& x : r.fig4)
    o += fmt::format("  phase 1        {}{} seeds: {} learned, {} stuck in the no-learning zone\n",
                     r.group_axes.empty() ? "" : fmt::format("{} = {}: ", fmt::join(r.group_axes, ", "), fmt::join(x.group, ", ")),
                     x.seeds, x.learned, x.stuck);
  if (!r.recovery.empty()) o += "                 (seed 001 Fig. 4, 100 seeds at lr 0.02: 74 learned, 54 stuck)\n";
  if (!r.recovery.empty()) {
    o += "  recovery       c -> accuracy after the last recovery epoch (mean ± s.e.m. over stuck networks)\n";
    for (const RecoveryRow& x : r.recovery)
      o += fmt::format("    c = {:<10.4g} {} ± {} (n {}), gain over c = {:g}: {} ± {}; averaged over the epochs {}\n", x.c,
                       fix(x.final_accuracy.mean), fix(x.final_accuracy.sem), x.final_accuracy.n, x.ref_c,
                       fix(x.final_gain.mean), fix(x.final_gain.sem), fix(x.mean_accuracy.mean));
  }
  if (!r.abrupt.empty()) {
    const AbruptSummary& s = r.abrupt_summary;
    o += fmt::format("  abrupt drop    {} of {} networks with latent snapshots; of those, fixed-point count constant in "
                     "{}, fixed point crossing κ* at the drop in {}, a ghost just before the drop in {}, first ghost "
                     "at/after the drop in {} (median {} epochs after)\n",
                     s.dropped, s.networks, s.fp_constant, s.fp_crosses, s.ghost_before, s.ghost_after,
                     num(s.ghost_lag.median));
  }
  ext.text = o;
  if (!r.abrupt.empty()) ext.listed.push_back("abrupt.csv");
  return ext;
}

}  // namespace

MetricReportOptions report_options(const AnalysisInput& in) {
  MetricReportOptions o;
  o.table_keys = {{"recovery", "epoch"}, {"checkpoints", "epoch"}};
  o.main_metrics = {"learned", "stuck", "final_loss"};
  // seed 001 Fig. 4: the recovery is averaged over the networks stuck after phase 1.
  o.include = [&in](const std::string& table, std::size_t i) { return table != "recovery" || stuck(in, i); };
  return o;
}

ReportSection ghost_section(const AnalysisInput& in) {
  const MetricReportOptions opt = report_options(in);
  const ModelReport m = metric_report(in, opt);
  MetricReportExtras x;
  if (config(in.campaign.base).ghost.kind == GhostModel::rank1) x = extras_of(in, ghost_report(in));
  return metric_report_section(in, m, opt, x);
}

}  // namespace memphase::ghost
