#include "families/ghost/ghost_task.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <type_traits>

#include "core/bytes.hpp"
#include "families/ghost/config.hpp"
#include "families/ghost/family.hpp"
#include "families/ghost/ghost_rnn.hpp"

namespace memphase {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::uint32_t kStateTag = 0x47485331;  // "GHS1"
/// Adam block after a state's seconds (train.optimizer adam, after the
/// first update of the current phase): [tag][step i64][m][v].
constexpr std::uint32_t kAdamTag = 0x4748414D;  // "GHAM"
constexpr int kFlowPoints = 241;                 // f(κ) on κ ∈ [-3, 3], step 0.025
constexpr double kFlowLo = -3.0, kFlowHi = 3.0;

/// Everything a checkpoint holds: the result so far (curves, extras, epochs
/// run, status), the phase (1 or 2), the epoch within it and the parameters.
struct State {
  TaskResult r;
  int phase = 1;
  std::int64_t epoch = 0;
  std::vector<double> params;
  double seconds = 0.0;
  GhostAdam<double> adam;  ///< Adam's state of the current phase (step 0: none yet)
};

std::string encode(const State& s) {
  ByteWriter w;
  w.put(kStateTag);
  put(w, s.r);
  w.put(s.phase); w.put(s.epoch); w.put_vector(s.params); w.put(s.seconds);
  if (s.adam.step > 0) {
    w.put(kAdamTag);
    w.put(s.adam.step);
    w.put_matrix(s.adam.m);
    w.put_matrix(s.adam.v);
  }
  return w.take();
}

State decode(const std::string& bytes, const TaskSpec& spec) {
  ByteReader rd(bytes, "ghost task checkpoint");
  if (rd.get<std::uint32_t>() != kStateTag) rd.fail("ghost state marker");
  State s;
  get(rd, s.r, [](ByteReader& r) { return ghost::family().decode(r); });
  s.phase = rd.get<int>(); s.epoch = rd.get<std::int64_t>(); s.params = rd.get_vector<double>();
  s.seconds = rd.get<double>();
  if (!rd.done() && rd.peek<std::uint32_t>() == kAdamTag) {
    rd.get<std::uint32_t>();
    s.adam.step = rd.get<std::int64_t>();
    rd.get_matrix(s.adam.m);
    rd.get_matrix(s.adam.v);
    if (s.adam.step < 1 || s.adam.m.size() != s.adam.v.size() ||
        s.adam.m.size() != static_cast<Eigen::Index>(s.params.size()))
      rd.fail("Adam state");
  }
  if (!rd.done()) rd.fail("trailing bytes");
  if (!(s.r.spec == spec)) rd.fail("state of another task");
  if (s.phase < 1 || s.phase > 2 || s.epoch < 0) rd.fail("phase/epoch");
  return s;
}

template <class V>
std::vector<float> to_float(const V& v) {
  std::vector<float> out(static_cast<std::size_t>(v.size()));
  for (Eigen::Index i = 0; i < v.size(); ++i) out[static_cast<std::size_t>(i)] = static_cast<float>(v(i));
  return out;
}

Vec<double> to_vec(const std::vector<double>& v) {
  return Eigen::Map<const Vec<double>>(v.data(), static_cast<Eigen::Index>(v.size()));
}

void latent_rows(const Rank1Params<double>& p, const GhostRnnTask& task, double kappa_star,
                 std::int64_t epoch, Extras& x) {
  const Rank1Latent l = rank1_latent(p);
  Table* lat = nullptr;
  for (Table& t : x.tables)
    if (t.name == "latent") lat = &t;
  if (!lat) {
    x.tables.push_back({"latent", {"epoch", "fixed_points", "min_speed", "kappa_slowest", "ghosts",
                                   "ghost_speed", "ghost_kappa", "kappa_fp", "speed_kstar", "kappa0"}, {}});
    x.tables.push_back({"flow", {"epoch", "kappa", "f"}, {}});
    lat = &x.tables[x.tables.size() - 2];
  }
  const auto e = static_cast<double>(epoch);
  // The fixed point nearest κ* (the one the trajectory approaches or passes
  // to switch the output on), |f(κ*)|, and where the trajectory starts:
  // κ_0 = n·x_0 with x_0 = x0 in every unit.
  double kappa_fp = kNaN;
  for (const double root : l.roots)
    if (!std::isfinite(kappa_fp) || std::abs(root - kappa_star) < std::abs(kappa_fp - kappa_star)) kappa_fp = root;
  const double kappa0 = task.x0 * p.n.sum();
  lat->add_row({e, static_cast<double>(l.fixed_points), l.min_speed, l.kappa_slowest,
                static_cast<double>(l.ghosts), std::isfinite(l.ghost_speed) ? l.ghost_speed : kNaN,
                l.ghost_kappa, kappa_fp, std::abs(rank1_flow(p, kappa_star)), kappa0});
  Table* flow = nullptr;
  for (Table& t : x.tables)
    if (t.name == "flow") flow = &t;
  for (int i = 0; i < kFlowPoints; ++i) {
    const double k = kFlowLo + (kFlowHi - kFlowLo) * i / (kFlowPoints - 1);
    flow->add_row({e, k, rank1_flow(p, k)});
  }
}

void slow_point_rows(const RankKParams<double>& p, std::int64_t epoch, Extras& x) {
  if (p.rank() > 2) return;
  SlowPointOptions opt;
  opt.grid = p.rank() == 1 ? 3001 : 201;
  const std::vector<SlowPoint> pts = find_slow_points(p, opt);
  Table* t = nullptr;
  for (Table& tb : x.tables)
    if (tb.name == "slow_points") t = &tb;
  if (!t) {
    x.tables.push_back({"slow_points", {"epoch", "k1", "k2", "speed", "eig_re_max", "converged"}, {}});
    t = &x.tables.back();
  }
  for (const SlowPoint& s : pts) {
    double re = -std::numeric_limits<double>::infinity();
    for (Eigen::Index i = 0; i < s.eigenvalues.size(); ++i) re = std::max(re, s.eigenvalues(i).real());
    t->add_row({static_cast<double>(epoch), s.kappa(0), s.kappa.size() > 1 ? s.kappa(1) : kNaN, s.speed, re,
                s.converged ? 1.0 : 0.0});
  }
}

void diagnose(const GhostRank1<double>& net, std::int64_t epoch, Extras& x) {
  latent_rows(net.params(), net.task(), net.kappa_star(), epoch, x);
}
void diagnose(const GhostRankK<double>& net, std::int64_t epoch, Extras& x) {
  slow_point_rows(net.params(), epoch, x);
}

/// Phase-1 outcome metrics from the curves of its epochs and the final state.
template <class Model>
void phase1_metrics(const ghost::Config& spec, const Model& net, State& s) {
  const std::size_t n = s.r.curves.size();  // every phase-1 epoch (+ the non-finite one)
  GhostTrainRecord rec;
  rec.status = s.r.status;
  for (std::size_t i = 0; i < n; ++i) {
    rec.loss.push_back(s.r.curves.loss[i]);
    rec.accuracy.push_back(s.r.curves.accuracy[i]);
  }
  if (s.r.status == Status::done) {
    const GhostForward<double> f = net.forward();
    rec.final_loss = f.loss;
    rec.final_accuracy = f.accuracy;
  } else {
    rec.final_loss = rec.final_accuracy = kNaN;
  }
  const GhostOutcome o = ghost_outcome(rec, spec.ghost.tail);
  Extras& x = s.r.extras;
  x.set("phase1_epochs", static_cast<double>(s.epoch));
  x.set("final_loss", rec.final_loss);
  x.set("final_accuracy", rec.final_accuracy);
  x.set("best_accuracy", o.best_accuracy);
  x.set("tail_best_accuracy", o.best_accuracy_tail);
  // SPEC §5: rank 1 learned = best accuracy > 0.5 (Fig. 4); rank K learned =
  // final loss / initial loss < 1e-2 (Fig. S2). Both criteria are recorded.
  const bool learned_loss = std::isfinite(o.loss_ratio) && o.loss_ratio < 1e-2;
  const bool learned = spec.ghost.kind == GhostModel::rankK ? learned_loss : o.learned;
  x.set("learned", learned ? 1.0 : 0.0);
  x.set("learned_accuracy", o.learned ? 1.0 : 0.0);
  x.set("learned_loss", learned_loss ? 1.0 : 0.0);
  x.set("stuck", o.stuck ? 1.0 : 0.0);
  x.set("loss_ratio", o.loss_ratio);
  // The abrupt loss drop (seed 001 Fig. 3A): the first phase-1 epoch whose
  // loss (before its update) is below half the loss of epoch 0; NaN if none.
  double drop = kNaN;
  for (std::size_t i = 1; i < rec.loss.size(); ++i)
    if (std::isfinite(rec.loss[i]) && rec.loss[i] < 0.5 * rec.loss[0]) {
      drop = static_cast<double>(i);
      break;
    }
  x.set("drop_epoch", drop);
  s.r.cls.learned = learned;
  // Loss at epochs 1, 2, 5, 10, 20, 50, ... and at the end of phase 1 (for
  // "final loss against lr at several epoch checkpoints", seed 001 Fig. S1).
  Table cp{"checkpoints", {"epoch", "loss", "accuracy"}, {}};
  for (std::int64_t dec = 1; dec < s.epoch; dec *= 10)
    for (const std::int64_t m : {1, 2, 5})
      if (dec * m < s.epoch && static_cast<std::size_t>(dec * m) < n)
        cp.add_row({static_cast<double>(dec * m), s.r.curves.loss[static_cast<std::size_t>(dec * m)],
                    s.r.curves.accuracy[static_cast<std::size_t>(dec * m)]});
  cp.add_row({static_cast<double>(s.epoch), rec.final_loss, rec.final_accuracy});
  x.tables.push_back(std::move(cp));
}

template <class Model>
std::optional<TaskResult> drive(const TaskSpec& task, Model net, RunControl* ctl) {
  const auto t0 = std::chrono::steady_clock::now();
  const ghost::Config& spec = ghost::config(task);
  const GhostConfig& g = spec.ghost;
  State s;
  if (ctl && ctl->resume) {
    s = decode(*ctl->resume, task);
    auto p = net.params();
    p.unpack(to_vec(s.params));
    net.params() = p;
  } else {
    s.r.spec = task;
    s.r.epochs_planned = ghost::family().planned_epochs(task);
    s.r.cls = Classification{};
    s.r.extras.initial = to_float(net.params().pack());
    s.r.curves.reserve(static_cast<std::size_t>(s.r.epochs_planned));
  }
  const std::int64_t e1 = spec.train.epochs;
  const std::int64_t e2 = g.recovery() ? g.recovery_epochs : 0;
  auto elapsed = [&] {
    return s.seconds + std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  // One optimiser step of the current phase (SGD, or Adam with the phase's
  // own state: the recovery phase starts a fresh optimiser, SPEC §5); false
  // when it was not finite.
  const bool adam = spec.train.optimizer == Optimizer::adam;
  auto step = [&](double lr) {
    const GhostStep st =
        adam ? net.adam_step(s.adam, {lr, spec.train.adam_beta1, spec.train.adam_beta2, spec.train.adam_eps, 0.0})
             : net.sgd_step(lr);
    s.r.curves.loss.push_back(static_cast<float>(st.loss));
    s.r.curves.accuracy.push_back(static_cast<float>(st.accuracy));
    s.r.curves.reliability.push_back(0.0f);
    s.r.curves.grad_norm.push_back(static_cast<float>(st.grad_norm));
    if (!st.finite) {
      s.r.status = Status::diverged;
      return false;
    }
    ++s.r.epochs_run;
    ++s.epoch;
    return true;
  };
  // After an update: checkpoint / stop as the controller says.
  auto control = [&]() -> bool {
    const RunAction a = poll_control(ctl, s.r.epochs_run);
    if (a == RunAction::go_on) return true;
    State snap = s;
    snap.seconds = elapsed();
    const Vec<double> pk = net.params().pack();
    snap.params.assign(pk.data(), pk.data() + pk.size());
    if (ctl && ctl->save) ctl->save(encode(snap));
    return a != RunAction::stop;
  };

  if (s.phase == 1) {
    while (s.epoch < e1) {
      if (g.diag_every > 0 && s.epoch % g.diag_every == 0) diagnose(net, s.epoch, s.r.extras);
      if (!step(spec.train.lr)) break;
      if (!control()) return std::nullopt;
    }
    // The loop's snapshots are at epochs 0, k, 2k, ... < e1: add the end.
    if (g.diag_every > 0 && s.r.status == Status::done) diagnose(net, s.epoch, s.r.extras);
    phase1_metrics(spec, net, s);
    if (s.r.status == Status::done && e2 > 0) {
      s.phase = 2;
      s.epoch = 0;
      s.adam = {};
      if constexpr (std::is_same_v<Model, GhostRank1<double>>) net.set_confidence(g.recovery_confidence);
      s.r.extras.set("recovery_c", g.recovery_confidence);
      s.r.extras.tables.push_back({"recovery", {"epoch", "loss", "accuracy"}, {}});
    }
  } else if constexpr (std::is_same_v<Model, GhostRank1<double>>) {
    net.set_confidence(g.recovery_confidence);
  }
  if (s.phase == 2) {
    const double lr = g.recovery_lr > 0.0 ? g.recovery_lr : spec.train.lr;
    auto rec_table = [&]() -> Table& {
      for (Table& t : s.r.extras.tables)
        if (t.name == "recovery") return t;
      throw IoError("ghost task checkpoint: recovery table missing");
    };
    while (s.epoch < e2) {
      const std::int64_t e = s.epoch;
      if (!step(lr)) break;
      rec_table().add_row({static_cast<double>(e), s.r.curves.loss.back(), s.r.curves.accuracy.back()});
      if (!control()) return std::nullopt;
    }
    Table& t = rec_table();
    double sum = 0.0, best = 0.0;
    const std::size_t rows = t.rows();
    for (std::size_t i = 0; i < rows; ++i) {
      sum += t.data[i * 3 + 2];
      best = std::max(best, t.data[i * 3 + 2]);
    }
    double final_acc = kNaN;
    if (s.r.status == Status::done) {
      const GhostForward<double> f = net.forward();
      t.add_row({static_cast<double>(s.epoch), f.loss, f.accuracy});
      final_acc = f.accuracy;
      best = std::max(best, f.accuracy);
    }
    s.r.extras.set("recovery_final_accuracy", final_acc);
    s.r.extras.set("recovery_mean_accuracy", rows ? sum / static_cast<double>(rows) : kNaN);
    s.r.extras.set("recovery_best_accuracy", best);
  }
  s.r.extras.final = to_float(net.params().pack());
  s.r.train_seconds = elapsed();
  return std::move(s.r);
}

}  // namespace

std::optional<TaskResult> run_ghost_task(const TaskSpec& t, RunControl* ctl) {
  const ghost::Config& spec = ghost::config(t);
  GhostRnnTask task;  // SPEC §5: 40 steps, delay 20, alpha 0.5, x0 -0.3, loss / 20
  if (spec.ghost.kind == GhostModel::rank1)
    return drive(t, GhostRank1<double>::init(spec.model.n, spec.train.seed, task, spec.ghost.confidence), ctl);
  return drive(t, GhostRankK<double>::init(spec.model.n, spec.ghost.rank, spec.train.seed, task), ctl);
}

}  // namespace memphase
