#include "delayed_cue/scaling_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <span>

#include "stats/fit.hpp"

namespace memphase {

namespace {

ExponentFit to_exponent(const ScalingFit& sf) {
  ExponentFit e;
  e.ok = sf.ok;
  e.reason = sf.reason;
  for (std::size_t i = 0; i < sf.kept_lrs.size() && i < sf.t_c.size(); ++i)
    e.points.push_back({sf.t_c[i], sf.kept_lrs[i]});
  if (!sf.ok) return e;
  e.slope = -sf.beta;
  e.intercept = sf.intercept;
  e.slope_se = sf.beta_se;
  e.r2 = sf.r2;
  return e;
}

/// No-memory fit on one table (x = lr, y = response; code 0 = not learned)
/// for a seed list; `rows` (optional) receives the per-response fits.
ExponentFit nomem_fit(const OutcomeTable& t, const CurveFitOptions& copt,
                      std::span<const std::size_t> seeds, std::vector<BoundaryRow>* rows,
                      std::vector<double>* used_responses) {
  std::vector<std::size_t> all;
  if (seeds.empty()) {
    all.resize(t.n_seeds);
    std::iota(all.begin(), all.end(), std::size_t{0});
    seeds = all;
  }
  const std::vector<double> frac = class_fractions(t, 1u << 0, seeds);
  const std::size_t nl = t.lrs.size(), nd = t.delays.size();
  std::vector<ExponentPoint> pts;
  std::vector<double> f(nl);
  for (std::size_t id = 0; id < nd; ++id) {
    for (std::size_t il = 0; il < nl; ++il) f[il] = frac[il * nd + id];
    const CurveFit cf = fit_logistic_log_lr(t.lrs, f, copt);
    if (cf.ok()) {
      pts.push_back({t.delays[id], std::exp(cf.t0)});
      if (used_responses) used_responses->push_back(t.delays[id]);
    }
    if (rows) {
      BoundaryRow row;
      row.x_name = "response";
      row.x = t.delays[id];
      row.status = cf.status;
      row.used = cf.ok();
      if (cf.ok()) {
        row.threshold = std::exp(cf.t0);
        row.rate = cf.rate;
        row.sse = cf.sse;
      }
      row.reason = cf.reason;
      rows->push_back(std::move(row));
    }
  }
  ExponentFit e = fit_exponent(std::move(pts), 0);
  if (!e.ok && e.reason.rfind("fewer than 2", 0) == 0)
    e.reason = "fewer than 2 response lengths with an lr_c fit (" + e.reason + ")";
  return e;
}

}  // namespace

void beta_fits(const AnalysisInput& in, const AnalyzeOptions& opt, AnalysisReport& r, bool post) {
  const Campaign& c = in.campaign;
  const int ax = axis_pos(c, "lr"), ay = axis_pos(c, "delay");
    std::vector<BoundaryEstimator> estimators{BoundaryEstimator::reference};
  if (opt.binomial) estimators.push_back(BoundaryEstimator::binomial);
  for (const Boundary b : {Boundary::lc, Boundary::sp}) {
    for (const BoundaryEstimator est : estimators) {
      const bool ref = est == BoundaryEstimator::reference;
      const std::string base = std::string(b == Boundary::lc ? "beta_LC" : "beta_SP") + (ref ? "" : "_binomial");
      const std::string label = std::string(b == Boundary::lc ? "β_LC" : "β_SP") + (ref ? "" : " (binomial)");
      if (ax < 0 || ay < 0) {
        report_not_swept(r, base, label, "the grid does not sweep both lr and delay");
        r.exponents.back().estimator = to_string(est);
        continue;
      }
      const auto groups = make_groups(in, ax, ay, [](const NetOutcome& o) {
        return static_cast<std::int8_t>(o.net_class);
      });
      for (const OutcomeGroup& g : groups) {
        ScalingOptions sopt = ScalingOptions::reference(b);
        sopt.estimator = est;
        sopt.largest_lrs = b == Boundary::lc ? opt.lc_lrs : opt.sp_lrs;
        sopt.curve.skip_below = opt.skip_below;
        const ScalingFit sf = fit_scaling(g.table, sopt);
        ExponentReport e;
        e.name = base + g.suffix;
        e.label = label + g.suffix;
        e.estimator = to_string(est);
        e.t_name = b == Boundary::lc ? "T_c^LC (ms)" : "T_c^SP (ms)";
        e.lr_name = "lr";
        e.fit = to_exponent(sf);
        e.fit.networks = static_cast<std::size_t>(networks_in_rows(g, sf.kept_lrs));
        e.skipped = sf.skipped.size();
        e.failed = sf.failed.size();
        e.caveats = estimator_caveats(g.table, b, est, opt.rules.max_unstable_share);
        if (b == Boundary::sp && post && !sf.ok)
          e.fit.reason += " (expected with a post-response period: the SP fraction is ~0, SPEC §3.7)";
        for (const LrFit& lf : sf.all) {
          BoundaryRow row;
          row.fit = e.name;
          row.estimator = e.estimator;
          row.x_name = "lr";
          row.x = lf.lr;
          row.status = lf.fit.status;
          row.used = std::find(sf.kept_lrs.begin(), sf.kept_lrs.end(), lf.lr) != sf.kept_lrs.end();
          if (lf.fit.ok()) {
            row.threshold = lf.fit.t0;
            row.rate = lf.fit.rate;
            row.sse = lf.fit.sse;
            row.level = lf.fit.level;
          }
          row.reason = lf.fit.reason;
          if (lf.fit.ok() && !row.used && row.reason.empty())
            row.reason = std::find_if(sf.failed.begin(), sf.failed.end(),
                                      [&](const LrFit& f) { return f.lr == lf.lr; }) != sf.failed.end()
                             ? "T_c <= 0: no logarithm"
                             : "not among the largest lrs used";
          r.boundaries.push_back(std::move(row));
        }
        const OutcomeTable& t = g.table;
        e.boot = bootstrap_exponent(
            t.n_seeds,
            [&t, sopt](std::span<const std::size_t> seeds) { return to_exponent(fit_scaling(t, sopt, seeds)); },
            e.fit, opt.boot, opt.threads);
        r.exponents.push_back(std::move(e));
      }
    }
  }
}

void nomem_fits(const AnalysisInput& in, const AnalyzeOptions& opt, AnalysisReport& r) {
  const Campaign& c = in.campaign;
  const int ax = axis_pos(c, "lr"), ay = axis_pos(c, "response");
  if (ax < 0 || ay < 0)
    return report_not_swept(r, "gamma_nomem", "γ (no memory)", "the grid does not sweep both lr and response");
  const auto groups = make_groups(in, ax, ay, [](const NetOutcome& o) {
    return static_cast<std::int8_t>(o.learned ? 1 : 0);
  });
  CurveFitOptions copt;
  copt.skip_below = opt.skip_below;
  for (const OutcomeGroup& g : groups) {
    ExponentReport e;
    e.name = "gamma_nomem" + g.suffix;
    e.label = "γ (no memory)" + g.suffix;
    e.t_name = "response length (ms)";
    e.lr_name = "lr_c";
    std::vector<BoundaryRow> rows;
    std::vector<double> used;
    e.fit = nomem_fit(g.table, copt, {}, &rows, &used);
    std::int64_t networks = 0;
    const std::size_t ny = g.table.delays.size();
    for (std::size_t iy = 0; iy < ny; ++iy) {
      if (std::find(used.begin(), used.end(), g.table.delays[iy]) == used.end()) continue;
      for (std::size_t ix = 0; ix < g.table.lrs.size(); ++ix) networks += g.done_per_cell[ix * ny + iy];
    }
    e.fit.networks = static_cast<std::size_t>(networks);
    for (BoundaryRow& row : rows) {
      row.fit = e.name;
      if (row.status == FitStatus::skipped) ++e.skipped;
      if (row.status == FitStatus::failed) ++e.failed;
      r.boundaries.push_back(std::move(row));
    }
    const OutcomeTable& t = g.table;
    e.boot = bootstrap_exponent(
        t.n_seeds,
        [&t, copt](std::span<const std::size_t> seeds) { return nomem_fit(t, copt, seeds, nullptr, nullptr); },
        e.fit, opt.boot, opt.threads);
    r.exponents.push_back(std::move(e));
  }
}

std::string outcome_lines(const AnalysisReport& r, bool no_memory) {
  if (no_memory)
    return fmt::format("  learned        {} of {} done (aborted {}, diverged {})\n", r.learned, r.done, r.aborted,
                       r.diverged);
  return fmt::format("  classes        fail {}, LC {}, SP {}, unstable {} (diverged {}, aborted {})\n", r.fail,
                     r.lc, r.sp, r.unstable, r.diverged, r.aborted);
}

}  // namespace memphase
