#include "families/toy/toy_scaling.hpp"

#include <cmath>
#include <numeric>

#include "core/parallel.hpp"

namespace memphase {

const char* to_string(ToyCellStatus s) {
  switch (s) {
    case ToyCellStatus::ok: return "ok";
    case ToyCellStatus::none_learned: return "none_learned";
    case ToyCellStatus::all_learned: return "all_learned";
    case ToyCellStatus::missing: return "missing";
  }
  return "?";
}

namespace {

/// Bisection in ln α on (lo learns, hi fails), then toy_alpha_max's downward
/// scan for a lower failure (the non-monotone band just above α_max).
void refine(ToyAlphaMaxCell& c, const std::function<bool(double)>& learns,
            const AlphaMaxOptions& opt) {
  auto eval = [&](double a) {
    ++c.evaluations;
    return learns(a);
  };
  double lo = c.alpha, hi = c.alpha_hi;
  auto bisect = [&] {
    while (hi / lo - 1.0 > opt.rel_tol) {
      const double mid = std::sqrt(lo * hi);
      if (eval(mid)) lo = mid;
      else hi = mid;
    }
  };
  bisect();
  if (opt.scan_step > 0.0 && opt.scan_band > 0.0) {
    const int n_scan = int(std::floor(std::log1p(opt.scan_band) / std::log1p(opt.scan_step)));
    int lowest = 0;
    for (int j = 1; j <= n_scan; ++j)
      if (!eval(lo / std::pow(1.0 + opt.scan_step, double(j)))) lowest = j;
    if (lowest > 0) {
      hi = lo / std::pow(1.0 + opt.scan_step, double(lowest));
      lo = hi / (1.0 + opt.scan_step);
      bisect();
    }
  }
  c.alpha = lo;
  c.alpha_hi = hi;
  c.refined = true;
}

bool grid_valid(const ToyGrid& g) {
  if (g.learned.size() != g.delays.size() * g.alphas.size() * g.n_seeds) return false;
  for (std::size_t a = 1; a < g.alphas.size(); ++a)
    if (!(g.alphas[a] > g.alphas[a - 1])) return false;
  return true;
}

}  // namespace

std::vector<ToyAlphaMaxCell> toy_alpha_max_grid(const ToyGrid& grid, const ToyLearns& learns,
                                                const AlphaMaxOptions& opt, unsigned threads) {
  const std::size_t D = grid.delays.size(), A = grid.alphas.size(), S = grid.n_seeds;
  std::vector<ToyAlphaMaxCell> out(D * S);
  if (!grid_valid(grid)) return out;
  for (std::size_t d = 0; d < D; ++d) {
    for (std::size_t s = 0; s < S; ++s) {
      ToyAlphaMaxCell& c = out[d * S + s];
      bool missing = false;
      for (std::size_t a = 0; a < A; ++a) missing = missing || grid.at(d, a, s) < 0;
      if (missing) continue;  // status missing
      std::size_t a0 = 0;
      while (a0 < A && grid.at(d, a0, s) != 1) ++a0;
      if (a0 == A) {
        c.status = ToyCellStatus::none_learned;
        continue;
      }
      std::size_t a1 = a0;
      while (a1 + 1 < A && grid.at(d, a1 + 1, s) == 1) ++a1;
      c.alpha = grid.alphas[a1];
      if (a1 + 1 == A) {
        c.status = ToyCellStatus::all_learned;
        c.alpha_hi = std::numeric_limits<double>::infinity();
        continue;
      }
      c.status = ToyCellStatus::ok;
      c.alpha_hi = grid.alphas[a1 + 1];
    }
  }
  if (!learns) return out;
  // Refinement: tens of gradient descents per cell, independent cells.
  parallel_for(out.size(), threads, [&](std::size_t i) {
    if (out[i].status == ToyCellStatus::ok)
      refine(out[i], [&](double alpha) { return learns(i / S, i % S, alpha); }, opt);
  });
  return out;
}

std::vector<ToyAlphaMaxCell> toy_alpha_max_grid(const ToyGrid& grid, const ToyProblemSource& src,
                                                const AlphaMaxOptions& opt, unsigned threads) {
  std::vector<ToyAlphaMaxCell> out = toy_alpha_max_grid(grid, ToyLearns{}, opt);
  if (!src.problem) return out;
  const std::size_t S = grid.n_seeds;
  parallel_for(out.size(), threads, [&](std::size_t i) {
    ToyAlphaMaxCell& c = out[i];
    if (c.status != ToyCellStatus::ok) return;
    const std::optional<ToyProblem> p = src.problem(i / S, i % S);
    if (!p) return;
    GdOptions gd = src.gd;
    refine(c, [&](double alpha) {
      gd.lr = alpha;
      return toy_learns(*p, gd);
    }, opt);
  });
  return out;
}

ExponentFit toy_exponent(const ToyGrid& grid, const std::vector<ToyAlphaMaxCell>& cells,
                         std::span<const std::size_t> seeds) {
  const std::size_t D = grid.delays.size(), S = grid.n_seeds;
  if (cells.size() != D * S) {
    ExponentFit f;
    f.reason = "toy_exponent: cells do not match the grid";
    return f;
  }
  std::vector<ExponentPoint> points;
  std::size_t networks = 0;
  for (std::size_t d = 0; d < D; ++d) {
    double sum_log = 0.0;
    std::size_t n = 0;
    for (std::size_t s : seeds) {
      if (s >= S) continue;
      const ToyAlphaMaxCell& c = cells[d * S + s];
      if (c.status != ToyCellStatus::ok) continue;
      sum_log += std::log(c.alpha);
      ++n;
      networks += grid.alphas.size();
    }
    if (n > 0) points.push_back({grid.delays[d], std::exp(sum_log / double(n))});
  }
  return fit_exponent(std::move(points), networks);
}

ExponentStatistic toy_exponent_statistic(const ToyGrid& grid,
                                         const std::vector<ToyAlphaMaxCell>& cells) {
  return [grid, cells](std::span<const std::size_t> seeds) {
    return toy_exponent(grid, cells, seeds);
  };
}

}  // namespace memphase
