#include "delayed_cue/mechanism_report.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/rng.hpp"

namespace memphase {

namespace {

constexpr int kPersist = 2;            // debounce: a class must hold 2 consecutive learned snapshots
constexpr std::int64_t kDraws = 10000;  // null draws
constexpr std::size_t kPooledMax = 1'000'000;  // null distances kept for the pooled median

double median(std::vector<double> v) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string num(double v) {
  if (std::isnan(v)) return "";
  return fmt::format("{:.6g}", v);
}

nlohmann::ordered_json json_num(double v) {
  if (!std::isfinite(v)) return nullptr;
  return v;
}

/// Counts of one cell (or of all cells).
struct MechCell {
  std::int64_t done = 0, with_snapshots = 0, learned = 0;
  std::int64_t switching = 0, switching_raw = 0;  ///< learned networks with >= 1 switch
  std::int64_t sp_lc = 0, lc_sp = 0, sp_lc_raw = 0, lc_sp_raw = 0;
  std::int64_t with_jump = 0;  ///< learned networks with >= 1 loss jump
  std::int64_t unlearned_switching = 0;  ///< not learned at the end, but switched (debounced)
  std::vector<SwitchSample> samples;     ///< debounced switches of learned networks with a jump
  std::int64_t switches_without_jump = 0;
  NullTest test;     ///< null: random learned-snapshot epochs of the same network
  NullTest matched;  ///< timing-matched null: switch epochs of other networks
};

void add(MechCell& a, const MechCell& b) {
  a.done += b.done; a.with_snapshots += b.with_snapshots; a.learned += b.learned;
  a.switching += b.switching; a.switching_raw += b.switching_raw;
  a.sp_lc += b.sp_lc; a.lc_sp += b.lc_sp; a.sp_lc_raw += b.sp_lc_raw; a.lc_sp_raw += b.lc_sp_raw;
  a.with_jump += b.with_jump; a.unlearned_switching += b.unlearned_switching;
  a.samples.insert(a.samples.end(), b.samples.begin(), b.samples.end());
  a.switches_without_jump += b.switches_without_jump;
}

std::vector<std::int64_t> jump_epochs(const Table* t) {
  std::vector<std::int64_t> out;
  if (!t || t->columns.empty()) return out;
  for (std::size_t i = 0; i < t->rows(); ++i)
    out.push_back(static_cast<std::int64_t>(t->data[i * t->columns.size()]));
  return out;
}

}  // namespace

std::int64_t jump_distance(std::int64_t epoch, std::span<const std::int64_t> jumps) {
  std::int64_t best = -1;
  for (const std::int64_t j : jumps) {
    const std::int64_t d = j > epoch ? j - epoch : epoch - j;
    if (best < 0 || d < best) best = d;
  }
  return best;
}

namespace {

/// The Monte-Carlo test with a null epoch per switch from `pick(i, rng)`.
template <class Pick>
NullTest monte_carlo(std::span<const SwitchSample> s, std::int64_t window, std::int64_t draws, std::uint64_t seed,
                     std::string_view stream, Pick pick) {
  NullTest t;
  t.draws = draws;
  t.switches = static_cast<std::int64_t>(s.size());
  if (s.empty()) {
    t.observed_median = t.null_median = t.observed_within = t.null_within =
        std::numeric_limits<double>::quiet_NaN();
    return t;
  }
  std::vector<double> obs;
  std::int64_t within = 0;
  for (const SwitchSample& x : s) {
    obs.push_back(static_cast<double>(x.distance));
    within += x.distance <= window;
  }
  t.observed_median = median(obs);
  t.observed_within = static_cast<double>(within) / static_cast<double>(s.size());
  Rng rng(seed, stream);
  std::vector<double> pooled, draw(s.size());
  pooled.reserve(std::min(kPooledMax, static_cast<std::size_t>(draws) * s.size()));
  std::int64_t as_small = 0, null_within = 0;
  for (std::int64_t d = 0; d < draws; ++d) {
    for (std::size_t i = 0; i < s.size(); ++i) {
      const std::int64_t dist = jump_distance(pick(i, rng), s[i].jumps);
      draw[i] = static_cast<double>(dist);
      null_within += dist <= window;
      if (pooled.size() < kPooledMax) pooled.push_back(draw[i]);  // the first draws, up to ~1e6 values
    }
    as_small += median(draw) <= t.observed_median;
  }
  t.null_median = median(std::move(pooled));
  t.null_within = static_cast<double>(null_within) / static_cast<double>(draws * t.switches);
  t.p_value = static_cast<double>(1 + as_small) / static_cast<double>(draws + 1);
  return t;
}

std::size_t uniform_index(Rng& rng, std::size_t n) {
  return std::min(static_cast<std::size_t>(rng.uniform() * static_cast<double>(n)), n - 1);
}

}  // namespace

NullTest null_test(std::span<const SwitchSample> s, std::int64_t window, std::int64_t draws, std::uint64_t seed) {
  return monte_carlo(s, window, draws, seed, "mechanism-null", [&](std::size_t i, Rng& rng) {
    const auto& e = s[i].eligible;
    return e[uniform_index(rng, e.size())];
  });
}

NullTest matched_null_test(std::span<const SwitchSample> s, std::int64_t window, std::int64_t draws,
                           std::uint64_t seed) {
  const auto partners = [](std::span<const SwitchSample> x, std::size_t i) {
    std::vector<std::size_t> o;  // the switches of the other networks of i's group (indices into x)
    for (std::size_t j = 0; j < x.size(); ++j)
      if (x[j].network != x[i].network && x[j].group == x[i].group) o.push_back(j);
    return o;
  };
  // Switches without a partner (the only switching network of their group)
  // have no matched null: they are left out of this test.
  std::vector<SwitchSample> sub;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (!partners(s, i).empty()) sub.push_back(s[i]);
  std::vector<std::vector<std::size_t>> others(sub.size());
  for (std::size_t i = 0; i < sub.size(); ++i) others[i] = partners(sub, i);
  return monte_carlo(sub, window, draws, seed, "mechanism-null-matched", [&](std::size_t i, Rng& rng) {
    return sub[others[i][uniform_index(rng, others[i].size())]].epoch;
  });
}

namespace {

/// The rows of the Markdown / LaTeX tables: one per cell, then "all" (after
/// `before_all`); fields joined by `sep` between `open` and `eol`.
std::string table_rows(const std::vector<MechCell>& cells, const MechCell& all, const AnalysisReport& r,
                       std::string_view open, std::string_view sep, std::string_view eol,
                       std::string_view before_all = "") {
  const auto row = [&](std::vector<std::string> f, const MechCell& m) {
    for (std::string x : {fmt::format("{}", m.learned), fmt::format("{} ({})", m.switching, m.switching_raw),
                          fmt::format("{} ({})", m.sp_lc, m.sp_lc_raw), fmt::format("{} ({})", m.lc_sp, m.lc_sp_raw),
                          num(m.test.observed_median), num(m.test.null_median),
                          m.test.switches ? num(m.test.p_value) : std::string(), num(m.matched.null_median),
                          m.matched.switches ? num(m.matched.p_value) : std::string()})
      f.push_back(std::move(x));
    return fmt::format("{}{}{}", open, fmt::join(f, sep), eol);
  };
  std::string o;
  for (std::size_t k = 0; k < cells.size(); ++k) {
    std::vector<std::string> lead;
    for (const double v : r.cells[k].axis_values) lead.push_back(num(v));
    o += row(lead, cells[k]);
  }
  return o + std::string(before_all) + row(std::vector<std::string>(r.axis_names.size(), "all"), all);
}

}  // namespace

void mechanism_report(const AnalysisInput& in, const AnalyzeOptions& opt, AnalysisReport& r) {
  const Campaign& c = in.campaign;
  bool any = false;
  double every = 0, window = LossJumpRule{}.window, factor = LossJumpRule{}.factor;
  for (const NetOutcome& o : in.nets)
    if (o.done && o.extras.table(snapshot_names::snapshots)) {
      any = true;
      every = o.extras.metric(snapshot_names::every);
      window = o.extras.metric(snapshot_names::jump_window);
      factor = o.extras.metric(snapshot_names::jump_factor);
      break;
    }
  if (!any) return;
  if (!std::isfinite(window) || window < 1) window = LossJumpRule{}.window;
  if (!std::isfinite(factor)) factor = LossJumpRule{}.factor;

  std::vector<MechCell> cells(r.cells.size());
  std::string sw_csv = "task,cell";
  for (const std::string& a : r.axis_names) sw_csv += "," + a;
  sw_csv += ",seed,epoch,from,to,learned,nearest_jump_distance\n";
  for (std::size_t i = 0; i < c.tasks.size(); ++i) {
    const NetOutcome& o = in.nets[i];
    if (!o.done) continue;
    std::size_t k = 0;
    for (std::size_t a = 0; a < c.axes.size(); ++a)
      k = k * c.axes[a].values.size() + static_cast<std::size_t>(c.tasks[i].axis_index[a]);
    MechCell& m = cells[k];
    ++m.done;
    const Table* st = o.extras.table(snapshot_names::snapshots);
    if (!st) continue;
    ++m.with_snapshots;
    const std::vector<SnapshotRow> rows = snapshot_rows(st);
    const std::vector<std::int64_t> jumps = jump_epochs(o.extras.table(snapshot_names::loss_jumps));
    const std::vector<MechanismSwitch> deb = debounced_switches(rows, kPersist);
    const std::vector<MechanismSwitch> raw = raw_switches(rows);
    for (const MechanismSwitch& s : deb) {
      sw_csv += fmt::format("{},{}", c.tasks[i].index, k);
      for (const double v : r.cells[k].axis_values) sw_csv += "," + num(v);
      sw_csv += fmt::format(",{},{},{},{},{},{}\n", c.tasks[i].spec.seed(), s.epoch, to_string(s.from), to_string(s.to),
                            o.learned ? 1 : 0, jumps.empty() ? std::string() : fmt::format("{}", jump_distance(s.epoch, jumps)));
    }
    if (!o.learned) {
      m.unlearned_switching += !deb.empty();
      continue;
    }
    ++m.learned;
    m.with_jump += !jumps.empty();
    m.switching += !deb.empty();
    m.switching_raw += !raw.empty();
    for (const MechanismSwitch& s : deb) (s.to == NetClass::lc ? m.sp_lc : m.lc_sp) += 1;
    for (const MechanismSwitch& s : raw) (s.to == NetClass::lc ? m.sp_lc_raw : m.lc_sp_raw) += 1;
    if (deb.empty()) continue;
    if (jumps.empty()) {
      m.switches_without_jump += static_cast<std::int64_t>(deb.size());
      continue;
    }
    std::vector<std::int64_t> eligible;
    bool first = true;
    for (const SnapshotRow& s : rows) {
      if (s.net_class != NetClass::lc && s.net_class != NetClass::sp) continue;
      if (!first) eligible.push_back(s.epoch);
      first = false;
    }
    for (const MechanismSwitch& s : deb)
      m.samples.push_back({jump_distance(s.epoch, jumps), eligible, jumps, s.epoch,
                           static_cast<std::int64_t>(c.tasks[i].index), static_cast<std::int64_t>(k)});
  }
  MechCell all;
  const auto W = static_cast<std::int64_t>(window);
  for (std::size_t k = 0; k < cells.size(); ++k) {
    cells[k].test = null_test(cells[k].samples, W, kDraws, opt.boot.seed + k + 1);
    cells[k].matched = matched_null_test(cells[k].samples, W, kDraws, opt.boot.seed + k + 1);
    add(all, cells[k]);
  }
  all.test = null_test(all.samples, W, kDraws, opt.boot.seed);
  all.matched = matched_null_test(all.samples, W, kDraws, opt.boot.seed);

  // mechanism.csv
  std::string csv;
  for (const std::string& a : r.axis_names) csv += a + ",";
  csv += "done,with_snapshots,learned,switching,switching_raw,sp_to_lc,lc_to_sp,sp_to_lc_raw,lc_to_sp_raw,"
         "learned_with_jump,switches_with_jump,switches_without_jump,median_switch_jump_distance,"
         "median_null_distance,share_within_window,null_share_within_window,p_value,unlearned_switching,"
         "median_matched_null_distance,matched_null_share_within_window,p_value_matched\n";
  const auto row = [&](const MechCell& m) {
    return fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", m.done, m.with_snapshots,
                       m.learned, m.switching, m.switching_raw, m.sp_lc, m.lc_sp, m.sp_lc_raw, m.lc_sp_raw,
                       m.with_jump, m.test.switches, m.switches_without_jump, num(m.test.observed_median),
                       num(m.test.null_median), num(m.test.observed_within), num(m.test.null_within),
                       m.test.switches ? num(m.test.p_value) : std::string(), m.unlearned_switching,
                       num(m.matched.null_median), num(m.matched.null_within),
                       m.matched.switches ? num(m.matched.p_value) : std::string());
  };
  for (std::size_t k = 0; k < cells.size(); ++k) {
    for (const double v : r.cells[k].axis_values) csv += num(v) + ",";
    csv += row(cells[k]);
  }
  for (std::size_t a = 0; a < r.axis_names.size(); ++a) csv += "all,";
  csv += row(all);
  r.section.files.emplace_back("mechanism.csv", csv);
  r.section.files.emplace_back("mechanism_switches.csv", sw_csv);

  // summary.json
  using J = nlohmann::ordered_json;
  const auto cell_json = [&](const MechCell& m) {
    return J{{"done", m.done},
             {"with_snapshots", m.with_snapshots},
             {"learned", m.learned},
             {"switching", m.switching},
             {"switching_raw", m.switching_raw},
             {"sp_to_lc", m.sp_lc},
             {"lc_to_sp", m.lc_sp},
             {"sp_to_lc_raw", m.sp_lc_raw},
             {"lc_to_sp_raw", m.lc_sp_raw},
             {"learned_with_jump", m.with_jump},
             {"switches_with_jump", m.test.switches},
             {"switches_without_jump", m.switches_without_jump},
             {"median_switch_jump_distance", json_num(m.test.observed_median)},
             {"median_null_distance", json_num(m.test.null_median)},
             {"share_within_window", json_num(m.test.observed_within)},
             {"null_share_within_window", json_num(m.test.null_within)},
             {"p_value", m.test.switches ? json_num(m.test.p_value) : J(nullptr)},
             {"unlearned_switching", m.unlearned_switching},
             {"median_matched_null_distance", json_num(m.matched.null_median)},
             {"matched_null_share_within_window", json_num(m.matched.null_within)},
             {"p_value_matched", m.matched.switches ? json_num(m.matched.p_value) : J(nullptr)}};
  };
  J j;
  j["snapshot_every"] = json_num(every);
  j["loss_jump"] = {{"window", json_num(window)},
                    {"factor", json_num(factor)},
                    {"rule", "epoch t flagged if loss[t] >= factor * min(loss[t+1..t+window]); a run of flagged "
                             "epochs is one jump, at the first epoch where the loss has fallen by the factor"}};
  j["debounce"] = {{"persist", kPersist},
                   {"rule", "runs of equal classes among learned snapshots shorter than `persist` are dropped, "
                            "neighbouring runs of one class merge; a switch is a change between the remaining runs"}};
  j["null"] = {{"draws", kDraws},
               {"seed", opt.boot.seed},
               {"rule", "each switch's epoch replaced by a uniform pick among its network's learned snapshot "
                        "epochs but the first; one-sided p = (1 + #{draws with median distance <= observed}) / "
                        "(draws + 1)"},
               {"matched_rule", "timing-matched: each switch's epoch replaced by the epoch of a uniformly picked "
                                "switch of another network (distance to its own network's jumps); same p"}};
  j["population"] = "networks learned at the end of training (SPEC §3.5)";
  j["all"] = cell_json(all);
  J jc = J::array();
  for (std::size_t k = 0; k < cells.size(); ++k) {
    J x = J::object();
    for (std::size_t a = 0; a < r.axis_names.size(); ++a) x[r.axis_names[a]] = r.cells[k].axis_values[a];
    const J counts = cell_json(cells[k]);  // items() of a temporary would dangle
    for (const auto& [key, v] : counts.items()) x[key] = v;
    jc.push_back(x);
  }
  j["cells"] = jc;
  r.section.json_key = "mechanism";
  r.section.json = j.dump();

  // Printed lines, Markdown, LaTeX.
  const NullTest& t = all.test;
  r.section.text += fmt::format(
      "  mechanism      snapshots every {} epochs: {} learned networks, {} switch (raw {}); SP->LC {}, LC->SP {} "
      "(raw {}, {})\n",
      num(every), all.learned, all.switching, all.switching_raw, all.sp_lc, all.lc_sp, all.sp_lc_raw, all.lc_sp_raw);
  if (t.switches > 0)
    r.section.text += fmt::format(
        "  switch-jump    median distance {} epochs vs null {} ({} switches with a jump, p = {}; within the "
        "window: {:.1f} % vs null {:.1f} %; window {}, factor {})\n",
        num(t.observed_median), num(t.null_median), t.switches, num(t.p_value), 100 * t.observed_within,
        100 * t.null_within, num(window), num(factor));
  if (all.matched.switches > 0)
    r.section.text += fmt::format(
        "  timing-matched median distance {} epochs vs {} with other networks' switch epochs (p = {}; within the "
        "window: {:.1f} % vs {:.1f} %)\n",
        num(all.matched.observed_median), num(all.matched.null_median), num(all.matched.p_value),
        100 * all.matched.observed_within, 100 * all.matched.null_within);

  std::string md = "## Mechanism evolution during training (SPEC §3.8)\n\n";
  md += fmt::format(
      "Snapshots every {} epochs; loss jump: a fall by a factor {} within {} epochs; a switch must hold {} "
      "consecutive learned snapshots (raw: every change). Networks learned at the end of training. Null: each "
      "switch's epoch replaced by a random learned-snapshot epoch of the same network ({} draws); timing-matched "
      "null: by the epoch of a random switch of another network.\n\n",
      num(every), num(factor), num(window), kPersist, kDraws);
  std::string head = "|";
  std::string rule = "|";
  for (const std::string& a : r.axis_names) { head += " " + a + " |"; rule += "---|"; }
  md += head +
        " learned | switching (raw) | SP→LC (raw) | LC→SP (raw) | median distance | null median | p | matched null "
        "median | p (matched) |\n";
  md += rule + "---|---|---|---|---|---|---|---|---|\n";
  md += table_rows(cells, all, r, "| ", " | ", " |\n");
  r.section.markdown += md;

  std::string tex = "\\begin{table}\n\\centering\n\\begin{tabular}{" + std::string(r.axis_names.size(), 'r') +
                    "rrrrrrrrr}\n\\toprule\n";
  for (const std::string& a : r.axis_names) tex += a + " & ";
  tex += "learned & switching (raw) & SP$\\to$LC (raw) & LC$\\to$SP (raw) & median dist. & null median & $p$ & "
         "matched null & $p$ (matched) \\\\\n\\midrule\n";
  tex += table_rows(cells, all, r, "", " & ", " \\\\\n", "\\midrule\n");
  tex += "\\bottomrule\n\\end{tabular}\n";
  tex += fmt::format(
      "\\caption{{Mechanism switches during training (SPEC \\S3.8), networks learned at the end. Snapshots every "
      "{} epochs; a switch holds {} consecutive learned snapshots; loss jump: a fall by a factor {} within {} "
      "epochs. Distances in epochs from each switch to the nearest loss jump of its network; null: random "
      "learned-snapshot epochs of the same networks ({} draws), one-sided Monte-Carlo $p$; matched null: epochs of "
      "switches of other networks.}}\n\\end{{table}}\n",
      num(every), kPersist, num(factor), num(window), kDraws);
  r.section.latex += tex;
}

}  // namespace memphase
