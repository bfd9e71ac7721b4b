// analyze for the ghost / WCRNN families (campaign/model_report.hpp): the
// statistics, Fig. 4 counting each seed once, recovery averaged over the
// stuck networks only, seed-averaged tables and the written files.
#include "campaign/model_report.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "campaign/analyze.hpp"

namespace memphase {
namespace {

using ::testing::HasSubstr;

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
    const bool stuck = t.spec.train.seed < 2;
    o.extras.set("learned_accuracy", 1.0);
    o.extras.set("stuck", stuck ? 1.0 : 0.0);
    const double c = t.spec.ghost.recovery_confidence;
    const double final_acc = stuck ? (c < 1 ? 0.8 + 0.1 * static_cast<double>(t.spec.train.seed) : 0.5) : 1.0;
    o.extras.set("recovery_final_accuracy", final_acc);
    o.extras.set("recovery_mean_accuracy", final_acc - 0.1);
    o.extras.tables.push_back({"recovery", {"epoch", "loss", "accuracy"}, {0, 1.0, 0.5, 1, 0.5, final_acc}});
  }
  return in;
}

TEST(ModelReport, Fig4CountsEachSeedOnceAndRecoveryUsesTheStuckOnly) {
  const AnalysisInput in = fig4_input();
  const ModelReport r = model_report(in);
  ASSERT_EQ(r.fig4.size(), 1u);
  EXPECT_EQ(r.fig4[0].seeds, 3);
  EXPECT_EQ(r.fig4[0].learned, 3);
  EXPECT_EQ(r.fig4[0].stuck, 2);
  ASSERT_EQ(r.recovery.size(), 2u);
  EXPECT_EQ(r.recovery[0].c, 0.1);
  EXPECT_EQ(r.recovery[0].final_accuracy.n, 2);
  EXPECT_DOUBLE_EQ(r.recovery[0].final_accuracy.mean, 0.85);  // seeds 0, 1: 0.8, 0.9 (seed 2 left out)
  EXPECT_DOUBLE_EQ(r.recovery[1].final_accuracy.mean, 0.5);
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
  const ModelReport r = model_report(in);
  std::map<std::string, std::string> files;
  for (auto& [name, text] : model_report_files(in, r)) files[name] = text;
  for (const char* f : {"metrics.csv", "tables/recovery.csv", "ghost_fig4.csv", "recovery.csv", "model.md", "model.tex"})
    EXPECT_TRUE(files.count(f)) << f;
  EXPECT_THAT(files["ghost_fig4.csv"], HasSubstr("seeds,learned,stuck\n3,3,2\n"));
  EXPECT_THAT(files["recovery.csv"], HasSubstr("\n0.1,2,0.85"));
  EXPECT_THAT(files["model.tex"], HasSubstr("$\\pm$"));
  EXPECT_THAT(files["model.tex"], ::testing::Not(HasSubstr("±")));
  EXPECT_THAT(model_report_json(in, r), HasSubstr("\"fig4\":[{\"group\":null,\"seeds\":3,\"learned\":3,\"stuck\":2}]"));
  EXPECT_THAT(format_model_report(in, r), HasSubstr("3 seeds: 3 learned, 2 stuck"));
}

TEST(ModelReport, PartialCampaignCountsOnlyDoneTasks) {
  AnalysisInput in = fig4_input();
  in.nets[0].done = false;  // seed 0 at c = 0.1: its c = 10 task still counts the seed
  const ModelReport r = model_report(in);
  EXPECT_EQ(r.fig4[0].seeds, 3);
  EXPECT_EQ(r.recovery[0].final_accuracy.n, 1);
  EXPECT_EQ(r.cells[0].done, 2);
}

}  // namespace
}  // namespace memphase
