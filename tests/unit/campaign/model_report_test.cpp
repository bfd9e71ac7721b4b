// analyze for the ghost families (metric_report/metric_report.hpp and
// families/ghost/report.hpp): the
// statistics, Fig. 4 counting each seed once, recovery averaged over the
// stuck networks only, seed-averaged tables and the written files.
#include "metric_report/metric_report.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "report/analyze.hpp"
#include "support/spec_access.hpp"
#include "families/ghost/config.hpp"
#include "families/ghost/report.hpp"

namespace memphase {
namespace {

using ::testing::HasSubstr;
using ghost::AbruptRow;
using ghost::AbruptSummary;

/// The ghost report of a campaign: its metric cells and seed-averaged
/// tables, the seed 001 sections, and the family's report section (files,
/// summary.json member, printed lines).
struct GhostOut : ghost::GhostReport {
  std::vector<MetricCell> cells;
  std::vector<TableSummary> tables;
  ReportSection section;
};

GhostOut model_report(const AnalysisInput& in) {
  GhostOut r;
  static_cast<ghost::GhostReport&>(r) = ghost::ghost_report(in);
  const ModelReport m = metric_report(in, ghost::report_options(in));
  r.cells = m.cells;
  r.tables = m.tables;
  r.section = ghost::ghost_section(in);
  return r;
}

TEST(MetricStat, MeanSemMedianOfFiniteValues) {
  const MetricStat s = metric_stat({1.0, 2.0, 4.0, std::nan(""), 5.0});
  EXPECT_EQ(s.n, 4);
  EXPECT_DOUBLE_EQ(s.mean, 3.0);
  EXPECT_DOUBLE_EQ(s.median, 3.0);
  EXPECT_DOUBLE_EQ(s.sem, std::sqrt(10.0 / 3.0) / 2.0);  // sd = sqrt(Σ(x-3)²/3) = sqrt(10/3)
  EXPECT_EQ(s.min, 1.0);
  EXPECT_EQ(s.max, 5.0);
  EXPECT_TRUE(std::isnan(metric_stat({}).mean));
  EXPECT_TRUE(std::isnan(metric_stat({7.0}).sem));
}

/// A ghost-rank1 recovery campaign (2 c × 3 seeds) with hand-made outcomes:
/// seeds 0 and 1 stuck, seed 2 learned and not stuck.
AnalysisInput fig4_input() {
  AnalysisInput in;
  in.campaign = parse_campaign("name: r\nfamily: ghost-rank1\ngrid: {recovery_c: [0.1, 10]}\nseeds: 3\n", "r.yaml");
  in.nets.resize(in.campaign.tasks.size());
  for (std::size_t i = 0; i < in.nets.size(); ++i) {
    const CampaignTask& t = in.campaign.tasks[i];
    NetOutcome& o = in.nets[i];
    o.done = true;
    const bool stuck = sec(t.spec).train.seed < 2;
    o.extras.set("learned_accuracy", 1.0);
    o.extras.set("stuck", stuck ? 1.0 : 0.0);
    const double c = ghost::config(t.spec).ghost.recovery_confidence;
    const double final_acc = stuck ? (c < 1 ? 0.8 + 0.1 * static_cast<double>(sec(t.spec).train.seed) : 0.5) : 1.0;
    o.extras.set("recovery_final_accuracy", final_acc);
    o.extras.set("recovery_mean_accuracy", final_acc - 0.1);
    o.extras.tables.push_back({"recovery", {"epoch", "loss", "accuracy"}, {0, 1.0, 0.5, 1, 0.5, final_acc}});
  }
  return in;
}

TEST(ModelReport, Fig4CountsEachSeedOnceAndRecoveryUsesTheStuckOnly) {
  const AnalysisInput in = fig4_input();
  const GhostOut r = model_report(in);
  ASSERT_EQ(r.fig4.size(), 1u);
  EXPECT_EQ(r.fig4[0].seeds, 3);
  EXPECT_EQ(r.fig4[0].learned, 3);
  EXPECT_EQ(r.fig4[0].stuck, 2);
  ASSERT_EQ(r.recovery.size(), 2u);
  EXPECT_EQ(r.recovery[0].c, 0.1);
  EXPECT_EQ(r.recovery[0].final_accuracy.n, 2);
  EXPECT_DOUBLE_EQ(r.recovery[0].final_accuracy.mean, 0.85);  // seeds 0, 1: 0.8, 0.9 (seed 2 left out)
  EXPECT_DOUBLE_EQ(r.recovery[1].final_accuracy.mean, 0.5);
  // Paired gain over the same networks at the largest c (10): 0.3, 0.4.
  EXPECT_EQ(r.recovery[0].ref_c, 10.0);
  EXPECT_EQ(r.recovery[0].final_gain.n, 2);
  EXPECT_DOUBLE_EQ(r.recovery[0].final_gain.mean, 0.35);
  EXPECT_NEAR(r.recovery[0].final_gain.sem, 0.05, 1e-12);
  EXPECT_DOUBLE_EQ(r.recovery[0].mean_gain.mean, 0.35);  // mean accuracy = final - 0.1 at both c
  EXPECT_DOUBLE_EQ(r.recovery[1].final_gain.mean, 0.0);
  // The recovery table is averaged over the stuck networks too: epoch 1, c = 0.1.
  const auto t = std::find_if(r.tables.begin(), r.tables.end(), [](const TableSummary& x) { return x.name == "recovery"; });
  ASSERT_NE(t, r.tables.end());
  bool seen = false;
  for (const auto& row : t->rows)
    if (row.cell == 0 && row.key == 1.0) {
      seen = true;
      EXPECT_EQ(row.stats[1].n, 2);  // columns loss, accuracy
      EXPECT_DOUBLE_EQ(row.stats[1].mean, 0.85);
    }
  EXPECT_TRUE(seen);
  // Metric cells: every seed of the cell, stuck or not.
  EXPECT_EQ(r.cells[0].stats.at("stuck").n, 3);
  EXPECT_DOUBLE_EQ(r.cells[0].stats.at("stuck").mean, 2.0 / 3.0);
}

TEST(ModelReport, FilesAndJson) {
  const AnalysisInput in = fig4_input();
  const GhostOut r = model_report(in);
  std::map<std::string, std::string> files;
  for (auto& [name, text] : r.section.files) files[name] = text;
  for (const char* f : {"metrics.csv", "tables/recovery.csv", "ghost_fig4.csv", "recovery.csv", "model.md", "model.tex"})
    EXPECT_TRUE(files.count(f)) << f;
  EXPECT_THAT(files["ghost_fig4.csv"], HasSubstr("seeds,learned,stuck\n3,3,2\n"));
  EXPECT_THAT(files["recovery.csv"], HasSubstr("\n0.1,2,0.85"));
  EXPECT_THAT(files["model.tex"], HasSubstr("$\\pm$"));
  EXPECT_THAT(files["model.tex"], ::testing::Not(HasSubstr("±")));
  EXPECT_THAT(r.section.json, HasSubstr("\"fig4\":[{\"group\":null,\"seeds\":3,\"learned\":3,\"stuck\":2}]"));
  EXPECT_THAT(r.section.text, HasSubstr("3 seeds: 3 learned, 2 stuck"));
}

TEST(ModelReport, PartialCampaignCountsOnlyDoneTasks) {
  AnalysisInput in = fig4_input();
  in.nets[0].done = false;  // seed 0 at c = 0.1: its c = 10 task still counts the seed
  in.nets[4].done = false;  // seed 1 at c = 10: no reference for its gain
  const GhostOut r = model_report(in);
  EXPECT_EQ(r.fig4[0].seeds, 3);
  EXPECT_EQ(r.recovery[0].final_accuracy.n, 1);
  EXPECT_EQ(r.recovery[0].final_gain.n, 0);  // seed 1 has no done c = 10 task
  EXPECT_EQ(r.cells[0].done, 2);
}

/// Latent rows {epoch, fixed_points, min_speed, kappa_slowest, ghosts,
/// ghost_speed, ghost_kappa, kappa_fp, speed_kstar, kappa0} of one network.
Table latent(const std::vector<std::vector<double>>& rows) {
  Table t{"latent", {"epoch", "fixed_points", "min_speed", "kappa_slowest", "ghosts", "ghost_speed", "ghost_kappa",
                     "kappa_fp", "speed_kstar", "kappa0"}, {}};
  for (const auto& r : rows) t.data.insert(t.data.end(), r.begin(), r.end());
  return t;
}

/// A Fig. 3A campaign (4 seeds, snapshots every 100 epochs, 400 epochs):
///   seed 0: the fixed point slides across κ* at the drop (250); ghost after it;
///   seed 1: a ghost forms at 100 and slows down before the drop (250);
///   seed 2: the fixed-point count changes (1 -> 3) before its drop (150);
///   seed 3: no drop.
AnalysisInput fig3a_input() {
  AnalysisInput in;
  in.campaign = parse_campaign("name: a\nfamily: ghost-rank1\ngrid: {lr: [0.003]}\nseeds: 4\nghost: {diag_every: 100}\n",
                               "a.yaml");
  const double nan = std::nan("");
  in.nets.resize(4);
  const std::vector<std::vector<std::vector<double>>> lat = {
      {{0, 1, 0, 0.1, 0, nan, nan, 0.1, 0.9, -0.5}, {100, 1, 0, 0.3, 0, nan, nan, 0.3, 0.7, -0.5},
       {200, 1, 0, 0.6, 0, nan, nan, 0.6, 0.4, -0.5}, {300, 1, 0, 1.05, 1, 0.2, -1.2, 1.05, 0.01, -0.5},
       {400, 1, 0, 2.5, 1, 0.15, -1.4, 2.5, 0.3, -0.5}},
      {{0, 1, 0, 0.1, 0, nan, nan, 0.1, 0.9, 0.2}, {100, 1, 0, 0.5, 1, 0.3, 0.4, 3.0, 0.5, 0.2},
       {200, 1, 0, 0.5, 1, 0.05, 0.4, 3.0, 0.5, 0.2}, {300, 1, 0, 0.5, 1, 0.1, 0.4, 3.0, 0.5, 0.2},
       {400, 1, 0, 0.5, 1, 0.1, 0.4, 3.0, 0.5, 0.2}},
      {{0, 1, 0, 0.1, 0, nan, nan, 0.1, 0.9, 0.0}, {100, 3, 0, 0.9, 0, nan, nan, 0.9, 0.1, 0.0},
       {200, 1, 0, 1.5, 0, nan, nan, 1.5, 0.3, 0.0}, {300, 1, 0, 1.5, 0, nan, nan, 1.5, 0.3, 0.0},
       {400, 1, 0, 1.5, 0, nan, nan, 1.5, 0.3, 0.0}},
      {{0, 1, 0, 0.1, 0, nan, nan, 0.1, 0.9, 0.1}, {100, 1, 0, 0.1, 0, nan, nan, 0.1, 0.9, 0.1},
       {200, 1, 0, 0.1, 0, nan, nan, 0.1, 0.9, 0.1}, {300, 1, 0, 0.1, 0, nan, nan, 0.1, 0.9, 0.1},
       {400, 1, 0, 0.1, 0, nan, nan, 0.1, 0.9, 0.1}}};
  const double drops[] = {250, 250, 150, nan};
  for (std::size_t i = 0; i < 4; ++i) {
    NetOutcome& o = in.nets[i];
    o.done = true;
    const auto seed = static_cast<std::size_t>(sec(in.campaign.tasks[i].spec).train.seed);
    o.extras.set("phase1_epochs", 400);
    o.extras.set("drop_epoch", drops[seed]);
    o.extras.set("learned_accuracy", std::isfinite(drops[seed]) ? 1.0 : 0.0);
    o.extras.set("stuck", 0.0);
    o.extras.tables.push_back(latent(lat[seed]));
  }
  return in;
}

TEST(ModelReport, AbruptDropAgainstTheLatentCircuit) {
  const AnalysisInput in = fig3a_input();
  const GhostOut r = model_report(in);
  ASSERT_EQ(r.abrupt.size(), 4u);
  std::map<std::uint64_t, AbruptRow> by_seed;
  for (const AbruptRow& a : r.abrupt) by_seed[a.seed] = a;
  const AbruptRow& slide = by_seed[0];
  EXPECT_EQ(slide.drop_epoch, 250);
  EXPECT_EQ(slide.kappa_fp_before, 0.6);  // the snapshot at 200
  EXPECT_EQ(slide.kappa_fp_after, 1.05);  // the snapshot at 300
  EXPECT_EQ(slide.speed_kstar_start, 0.9);
  EXPECT_EQ(slide.speed_kstar_before, 0.4);
  EXPECT_EQ(slide.ghost_onset, 300);
  EXPECT_EQ(slide.ghost_speed_onset, 0.2);
  EXPECT_FALSE(slide.ghost_before);
  EXPECT_EQ(slide.kappa0, -0.5);
  const AbruptRow& ghost = by_seed[1];
  EXPECT_TRUE(ghost.ghost_before);
  EXPECT_EQ(ghost.ghost_onset, 100);
  EXPECT_EQ(ghost.ghost_speed_before, 0.05);
  EXPECT_EQ(by_seed[2].fp_min, 1);
  EXPECT_EQ(by_seed[2].fp_max, 3);
  EXPECT_FALSE(by_seed[3].dropped());
  const AbruptSummary& s = r.abrupt_summary;
  EXPECT_EQ(s.networks, 4);
  EXPECT_EQ(s.dropped, 3);
  EXPECT_EQ(s.fp_constant, 2);    // seeds 0, 1
  EXPECT_EQ(s.fp_crosses, 2);     // seeds 0 (0.6 -> 1.05), 2 (0.9 at 100 -> 1.5 at 200)
  EXPECT_EQ(s.ghost_before, 1);   // seed 1
  EXPECT_EQ(s.ghost_slowing, 1);  // seed 1: 0.3 at its onset, 0.05 before the drop
  EXPECT_EQ(s.ghost_after, 1);    // seed 0
  EXPECT_EQ(s.ghost_lag.n, 2);    // seeds 0 (+50) and 1 (-150)
  EXPECT_EQ(s.ghost_lag.min, -150);
  EXPECT_EQ(s.ghost_lag.max, 50);
  std::map<std::string, std::string> files;
  for (auto& [name, text] : r.section.files) files[name] = text;
  ASSERT_TRUE(files.count("abrupt.csv"));
  EXPECT_THAT(files["abrupt.csv"], HasSubstr("\n0.003,0,250,-0.5,1,1,0.6,1.05,0.9,0.4,300,0.2,-1.2,0,\n"));
  EXPECT_THAT(files["model.md"], HasSubstr("a ghost (local minimum of |f| without a fixed point) just before the drop: 1 of 3"));
  EXPECT_THAT(r.section.json, HasSubstr("\"ghost_before_drop\":1,"));
  EXPECT_THAT(r.section.text, HasSubstr("abrupt drop    3 of 4 networks"));
}

TEST(ModelReport, AbruptCountsEachSeedOnceAndNeedsLatentTables) {
  // A recovery campaign without snapshots: no abrupt rows.
  EXPECT_TRUE(model_report(fig4_input()).abrupt.empty());
  // With snapshots in every recovery task, each seed is counted once.
  AnalysisInput in = fig4_input();
  for (NetOutcome& o : in.nets) {
    o.extras.set("drop_epoch", 150);
    o.extras.tables.push_back(latent({{0, 1, 0, 0.1, 0, NAN, NAN, 0.1, 0.9, 0.0}, {200, 1, 0, 1.5, 0, NAN, NAN, 1.5, 0.3, 0.0}}));
  }
  const GhostOut r = model_report(in);
  EXPECT_EQ(r.abrupt.size(), 3u);
  EXPECT_EQ(r.abrupt_summary.fp_crosses, 3);
}

}  // namespace
}  // namespace memphase
