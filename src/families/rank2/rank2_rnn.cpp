#include "families/rank2/rank2_rnn.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "core/rng.hpp"
#include "delayed_cue/classify.hpp"
#include "dynamics/lyapunov.hpp"
#include "dynamics/slow_points.hpp"

namespace memphase {

Rank2Layout rank2_layout(Rank2Variant v) {
  switch (v) {
    case Rank2Variant::a:
      return {15, 2, 0};
    case Rank2Variant::b:
      return {30, 10, 0};
    case Rank2Variant::c:
      return {6, 2, 0};
    case Rank2Variant::d:
      return {6, 2, 6};
  }
  return {};
}

double Rank2Task::weight(int t) const {
  const double w = static_cast<double>(total() - layout.t_disc) / total();
  return t <= layout.t_disc ? w : 1.0 - w;
}

// ------------------------------------------------------------- parameters --

template <class S>
Vec<S> Rank2Params<S>::pack() const {
  const Eigen::Index a = m.size(), c = n.size(), k = b.size();
  Vec<S> v(a + c + k + 3);
  v.segment(0, a) = m.reshaped();
  v.segment(a, c) = n.reshaped();
  v.segment(a + c, k) = b;
  v.segment(a + c + k, 2) = w_out;
  v(a + c + k + 2) = b_out;
  return v;
}

template <class S>
void Rank2Params<S>::unpack(const Vec<S>& v) {
  const Eigen::Index a = m.size(), c = n.size(), k = b.size();
  m.reshaped() = v.segment(0, a);
  n.reshaped() = v.segment(a, c);
  b = v.segment(a + c, k);
  w_out = v.segment(a + c + k, 2);
  b_out = v(a + c + k + 2);
}

template <class S>
Rank2Params<double> Rank2Params<S>::to_double() const {
  return {m.template cast<double>(), n.template cast<double>(), b.template cast<double>(),
          w_out.template cast<double>(), static_cast<double>(b_out)};
}

// ------------------------------------------------------------------ model --

namespace {

template <class S>
S sigmoid(S z) {
  return S(1) / (S(1) + std::exp(-z));
}

}  // namespace

template <class S>
Rank2Net<S>::Rank2Net(Params p, Vec<S> x0, const Rank2Task& task)
    : p_(std::move(p)), x0_(std::move(x0)), task_(task) {}

template <class S>
Rank2Net<S> Rank2Net<S>::init(int n, std::uint64_t seed, const Rank2Task& task) {
  Rng rng(seed, stream::init);
  const double sigma = 1.0 / std::sqrt(static_cast<double>(n));
  Mat<double> m(n, 2), nn(2, n);
  rng.fill_normal(m, sigma);
  rng.fill_normal(nn, sigma);
  Vec<double> w(2);
  rng.fill_normal(w, std::sqrt(0.5));
  Vec<double> bo(1);
  rng.fill_normal(bo, 1.0);
  Vec<double> x0(n);
  rng.fill_normal(x0, 0.1);
  Params p{m.cast<S>(), nn.cast<S>(), Vec<S>::Zero(n), w.cast<S>(), static_cast<S>(bo(0))};
  return Rank2Net(std::move(p), x0.cast<S>(), task);
}

// The kernel works on the two latent columns explicitly (m.col(j), nᵀ.col(j))
// so that every operation is a vectorised N-length pass: no GEMV call and no
// allocation per step (a few µs per epoch at N = 100, total = 17).
template <class S>
void Rank2Net<S>::forward_into(Rank2Forward<S>& f, Work& w) const {
  const int T = task_.total(), N = p_.size();
  const S a = static_cast<S>(task_.alpha);
  f.x.resize(N, T + 1);
  f.h.resize(N, T);
  f.kappa.resize(2, T + 1);
  f.out.resize(T);
  w.nT.resize(N, 2);
  w.nT = p_.n.transpose();
  f.x.col(0) = x0_;
  f.kappa(0, 0) = w.nT.col(0).dot(x0_);
  f.kappa(1, 0) = w.nT.col(1).dot(x0_);
  for (int t = 0; t < T; ++t) {
    f.h.col(t) = (p_.m.col(0) * f.kappa(0, t) + p_.m.col(1) * f.kappa(1, t) + p_.b).array().tanh();
    f.x.col(t + 1) = (S(1) - a) * f.x.col(t) + a * f.h.col(t);
    f.kappa(0, t + 1) = w.nT.col(0).dot(f.x.col(t + 1));
    f.kappa(1, t + 1) = w.nT.col(1).dot(f.x.col(t + 1));
  }
  double l = 0.0;
  int correct = 0;
  for (int t = 1; t <= T; ++t) {
    const S o = sigmoid<S>(p_.w_out(0) * f.kappa(0, t) + p_.w_out(1) * f.kappa(1, t) + p_.b_out);
    f.out(t - 1) = o;
    const double y = task_.target(t), od = static_cast<double>(o);
    l += task_.weight(t) * (od - y) * (od - y);
    correct += ((od > 0.5) == (y > 0.5)) ? 1 : 0;
  }
  f.loss = l / T;
  f.accuracy = static_cast<double>(correct) / T;
}

template <class S>
Rank2Forward<S> Rank2Net<S>::forward() const {
  Rank2Forward<S> f;
  Work w;
  forward_into(f, w);
  return f;
}

template <class S>
void Rank2Net<S>::gradient_into(Rank2Forward<S>& f, Params& g, Work& w) const {
  forward_into(f, w);
  const int T = task_.total(), N = p_.size();
  const S a = static_cast<S>(task_.alpha);
  // e(t) = dL/dz_t, z_t = w_out·κ_t + b_out (t = 1..T; e(0) = 0).
  w.e.resize(T + 1);
  w.e(0) = S(0);
  for (int t = 1; t <= T; ++t) {
    const S o = f.out(t - 1);
    w.e(t) = static_cast<S>(2.0 * task_.weight(t) / T) * (o - static_cast<S>(task_.target(t))) * o *
             (S(1) - o);
  }
  g.m.resize(N, 2);
  g.m.setZero();
  w.gnT.resize(N, 2);
  w.gnT.setZero();
  g.b.resize(N);
  g.b.setZero();
  w.gk.resize(2, T + 1);
  w.delta.resize(N);
  // gk.col(t) = total dL/dκ_t; delta = dL/d(m κ_t + b); gx = dL/dx_{t+1}.
  w.gk(0, T) = w.e(T) * p_.w_out(0);
  w.gk(1, T) = w.e(T) * p_.w_out(1);
  w.gx.resize(N);
  w.gx = w.nT.col(0) * w.gk(0, T) + w.nT.col(1) * w.gk(1, T);
  w.gnT.col(0) += w.gk(0, T) * f.x.col(T);
  w.gnT.col(1) += w.gk(1, T) * f.x.col(T);
  for (int t = T - 1; t >= 0; --t) {
    w.delta = a * (S(1) - f.h.col(t).array().square()).matrix().cwiseProduct(w.gx);
    const S k0 = p_.m.col(0).dot(w.delta) + w.e(t) * p_.w_out(0);
    const S k1 = p_.m.col(1).dot(w.delta) + w.e(t) * p_.w_out(1);
    w.gk(0, t) = k0;
    w.gk(1, t) = k1;
    g.m.col(0) += f.kappa(0, t) * w.delta;
    g.m.col(1) += f.kappa(1, t) * w.delta;
    g.b += w.delta;
    w.gnT.col(0) += k0 * f.x.col(t);
    w.gnT.col(1) += k1 * f.x.col(t);
    w.gx = (S(1) - a) * w.gx + w.nT.col(0) * k0 + w.nT.col(1) * k1;
  }
  g.n.resize(2, N);
  g.n = w.gnT.transpose();
  g.w_out.resize(2);
  g.w_out(0) = f.kappa.row(0).tail(T).dot(w.e.tail(T));
  g.w_out(1) = f.kappa.row(1).tail(T).dot(w.e.tail(T));
  g.b_out = w.e.tail(T).sum();
}

template <class S>
typename Rank2Net<S>::Params Rank2Net<S>::gradient(Rank2Forward<S>* fwd) const {
  Rank2Forward<S> local;
  Params g;
  Work w;
  gradient_into(fwd ? *fwd : local, g, w);
  return g;
}

template <class S>
Rank2Step Rank2Net<S>::sgd_step(double lr) {
  gradient_into(fwd_, grad_, work_);
  const Params& g = grad_;
  Rank2Step st;
  st.loss = fwd_.loss;
  st.accuracy = fwd_.accuracy;
  const double sq =
      static_cast<double>(g.m.squaredNorm()) + static_cast<double>(g.n.squaredNorm()) +
      static_cast<double>(g.b.squaredNorm()) + static_cast<double>(g.w_out.squaredNorm()) +
      static_cast<double>(g.b_out) * static_cast<double>(g.b_out);
  st.grad_norm = std::sqrt(sq);
  st.finite = std::isfinite(st.loss) && std::isfinite(st.grad_norm);
  if (!st.finite) return st;
  const S eta = static_cast<S>(lr);
  p_.m -= eta * g.m;
  p_.n -= eta * g.n;
  p_.b -= eta * g.b;
  p_.w_out -= eta * g.w_out;
  p_.b_out -= eta * g.b_out;
  return st;
}

// -------------------------------------------------------- latent circuit --

LatentMap rank2_latent_map(const Rank2Params<double>& p, double alpha) {
  LatentMap f;
  f.step = [p, alpha](const Vec<double>& k) -> Vec<double> {
    return (1.0 - alpha) * k + alpha * p.n * (p.m * k + p.b).array().tanh().matrix();
  };
  f.jacobian = [p, alpha](const Vec<double>& k) -> Mat<double> {
    return Mat<double>::Identity(2, 2) + alpha * latent_jacobian(p.m, p.n, p.b, k);
  };
  return f;
}

Mat<double> latent_run(const LatentMap& f, const Vec<double>& kappa0, int steps) {
  Mat<double> K(kappa0.size(), steps + 1);
  K.col(0) = kappa0;
  for (int t = 0; t < steps; ++t) K.col(t + 1) = f.step(K.col(t));
  return K;
}

LatentClass classify_latent(const LatentMap& f, const Vec<double>& kappa0, int total,
                            const ClassifyOptions& o) {
  LatentClass c;
  const int n = o.free_run_factor * total;
  const Mat<double> K = latent_run(f, kappa0, n);
  const Mat<double> F = K.rightCols(n).transpose();  // κ_1 .. κ_n, n×2
  c.rho = psd_ratio(F, o.psd_radius2);
  c.net_class = c.rho < o.psd_lc_threshold ? NetClass::lc : NetClass::sp;
  const int tail = std::min(n, 3 * total);
  const Mat<double> last = K.rightCols(tail);
  c.amplitude = (last.rowwise().maxCoeff() - last.rowwise().minCoeff()).maxCoeff();
  if (!K.allFinite()) c.amplitude = std::numeric_limits<double>::quiet_NaN();
  Vec<double> k = kappa0;
  LyapunovOptions lo;
  lo.transient = n;
  lo.steps = 100 * total;
  lo.k = 1;
  c.lambda1 = lyapunov_spectrum(
      static_cast<int>(kappa0.size()),
      [&](int) {
        Mat<double> J = f.jacobian(k);
        k = f.step(k);
        return J;
      },
      lo)(0);
  return c;
}

Classification rank2_classification(double final_accuracy, const LatentClass& lc) {
  Classification c;
  c.learned = final_accuracy == 1.0;
  c.stable = true;
  if (c.learned) {
    c.net_class = lc.net_class;
    c.psd_ratio = lc.rho;
  }
  return c;
}

template struct Rank2Params<float>;
template struct Rank2Params<double>;
template class Rank2Net<float>;
template class Rank2Net<double>;

}  // namespace memphase
