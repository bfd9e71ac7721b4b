#include "delayed_cue/classify.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numbers>
#include <vector>


namespace memphase {

namespace {

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();

bool all_finite(std::span<const float> x) {
  return std::all_of(x.begin(), x.end(), [](float v) { return std::isfinite(v); });
}

// Largest integer R with R*R <= r2 (r2 >= 0).
long long isqrt(int r2) {
  long long r = static_cast<long long>(std::sqrt(static_cast<double>(r2)));
  while (r > 0 && r * r > r2) --r;
  while ((r + 1) * (r + 1) <= r2) ++r;
  return r;
}

}  // namespace

bool is_stable(std::span<const float> acc, std::span<const float> rel, const ClassifyOptions& o) {
  const std::size_t n = std::min(acc.size(), rel.size());
  std::size_t e0 = 0;
  while (e0 < n && !(acc[e0] > o.learn_threshold && rel[e0] > o.learn_threshold)) ++e0;
  if (e0 == n) return true;
  const double f = o.forget_threshold;
  std::size_t below = 0, above = 0;
  for (std::size_t e = e0; e < n; ++e) {
    below += static_cast<std::size_t>(acc[e] < f) + static_cast<std::size_t>(rel[e] < f);
    above += static_cast<std::size_t>(acc[e] > f) + static_cast<std::size_t>(rel[e] > f);
  }
  if (above == 0) return below == 0;
  return static_cast<double>(below) / static_cast<double>(above) < o.stability_ratio;
}

double tail_mean(std::span<const float> x, double tail_fraction) {
  const std::size_t n = x.size();
  if (n == 0) return nan_v;
  const double k_real = tail_fraction * static_cast<double>(n);
  std::size_t k = 1;
  if (k_real >= static_cast<double>(n)) {
    k = n;
  } else if (k_real >= 1.0) {
    k = static_cast<std::size_t>(k_real);  // Python int(): truncation
  }
  double sum = 0.0;
  for (std::size_t i = n - k; i < n; ++i) sum += static_cast<double>(x[i]);
  return sum / static_cast<double>(k);
}

bool is_learned(std::span<const float> acc, std::span<const float> rel, const ClassifyOptions& o) {
  return tail_mean(acc, o.tail_fraction) > o.learn_threshold &&
         tail_mean(rel, o.tail_fraction) > o.learn_threshold && is_stable(acc, rel, o);
}

double psd_ratio(const Mat<double>& F, int radius2) {
  const Eigen::Index n = F.rows();
  const Eigen::Index N = F.cols();
  if (n < 1 || N < 2 || !F.allFinite()) return nan_v;

  // Centred PCA: eigenvectors of the N×N covariance, two largest eigenvalues
  // (Eigen sorts them in increasing order). The 1/(n-1) scale is irrelevant.
  const Eigen::RowVectorXd mean = F.colwise().mean();
  const Mat<double> Fc = F.rowwise() - mean;
  const Mat<double> C = Fc.transpose() * Fc;
  const Eigen::SelfAdjointEigenSolver<Mat<double>> es(C);
  if (es.info() != Eigen::Success) return nan_v;
  Mat<double> V(N, 2);
  V.col(0) = es.eigenvectors().col(N - 1);
  V.col(1) = es.eigenvectors().col(N - 2);
  for (Eigen::Index j = 0; j < 2; ++j) {
    Eigen::Index imax = 0;
    V.col(j).cwiseAbs().maxCoeff(&imax);  // first index of the largest |v_i|
    if (V(imax, j) < 0.0) V.col(j) = -V.col(j);
  }

  // Projection of the UNcentred rates and s_t = sign(p_t1 - p_t2).
  const Mat<double> p = F * V;
  std::vector<double> s(static_cast<std::size_t>(n));
  double energy = 0.0;  // sum_t s_t^2
  for (Eigen::Index t = 0; t < n; ++t) {
    const double d = p(t, 0) - p(t, 1);
    const double st = static_cast<double>((d > 0.0) - (d < 0.0));
    s[static_cast<std::size_t>(t)] = st;
    energy += st * st;
  }
  if (energy == 0.0) return nan_v;
  if (radius2 < 0) return 0.0;

  // Only frequencies |f| <= R enter the disc. fftshift index a holds frequency
  // f = a - n/2 (integer division), so f ranges over [-(n/2), n - 1 - n/2].
  const long long R = isqrt(radius2);
  const long long nn = n;
  const long long f_lo = std::max<long long>(-R, -(nn / 2));
  const long long f_hi = std::min<long long>(R, nn - 1 - nn / 2);

  // Twiddle table cos/sin(2 pi j / n); phase index (f t) mod n keeps it exact.
  std::vector<double> c(static_cast<std::size_t>(n)), sn(static_cast<std::size_t>(n));
  const double w = 2.0 * std::numbers::pi / static_cast<double>(n);
  for (long long j = 0; j < nn; ++j) {
    c[static_cast<std::size_t>(j)] = std::cos(w * static_cast<double>(j));
    sn[static_cast<std::size_t>(j)] = std::sin(w * static_cast<double>(j));
  }
  // P_f = |sum_t s_t exp(-2 pi i f t / n)|^2; P_{-f} = P_f because s is real.
  const long long fmax_abs = std::max(-f_lo, f_hi);
  std::vector<double> P(static_cast<std::size_t>(fmax_abs + 1), 0.0);
  for (long long f = 0; f <= fmax_abs; ++f) {
    double re = 0.0, im = 0.0;
    long long j = 0;  // (f t) mod n
    for (long long t = 0; t < nn; ++t) {
      const double st = s[static_cast<std::size_t>(t)];
      re += st * c[static_cast<std::size_t>(j)];
      im -= st * sn[static_cast<std::size_t>(j)];
      j += f;
      if (j >= nn) j -= nn;
    }
    P[static_cast<std::size_t>(f)] = re * re + im * im;
  }
  const auto power = [&](long long f) { return P[static_cast<std::size_t>(f < 0 ? -f : f)]; };

  double disc = 0.0;
  for (long long a = f_lo; a <= f_hi; ++a)
    for (long long b = f_lo; b <= f_hi; ++b)
      if (a * a + b * b <= radius2) disc += power(a) * power(b);
  const double total = static_cast<double>(n) * energy;  // Parseval: sum_k P_k
  return disc / (total * total);
}

Classification classify(const Curves& curves, const std::function<Mat<double>()>& free_run,
                        const ClassifyOptions& o) {
  Classification c;
  c.stable = is_stable(curves.accuracy, curves.reliability, o);
  const bool finite =
      all_finite(curves.loss) && all_finite(curves.accuracy) && all_finite(curves.reliability);
  c.learned = finite && c.stable &&
              tail_mean(curves.accuracy, o.tail_fraction) > o.learn_threshold &&
              tail_mean(curves.reliability, o.tail_fraction) > o.learn_threshold;
  if (!c.learned) {
    c.net_class = c.stable ? NetClass::fail : NetClass::unstable;
    return c;
  }
  const Mat<double> F = free_run();
  c.psd_ratio = psd_ratio(F, o.psd_radius2);
  // A NaN rho fails "rho < threshold", as in the reference: SP.
  c.net_class = c.psd_ratio < o.psd_lc_threshold ? NetClass::lc : NetClass::sp;
  return c;
}

Classification classify_no_memory(const Curves& curves, Status status, const ClassifyOptions& o) {
  Classification c;
  c.net_class = NetClass::fail;
  c.stable = is_stable(curves.accuracy, curves.reliability, o);
  const bool finite =
      all_finite(curves.loss) && all_finite(curves.accuracy) && all_finite(curves.reliability);
  c.learned = status == Status::done && finite &&
              tail_mean(curves.accuracy, o.tail_fraction) > o.learn_threshold &&
              tail_mean(curves.reliability, o.tail_fraction) > o.learn_threshold;
  return c;
}

}  // namespace memphase
