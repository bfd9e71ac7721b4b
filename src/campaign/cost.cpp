#include "campaign/cost.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <vector>

#include "core/error.hpp"

#include "task/trial.hpp"
#include "train/bptt.hpp"

namespace memphase {

double effective_gflops() {
  if (const char* g = std::getenv("MEMPHASE_GFLOPS")) {
    const double v = std::atof(g);
    if (v > 0) return v;
  }
  return 80.0;  // memphase bench, epoch_gflops on the development machine (AVX-512 EPYC core)
}

double task_cost(const TaskSpec& spec) {
  if (spec.toy.enabled()) {
    // GD updates x the cost of one loss gradient, in "GEMM-equivalent flops"
    // (scalar, branchy code: ~5 ns per closed-form update or per Euler step
    // of the finite-confidence ghost, which makes (T_d + T_r)/0.1 of them).
    const double t_resp = spec.toy.response_for(spec.task.delay, spec.task.response);
    const double per_step = spec.toy.confidence > 0.0 ? 400.0 * (spec.task.delay + t_resp) / 0.1 : 400.0;
    return static_cast<double>(spec.toy.max_steps) * per_step;
  }
  const double n = spec.model.n;
  if (spec.ghost.enabled()) {
    // Scalar-heavy 40-step BPTT on N-vectors. `memphase bench` (one idle
    // core): rank 1 (N = 100) 23.5 µs per epoch -> 2e4 flop-eq per unit;
    // rank K = 100 (N = 100) 181 µs, rank K = 1..10 ~50-80 µs (quick rank
    // sweep) -> 4e4 per unit + 1e3 per unit and rank.
    const double k = spec.ghost.rank;
    const double per_epoch = spec.ghost.kind == GhostModel::rankK ? n * (4e4 + 1e3 * k) : n * 2e4;
    return static_cast<double>(spec.planned_epochs()) * per_epoch;
  }
  if (spec.wcrnn.enabled()) {
    // T steps of an N×N and N×I product over the batch, forward + backward
    // (~3x forward), plus ~6e3 flop-equivalents of per-step, per-sequence
    // overhead. Measured (one core): adding N 32, T 100, B 32: 0.77 ms per
    // update (model 0.5 ms); sMNIST N 64, B 32: 8.6 ms (model 11 ms).
    const WcrnnConfig& w = spec.wcrnn;
    const bool images = w.task == WcrnnTask::smnist || w.task == WcrnnTask::psmnist;
    const double T = images ? 784.0 : static_cast<double>(w.seq_len);
    const double in = images ? 1.0 : 2.0;
    const double per_update = T * w.batch * (3.0 * 2.0 * (n * n + n * in) + 6e3);
    const double evals = static_cast<double>(spec.train.epochs) / w.eval_every + 1.0;
    const double eval = T * w.eval_size * (2.0 * (n * n + n * in) + 2e3);
    const double lyap = (w.lyap_steps + w.lyap_transient) * (n * n * n * 4.0);
    return static_cast<double>(spec.planned_epochs()) * per_update + evals * eval + lyap;
  }
  const TrialLayout L = make_layout(spec.task, spec.model.dt);
  return static_cast<double>(spec.train.resolved_epochs()) * epoch_flops(spec.model.n, L.batch(), L.steps);
}

}  // namespace memphase

// ------------------------------------------------------------------ additions
// (issue 15: ETA of the progress line, memory at validation)

namespace memphase {

double task_seconds(const TaskSpec& spec, double gflops) {
  return task_cost(spec) / ((gflops > 0 ? gflops : effective_gflops()) * 1e9);
}

double calibrated_eta(double remaining_seconds, double longest_seconds, double ratio, int ranks) {
  if (!(remaining_seconds > 0) && !(longest_seconds > 0)) return 0.0;
  if (ranks <= 0) return std::numeric_limits<double>::quiet_NaN();
  return std::max(remaining_seconds / ranks, longest_seconds) * ratio;
}

void RemainingWork::add(double seconds) {
  tasks_.insert(seconds);
  sum_ += seconds;
}

void RemainingWork::remove(double seconds) {
  const auto it = tasks_.find(seconds);
  if (it == tasks_.end()) return;
  tasks_.erase(it);
  sum_ = tasks_.empty() ? 0.0 : sum_ - seconds;
}

namespace {

/// A spec field a memory term grows with: its key path, its value (for the
/// message) and how far it is above a typical value (ratio). The field with
/// the largest ratio is blamed when its term dominates.
struct Factor {
  const char* key;
  double value;
  double ratio;
};
struct Term {
  const char* what;
  std::string shape;  ///< "100 units x 128 trials x 96 steps"
  double bytes;
  std::vector<Factor> factors;
};

/// floor(duration / dt) as make_layout() counts steps, in double (no overflow,
/// no allocation).
double steps_of(double duration, double dt) { return std::floor(duration / dt); }

std::string value_text(double v) { return fmt::format("{}", v); }

/// The terms of task_memory(s); their `shape` texts only when `text`.
std::vector<Term> memory_terms(const TaskSpec& s, bool text) {
  std::vector<Term> t;
  const auto shape = [text](std::string_view f, auto... a) {
    return text ? fmt::format(fmt::runtime(f), a...) : std::string();
  };
  const double n = s.model.n;
  const auto curves = [&](double epochs, double copies) {
    const bool auto_epochs = s.rate_rnn() && s.train.epochs == 0;
    return Term{"curves", shape("{:.0f} epochs", epochs), copies * 16.0 * epochs,
                {{auto_epochs ? "train.lr" : "train.epochs", auto_epochs ? s.train.lr : epochs, epochs}}};
  };
  if (s.toy.enabled()) {
    t.push_back({"toy state", "scalars", 64.0 * 1024, {{"toy.max_steps", static_cast<double>(s.toy.max_steps), 1.0}}});
    return t;
  }
  if (s.ghost.enabled()) {
    const double epochs = static_cast<double>(s.planned_epochs());
    t.push_back({"network", shape("{:.0f} units x 40 steps", n), 8.0 * n * 40.0 * 16.0 + 8.0 * 8.0 * n * std::max(1, s.ghost.rank),
                 {{"model.n", n, n / 100.0}}});
    t.push_back(curves(epochs, 4.0));
    // Diagnostic tables every diag_every epochs: ~12 doubles a row, plus the
    // flow f(kappa) on a grid of ~200 points for rank 1.
    const double rows = s.ghost.diag_every > 0 ? epochs / s.ghost.diag_every : 0.0;
    t.push_back({"tables", shape("{:.0f} snapshots", rows), rows * 8.0 * (12.0 + 3.0 * 200.0),
                 {{"ghost.diag_every", static_cast<double>(s.ghost.diag_every), rows}}});
    return t;
  }
  if (s.wcrnn.enabled()) {
    const WcrnnConfig& w = s.wcrnn;
    const bool images = w.task == WcrnnTask::smnist || w.task == WcrnnTask::psmnist;
    const double T = images ? 784.0 : w.seq_len;
    t.push_back({"training state", shape("{:.0f} units x {} sequences x {:.0f} steps", n, w.batch, T),
                 4.0 * 3.0 * n * w.batch * T,
                 {{"model.n", n, n / 64.0}, {"wcrnn.batch", static_cast<double>(w.batch), w.batch / 32.0},
                  {"wcrnn.seq_len", T, T / 100.0}}});
    t.push_back({"held-out pass", shape("{:.0f} units x {} sequences x {:.0f} steps", n, w.eval_size, T),
                 4.0 * n * w.eval_size * T,
                 {{"wcrnn.eval_size", static_cast<double>(w.eval_size), w.eval_size / 500.0}, {"model.n", n, n / 64.0}}});
    if (images) {
      const double imgs = w.train_size > 0 ? static_cast<double>(w.train_size) + 10000.0 : 70000.0;
      t.push_back({"data set", shape("{:.0f} images", imgs), imgs * 784.0 * 4.0,
                   {{"wcrnn.train_size", imgs, imgs / 70000.0}}});
    }
    t.push_back({"Lyapunov spectrum", shape("{:.0f} x {:.0f}", n, n), 8.0 * 6.0 * n * n, {{"model.n", n, n / 64.0}}});
    t.push_back(curves(static_cast<double>(s.planned_epochs()), 4.0));
    return t;
  }
  // Rate RNN (train/bptt.hpp, trial-major kernel): the states of every step
  // B x (N T) and dL/dlogit of every step B x (2 T), per-step buffers B x N
  // (pre-activation, delta, dL/dr) and W_rec^T, in float32; the loss weights
  // of the T steps in double.
  const double dt = s.model.dt, B = 2.0 * s.task.reps;
  const bool dcdt = s.task.kind == TaskKind::dcdt;
  const double cue = steps_of(s.task.cue, dt), delay = dcdt ? steps_of(s.task.delay, dt) : 0.0,
               resp = steps_of(s.task.response, dt), post = dcdt ? steps_of(s.task.post, dt) : 0.0;
  const double T = cue + delay + resp + post;
  // T is long because of a long period, or a short step: blame whichever is
  // further from the reference task (cue 30, delay 200, response 50, post
  // 30 ms at dt 5 ms).
  Factor steps{"model.dt", dt, 5.0 / dt};
  for (const Factor& f : {Factor{"task.cue", s.task.cue, s.task.cue / 30.0},
                          Factor{"task.delay", s.task.delay, s.task.delay / 200.0},
                          Factor{"task.response", s.task.response, s.task.response / 50.0},
                          Factor{"task.post", s.task.post, s.task.post / 30.0}})
    if (f.ratio > steps.ratio) steps = f;
  t.push_back({"BPTT buffers", shape("{:.0f} units x {:.0f} trials x {:.0f} steps", n, B, T),
               4.0 * ((n + 2.0) * B * T + 3.0 * B * n + n * n) + 8.0 * T,
               {{"model.n", n, n / 100.0}, {"task.reps", static_cast<double>(s.task.reps), s.task.reps / 64.0},
                steps}});
  t.push_back({"free run", shape("9 x {:.0f} steps x {:.0f} units", T, n), 8.0 * 9.0 * T * (2.0 * n + 5.0),
               {{"model.n", n, n / 100.0}, steps}});
  t.push_back(curves(static_cast<double>(s.train.resolved_epochs()), 4.0));
  t.push_back({"weights", shape("8 copies of {:.0f} units", n), 8.0 * 4.0 * (n * n + 6.0 * n + 2.0),
               {{"model.n", n, n / 100.0}}});
  return t;
}

}  // namespace

double task_memory_bytes(const TaskSpec& spec) {
  double b = 0.0;
  for (const Term& t : memory_terms(spec, false)) b += t.bytes;
  return b;
}

MemoryEstimate task_memory(const TaskSpec& spec) {
  MemoryEstimate e;
  const std::vector<Term> terms = memory_terms(spec, true);
  const Term* top = &terms.front();
  for (const Term& t : terms) {
    e.bytes += t.bytes;
    if (t.bytes > top->bytes) top = &t;
    if (!e.breakdown.empty()) e.breakdown += "; ";
    e.breakdown += fmt::format("{} {}: {}", t.what, t.shape, format_bytes(t.bytes));
  }
  const Factor* blame = &top->factors.front();
  for (const Factor& f : top->factors)
    if (f.ratio > blame->ratio) blame = &f;
  e.key = blame->key;
  e.value = value_text(blame->value);
  return e;
}

double available_memory() {
  double bytes = 0.0;
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && page > 0) bytes = static_cast<double>(pages) * static_cast<double>(page);
  // A cgroup limit (v2, then v1): Slurm's --mem, a container's memory.
  for (const char* f : {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    std::ifstream in(f);
    std::string v;
    if (!(in >> v) || v == "max") continue;
    char* end = nullptr;
    const double lim = std::strtod(v.c_str(), &end);
    if (end != v.c_str() && lim > 0 && (bytes <= 0 || lim < bytes)) bytes = lim;
  }
  return bytes;
}

double parse_bytes(const std::string& text, const std::string& what) {
  std::size_t used = 0;
  double v = -1.0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  std::string unit = used > 0 ? text.substr(used) : std::string();
  if (!unit.empty() && (unit.back() == 'B' || unit.back() == 'b')) unit.pop_back();
  if (unit.size() == 2 && unit.back() == 'i') unit.pop_back();
  double f = 0.0;
  if (unit.empty()) f = 1.0;
  else if (unit.size() == 1) {
    switch (std::toupper(static_cast<unsigned char>(unit[0]))) {
      case 'K': f = 1024.0; break;
      case 'M': f = 1048576.0; break;
      case 'G': f = 1073741824.0; break;
      case 'T': f = 1099511627776.0; break;
      default: break;
    }
  }
  if (used == 0 || f == 0.0 || !std::isfinite(v) || !(v > 0))
    throw ConfigError(fmt::format("{}: expected a size such as 64G, 512M or a number of bytes > 0 (got '{}')", what,
                                  text));
  return v * f;
}

MemoryCheck task_memory_check(double override_bytes) {
  MemoryCheck m;
  m.estimate = [](const TaskSpec& s) { return task_memory(s); };
  const char* hint = "--max-task-memory or MEMPHASE_MAX_TASK_MEMORY sets it";
  if (override_bytes > 0) {
    m.limit_bytes = override_bytes;
    m.limit_text = fmt::format("--max-task-memory {}", format_bytes(override_bytes));
  } else if (const char* env = std::getenv("MEMPHASE_MAX_TASK_MEMORY"); env && *env) {
    m.limit_bytes = parse_bytes(env, "MEMPHASE_MAX_TASK_MEMORY");
    m.limit_text = fmt::format("MEMPHASE_MAX_TASK_MEMORY={}", env);
  } else if (const double avail = available_memory(); avail > 0) {
    m.limit_bytes = 0.5 * avail;
    m.limit_text = fmt::format("half of the {} of memory of this machine; {}", format_bytes(avail), hint);
  }
  return m;
}

}  // namespace memphase
