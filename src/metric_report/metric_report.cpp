#include "metric_report/metric_report.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "plugin/family.hpp"

namespace memphase {

namespace {

/// The text of value v of axis a: the name of a categorical axis' value.
std::string axis_text(const Campaign& c, std::size_t a, double v) {
  if (c.base.family)
    for (const AxisInfo& x : c.base.family->axes())
      if (x.name == c.axes[a].name && !x.choices.empty() && v >= 0 && static_cast<std::size_t>(v) < x.choices.size())
        return std::string(x.choices[static_cast<std::size_t>(v)]);
  return fmt::format("{}", v);
}

std::vector<std::pair<std::string, std::string>> report_files(const AnalysisInput& in, const ModelReport& r,
                                                              const MetricReportOptions& opt,
                                                              const MetricReportExtras& x) {
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

  for (const auto& f : x.files) out.push_back(f);
  std::string md = fmt::format("# {} ({})\n\n", c.name, c.family) + x.md;
  std::string tex = fmt::format("% memphase analyze: {} ({})\n", c.name, c.family) + x.tex;
  // Main metrics per cell.
  const std::vector<std::string>& main = opt.main_metrics;
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

std::string report_json(const AnalysisInput& in, const ModelReport& r, const MetricReportExtras& x) {
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
  if (!x.json.empty()) {
    const J extra = J::parse(x.json);  // named: items() refers to it
    for (const auto& [k, v] : extra.items()) j[k] = v;
  }
  return j.dump();
}

std::string report_text(const AnalysisInput& in, const ModelReport& r, const MetricReportExtras& x) {
  std::string o;
  std::int64_t learned = 0, done = 0;
  for (std::size_t i = 0; i < in.nets.size(); ++i) {
    if (!in.nets[i].done) continue;
    ++done;
    learned += in.nets[i].learned ? 1 : 0;
  }
  o += fmt::format("  learned        {} of {} done tasks (family criterion)\n", learned, done);
  o += x.text;
  o += "  tables         metrics.csv, model.md, model.tex";
  for (const std::string& f : x.listed) o += ", " + f;
  for (const TableSummary& t : r.tables) o += ", tables/" + t.name + ".csv";
  o += "\n";
  return o;
}

}  // namespace

std::size_t cell_of(const Campaign& c, const CampaignTask& t) {
  std::size_t k = 0;
  for (std::size_t a = 0; a < c.axes.size(); ++a)
    k = k * c.axes[a].values.size() + static_cast<std::size_t>(t.axis_index[a]);
  return k;
}

std::string md_rule(std::size_t cols) {
  std::string s = "|";
  for (std::size_t i = 0; i < cols; ++i) s += "---|";
  return s;
}

std::string num(double v) { return std::isfinite(v) ? fmt::format("{}", v) : std::string(); }
std::string fix(double v, int d) { return std::isfinite(v) ? fmt::format("{:.{}f}", v, d) : std::string("–"); }

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

ModelReport metric_report(const AnalysisInput& in, const MetricReportOptions& opt) {
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
      if (opt.table_keys.count(t.name)) table_cols.emplace(t.name, t.columns);
  for (const auto& [name, cols] : table_cols) {
    TableSummary ts;
    ts.name = name;
    ts.key = opt.table_keys.at(name);
    const auto key_it = std::find(cols.begin(), cols.end(), ts.key);
    if (key_it == cols.end()) continue;
    const auto key_col = static_cast<std::size_t>(key_it - cols.begin());
    for (std::size_t j = 0; j < cols.size(); ++j)
      if (j != key_col) ts.columns.push_back(cols[j]);
    // (cell, key) -> per column values
    std::map<std::pair<std::size_t, double>, std::vector<std::vector<double>>> acc;
    for (std::size_t i = 0; i < c.tasks.size(); ++i) {
      if (!in.nets[i].done) continue;
      if (opt.include && !opt.include(name, i)) continue;
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
  return r;
}

ReportSection metric_report_section(const AnalysisInput& in, const ModelReport& r, const MetricReportOptions& opt,
                                    const MetricReportExtras& x) {
  ReportSection s;
  s.text = report_text(in, r, x);
  if (r.empty()) return s;
  s.files = report_files(in, r, opt, x);
  s.json_key = "model";
  s.json = report_json(in, r, x);
  return s;
}

}  // namespace memphase
