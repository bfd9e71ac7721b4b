// `memphase analyze` on synthetic outcomes with a known truth: the phase
// diagram counts, the β fits (exp-saturation and logistic boundaries drawn
// from power laws), the no-memory exponent, partial campaigns, the output
// files (CSV headers, JSON fields) and determinism across thread counts.
#include "report/analyze.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "core/error.hpp"
#include "support/spec_access.hpp"

namespace memphase {
namespace {

using ::testing::HasSubstr;

// 8 lrs in [0.01, 0.1], delays 0..400 ms, 40 seeds: 6,720 networks.
constexpr const char* kDcdt = R"(name: synth
family: dcdt-nopost
grid:
  lr: {logspace: [-1, -2, 8]}
  delay: {range: [0, 400, 20]}
seeds: 40
)";

constexpr double kBetaLc = 2.5, kBetaSp = 4.0;

/// T_c of a power law lr = C T_c^-β through (T_c = 200 ms, lr = 0.03).
double tc_of(double lr, double beta) { return 200.0 * std::pow(lr / 0.03, -1.0 / beta); }

enum class Synth { lc, sp };

/// Fills every network. Synth::lc: fail with the exp-saturation probability
/// of SPEC §3.7 around T_c^LC (rate 0.02/ms; 2 % of the failures unstable),
/// else LC. Synth::sp: SP with the logistic probability around T_c^SP
/// (k = 0.05/ms), else LC. (One boundary per campaign, so that each
/// fraction follows its model exactly.)
AnalysisInput synthetic_dcdt(std::uint64_t seed, Synth mode = Synth::lc) {
  AnalysisInput in;
  in.dir = "synthetic";
  in.source = "test";
  in.campaign = parse_campaign(kDcdt, "synth.yaml");
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (const CampaignTask& t : in.campaign.tasks) {
    const double T = sec(t.spec).task.delay, lr = sec(t.spec).train.lr;
    const double t_lc = tc_of(lr, kBetaLc), t_sp = tc_of(lr, kBetaSp) * 0.8;
    const double p_fail = T < t_lc ? 0.0 : 1.0 - std::exp(-0.02 * (T - t_lc));
    const double p_sp = 1.0 / (1.0 + std::exp(-0.05 * (T - t_sp)));
    NetOutcome o;
    o.done = true;
    if (mode == Synth::lc && u(rng) < p_fail) {
      o.net_class = u(rng) < 0.02 ? NetClass::unstable : NetClass::fail;
    } else {
      o.learned = true;
      o.net_class = mode == Synth::sp && u(rng) < p_sp ? NetClass::sp : NetClass::lc;
    }
    in.nets.push_back(o);
  }
  return in;
}

AnalyzeOptions quick_options(unsigned threads = 1) {
  AnalyzeOptions o;
  o.boot.resamples = 200;
  o.boot.seed = 11;
  o.threads = threads;
  o.sp_lrs = 0;  // all 8 lrs (the reference's 25 is for a 30-lr grid)
  return o;
}

const ExponentReport& find(const AnalysisReport& r, const std::string& name) {
  for (const ExponentReport& e : r.exponents) {
    if (e.name == name) return e;
  }
  throw std::runtime_error("no exponent " + name);
}

TEST(Analyze, RecoversBetaLcFromSyntheticPhaseDiagram) {
  const AnalysisInput in = synthetic_dcdt(1, Synth::lc);
  const AnalysisReport r = analyze(in, quick_options());
  ASSERT_EQ(r.tasks, 8 * 21 * 40);
  EXPECT_EQ(r.done, r.tasks);
  EXPECT_TRUE(r.complete());
  EXPECT_EQ(r.fail + r.lc + r.sp + r.unstable, r.done);

  const ExponentReport& lc = find(r, "beta_LC");
  ASSERT_TRUE(lc.fit.ok) << lc.fit.reason;
  EXPECT_NEAR(lc.fit.exponent(), kBetaLc, 0.25);
  EXPECT_GT(lc.fit.r2, 0.95);
  EXPECT_EQ(lc.fit.points.size(), 8u);
  EXPECT_EQ(lc.fit.networks, static_cast<std::size_t>(r.done));
  EXPECT_EQ(lc.boot.boot.resamples, 200u);
  EXPECT_LT(lc.boot.boot.lo, lc.fit.exponent());
  EXPECT_GT(lc.boot.boot.hi, lc.fit.exponent());
  EXPECT_GT(lc.boot.boot.se, 0.0);
  ASSERT_EQ(lc.boot.band_t.size(), 50u);
  for (std::size_t i = 0; i < lc.boot.band_t.size(); ++i) EXPECT_LE(lc.boot.band_lo[i], lc.boot.band_hi[i]);

  // No SP network at all: every lr is skipped, and the exponent says why.
  const ExponentReport& sp = find(r, "beta_SP");
  EXPECT_FALSE(sp.fit.ok);
  EXPECT_EQ(sp.skipped, 8u);

  // The binomial estimator, reported next to the reference's: the same law.
  const ExponentReport& lcb = find(r, "beta_LC_binomial");
  ASSERT_TRUE(lcb.fit.ok) << lcb.fit.reason;
  EXPECT_EQ(lcb.estimator, "binomial");
  // This synthetic failure curve has a FIXED width (a = 0.02/ms at every lr),
  // so its midpoint (what the binomial estimator locates) does not follow the
  // onset's power law exactly: the two estimators differ by design here.
  EXPECT_NEAR(lcb.fit.exponent(), kBetaLc, 0.6);

  // One boundary row per lr and exponent (2 estimators x 2 boundaries).
  ASSERT_EQ(r.boundaries.size(), 32u);
  for (const BoundaryRow& b : r.boundaries) {
    if (b.fit == "beta_LC") EXPECT_TRUE(b.used) << "lr " << b.x << ": " << b.reason;
    if (b.fit == "beta_LC" || b.fit == "beta_SP") EXPECT_EQ(b.estimator, "reference");
    if (b.fit.rfind("beta_SP", 0) == 0) EXPECT_EQ(b.status, FitStatus::skipped);
  }
  // Every exponent is labelled: 8 lrs over one decade, 40 seeds, R² > 0.95.
  EXPECT_EQ(lc.resolution.resolved, lc.resolution.why_not.empty());
  EXPECT_TRUE(lc.resolution.resolved) << ::testing::PrintToString(lc.resolution.why_not);
  EXPECT_FALSE(sp.resolution.resolved);  // not fitted
  EXPECT_EQ(sp.resolution.why_not, std::vector<std::string>{"not fitted"});

  // --no-binomial: only the reference's estimator.
  AnalyzeOptions ref_only = quick_options();
  ref_only.binomial = false;
  EXPECT_EQ(analyze(in, ref_only).boundaries.size(), 16u);
}

TEST(Analyze, RecoversBetaSpFromSyntheticPhaseDiagram) {
  const AnalysisInput in = synthetic_dcdt(7, Synth::sp);
  const AnalysisReport r = analyze(in, quick_options());
  const ExponentReport& sp = find(r, "beta_SP");
  ASSERT_TRUE(sp.fit.ok) << sp.fit.reason;
  EXPECT_NEAR(sp.fit.exponent(), kBetaSp, 0.4);
  EXPECT_EQ(sp.fit.points.size(), 8u);
  EXPECT_LT(sp.boot.boot.lo, sp.fit.exponent());
  EXPECT_GT(sp.boot.boot.hi, sp.fit.exponent());
}

TEST(Analyze, LargestLrsOptionRestrictsTheSpFit) {
  const AnalysisInput in = synthetic_dcdt(2, Synth::sp);
  AnalyzeOptions o = quick_options();
  o.sp_lrs = 5;
  const AnalysisReport r = analyze(in, o);
  const ExponentReport& sp = find(r, "beta_SP");
  ASSERT_TRUE(sp.fit.ok);
  EXPECT_EQ(sp.fit.points.size(), 5u);
  for (const ExponentPoint& p : sp.fit.points) EXPECT_GT(p.lr, 0.026);  // the 5 largest of 8
  EXPECT_LT(sp.fit.networks, static_cast<std::size_t>(r.done));
}

TEST(Analyze, BootstrapDoesNotDependOnThreadCount) {
  const AnalysisInput in = synthetic_dcdt(3);
  const AnalysisReport a = analyze(in, quick_options(1));
  const AnalysisReport b = analyze(in, quick_options(3));
  const ExponentReport& ea = find(a, "beta_LC");
  const ExponentReport& eb = find(b, "beta_LC");
  ASSERT_TRUE(ea.fit.ok);
  EXPECT_EQ(ea.boot.boot.se, eb.boot.boot.se);
  EXPECT_EQ(ea.boot.boot.lo, eb.boot.boot.lo);
  EXPECT_EQ(ea.boot.boot.hi, eb.boot.boot.hi);
  EXPECT_EQ(ea.boot.band_hi, eb.boot.band_hi);
  // A different bootstrap seed gives other resamples.
  AnalyzeOptions o = quick_options(2);
  o.boot.seed = 12;
  EXPECT_NE(find(analyze(in, o), "beta_LC").boot.boot.se, ea.boot.boot.se);
}

TEST(Analyze, PartialCampaignCountsEveryCell) {
  AnalysisInput in = synthetic_dcdt(4);
  // Seeds >= 30 of the first lr are not done yet, nor is lr 0.01 at all.
  std::int64_t dropped = 0;
  for (std::size_t i = 0; i < in.nets.size(); ++i) {
    const CampaignTask& t = in.campaign.tasks[i];
    if ((t.axis_index[0] == 0 && t.axis_index[2] >= 30) || t.axis_index[0] == 7) {
      in.nets[i] = NetOutcome{};
      ++dropped;
    }
  }
  const AnalysisReport r = analyze(in, quick_options());
  EXPECT_EQ(r.missing(), dropped);
  EXPECT_FALSE(r.complete());
  for (const CellSummary& c : r.cells) {
    EXPECT_EQ(c.seeds, 40);
    if (c.axis_values[0] == in.campaign.axes[0].values[0]) EXPECT_EQ(c.done, 30);
    else if (c.axis_values[0] == in.campaign.axes[0].values[7]) EXPECT_EQ(c.done, 0);
    else EXPECT_EQ(c.done, 40);
  }
  // β_LC still fits on the lrs that have networks; lr 0.01 is skipped.
  const ExponentReport& lc = find(r, "beta_LC");
  EXPECT_TRUE(lc.fit.ok) << lc.fit.reason;
  EXPECT_EQ(lc.fit.points.size(), 7u);

  const std::string text = format_analysis(in, r);
  EXPECT_THAT(text, HasSubstr("partial campaign"));
  EXPECT_THAT(text, HasSubstr("cells          126 of 168 complete"));
  EXPECT_THAT(text, HasSubstr("30/40"));
  EXPECT_THAT(text, HasSubstr("0/40"));

  const std::string csv = phase_diagram_csv(r);
  std::istringstream lines(csv);
  std::string header, first;
  std::getline(lines, header);
  std::getline(lines, first);
  EXPECT_EQ(header,
            "lr,delay,seeds,done,missing,fail,lc,sp,unstable,diverged,aborted,frac_fail,frac_lc,"
            "frac_sp,frac_unstable,learned,frac_learned");
  EXPECT_THAT(first, ::testing::StartsWith("0.1,0,40,30,10,"));
  // A cell with no network has empty fractions.
  EXPECT_THAT(csv, HasSubstr(",40,0,40,0,0,0,0,0,0,,,,,0,\n"));
}

TEST(Analyze, NoMemoryExponentFromLogisticInLnLr) {
  // lr_c(d) = 0.5 (d / 20)^-0.4; failure probability logistic in ln lr (k = 4).
  constexpr const char* kNoMem = R"(name: nomem
family: no-memory
grid:
  lr: {logspace: [0, -3, 20]}
  response: {range: [20, 200, 20]}
seeds: 30
)";
  AnalysisInput in;
  in.dir = "synthetic";
  in.campaign = parse_campaign(kNoMem, "nomem.yaml");
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (const CampaignTask& t : in.campaign.tasks) {
    const double lr_c = 0.5 * std::pow(sec(t.spec).task.response / 20.0, -0.4);
    const double p_fail = 1.0 / (1.0 + std::exp(-4.0 * (std::log(sec(t.spec).train.lr) - std::log(lr_c))));
    NetOutcome o;
    o.done = true;
    o.learned = u(rng) >= p_fail;
    in.nets.push_back(o);
  }
  const AnalysisReport r = analyze(in, quick_options());
  const ExponentReport& g = find(r, "gamma_nomem");
  ASSERT_TRUE(g.fit.ok) << g.fit.reason;
  EXPECT_NEAR(g.fit.exponent(), 0.4, 0.05);
  EXPECT_EQ(g.fit.points.size(), 10u);
  EXPECT_LT(g.boot.boot.lo, 0.4 + 0.05);
  EXPECT_GT(g.boot.boot.hi, 0.4 - 0.05);
  for (const BoundaryRow& b : r.boundaries) {
    EXPECT_EQ(b.x_name, "response");
    EXPECT_EQ(b.fit, "gamma_nomem");
  }
  EXPECT_EQ(r.learned + (r.done - r.learned), r.done);
}

TEST(Analyze, ExtraAxesGiveOneFitPerGroup) {
  constexpr const char* kTau = R"(name: tau
family: dcdt-nopost
grid:
  tau: [10, 20]
  lr: {logspace: [-1, -2, 4]}
  delay: {range: [0, 400, 40]}
seeds: 5
)";
  AnalysisInput in;
  in.campaign = parse_campaign(kTau, "tau.yaml");
  in.nets.assign(in.campaign.tasks.size(), NetOutcome{});
  const AnalysisReport r = analyze(in, quick_options());
  std::vector<std::string> names;
  for (const ExponentReport& e : r.exponents) names.push_back(e.name);
  EXPECT_THAT(names, ::testing::ElementsAre("beta_LC[tau=10]", "beta_LC[tau=20]", "beta_LC_binomial[tau=10]",
                                            "beta_LC_binomial[tau=20]", "beta_SP[tau=10]", "beta_SP[tau=20]",
                                            "beta_SP_binomial[tau=10]", "beta_SP_binomial[tau=20]"));
  // Nothing is done: every fit reports why instead of vanishing.
  for (const ExponentReport& e : r.exponents) {
    EXPECT_FALSE(e.fit.ok);
    EXPECT_FALSE(e.fit.reason.empty());
    EXPECT_EQ(e.boot.boot.failed, e.boot.boot.resamples);
  }
}

TEST(Analyze, OutputFilesFollowTheDocumentedFormat) {
  const AnalysisInput in = synthetic_dcdt(6);
  AnalyzeOptions opt = quick_options();
  opt.rules.min_points = 9;  // 8 lrs: every fitted exponent unresolved, to see how that is reported
  const AnalysisReport r = analyze(in, opt);
  EXPECT_TRUE(r.any_unresolved());
  const auto j = nlohmann::json::parse(summary_json(in, r));
  EXPECT_EQ(j["memphase_analysis"], 1);
  EXPECT_EQ(j["campaign"]["family"], "dcdt-nopost");
  EXPECT_EQ(j["campaign"]["config_hash"], in.campaign.hash);
  EXPECT_EQ(j["counts"]["done"], r.done);
  EXPECT_EQ(j["counts"]["complete"], true);
  EXPECT_EQ(j["axes"]["lr"].size(), 8u);
  EXPECT_EQ(j["seeds"].size(), 40u);
  EXPECT_EQ(j["bootstrap"]["resamples"], 200);
  EXPECT_EQ(j["exponents"]["beta_SP"]["ok"], false);
  EXPECT_TRUE(j["exponents"]["beta_SP"]["estimate"].is_null());
  EXPECT_EQ(j["exponents"]["beta_SP"]["skipped"].size(), 8u);
  for (const char* name : {"beta_LC"}) {
    const auto& e = j["exponents"][name];
    for (const char* key : {"label", "estimator", "resolved", "unresolved_because", "t_name", "lr_name", "ok",
                            "reason", "estimate", "ols_se", "r2", "intercept", "n_points", "networks", "boot_se",
                            "ci_lo", "ci_hi", "resamples", "boot_failed", "points", "skipped", "failed", "band"})
      EXPECT_TRUE(e.contains(key)) << name << " lacks " << key;
    EXPECT_EQ(e["points"].size(), e["n_points"].get<std::size_t>());
    EXPECT_EQ(e["band"]["t"].size(), 50u);
    // The fit line goes through the point cloud: lr = exp(c) t^-estimate.
    const double est = e["estimate"], c = e["intercept"];
    for (const auto& p : e["points"]) {
      const double pred = std::exp(c) * std::pow(p["t"].get<double>(), -est);
      EXPECT_NEAR(std::log(pred / p["lr"].get<double>()), 0.0, 0.5);
    }
  }
  EXPECT_EQ(j["exponents"]["beta_LC"]["resolved"], false);
  EXPECT_GE(j["exponents"]["beta_LC"]["unresolved_because"].size(), 1u);
  EXPECT_EQ(j["exponents"]["beta_LC_binomial"]["estimator"], "binomial");
  EXPECT_EQ(j["resolution_rules"]["min_points"], 9);
  EXPECT_THAT(j["exponents"]["beta_LC"]["unresolved_because"][0].get<std::string>(), HasSubstr("8 lr(s) kept < 9"));
  EXPECT_THAT(j["unresolved_note"].get<std::string>(), HasSubstr("docs/reproduction.md"));
  const std::string md = scaling_markdown(in, r);
  EXPECT_THAT(md, HasSubstr("| β_LC | "));
  EXPECT_THAT(md, HasSubstr("| β_LC (binomial) | "));
  EXPECT_THAT(md, HasSubstr("| no: "));
  EXPECT_THAT(md, HasSubstr(in.campaign.hash));
  const std::string tex = scaling_latex(in, r);
  EXPECT_THAT(tex, HasSubstr("\\beta_{\\mathrm{LC}}"));
  EXPECT_THAT(tex, HasSubstr("\\end{tabular}"));
  const std::string sc = scaling_csv(r);
  EXPECT_THAT(sc, ::testing::StartsWith("fit,estimator,x_name,x,status,threshold,rate,sse,level,used,reason\n"
                                        "beta_LC,reference,lr,0.1,ok,"));
  EXPECT_THAT(sc, HasSubstr("\nbeta_LC_binomial,binomial,lr,0.1,ok,"));
  EXPECT_THAT(format_analysis(in, r), HasSubstr("UNRESOLVED: "));
}

TEST(Analyze, NotACampaignDirectoryIsRefusedWithItsPath) {
  try {
    load_analysis_input("/proc/self", LoadOptions{});
    FAIL() << "expected CampaignError";
  } catch (const CampaignError& e) {
    EXPECT_THAT(e.what(), HasSubstr("/proc/self: not a campaign directory (no manifest.yaml and no campaign.h5"));
  }
  EXPECT_THROW(load_analysis_input("/nonexistent/dir", LoadOptions{}), CampaignError);
}

}  // namespace
}  // namespace memphase

namespace memphase {
namespace {

// The reproduction's seed blocks (campaigns/repro-nopost-block*.yaml) are
// blocks of the committed design (repro-nopost.yaml): merged, they give the
// design's tasks, keys and config hash; a block edited alone is refused.
TEST(SeedBlocks, ReproductionBlocksMergeToTheCommittedDesign) {
  const std::string dir = MEMPHASE_CAMPAIGNS_DIR;
  const Campaign design = load_campaign(dir + "/repro-nopost.yaml");
  std::vector<AnalysisInput> parts;
  for (int b = 1; b <= 4; ++b) {
    AnalysisInput in;
    in.dir = "block" + std::to_string(b);
    in.campaign = load_campaign(dir + "/repro-nopost-block" + std::to_string(b) + ".yaml");
    EXPECT_EQ(in.campaign.name, "repro-nopost-block" + std::to_string(b));
    for (const CampaignTask& t : in.campaign.tasks) {
      NetOutcome o;
      o.done = true;
      o.psd_ratio = static_cast<double>(t.key % 1000);  // a per-task tag to follow through the merge
      in.nets.push_back(o);
    }
    parts.push_back(std::move(in));
  }
  const AnalysisInput m = merge_analysis_inputs(parts, "merged");
  ASSERT_EQ(m.campaign.tasks.size(), design.tasks.size());
  EXPECT_EQ(m.campaign.tasks.size(), 9u * 30u * 16u);
  for (std::size_t i = 0; i < design.tasks.size(); ++i) {
    ASSERT_EQ(m.campaign.tasks[i].key, design.tasks[i].key) << i;
    EXPECT_EQ(m.nets[i].psd_ratio, static_cast<double>(design.tasks[i].key % 1000));
  }
  EXPECT_EQ(m.campaign.seeds, design.seeds);
  // A block whose grid differs from the others is not a seed block.
  parts[2].campaign = parse_campaign(
      "family: dcdt-nopost\ngrid:\n  lr: {logspace: [-0.5, -2.5, 9]}\n  delay: {range: [0, 480, 20]}\n"
      "seeds: [8, 9, 10, 11]\n",
      "edited.yaml");
  parts[2].nets.resize(parts[2].campaign.tasks.size());
  EXPECT_THROW(merge_analysis_inputs(parts, "merged"), CampaignError);
}

}  // namespace
}  // namespace memphase
