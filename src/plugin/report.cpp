#include "plugin/report.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace memphase {

bool AnalysisReport::any_unresolved() const {
  return std::any_of(exponents.begin(), exponents.end(), [](const ExponentReport& e) {
    return e.fit.ok && !e.resolution.resolved;
  });
}

int axis_pos(const Campaign& c, std::string_view name) {
  for (std::size_t a = 0; a < c.axes.size(); ++a) {
    if (c.axes[a].name == name) return static_cast<int>(a);
  }
  return -1;
}

std::vector<OutcomeGroup> make_groups(const AnalysisInput& in, int ax, int ay,
                                      const std::function<std::int8_t(const NetOutcome&)>& code) {
  const Campaign& c = in.campaign;
  std::vector<int> others;
  for (std::size_t a = 0; a < c.axes.size(); ++a) {
    if (static_cast<int>(a) != ax && static_cast<int>(a) != ay) others.push_back(static_cast<int>(a));
  }
  std::size_t n_groups = 1;
  for (const int a : others) n_groups *= c.axes[static_cast<std::size_t>(a)].values.size();
  const auto& xs = c.axes[static_cast<std::size_t>(ax)].values;
  const auto& ys = c.axes[static_cast<std::size_t>(ay)].values;
  std::vector<OutcomeGroup> groups(n_groups);
  for (std::size_t g = 0; g < n_groups; ++g) {
    OutcomeGroup& gr = groups[g];
    gr.table.lrs = xs;
    gr.table.delays = ys;
    gr.table.n_seeds = c.seeds.size();
    gr.table.codes.assign(xs.size() * ys.size() * c.seeds.size(), std::int8_t{-1});
    gr.done_per_cell.assign(xs.size() * ys.size(), 0);
    if (!others.empty()) {
      std::vector<std::string> parts;
      std::size_t rest = g;
      for (auto it = others.rbegin(); it != others.rend(); ++it) {
        const GridAxis& axis = c.axes[static_cast<std::size_t>(*it)];
        parts.insert(parts.begin(), fmt::format("{}={}", axis.name, axis.values[rest % axis.values.size()]));
        rest /= axis.values.size();
      }
      gr.suffix = fmt::format("[{}]", fmt::join(parts, ","));
    }
  }
  for (std::size_t i = 0; i < c.tasks.size(); ++i) {
    const CampaignTask& t = c.tasks[i];
    std::size_t g = 0;
    for (const int a : others) {
      g = g * c.axes[static_cast<std::size_t>(a)].values.size() +
          static_cast<std::size_t>(t.axis_index[static_cast<std::size_t>(a)]);
    }
    const auto ix = static_cast<std::size_t>(t.axis_index[static_cast<std::size_t>(ax)]);
    const auto iy = static_cast<std::size_t>(t.axis_index[static_cast<std::size_t>(ay)]);
    const auto is = static_cast<std::size_t>(t.axis_index.back());
    if (!in.nets[i].done) continue;
    OutcomeGroup& gr = groups[g];
    gr.table.codes[(ix * ys.size() + iy) * c.seeds.size() + is] = code(in.nets[i]);
    ++gr.done_per_cell[ix * ys.size() + iy];
  }
  return groups;
}

std::int64_t networks_in_rows(const OutcomeGroup& g, const std::vector<double>& xs_used) {
  std::int64_t n = 0;
  const std::size_t ny = g.table.delays.size();
  for (std::size_t ix = 0; ix < g.table.lrs.size(); ++ix) {
    if (std::find(xs_used.begin(), xs_used.end(), g.table.lrs[ix]) == xs_used.end()) continue;
    for (std::size_t iy = 0; iy < ny; ++iy) n += g.done_per_cell[ix * ny + iy];
  }
  return n;
}

void report_not_swept(AnalysisReport& r, std::string name, std::string label, std::string reason) {
  ExponentReport e;
  e.name = std::move(name);
  e.label = std::move(label);
  e.fit.reason = std::move(reason);
  r.exponents.push_back(std::move(e));
}

}  // namespace memphase
