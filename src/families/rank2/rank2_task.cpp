#include "families/rank2/rank2_task.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "core/bytes.hpp"
#include "dynamics/slow_points.hpp"
#include "families/rank2/config.hpp"
#include "families/rank2/family.hpp"
#include "families/rank2/rank2_rnn.hpp"

namespace memphase {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::uint32_t kStateTag = 0x524b3231;  // "RK21"
constexpr int kSlowGrid = 201;
constexpr std::size_t kSlowRows = 16;
constexpr double kFixedSpeed = 1e-6;

/// Everything a checkpoint holds.
struct State {
  TaskResult r;
  std::int64_t epoch = 0;  ///< updates applied
  std::vector<double> params;
  double loss0 = kNaN;
  bool pending = false;  ///< the values of the last epoch, if not on the curve grid
  double pend_loss = 0.0, pend_acc = 0.0, pend_gn = 0.0;
  double seconds = 0.0;
};

std::string encode(const State& s) {
  ByteWriter w;
  w.put(kStateTag);
  put(w, s.r);
  w.put(s.epoch);
  w.put_vector(s.params);
  w.put(s.loss0);
  w.put(static_cast<std::int8_t>(s.pending));
  w.put(s.pend_loss);
  w.put(s.pend_acc);
  w.put(s.pend_gn);
  w.put(s.seconds);
  return w.take();
}

State decode(const std::string& bytes, const TaskSpec& spec) {
  ByteReader rd(bytes, "rank2 task checkpoint");
  if (rd.get<std::uint32_t>() != kStateTag) rd.fail("rank2 state marker");
  State s;
  get(rd, s.r, [](ByteReader& r) { return rank2::family().decode(r); });
  s.epoch = rd.get<std::int64_t>();
  s.params = rd.get_vector<double>();
  s.loss0 = rd.get<double>();
  s.pending = rd.get<std::int8_t>() != 0;
  s.pend_loss = rd.get<double>();
  s.pend_acc = rd.get<double>();
  s.pend_gn = rd.get<double>();
  s.seconds = rd.get<double>();
  if (!rd.done()) rd.fail("trailing bytes");
  if (!(s.r.spec == spec)) rd.fail("state of another task");
  if (s.epoch < 0) rd.fail("epoch");
  return s;
}

template <class V>
std::vector<float> to_float(const V& v) {
  std::vector<float> out(static_cast<std::size_t>(v.size()));
  for (Eigen::Index i = 0; i < v.size(); ++i)
    out[static_cast<std::size_t>(i)] = static_cast<float>(v(i));
  return out;
}

Table& table(Extras& x, const char* name, std::vector<std::string> columns) {
  for (Table& t : x.tables)
    if (t.name == name) return t;
  x.tables.push_back({name, std::move(columns), {}});
  return x.tables.back();
}

struct Snapshot {
  LatentClass cls;
  int fixed_points = 0;
};

/// The latent diagnostics of the current network at `epoch` (tables of the
/// header), and its class.
Snapshot diagnose(const Rank2Net<float>& net, const Rank2Config& cfg, std::int64_t epoch,
                  Extras& x) {
  const Rank2Params<double> p = net.params().to_double();
  const Rank2Task& task = net.task();
  const int T = task.total();
  const auto e = static_cast<double>(epoch);
  const LatentMap map = rank2_latent_map(p, task.alpha);
  const Vec<double> kappa0 = p.n * net.x0().cast<double>();
  Snapshot snap;
  snap.cls = classify_latent(map, kappa0, T);
  const auto fwd = net.forward();
  // Trajectory: the trial and its free continuation, t = 0..3T.
  const Mat<double> K = latent_run(map, kappa0, 3 * T);
  Table& tr = table(x, "trajectory", {"epoch", "t", "k1", "k2", "out"});
  for (int t = 0; t <= 3 * T; ++t) {
    const double z = p.w_out.dot(K.col(t)) + p.b_out;
    tr.add_row({e, static_cast<double>(t), K(0, t), K(1, t), 1.0 / (1.0 + std::exp(-z))});
  }
  // Flow field on the padded bounding box of the trajectory.
  Vec<double> lo = K.rowwise().minCoeff(), hi = K.rowwise().maxCoeff();
  Table& fl = table(x, "flow", {"epoch", "k1", "k2", "f1", "f2"});
  if (K.allFinite()) {
    for (int d = 0; d < 2; ++d) {
      const double pad = std::max(0.25 * (hi(d) - lo(d)), 0.25);
      lo(d) -= pad;
      hi(d) += pad;
    }
    const int G = std::max(cfg.flow_grid, 2);
    Vec<double> k(2);
    for (int i = 0; i < G; ++i)
      for (int j = 0; j < G; ++j) {
        k << lo(0) + (hi(0) - lo(0)) * i / (G - 1), lo(1) + (hi(1) - lo(1)) * j / (G - 1);
        const Vec<double> F = latent_flow(p.m, p.n, p.b, k);
        fl.add_row({e, k(0), k(1), F(0), F(1)});
      }
  }
  // Slow points: every fixed point lies in [-B, B]², B = max_i ||n_i||_1.
  Table& sp = table(
      x, "slow_points",
      {"epoch", "k1", "k2", "speed", "eig1_re", "eig1_im", "eig2_re", "eig2_im", "converged"});
  double B = p.n.cwiseAbs().rowwise().sum().maxCoeff();
  if (K.allFinite()) B = std::max(B, K.cwiseAbs().maxCoeff());
  if (std::isfinite(B) && B > 0.0) {
    SlowPointOptions so;
    so.lo = -1.05 * B;
    so.hi = 1.05 * B;
    so.grid = kSlowGrid;
    const std::vector<SlowPoint> pts = find_slow_points(p.m, p.n, p.b, so);
    for (std::size_t i = 0; i < pts.size() && i < kSlowRows; ++i) {
      const SlowPoint& s = pts[i];
      sp.add_row({e, s.kappa(0), s.kappa(1), s.speed, s.eigenvalues(0).real(),
                  s.eigenvalues(0).imag(), s.eigenvalues(1).real(), s.eigenvalues(1).imag(),
                  s.converged ? 1.0 : 0.0});
    }
    for (const SlowPoint& s : pts) snap.fixed_points += s.speed < kFixedSpeed ? 1 : 0;
  }
  Table& la = table(x, "latent",
                    {"epoch", "loss", "accuracy", "w1", "w2", "b_out", "rho", "lambda1",
                     "latent_class", "amplitude", "fixed_points"});
  la.add_row({e, fwd.loss, fwd.accuracy, p.w_out(0), p.w_out(1), p.b_out, snap.cls.rho,
              snap.cls.lambda1, static_cast<double>(snap.cls.net_class), snap.cls.amplitude,
              static_cast<double>(snap.fixed_points)});
  return snap;
}

}  // namespace

std::optional<TaskResult> run_rank2_task(const TaskSpec& task, RunControl* ctl) {
  const auto t0 = std::chrono::steady_clock::now();
  const rank2::Config& spec = rank2::config(task);
  const Rank2Config& cfg = spec.rank2;
  Rank2Task rt;
  rt.layout = rank2_layout(cfg.variant);
  rt.alpha = spec.model.alpha();
  Rank2Net<float> net = Rank2Net<float>::init(spec.model.n, spec.train.seed, rt);
  const int every = std::max(spec.train.record_every, 1);
  State s;
  if (ctl && ctl->resume) {
    s = decode(*ctl->resume, task);
    Vec<double> v =
        Eigen::Map<const Vec<double>>(s.params.data(), static_cast<Eigen::Index>(s.params.size()));
    net.params().unpack(v.cast<float>());
  } else {
    s.r.spec = task;
    s.r.epochs_planned = rank2::family().planned_epochs(task);
    s.r.cls = Classification{};
    s.r.extras.initial = to_float(net.params().pack());
  }
  const std::int64_t E = spec.train.epochs;
  auto elapsed = [&] {
    return s.seconds + std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  bool stopped = false;
  while (s.epoch < E) {
    if (cfg.diag_every > 0 && s.epoch % cfg.diag_every == 0)
      diagnose(net, cfg, s.epoch, s.r.extras);
    const std::int64_t e = s.epoch;
    const Rank2Step st = net.sgd_step(spec.train.lr);
    if (!st.finite) {
      s.r.status = Status::diverged;
      break;
    }
    if (e == 0) s.loss0 = st.loss;
    if (e % every == 0) {
      s.r.curves.loss.push_back(static_cast<float>(st.loss));
      s.r.curves.accuracy.push_back(static_cast<float>(st.accuracy));
      s.r.curves.reliability.push_back(0.0f);
      s.r.curves.grad_norm.push_back(static_cast<float>(st.grad_norm));
      s.pending = false;
    } else {
      s.pending = true;
      s.pend_loss = st.loss;
      s.pend_acc = st.accuracy;
      s.pend_gn = st.grad_norm;
    }
    ++s.epoch;
    ++s.r.epochs_run;
    if (cfg.early_stop > 0.0 && st.loss < cfg.early_stop * s.loss0) {
      stopped = true;
      break;
    }
    if (s.epoch >= E) break;
    const RunAction a = poll_control(ctl, s.r.epochs_run);
    if (a == RunAction::go_on) continue;
    State snap = s;
    snap.seconds = elapsed();
    const Vec<float> pk = net.params().pack();
    snap.params.assign(pk.data(), pk.data() + pk.size());
    if (ctl && ctl->save) ctl->save(encode(snap));
    if (a == RunAction::stop) return std::nullopt;
  }
  // The curves hold epochs 0, k, 2k, ... : add the last epoch, then say so.
  if (s.pending) {
    s.r.curves.loss.push_back(static_cast<float>(s.pend_loss));
    s.r.curves.accuracy.push_back(static_cast<float>(s.pend_acc));
    s.r.curves.reliability.push_back(0.0f);
    s.r.curves.grad_norm.push_back(static_cast<float>(s.pend_gn));
    s.pending = false;
  }
  const std::int64_t n = s.r.epochs_run;
  if (every > 1 && kept_count(n, every) < n) s.r.sampling = {every, n};
  Extras& x = s.r.extras;
  x.set("epochs_run", static_cast<double>(n));
  x.set("loss0", s.loss0);
  x.set("stopped", stopped ? 1.0 : 0.0);
  x.set("stop_epoch", stopped ? static_cast<double>(n) : kNaN);
  if (s.r.status == Status::done) {
    const Snapshot snap = diagnose(net, cfg, s.epoch, x);
    const Rank2Forward<float> f = net.forward();
    s.r.cls = rank2_classification(f.accuracy, snap.cls);
    x.set("final_loss", f.loss);
    x.set("final_accuracy", f.accuracy);
    x.set("loss_ratio", f.loss / s.loss0);
    x.set("rho", snap.cls.rho);
    x.set("lambda1", snap.cls.lambda1);
    x.set("amplitude", snap.cls.amplitude);
    x.set("latent_class", static_cast<double>(snap.cls.net_class));
    x.set("fixed_points", static_cast<double>(snap.fixed_points));
  } else {
    s.r.cls = Classification{};
    for (const char* k : {"final_loss", "final_accuracy", "loss_ratio", "rho", "lambda1",
                          "amplitude", "latent_class", "fixed_points"})
      x.set(k, kNaN);
  }
  x.set("learned", s.r.cls.learned ? 1.0 : 0.0);
  x.final = to_float(net.params().pack());
  s.r.train_seconds = elapsed();
  return std::move(s.r);
}

}  // namespace memphase
