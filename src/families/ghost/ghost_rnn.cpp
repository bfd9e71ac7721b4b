#include "families/ghost/ghost_rnn.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "core/rng.hpp"

namespace memphase {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

template <class S>
S sigmoid(S z) {
  return S(1) / (S(1) + std::exp(-z));
}

// Loss and accuracy of outputs o_1..o_T (out(t-1) = o_t).
template <class S>
void score(const GhostRnnTask& task, const Vec<S>& out, double* loss, double* accuracy) {
  double l = 0.0;
  int correct = 0;
  for (int t = 1; t <= task.steps; ++t) {
    const double o = static_cast<double>(out(t - 1));
    const double y = ghost_target(task, t);
    l += (o - y) * (o - y);
    correct += ((o > 0.5) == (y > 0.5)) ? 1 : 0;
  }
  *loss = l / task.loss_norm;
  *accuracy = static_cast<double>(correct) / task.steps;
}

// dL/d(sigmoid argument) at step t, without the confidence factor.
template <class S>
S output_error(const GhostRnnTask& task, S o, int t) {
  const S y = static_cast<S>(ghost_target(task, t));
  return S(2.0 / task.loss_norm) * (o - y) * o * (S(1) - o);
}

Rank1Params<double> to_double(const Rank1Params<double>& p) { return p; }
Rank1Params<double> to_double(const Rank1Params<float>& p) {
  return {p.m.cast<double>(), p.n.cast<double>(), p.b.cast<double>()};
}

// One plain SGD step p ← p - lr ∇L for either model (Params has pack/unpack);
// no update if the loss or the gradient is not finite.
template <class Model, class Params>
GhostStep sgd_update(const Model& net, Params& p, double lr) {
  using S = typename decltype(p.pack())::Scalar;
  GhostForward<S> f;
  const Vec<S> g = net.gradient(&f).pack();
  GhostStep st;
  st.loss = f.loss;
  st.accuracy = f.accuracy;
  st.grad_norm = std::sqrt(static_cast<double>(g.squaredNorm()));
  st.finite = std::isfinite(st.loss) && std::isfinite(st.grad_norm);
  if (st.finite) p.unpack(p.pack() - static_cast<S>(lr) * g);
  return st;
}

// One Adam update of either model's packed parameters (sections/adam.hpp);
// no update if the loss or the gradient is not finite.
template <class Model, class Params, class S>
GhostStep adam_update_packed(const Model& net, Params& p, GhostAdam<S>& st, const AdamHyper& h) {
  GhostForward<S> f;
  Vec<S> g = net.gradient(&f).pack();
  GhostStep out;
  out.loss = f.loss;
  out.accuracy = f.accuracy;
  out.grad_norm = std::sqrt(static_cast<double>(g.squaredNorm()));
  out.finite = std::isfinite(out.loss) && std::isfinite(out.grad_norm);
  if (!out.finite) return out;
  Vec<S> x = p.pack();
  if (st.step == 0) st.m = st.v = Vec<S>::Zero(x.size());
  ++st.step;
  adam_update(x, g, st.m, st.v, h, adam_coefficients(h, st.step));
  p.unpack(x);
  return out;
}

// Shared SGD loop. Model has forward(), sgd_step(lr); snapshot(e) records the
// latent diagnostics of the current parameters (may do nothing).
template <class Model, class Snapshot>
GhostTrainRecord train_loop(Model& net, const GhostTrainOptions& opt, Snapshot&& snapshot) {
  GhostTrainRecord rec;
  const auto reserve = static_cast<std::size_t>(std::max(opt.epochs, 0));
  rec.loss.reserve(reserve);
  rec.accuracy.reserve(reserve);
  rec.grad_norm.reserve(reserve);
  for (int e = 0; e < opt.epochs; ++e) {
    if (opt.diag_every > 0 && e % opt.diag_every == 0) snapshot(rec, e);
    const GhostStep st = net.sgd_step(opt.lr);
    rec.loss.push_back(st.loss);
    rec.accuracy.push_back(st.accuracy);
    rec.grad_norm.push_back(st.grad_norm);
    if (!st.finite) {
      rec.status = Status::diverged;
      break;
    }
    ++rec.epochs_run;
  }
  if (rec.status == Status::done) {
    const auto f = net.forward();
    rec.final_loss = f.loss;
    rec.final_accuracy = f.accuracy;
  } else {
    rec.final_loss = kNaN;
    rec.final_accuracy = kNaN;
  }
  return rec;
}

/// The leaky recurrence of both models, SPEC §5: x_0 = x0 in every unit,
/// x_{t+1} = (1 - alpha) x_t + alpha h_t for t < steps, where act(f, t) fills
/// f.h.col(t) = tanh(pre-activation of x_t) (and the rank-1 kappa(t)).
/// Sizes every member of the forward pass; kappa(steps) and out are left to
/// the read-out.
template <class S, class Act>
GhostForward<S> leaky_trajectory(const GhostRnnTask& task, int n, Act&& act) {
  const int steps = task.steps;
  const S a = static_cast<S>(task.alpha);
  GhostForward<S> f;
  f.x.resize(n, steps + 1);
  f.h.resize(n, steps);
  f.kappa.resize(steps + 1);
  f.out.resize(steps);
  f.x.col(0).setConstant(static_cast<S>(task.x0));
  for (int t = 0; t < steps; ++t) {
    act(f, t);
    f.x.col(t + 1) = (S(1) - a) * f.x.col(t) + a * f.h.col(t);
  }
  return f;
}

}  // namespace

double ghost_target(const GhostRnnTask& task, int t) { return t > task.delay_steps ? 1.0 : 0.0; }

// ------------------------------------------------------------- parameters --

template <class S>
Vec<S> Rank1Params<S>::pack() const {
  Vec<S> v(3 * m.size());
  v << m, n, b;
  return v;
}

template <class S>
void Rank1Params<S>::unpack(const Vec<S>& v) {
  const Eigen::Index k = m.size();
  m = v.segment(0, k);
  n = v.segment(k, k);
  b = v.segment(2 * k, k);
}

template <class S>
Vec<S> RankKParams<S>::pack() const {
  const Eigen::Index a = M.size(), c = N.size(), n = b.size();
  Vec<S> v(a + c + 2 * n + 1);
  v.segment(0, a) = M.reshaped();
  v.segment(a, c) = N.reshaped();
  v.segment(a + c, n) = b;
  v.segment(a + c + n, n) = w_out;
  v(a + c + 2 * n) = b_out;
  return v;
}

template <class S>
void RankKParams<S>::unpack(const Vec<S>& v) {
  const Eigen::Index a = M.size(), c = N.size(), n = b.size();
  M.reshaped() = v.segment(0, a);
  N.reshaped() = v.segment(a, c);
  b = v.segment(a + c, n);
  w_out = v.segment(a + c + n, n);
  b_out = v(a + c + 2 * n);
}

// ------------------------------------------------------------------ rank 1 --

template <class S>
GhostRank1<S>::GhostRank1(Params p, const GhostRnnTask& task, S c, S kappa_star)
    : p_(std::move(p)), task_(task), c_(c), kappa_star_(kappa_star) {}

template <class S>
GhostRank1<S> GhostRank1<S>::init(int n, std::uint64_t seed, const GhostRnnTask& task, S c) {
  Rng rng(seed, stream::init);
  const double sigma = 1.0 / std::sqrt(static_cast<double>(n));
  Vec<double> m(n), nv(n);
  rng.fill_normal(m, sigma);  // m first (SPEC §5)
  rng.fill_normal(nv, sigma);
  Params p{m.cast<S>(), nv.cast<S>(), Vec<S>::Zero(n)};
  return GhostRank1(std::move(p), task, c);
}

template <class S>
GhostForward<S> GhostRank1<S>::forward() const {
  const int steps = task_.steps;
  GhostForward<S> f = leaky_trajectory<S>(task_, p_.size(), [&](GhostForward<S>& g, int t) {
    g.kappa(t) = p_.n.dot(g.x.col(t));
    g.h.col(t) = (p_.m * g.kappa(t) + p_.b).array().tanh();
  });
  f.kappa(steps) = p_.n.dot(f.x.col(steps));
  for (int t = 1; t <= steps; ++t) f.out(t - 1) = sigmoid<S>(c_ * (f.kappa(t) - kappa_star_));
  score(task_, f.out, &f.loss, &f.accuracy);
  return f;
}

template <class S>
typename GhostRank1<S>::Params GhostRank1<S>::gradient(GhostForward<S>* fwd) const {
  GhostForward<S> local;
  GhostForward<S>& f = fwd ? *fwd : local;
  f = forward();
  const int n = p_.size(), steps = task_.steps;
  const S a = static_cast<S>(task_.alpha);
  // dk(t) = total dL/dκ_t through the read-out and the recurrence; delta.col(t)
  // = dL/d(pre-activation m κ_t + b).
  Vec<S> dk(steps + 1);
  Mat<S> delta(n, steps);
  dk(steps) = c_ * output_error(task_, f.out(steps - 1), steps);
  Vec<S> gx = dk(steps) * p_.n;  // dL/dx_{t+1}
  for (int t = steps - 1; t >= 0; --t) {
    delta.col(t) = a * (S(1) - f.h.col(t).array().square()).matrix().cwiseProduct(gx);
    const S e = t >= 1 ? c_ * output_error(task_, f.out(t - 1), t) : S(0);
    dk(t) = p_.m.dot(delta.col(t)) + e;
    gx = (S(1) - a) * gx + dk(t) * p_.n;
  }
  Params g;
  g.m = delta * f.kappa.head(steps);
  g.n = f.x * dk;
  g.b = delta.rowwise().sum();
  return g;
}

template <class S>
GhostStep GhostRank1<S>::sgd_step(double lr) {
  return sgd_update(*this, p_, lr);
}

template <class S>
GhostStep GhostRank1<S>::adam_step(GhostAdam<S>& st, const AdamHyper& h) {
  return adam_update_packed(*this, p_, st, h);
}

template <class S>
GhostTrainRecord GhostRank1<S>::train(const GhostTrainOptions& opt) {
  Rank1LatentOptions lo;
  lo.points = opt.diag_grid;
  return train_loop(*this, opt, [&](GhostTrainRecord& rec, int e) {
    const Rank1Latent l = rank1_latent(to_double(p_), lo);
    rec.latent.push_back(
        {e, l.fixed_points, l.min_speed, l.kappa_slowest, l.ghost_speed, l.ghost_kappa});
  });
}

// ------------------------------------------------------------------ rank K --

template <class S>
GhostRankK<S>::GhostRankK(Params p, const GhostRnnTask& task) : p_(std::move(p)), task_(task) {}

template <class S>
GhostRankK<S> GhostRankK<S>::init(int n, int k, std::uint64_t seed, const GhostRnnTask& task) {
  Rng rng(seed, stream::init);
  const double sigma = 1.0 / std::sqrt(static_cast<double>(n));
  Mat<double> M(n, k), N(k, n);
  rng.fill_normal(M, sigma);
  rng.fill_normal(N, sigma);
  Vec<double> w(n);
  for (int i = 0; i < n; ++i) w(i) = (2.0 * rng.uniform() - 1.0) * sigma;
  const double b_out = (2.0 * rng.uniform() - 1.0) * sigma;
  Params p{M.cast<S>(), N.cast<S>(), Vec<S>::Zero(n), w.cast<S>(), static_cast<S>(b_out)};
  return GhostRankK(std::move(p), task);
}

template <class S>
GhostForward<S> GhostRankK<S>::forward() const {
  const int steps = task_.steps;
  GhostForward<S> f = leaky_trajectory<S>(task_, p_.size(), [&](GhostForward<S>& g, int t) {
    g.h.col(t) = (p_.M * (p_.N * g.x.col(t)) + p_.b).array().tanh();
  });
  f.kappa = (f.x.transpose() * p_.w_out).array() + p_.b_out;
  for (int t = 1; t <= steps; ++t) f.out(t - 1) = sigmoid<S>(f.kappa(t));
  score(task_, f.out, &f.loss, &f.accuracy);
  return f;
}

template <class S>
typename GhostRankK<S>::Params GhostRankK<S>::gradient(GhostForward<S>* fwd) const {
  GhostForward<S> local;
  GhostForward<S>& f = fwd ? *fwd : local;
  f = forward();
  const int n = p_.size(), k = p_.rank(), steps = task_.steps;
  const S a = static_cast<S>(task_.alpha);
  Vec<S> e(steps + 1);  // dL/d(w_out·x_t + b_out), e(0) = 0
  e(0) = S(0);
  for (int t = 1; t <= steps; ++t) e(t) = output_error(task_, f.out(t - 1), t);
  Mat<S> delta(n, steps), u(k, steps);
  Vec<S> gx = e(steps) * p_.w_out;  // dL/dx_{t+1}
  for (int t = steps - 1; t >= 0; --t) {
    delta.col(t) = a * (S(1) - f.h.col(t).array().square()).matrix().cwiseProduct(gx);
    u.col(t) = p_.M.transpose() * delta.col(t);
    gx = (S(1) - a) * gx + p_.N.transpose() * u.col(t) + e(t) * p_.w_out;
  }
  const auto x_prev = f.x.leftCols(steps);
  Params g;
  g.M = delta * (p_.N * x_prev).transpose();
  g.N = u * x_prev.transpose();
  g.b = delta.rowwise().sum();
  g.w_out = f.x * e;
  g.b_out = e.sum();
  return g;
}

template <class S>
GhostStep GhostRankK<S>::sgd_step(double lr) {
  return sgd_update(*this, p_, lr);
}

template <class S>
GhostStep GhostRankK<S>::adam_step(GhostAdam<S>& st, const AdamHyper& h) {
  return adam_update_packed(*this, p_, st, h);
}

template <class S>
GhostTrainRecord GhostRankK<S>::train(const GhostTrainOptions& opt) {
  return train_loop(*this, opt, [](GhostTrainRecord&, int) {});
}

// ---------------------------------------------------------------- outcome --

GhostOutcome ghost_outcome(const GhostTrainRecord& rec, int tail) {
  GhostOutcome o;
  const auto& acc = rec.accuracy;
  const std::size_t n = acc.size();
  const std::size_t first_tail =
      n - std::min<std::size_t>(n, static_cast<std::size_t>(std::max(tail, 0)));
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(acc[i])) continue;
    o.best_accuracy = std::max(o.best_accuracy, acc[i]);
    if (i >= first_tail) o.best_accuracy_tail = std::max(o.best_accuracy_tail, acc[i]);
  }
  o.learned = o.best_accuracy > 0.5;
  o.stuck = o.learned && o.best_accuracy_tail <= 0.5;
  o.loss_ratio = rec.loss.empty() ? kNaN : rec.final_loss / rec.loss.front();
  return o;
}

GhostTrainRecord ghost_recover(const GhostRank1<double>& net, double c, int epochs, double lr) {
  GhostRank1<double> copy = net;
  copy.set_confidence(c);
  GhostTrainOptions opt;
  opt.epochs = epochs;
  opt.lr = lr;
  return copy.train(opt);
}

// ------------------------------------------------------------ diagnostics --

double rank1_flow(const Rank1Params<double>& p, double kappa) {
  return -kappa + p.n.dot((p.m * kappa + p.b).array().tanh().matrix());
}

namespace {

// Golden-section minimum of |f| on [lo, hi] (|f| assumed unimodal there).
std::pair<double, double> golden_min_abs_flow(const Rank1Params<double>& p, double lo, double hi) {
  const double g = 0.5 * (std::sqrt(5.0) - 1.0);
  double x1 = hi - g * (hi - lo), x2 = lo + g * (hi - lo);
  double f1 = std::abs(rank1_flow(p, x1)), f2 = std::abs(rank1_flow(p, x2));
  for (int it = 0; it < 200 && hi - lo > 1e-14 * (1.0 + std::abs(lo)); ++it) {
    if (f1 < f2) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - g * (hi - lo);
      f1 = std::abs(rank1_flow(p, x1));
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + g * (hi - lo);
      f2 = std::abs(rank1_flow(p, x2));
    }
  }
  return f1 < f2 ? std::pair{x1, f1} : std::pair{x2, f2};
}

}  // namespace

Rank1Latent rank1_latent(const Rank1Params<double>& p, const Rank1LatentOptions& opt) {
  Rank1Latent r;
  const int pts = std::max(opt.points, 2);
  const double step = (opt.hi - opt.lo) / (pts - 1);
  auto grid = [&](int i) { return opt.lo + step * i; };
  // Fixed points: sign changes between consecutive non-zero values.
  int last = -1;
  double last_f = 0.0;
  std::vector<double> f(static_cast<std::size_t>(pts));
  for (int i = 0; i < pts; ++i) f[static_cast<std::size_t>(i)] = rank1_flow(p, grid(i));
  for (int i = 0; i < pts; ++i) {
    const double fi = f[static_cast<std::size_t>(i)];
    if (fi == 0.0) continue;
    if (last >= 0 && (fi > 0.0) != (last_f > 0.0)) {
      ++r.fixed_points;
      if (i - last > 1) {
        r.roots.push_back(grid(last + 1));  // exact zero(s) in between
      } else {
        r.roots.push_back(grid(last) + step * last_f / (last_f - fi));
      }
    }
    last = i;
    last_f = fi;
  }
  // Window: grid minimum of |f|, refined by golden section.
  double best = std::numeric_limits<double>::infinity(), best_k = opt.window_lo;
  auto consider = [&](double k) {
    const double s = std::abs(rank1_flow(p, k));
    if (s < best) {
      best = s;
      best_k = k;
    }
  };
  consider(opt.window_lo);
  consider(opt.window_hi);
  for (int i = 0; i < pts; ++i) {
    const double k = grid(i);
    if (k > opt.window_lo && k < opt.window_hi) consider(k);
  }
  consider(golden_min_abs_flow(p, std::max(opt.window_lo, best_k - step),
                               std::min(opt.window_hi, best_k + step))
               .first);
  r.min_speed = best;
  r.kappa_slowest = best_k;
  // Ghosts: sign-preserving local minima of |f| over the whole grid.
  r.ghost_speed = std::numeric_limits<double>::infinity();
  r.ghost_kappa = kNaN;
  for (int i = 1; i + 1 < pts; ++i) {
    const double a = f[static_cast<std::size_t>(i - 1)], c = f[static_cast<std::size_t>(i)],
                 d = f[static_cast<std::size_t>(i + 1)];
    const bool same_sign = (a > 0 && c > 0 && d > 0) || (a < 0 && c < 0 && d < 0);
    if (!same_sign || !(std::abs(c) <= std::abs(a) && std::abs(c) < std::abs(d))) continue;
    ++r.ghosts;
    const auto [gk, gs] = golden_min_abs_flow(p, grid(i - 1), grid(i + 1));
    if (gs < r.ghost_speed) {
      r.ghost_speed = gs;
      r.ghost_kappa = gk;
    }
  }
  return r;
}

std::vector<SlowPoint> find_slow_points(const RankKParams<double>& p, const SlowPointOptions& opt) {
  return find_slow_points(p.M, p.N, p.b, opt);
}

template struct Rank1Params<float>;
template struct Rank1Params<double>;
template struct RankKParams<float>;
template struct RankKParams<double>;
template class GhostRank1<float>;
template class GhostRank1<double>;
template class GhostRankK<float>;
template class GhostRankK<double>;

}  // namespace memphase
