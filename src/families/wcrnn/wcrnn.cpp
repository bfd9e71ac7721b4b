#include "families/wcrnn/wcrnn.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/rng.hpp"

namespace memphase {

// --------------------------------------------------------------- residual --

Mat<double> make_residual(int n, const ResidualSpec& spec, std::uint64_t seed) {
  Mat<double> R = Mat<double>::Zero(n, n);
  Rng rng(seed, "residual");
  auto draw = [&rng](double lo, double hi) { return lo + (hi - lo) * rng.uniform(); };
  auto put_rot = [&R](int i, double r, double phi) {
    R(i, i) = r * std::cos(phi);
    R(i, i + 1) = -r * std::sin(phi);
    R(i + 1, i) = r * std::sin(phi);
    R(i + 1, i + 1) = r * std::cos(phi);
  };
  switch (spec.kind) {
    case ResidualKind::homogeneous:
      R.diagonal().setConstant(spec.r);
      break;
    case ResidualKind::rotational:
      for (int i = 0; i + 1 < n; i += 2) put_rot(i, spec.r, spec.phi);
      if (n % 2 == 1) R(n - 1, n - 1) = spec.r;
      break;
    case ResidualKind::heterogeneous_diag:
      for (int i = 0; i < n; ++i) R(i, i) = draw(spec.r_lo, spec.r_hi);
      break;
    case ResidualKind::heterogeneous_rot:
      for (int i = 0; i + 1 < n; i += 2) {
        const double r = draw(spec.r_lo, spec.r_hi);
        const double phi = draw(spec.phi_lo, spec.phi_hi);
        put_rot(i, r, phi);
      }
      if (n % 2 == 1) R(n - 1, n - 1) = draw(spec.r_lo, spec.r_hi);
      break;
    case ResidualKind::zero:
      break;
  }
  return R;
}

// ------------------------------------------------------------- parameters --

template <class S>
WcrnnParams<S> WcrnnParams<S>::zeros(int n, int n_in, int n_out) {
  WcrnnParams p;
  p.W = Mat<S>::Zero(n, n);
  p.U = Mat<S>::Zero(n, n_in);
  p.b = Vec<S>::Zero(n);
  p.W_o = Mat<S>::Zero(n_out, n);
  p.b_o = Vec<S>::Zero(n_out);
  return p;
}

template <class S>
Vec<S> WcrnnParams<S>::pack() const {
  Vec<S> v(size());
  Eigen::Index k = 0;
  auto put = [&](const auto& m) {
    v.segment(k, m.size()) = m.reshaped();
    k += m.size();
  };
  put(W);
  put(U);
  put(b);
  put(W_o);
  put(b_o);
  return v;
}

template <class S>
void WcrnnParams<S>::unpack(const Vec<S>& v) {
  Eigen::Index k = 0;
  auto get = [&](auto& m) {
    m.reshaped() = v.segment(k, m.size());
    k += m.size();
  };
  get(W);
  get(U);
  get(b);
  get(W_o);
  get(b_o);
}

namespace {

template <class S, class F>
void zip_params(WcrnnParams<S>& a, const WcrnnParams<S>& b, F&& f) {
  f(a.W, b.W);
  f(a.U, b.U);
  f(a.b, b.b);
  f(a.W_o, b.W_o);
  f(a.b_o, b.b_o);
}

template <class S>
double squared_norm(const WcrnnParams<S>& g) {
  auto sq = [](const auto& m) { return m.template cast<double>().squaredNorm(); };
  return sq(g.W) + sq(g.U) + sq(g.b) + sq(g.W_o) + sq(g.b_o);
}

}  // namespace

// ------------------------------------------------------------------ model --

template <class S>
Wcrnn<S>::Wcrnn(Params p, Mat<S> R, S gamma, WcrnnLoss loss)
    : p_(std::move(p)), R_(std::move(R)), gamma_(gamma), loss_(loss) {
  v_ = Params::zeros(p_.n(), p_.n_in(), p_.n_out());
}

template <class S>
Wcrnn<S> Wcrnn<S>::init(int n, int n_in, int n_out, S gamma, const ResidualSpec& residual,
                        WcrnnLoss loss, std::uint64_t seed) {
  Rng rng(seed, "init");
  const double a = 1.0 / std::sqrt(static_cast<double>(n));
  auto fill = [&](auto& m) {
    for (Eigen::Index k = 0; k < m.size(); ++k)
      m.data()[k] = static_cast<S>(-a + 2.0 * a * rng.uniform());
  };
  Params p = Params::zeros(n, n_in, n_out);
  fill(p.W);
  fill(p.U);
  fill(p.b);
  fill(p.W_o);
  fill(p.b_o);
  return Wcrnn(std::move(p), make_residual(n, residual, seed).template cast<S>(), gamma, loss);
}

template <class S>
Wcrnn<S> Wcrnn<S>::elman(int n, int n_in, int n_out, WcrnnLoss loss, std::uint64_t seed) {
  ResidualSpec z;
  z.kind = ResidualKind::zero;
  return init(n, n_in, n_out, S(1), z, loss, seed);
}

template <class S>
WcrnnForward<S> Wcrnn<S>::forward(const WcrnnBatch<S>& batch) const {
  const int T = batch.length();
  const int B = batch.batch();
  WcrnnForward<S> f;
  f.h.reserve(T + 1);
  f.a.reserve(T);
  f.h.push_back(Mat<S>::Zero(p_.n(), B));
  for (int t = 0; t < T; ++t) {
    Mat<S> z = p_.W * f.h[t] + p_.U * batch.x[t];
    z.colwise() += p_.b;
    f.a.push_back(z.array().tanh().matrix());
    f.h.push_back(R_ * f.h[t] + gamma_ * f.a[t]);
  }
  f.y = p_.W_o * f.h[T];
  f.y.colwise() += p_.b_o;
  double loss = 0.0;
  if (loss_ == WcrnnLoss::mse) {
    loss = (f.y - batch.target).template cast<double>().squaredNorm() /
           static_cast<double>(f.y.size());
  } else {
    int correct = 0;
    for (int j = 0; j < B; ++j) {
      const Vec<double> yj = f.y.col(j).template cast<double>();
      const double m = yj.maxCoeff();
      const double lse = m + std::log((yj.array() - m).exp().sum());
      loss += lse - yj(batch.labels[j]);
      Eigen::Index am = 0;
      yj.maxCoeff(&am);
      correct += (am == batch.labels[j]) ? 1 : 0;
    }
    loss /= B;
    f.accuracy = static_cast<double>(correct) / B;
  }
  f.loss = loss;
  return f;
}

template <class S>
WcrnnParams<S> Wcrnn<S>::gradient(const WcrnnBatch<S>& batch, WcrnnForward<S>* fwd) const {
  WcrnnForward<S> f = forward(batch);
  const int T = batch.length();
  const int B = batch.batch();
  Params g = Params::zeros(p_.n(), p_.n_in(), p_.n_out());
  // dL/dy: O×B
  Mat<S> dy;
  if (loss_ == WcrnnLoss::mse) {
    dy = (f.y - batch.target) * (S(2) / static_cast<S>(f.y.size()));
  } else {
    dy.resize(f.y.rows(), B);
    for (int j = 0; j < B; ++j) {
      const S m = f.y.col(j).maxCoeff();
      Vec<S> e = (f.y.col(j).array() - m).exp().matrix();
      dy.col(j) = e / e.sum();
      dy(batch.labels[j], j) -= S(1);
    }
    dy /= static_cast<S>(B);
  }
  g.W_o = dy * f.h[T].transpose();
  g.b_o = dy.rowwise().sum();
  Mat<S> gh = p_.W_o.transpose() * dy;  // dL/dh_T: N×B
  const Mat<S> Rt = R_.transpose();
  const Mat<S> Wt = p_.W.transpose();
  for (int t = T - 1; t >= 0; --t) {
    // h_{t+1} = R h_t + γ tanh(z_t):  dz_t = γ gh ⊙ (1 - a_t²)
    Mat<S> dz = (gamma_ * gh.array() * (S(1) - f.a[t].array().square())).matrix();
    g.W.noalias() += dz * f.h[t].transpose();
    g.U.noalias() += dz * batch.x[t].transpose();
    g.b += dz.rowwise().sum();
    gh = Rt * gh + Wt * dz;
  }
  if (fwd != nullptr) *fwd = std::move(f);
  return g;
}

template <class S>
typename Wcrnn<S>::Params Wcrnn<S>::clipped_gradient(const WcrnnBatch<S>& batch, double clip,
                                                     WcrnnStep& st) const {
  WcrnnForward<S> f;
  Params g = gradient(batch, &f);
  st.loss = f.loss;
  st.accuracy = f.accuracy;
  st.grad_norm = std::sqrt(squared_norm(g));
  st.finite = std::isfinite(st.loss) && std::isfinite(st.grad_norm);
  if (st.finite && clip > 0.0) {
    const double coef = std::min(1.0, clip / (st.grad_norm + 1e-6));
    zip_params(g, g, [coef](auto& a, const auto&) {
      a *= static_cast<typename std::decay_t<decltype(a)>::Scalar>(coef);
    });
  }
  return g;
}

template <class S>
WcrnnStep Wcrnn<S>::adam_step(const WcrnnBatch<S>& batch, const WcrnnSgdOptions& opt, const AdamHyper& h) {
  WcrnnStep st;
  Params g = clipped_gradient(batch, opt.clip, st);
  if (!st.finite) return st;
  if (adam_t_ == 0) adam_m_ = adam_v_ = Params::zeros(p_.n(), p_.n_in(), p_.n_out());
  ++adam_t_;
  const AdamCoefficients c = adam_coefficients(h, adam_t_);
  adam_update(p_.W, g.W, adam_m_.W, adam_v_.W, h, c);
  adam_update(p_.U, g.U, adam_m_.U, adam_v_.U, h, c);
  adam_update(p_.b, g.b, adam_m_.b, adam_v_.b, h, c);
  adam_update(p_.W_o, g.W_o, adam_m_.W_o, adam_v_.W_o, h, c);
  adam_update(p_.b_o, g.b_o, adam_m_.b_o, adam_v_.b_o, h, c);
  return st;
}

template <class S>
WcrnnStep Wcrnn<S>::sgd_step(const WcrnnBatch<S>& batch, const WcrnnSgdOptions& opt) {
  WcrnnStep st;
  Params g = clipped_gradient(batch, opt.clip, st);
  if (!st.finite) return st;
  const S mu = static_cast<S>(opt.momentum);
  const S lr = static_cast<S>(opt.lr);
  zip_params(v_, g, [mu](auto& v, const auto& gi) { v = mu * v + gi; });
  zip_params(p_, v_, [lr](auto& p, const auto& v) { p -= lr * v; });
  return st;
}

template <class S>
void Wcrnn<S>::reset_optimizer() {
  v_ = Params::zeros(p_.n(), p_.n_in(), p_.n_out());
}

// ---------------------------------------------------------- adding problem --

template <class S>
WcrnnBatch<S> adding_problem(int T, std::uint64_t seed, std::int64_t first_index, int count) {
  WcrnnBatch<S> batch;
  batch.x.assign(T, Mat<S>::Zero(2, count));
  batch.target = Mat<S>::Zero(1, count);
  const int half = T / 2;
  for (int j = 0; j < count; ++j) {
    Rng rng(seed, "adding:" + std::to_string(first_index + j));
    std::vector<double> v(T);
    for (int t = 0; t < T; ++t) {
      v[t] = rng.uniform();
      batch.x[t](0, j) = static_cast<S>(v[t]);
    }
    const int p1 = std::min(half - 1, static_cast<int>(rng.uniform() * half));
    const int p2 = std::min(T - 1, half + static_cast<int>(rng.uniform() * (T - half)));
    batch.x[p1](1, j) = S(1);
    batch.x[p2](1, j) = S(1);
    batch.target(0, j) = static_cast<S>(v[p1] + v[p2]);
  }
  return batch;
}

template struct WcrnnParams<float>;
template struct WcrnnParams<double>;
template class Wcrnn<float>;
template class Wcrnn<double>;
template WcrnnBatch<float> adding_problem<float>(int, std::uint64_t, std::int64_t, int);
template WcrnnBatch<double> adding_problem<double>(int, std::uint64_t, std::int64_t, int);

}  // namespace memphase
