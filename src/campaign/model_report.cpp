#include "campaign/model_report.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "campaign/analyze.hpp"

namespace memphase {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// Index of a task's grid cell in odometer order (last axis fastest).
std::size_t cell_of(const Campaign& c, const CampaignTask& t) {
  std::size_t k = 0;
  for (std::size_t a = 0; a < c.axes.size(); ++a)
    k = k * c.axes[a].values.size() + static_cast<std::size_t>(t.axis_index[a]);
  return k;
}

int axis_index(const Campaign& c, std::string_view name) {
  for (std::size_t a = 0; a < c.axes.size(); ++a)
    if (c.axes[a].name == name) return static_cast<int>(a);
  return -1;
}

bool is_ghost(const Campaign& c) { return c.base.ghost.enabled(); }

/// The key column of a per-task table ("epoch", "index"), or "" to skip it.
std::string table_key(const std::string& name) {
  if (name == "recovery" || name == "checkpoints") return "epoch";
  if (name == "lyapunov") return "index";
  if (name == "eval") return "update";
  return "";  // latent / flow / slow_points: per-network diagnostics, not averaged
}

/// The rule line of a Markdown table with `cols` columns: |---|---|...
std::string md_rule(std::size_t cols) {
  std::string s = "|";
  for (std::size_t i = 0; i < cols; ++i) s += "---|";
  return s;
}

std::string num(double v) { return std::isfinite(v) ? fmt::format("{}", v) : std::string(); }
std::string fix(double v, int d = 3) { return std::isfinite(v) ? fmt::format("{:.{}f}", v, d) : std::string("–"); }

std::string axis_text(const Campaign& c, std::size_t a, double v) {
  const auto* info = [&]() -> const detail::AxisInfo* {
    for (const auto& x : detail::axis_table())
      if (x.name == c.axes[a].name) return &x;
    return nullptr;
  }();
  if (info && !info->choices.empty() && v >= 0 && static_cast<std::size_t>(v) < info->choices.size())
    return std::string(info->choices[static_cast<std::size_t>(v)]);
  return fmt::format("{}", v);
}

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

}  // namespace

MetricStat metric_stat(std::vector<double> v) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return !std::isfinite(x); }), v.end());
  MetricStat s;
  s.n = static_cast<std::int64_t>(v.size());
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  double sum = 0.0;
  for (double x : v) sum += x;
  s.mean = sum / static_cast<double>(v.size());
  if (v.size() >= 2) {
    double ss = 0.0;
    for (double x : v) ss += (x - s.mean) * (x - s.mean);
    s.sem = std::sqrt(ss / static_cast<double>(v.size() - 1)) / std::sqrt(static_cast<double>(v.size()));
  }
  const std::size_t m = v.size() / 2;
  s.median = v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
  s.min = v.front();
  s.max = v.back();
  return s;
}

ModelReport model_report(const AnalysisInput& in) {
  const Campaign& c = in.campaign;
  ModelReport r;
  std::size_t n_cells = 1;
  for (const GridAxis& a : c.axes) n_cells *= a.values.size();
  r.cells.resize(n_cells);
  for (std::size_t k = 0; k < n_cells; ++k) {
    std::size_t rest = k;
    r.cells[k].axis_values.resize(c.axes.size());
    for (std::size_t a = c.axes.size(); a-- > 0;) {
      r.cells[k].axis_values[a] = c.axes[a].values[rest % c.axes[a].values.size()];
      rest /= c.axes[a].values.size();
    }
  }
  const bool ghost = is_ghost(c);
  auto stuck = [&](std::size_t i) { return in.nets[i].extras.metric("stuck") == 1.0; };

  // Metrics per cell.
  std::vector<std::map<std::string, std::vector<double>>> values(n_cells);
  for (std::size_t i = 0; i < c.tasks.size(); ++i) {
    if (!in.nets[i].done) continue;
    const std::size_t k = cell_of(c, c.tasks[i]);
    ++r.cells[k].done;
    for (const auto& [name, v] : in.nets[i].extras.metrics) values[k][name].push_back(v);
  }
  for (std::size_t k = 0; k < n_cells; ++k)
    for (auto& [name, v] : values[k]) r.cells[k].stats[name] = metric_stat(std::move(v));

  // Per-task tables averaged by (cell, key).
  std::map<std::string, std::vector<std::string>> table_cols;
  for (const NetOutcome& o : in.nets)
    for (const Table& t : o.extras.tables)
      if (!table_key(t.name).empty()) table_cols.emplace(t.name, t.columns);
  for (const auto& [name, cols] : table_cols) {
    TableSummary ts;
    ts.name = name;
    ts.key = table_key(name);
    const auto key_it = std::find(cols.begin(), cols.end(), ts.key);
    if (key_it == cols.end()) continue;
    const auto key_col = static_cast<std::size_t>(key_it - cols.begin());
    for (std::size_t j = 0; j < cols.size(); ++j)
      if (j != key_col) ts.columns.push_back(cols[j]);
    // (cell, key) -> per column values
    std::map<std::pair<std::size_t, double>, std::vector<std::vector<double>>> acc;
    for (std::size_t i = 0; i < c.tasks.size(); ++i) {
      if (!in.nets[i].done) continue;
      if (ghost && name == "recovery" && !stuck(i)) continue;
      const Table* t = in.nets[i].extras.table(name);
      if (!t || t->columns != cols) continue;
      const std::size_t k = cell_of(c, c.tasks[i]);
      for (std::size_t row = 0; row < t->rows(); ++row) {
        const double* d = t->data.data() + row * cols.size();
        auto& slot = acc[{k, d[key_col]}];
        slot.resize(ts.columns.size());
        for (std::size_t j = 0, q = 0; j < cols.size(); ++j)
          if (j != key_col) slot[q++].push_back(d[j]);
      }
    }
    for (auto& [ck, cv] : acc) {
      TableSummary::Row row{ck.first, ck.second, {}};
      for (auto& v : cv) row.stats.push_back(metric_stat(std::move(v)));
      ts.rows.push_back(std::move(row));
    }
    r.tables.push_back(std::move(ts));
  }

  // Ghost rank 1: seed 001 Fig. 4.
  if (c.base.ghost.kind == GhostModel::rank1) {
    const int rc = axis_index(c, "recovery_c");
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
      const std::uint64_t seed = c.tasks[i].spec.train.seed;
      const bool first = seen[g].try_emplace(seed, x.metric("learned_accuracy") == 1.0, stuck(i)).second;
      AbruptRow a;
      if (first && abrupt_row(x, a)) {
        a.group = g;
        a.seed = seed;
        r.abrupt.push_back(std::move(a));
      }
      if (rc >= 0 && stuck(i)) {
        rec[{g, c.tasks[i].spec.ghost.recovery_confidence}][seed] = {x.metric("recovery_final_accuracy"),
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

std::vector<std::pair<std::string, std::string>> model_report_files(const AnalysisInput& in,
                                                                   const ModelReport& r) {
  std::vector<std::pair<std::string, std::string>> out;
  if (r.empty()) return out;
  const Campaign& c = in.campaign;
  std::vector<std::string> axes;
  for (const GridAxis& a : c.axes) axes.push_back(a.name);
  const std::string head = fmt::format("{}", fmt::join(axes, ","));
  auto cell_cols = [&](const MetricCell& cell) {
    std::vector<std::string> v;
    for (std::size_t a = 0; a < cell.axis_values.size(); ++a) v.push_back(axis_text(c, a, cell.axis_values[a]));
    return fmt::format("{}", fmt::join(v, ","));
  };
  auto stat_cols = [](const MetricStat& s) {
    return fmt::format("{},{},{},{},{},{}", s.n, num(s.mean), num(s.sem), num(s.median), num(s.min), num(s.max));
  };
  std::string m = head + ",done,metric,n,mean,sem,median,min,max\n";
  for (const MetricCell& cell : r.cells)
    for (const auto& [name, s] : cell.stats) m += fmt::format("{},{},{},{}\n", cell_cols(cell), cell.done, name, stat_cols(s));
  out.emplace_back("metrics.csv", m);

  for (const TableSummary& t : r.tables) {
    std::string h = head + "," + t.key;
    for (const auto& col : t.columns) h += fmt::format(",{0}_n,{0}_mean,{0}_sem", col);
    h += "\n";
    for (const auto& row : t.rows) {
      h += cell_cols(r.cells[row.cell]) + "," + num(row.key);
      for (const MetricStat& s : row.stats) h += fmt::format(",{},{},{}", s.n, num(s.mean), num(s.sem));
      h += "\n";
    }
    out.emplace_back("tables/" + t.name + ".csv", h);
  }

  const std::string ghead = fmt::format("{}", fmt::join(r.group_axes, ","));
  auto gcols = [](const std::vector<double>& g) { return fmt::format("{}", fmt::join(g, ",")); };
  const std::string sep = r.group_axes.empty() ? "" : ",";
  std::string md = fmt::format("# {} ({})\n\n", c.name, c.family);
  std::string tex = fmt::format("% memphase analyze: {} ({})\n", c.name, c.family);
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
  // Main metrics per cell.
  const std::vector<std::string> main = {"learned", "stuck", "final_loss", "eval_accuracy", "eval_loss",
                                         "updates_to_threshold", "lyap_max", "log_r"};
  std::vector<std::string> shown;
  for (const std::string& k : main)
    for (const MetricCell& cell : r.cells)
      if (cell.stats.count(k) && std::find(shown.begin(), shown.end(), k) == shown.end()) shown.push_back(k);
  if (!shown.empty()) {
    md += "## Metrics per grid cell (mean ± s.e.m. over seeds)\n\n| " + fmt::format("{}", fmt::join(axes, " | ")) +
          " | done | " + fmt::format("{}", fmt::join(shown, " | ")) + " |\n" + md_rule(axes.size() + 1 + shown.size()) +
          "\n";
    tex += "\\begin{tabular}{" + std::string(axes.size() + 1 + shown.size(), 'r') + "}\n\\hline\n" +
           fmt::format("{} & done & {} \\\\\n\\hline\n", fmt::join(axes, " & "), fmt::join(shown, " & "));
    for (const MetricCell& cell : r.cells) {
      std::vector<std::string> a, b;
      for (std::size_t i = 0; i < cell.axis_values.size(); ++i) a.push_back(axis_text(c, i, cell.axis_values[i]));
      for (const std::string& k : shown) {
        const auto it = cell.stats.find(k);
        b.push_back(it == cell.stats.end() || it->second.n == 0
                        ? std::string("–")
                        : fmt::format("{:.4g} ± {}", it->second.mean,
                                      std::isfinite(it->second.sem) ? fmt::format("{:.2g}", it->second.sem) : "–"));
      }
      md += fmt::format("| {} | {} | {} |\n", fmt::join(a, " | "), cell.done, fmt::join(b, " | "));
      tex += fmt::format("{} & {} & {} \\\\\n", fmt::join(a, " & "), cell.done, fmt::join(b, " & "));
    }
    tex += "\\hline\n\\end{tabular}\n";
  }
  std::string tex_safe;
  for (const char ch : tex) {
    if (ch == '_') tex_safe += "\\_";
    else tex_safe += ch;
  }
  // ± is not LaTeX: use $\pm$.
  std::string tex_final;
  for (std::size_t i = 0; i < tex_safe.size(); ++i) {
    if (tex_safe.compare(i, 2, "±") == 0) {
      tex_final += "$\\pm$";
      ++i;
    } else if (tex_safe.compare(i, 3, "–") == 0) {
      tex_final += "--";
      i += 2;
    } else {
      tex_final += tex_safe[i];
    }
  }
  out.emplace_back("model.md", md);
  out.emplace_back("model.tex", tex_final);
  return out;
}

std::string model_report_json(const AnalysisInput& in, const ModelReport& r) {
  using J = nlohmann::ordered_json;
  const Campaign& c = in.campaign;
  auto sj = [](const MetricStat& s) {
    auto v = [](double x) { return std::isfinite(x) ? J(x) : J(nullptr); };
    return J{{"n", s.n}, {"mean", v(s.mean)}, {"sem", v(s.sem)}, {"median", v(s.median)}, {"min", v(s.min)}, {"max", v(s.max)}};
  };
  J j;
  J cells = J::array();
  for (const MetricCell& cell : r.cells) {
    J x;
    for (std::size_t a = 0; a < c.axes.size(); ++a) x[c.axes[a].name] = cell.axis_values[a];
    x["done"] = cell.done;
    J m = J::object();
    for (const auto& [k, s] : cell.stats) m[k] = sj(s);
    x["metrics"] = m;
    cells.push_back(x);
  }
  j["cells"] = cells;
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
  return j.dump();
}

std::string format_model_report(const AnalysisInput& in, const ModelReport& r) {
  std::string o;
  std::int64_t learned = 0, done = 0;
  for (std::size_t i = 0; i < in.nets.size(); ++i) {
    if (!in.nets[i].done) continue;
    ++done;
    learned += in.nets[i].learned ? 1 : 0;
  }
  o += fmt::format("  learned        {} of {} done tasks (family criterion)\n", learned, done);
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
  o += "  tables         metrics.csv, model.md, model.tex";
  if (!r.abrupt.empty()) o += ", abrupt.csv";
  for (const TableSummary& t : r.tables) o += ", tables/" + t.name + ".csv";
  o += "\n";
  return o;
}

}  // namespace memphase
