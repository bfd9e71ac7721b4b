#include "families/rank2/report.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "plugin/family.hpp"

namespace memphase::rank2 {

namespace {

/// Text of value v of axis a (the name of a categorical value).
std::string axis_text(const Campaign& c, std::size_t a, double v) {
  for (const AxisInfo& x : c.base.family->axes())
    if (x.name == c.axes[a].name && !x.choices.empty() && v >= 0 &&
        static_cast<std::size_t>(v) < x.choices.size())
      return std::string(x.choices[static_cast<std::size_t>(v)]);
  return fmt::format("{:g}", v);
}

std::string cells_text(const Campaign& c, const ClassRow& r, std::string_view sep) {
  std::vector<std::string> v;
  for (std::size_t a = 0; a < r.axis_values.size(); ++a)
    v.push_back(axis_text(c, a, r.axis_values[a]));
  return fmt::format("{}", fmt::join(v, sep));
}

MetricReportExtras extras_of(const AnalysisInput& in, const std::vector<ClassRow>& rows) {
  const Campaign& c = in.campaign;
  MetricReportExtras x;
  std::vector<std::string> axes;
  for (const GridAxis& a : c.axes) axes.push_back(a.name);
  const std::string sep = axes.empty() ? "" : ",";
  std::string csv = fmt::format(
      "{}{}seeds,done,diverged,learned,lc,sp,fail,stopped,stop_epoch_median,stop_epoch_min,"
      "stop_epoch_max,epochs_run_median,final_loss_median,final_loss_max,"
      "lambda1_lc_median,lambda1_sp_median\n",
      fmt::join(axes, ","), sep);
  std::string md =
      "## Class per grid cell, over seeds (seed 000 Fig. 2-3)\n\n"
      "Learned: all outputs on the right side of 0.5 after the last update; LC / SP by the PSD "
      "ratio of "
      "the 9·total-step latent free run (SPEC §3.5 on κ_t); λ1: largest Lyapunov exponent of the "
      "latent "
      "map, per step. Stop: epochs to the early stop (loss < early_stop · loss(0)).\n\n";
  md += fmt::format(
      "| {}{}seeds | learned | LC | SP | fail | diverged | stopped | epochs to stop: median "
      "(min–max) | "
      "final loss: median (max) | λ1 LC | λ1 SP |\n{}\n",
      fmt::join(axes, " | "), axes.empty() ? "" : " | ", md_rule(axes.size() + 11));
  std::string tex = "% rank-2 networks: class per grid cell over seeds\n\\begin{tabular}{" +
                    std::string(axes.size(), 'r') + "rrrrrrrrr}\n\\hline\n";
  tex += fmt::format(
      "{}{}seeds & learned & LC & SP & fail & diverged & stopped & epochs to stop & final loss "
      "\\\\\n"
      "\\hline\n",
      fmt::join(axes, " & "), axes.empty() ? "" : " & ");
  using J = nlohmann::ordered_json;
  auto v = [](double y) { return std::isfinite(y) ? J(y) : J(nullptr); };
  J arr = J::array();
  std::string text;
  for (const ClassRow& r : rows) {
    const std::string stop = r.stop_epoch.n > 0
                                 ? fmt::format("{:.0f} ({:.0f}–{:.0f})", r.stop_epoch.median,
                                               r.stop_epoch.min, r.stop_epoch.max)
                                 : std::string("–");
    const std::string loss =
        r.final_loss.n > 0 ? fmt::format("{:.3g} ({:.3g})", r.final_loss.median, r.final_loss.max)
                           : std::string("–");
    csv += fmt::format("{}{}{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
                       cells_text(c, r, ","), sep, r.seeds, r.done, r.diverged, r.learned, r.lc,
                       r.sp, r.fail, r.stopped, num(r.stop_epoch.median), num(r.stop_epoch.min),
                       num(r.stop_epoch.max), num(r.epochs_run.median), num(r.final_loss.median),
                       num(r.final_loss.max), num(r.lambda1_lc.median), num(r.lambda1_sp.median));
    md += fmt::format("| {}{}{} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                      cells_text(c, r, " | "), axes.empty() ? "" : " | ", r.seeds, r.learned, r.lc,
                      r.sp, r.fail, r.diverged, r.stopped, stop, loss, fix(r.lambda1_lc.median, 4),
                      fix(r.lambda1_sp.median, 4));
    tex += fmt::format("{}{}{} & {} & {} & {} & {} & {} & {} & {} & {} \\\\\n",
                       cells_text(c, r, " & "), axes.empty() ? "" : " & ", r.seeds, r.learned, r.lc,
                       r.sp, r.fail, r.diverged, r.stopped, stop, loss);
    J cell = J::object();
    for (std::size_t a = 0; a < axes.size(); ++a) {
      const std::string t = axis_text(c, a, r.axis_values[a]);
      if (t == fmt::format("{:g}", r.axis_values[a]))
        cell[axes[a]] = r.axis_values[a];
      else
        cell[axes[a]] = t;
    }
    arr.push_back({{"cell", cell},
                   {"seeds", r.seeds},
                   {"done", r.done},
                   {"diverged", r.diverged},
                   {"learned", r.learned},
                   {"lc", r.lc},
                   {"sp", r.sp},
                   {"fail", r.fail},
                   {"stopped", r.stopped},
                   {"stop_epoch",
                    {{"n", r.stop_epoch.n},
                     {"median", v(r.stop_epoch.median)},
                     {"min", v(r.stop_epoch.min)},
                     {"max", v(r.stop_epoch.max)}}},
                   {"epochs_run_median", v(r.epochs_run.median)},
                   {"final_loss",
                    {{"n", r.final_loss.n},
                     {"median", v(r.final_loss.median)},
                     {"max", v(r.final_loss.max)}}},
                   {"lambda1_lc_median", v(r.lambda1_lc.median)},
                   {"lambda1_sp_median", v(r.lambda1_sp.median)}});
    std::vector<std::string> cv;
    for (std::size_t a = 0; a < axes.size(); ++a)
      cv.push_back(fmt::format("{} = {}", axes[a], axis_text(c, a, r.axis_values[a])));
    text += fmt::format(
        "  {:<26} {} seeds: LC {}, SP {}, fail {}, diverged {}; stopped {} (epochs {}); final loss "
        "{}\n",
        fmt::format("{}", fmt::join(cv, ", ")), r.seeds, r.lc, r.sp, r.fail, r.diverged, r.stopped,
        stop, loss);
  }
  tex += "\\hline\n\\end{tabular}\n";
  md += "\n";
  x.md = md;
  x.tex = tex;
  x.files.emplace_back("rank2_classes.csv", csv);
  x.listed.push_back("rank2_classes.csv");
  x.json = J{{"classes", arr}}.dump();
  x.text = text;
  return x;
}

}  // namespace

std::vector<ClassRow> class_rows(const AnalysisInput& in) {
  const Campaign& c = in.campaign;
  std::size_t cells = 1;
  for (const GridAxis& a : c.axes) cells *= a.values.size();
  std::vector<ClassRow> rows(cells);
  std::vector<std::vector<double>> stop(cells), run(cells), loss(cells), l_lc(cells), l_sp(cells);
  for (std::size_t i = 0; i < c.tasks.size(); ++i) {
    const CampaignTask& t = c.tasks[i];
    const std::size_t k = cell_of(c, t);
    ClassRow& r = rows[k];
    if (r.axis_values.empty())
      for (std::size_t a = 0; a < c.axes.size(); ++a)
        r.axis_values.push_back(c.axes[a].values[static_cast<std::size_t>(t.axis_index[a])]);
    ++r.seeds;
    const NetOutcome& o = in.nets[i];
    if (!o.done) continue;
    ++r.done;
    const Extras& x = o.extras;
    if (o.status == Status::diverged) {
      ++r.diverged;
      continue;
    }
    r.learned += o.learned ? 1 : 0;
    r.lc += o.net_class == NetClass::lc ? 1 : 0;
    r.sp += o.net_class == NetClass::sp ? 1 : 0;
    r.fail += o.net_class == NetClass::fail ? 1 : 0;
    if (x.metric("stopped") == 1.0) {
      ++r.stopped;
      stop[k].push_back(x.metric("stop_epoch"));
    }
    run[k].push_back(x.metric("epochs_run"));
    loss[k].push_back(x.metric("final_loss"));
    if (o.net_class == NetClass::lc) l_lc[k].push_back(x.metric("lambda1"));
    if (o.net_class == NetClass::sp) l_sp[k].push_back(x.metric("lambda1"));
  }
  for (std::size_t k = 0; k < cells; ++k) {
    rows[k].stop_epoch = metric_stat(std::move(stop[k]));
    rows[k].epochs_run = metric_stat(std::move(run[k]));
    rows[k].final_loss = metric_stat(std::move(loss[k]));
    rows[k].lambda1_lc = metric_stat(std::move(l_lc[k]));
    rows[k].lambda1_sp = metric_stat(std::move(l_sp[k]));
  }
  return rows;
}

ReportSection rank2_section(const AnalysisInput& in) {
  MetricReportOptions opt;
  opt.main_metrics = {"learned",    "stopped", "stop_epoch", "final_loss",
                      "loss_ratio", "rho",     "lambda1"};
  const ModelReport m = metric_report(in, opt);
  return metric_report_section(in, m, opt, extras_of(in, class_rows(in)));
}

}  // namespace memphase::rank2
