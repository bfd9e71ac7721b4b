#include "config/train_config.hpp"

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <sstream>
#include <tuple>
#include <type_traits>
#include <utility>

#include "config/spec_sections.hpp"
#include "config/yaml_util.hpp"
#include "core/error.hpp"

namespace memphase {

namespace detail {

namespace {

template <class E>
using Choices = std::span<const std::pair<std::string_view, E>>;

constexpr std::pair<std::string_view, Readout> readout_names[] = {{"sigmoid", Readout::sigmoid},
                                                                  {"linear", Readout::linear}};
constexpr std::pair<std::string_view, TaskKind> task_kind_names[] = {
    {"dcdt", TaskKind::dcdt}, {"no_memory", TaskKind::no_memory}};
constexpr std::pair<std::string_view, LossKind> loss_names[] = {
    {"weighted_mse", LossKind::weighted_mse}, {"mse", LossKind::mse}};
constexpr std::pair<std::string_view, ToyModel> toy_kind_names[] = {
    {"none", ToyModel::none}, {"ghost", ToyModel::ghost}, {"cycle", ToyModel::cycle}};
constexpr std::pair<std::string_view, ToyGhostLoss> toy_loss_names[] = {
    {"raw", ToyGhostLoss::raw}, {"normalized", ToyGhostLoss::normalized}};
constexpr std::pair<std::string_view, GhostModel> ghost_kind_names[] = {
    {"none", GhostModel::none}, {"rank1", GhostModel::rank1}, {"rankK", GhostModel::rankK}};
constexpr std::pair<std::string_view, WcrnnTask> wcrnn_task_names[] = {
    {"none", WcrnnTask::none},     {"lyapunov", WcrnnTask::lyapunov}, {"adding", WcrnnTask::adding},
    {"smnist", WcrnnTask::smnist}, {"psmnist", WcrnnTask::psmnist}};
constexpr std::pair<std::string_view, ResidualKind> residual_names[] = {
    {"homogeneous", ResidualKind::homogeneous},
    {"rotational", ResidualKind::rotational},
    {"heterogeneous_diag", ResidualKind::heterogeneous_diag},
    {"heterogeneous_rot", ResidualKind::heterogeneous_rot},
    {"zero", ResidualKind::zero}};

template <class E>
std::string name_of(E value, Choices<std::type_identity_t<E>> choices) {
  for (const auto& [name, v] : choices) {
    if (v == value) return std::string(name);
  }
  return fmt::format("{}", static_cast<int>(value));  // out-of-range enum: fails to parse back
}

/// One family of SPEC §1: a name and the fields it changes from TaskSpec's
/// defaults. Adding a family is adding one entry.
struct Family {
  std::string_view name;
  void (*apply)(TaskSpec&);
};

/// Plain gradient descent of toys and ghost networks: no momentum, no weight
/// decay, an explicit epoch (GD update) count.
void plain_sgd(TaskSpec& s, std::int64_t epochs) {
  s.train.momentum = 0.0;
  s.train.weight_decay = 0.0;
  s.train.epochs = epochs;
}

/// Seed 001 Fig. 4 settings of both ghost families: N = 100, lr 0.02, 6000
/// epochs of plain SGD (c = 10 is GhostConfig's default).
void ghost_family(TaskSpec& s, GhostModel kind) {
  s.ghost.kind = kind;
  s.model.n = 100;
  s.train.lr = 0.02;
  plain_sgd(s, 6000);
}

constexpr Family families[] = {
    {"dcdt-nopost", [](TaskSpec&) {}},
    {"dcdt-post",
     [](TaskSpec& s) {
       s.task.post = 30.0;
       s.train.epochs_coeff = 100.0;
     }},
    {"dcdt-longtau", [](TaskSpec& s) { s.model.tau = 20.0; }},
    {"no-memory",
     [](TaskSpec& s) {
       s.task.kind = TaskKind::no_memory;
       s.task.delay = 0.0;
       s.task.post = 0.0;
       s.task.loss = LossKind::mse;
       s.model.readout = Readout::linear;
       s.train.epochs = 3000;
       s.train.abort_loss = 100.0;
     }},
    // Toys (SPEC §4): plain gradient descent on r with α = train.lr; the
    // defaults are SPEC §4.1's task at T = 100 (ghost) and SPEC §4.2's
    // cycle with T_d = 100, T_r = 10. train.epochs is not used (toy.max_steps).
    {"toy-ghost",
     [](TaskSpec& s) {
       s.toy.kind = ToyModel::ghost;
       s.task.delay = 100.0;
       s.task.response = 100.0;
       plain_sgd(s, 1);
     }},
    {"toy-cycle",
     [](TaskSpec& s) {
       s.toy.kind = ToyModel::cycle;
       s.toy.loss = ToyGhostLoss::normalized;
       s.task.delay = 100.0;
       s.task.response = 10.0;
       plain_sgd(s, 1);
     }},
    // Ghost-mechanism RNNs (SPEC §5, seed 001 Fig. 4 settings): plain SGD,
    // N = 100, lr 0.02, 6000 epochs, c = 10. Rank K: ghost.rank.
    {"ghost-rank1", [](TaskSpec& s) { ghost_family(s, GhostModel::rank1); }},
    {"ghost-rankK",
     [](TaskSpec& s) {
       ghost_family(s, GhostModel::rankK);
       s.ghost.rank = 2;
     }},
    // Weakly coupled residual RNNs (SPEC §6): adding problem T = 100 with
    // R = 0.95 I, γ = 0.1, N = 32, SGD lr 0.05 momentum 0.9, clip 1, batch 32.
    {"wcrnn",
     [](TaskSpec& s) {
       s.wcrnn.task = WcrnnTask::adding;
       s.wcrnn.residual.r = 0.95;
       s.model.n = 32;
       s.train.lr = 0.05;
       s.train.momentum = 0.9;
       s.train.weight_decay = 0.0;
       s.train.epochs = 5000;
     }},
};

/// Range rules of check_spec. Each returns whether the value passed, so that
/// cross-field rules run only on values that are valid on their own.
class Rules {
 public:
  explicit Rules(Diagnostics& diag) : diag_(diag) {}

  /// A double that must be finite and satisfy `ok`; `rule` reads "> 0".
  template <class Pred>
  bool number(std::string_view path, double v, Pred ok, std::string_view rule) {
    if (diag_.failed(path)) return false;
    if (!std::isfinite(v)) return fail(path, fmt::format("{} must be finite (got {})", path, v));
    if (!ok(v)) return fail(path, fmt::format("{} must be {} (got {})", path, rule, v));
    return true;
  }

  /// An integer that must satisfy `ok`.
  template <class Int, class Pred>
  bool integer(std::string_view path, Int v, Pred ok, std::string_view rule) {
    if (diag_.failed(path)) return false;
    if (!ok(v)) return fail(path, fmt::format("{} must be {} (got {})", path, rule, v));
    return true;
  }

  /// Whether `path` already has an error.
  bool failed(std::string_view path) const { return diag_.failed(path); }

  /// Records `text` at the location of `path`; returns false.
  bool fail(std::string_view path, std::string text) {
    diag_.error_at_key(path, std::move(text));
    return false;
  }

 private:
  Diagnostics& diag_;
};

constexpr auto positive = [](auto v) { return v > 0; };
constexpr auto non_negative = [](auto v) { return v >= 0; };
constexpr auto at_least_one = [](auto v) { return v >= 1; };

}  // namespace

std::vector<std::string> family_names() {
  std::vector<std::string> out;
  for (const Family& f : families) out.emplace_back(f.name);
  return out;
}

bool apply_family(TaskSpec& spec, std::string_view name, Location at, Diagnostics& diag) {
  for (const Family& f : families) {
    if (f.name == name) {
      f.apply(spec);
      return true;
    }
  }
  const std::vector<std::string> known = family_names();
  const std::optional<std::string> near = closest_match(name, known);
  diag.error(at, fmt::format("unknown family '{}'{}; known families: {}", name,
                             near ? fmt::format(" (did you mean '{}'?)", *near) : std::string(),
                             join_list(known)));
  diag.mark_failed("family");
  return false;
}

std::vector<std::string> spec_key_paths() {
  return {"model.n",
          "model.dt",
          "model.tau",
          "model.noise_sigma",
          "model.init_state_sigma",
          "model.readout",
          "task.kind",
          "task.cue",
          "task.delay",
          "task.response",
          "task.post",
          "task.reps",
          "task.loss",
          "train.lr",
          "train.momentum",
          "train.weight_decay",
          "train.epochs",
          "train.epochs_coeff",
          "train.epochs_min",
          "train.abort_loss",
          "train.record_every",
          "train.seed",
          "toy.kind",
          "toy.loss",
          "toy.confidence",
          "toy.response_ratio",
          "toy.r0_jitter",
          "toy.max_steps",
          "toy.settle_steps",
          "ghost.kind",
          "ghost.rank",
          "ghost.confidence",
          "ghost.recovery_confidence",
          "ghost.recovery_epochs",
          "ghost.recovery_lr",
          "ghost.diag_every",
          "ghost.tail",
          "wcrnn.task",
          "wcrnn.residual",
          "wcrnn.r",
          "wcrnn.phi",
          "wcrnn.r_lo",
          "wcrnn.r_hi",
          "wcrnn.phi_lo",
          "wcrnn.phi_hi",
          "wcrnn.gamma",
          "wcrnn.seq_len",
          "wcrnn.batch",
          "wcrnn.clip",
          "wcrnn.eval_every",
          "wcrnn.eval_size",
          "wcrnn.train_size",
          "wcrnn.dataset",
          "wcrnn.permutation_seed",
          "wcrnn.threshold",
          "wcrnn.lyap_steps",
          "wcrnn.lyap_transient",
          "wcrnn.lyap_k"};
}

void read_spec_sections(MapReader& top, TaskSpec& spec, Diagnostics& diag) {
  const std::vector<std::string> all = spec_key_paths();

  MapReader model(top.section("model"), "model", diag);
  model.read("n", spec.model.n);
  model.read("dt", spec.model.dt);
  model.read("tau", spec.model.tau);
  model.read("noise_sigma", spec.model.noise_sigma);
  model.read("init_state_sigma", spec.model.init_state_sigma);
  model.read_choice("readout", spec.model.readout, Choices<Readout>(readout_names));
  model.finish(all);

  MapReader task(top.section("task"), "task", diag);
  task.read_choice("kind", spec.task.kind, Choices<TaskKind>(task_kind_names));
  task.read("cue", spec.task.cue);
  task.read("delay", spec.task.delay);
  task.read("response", spec.task.response);
  task.read("post", spec.task.post);
  task.read("reps", spec.task.reps);
  task.read_choice("loss", spec.task.loss, Choices<LossKind>(loss_names));
  task.finish(all);

  MapReader train(top.section("train"), "train", diag);
  train.read("lr", spec.train.lr);
  train.read("momentum", spec.train.momentum);
  train.read("weight_decay", spec.train.weight_decay);
  // epochs: 'auto' (the formula, stored as 0) or an explicit count >= 1.
  if (const YAML::Node e = train.find("epochs"); e.IsDefined()) {
    const Location at = train.location("epochs");
    diag.set_location("train.epochs", at);
    const std::optional<std::int64_t> v =
        e.IsScalar() ? parse_int64(e.Scalar()) : std::optional<std::int64_t>();
    if (e.IsScalar() && e.Scalar() == "auto") {
      spec.train.epochs = 0;
    } else if (!v) {
      diag.error_at_key(
          "train.epochs",
          fmt::format("train.epochs must be an integer or 'auto' (got {})", describe(e)));
    } else if (*v < 1) {
      diag.error_at_key("train.epochs",
                        fmt::format("train.epochs must be >= 1 or 'auto' (got {})", *v));
    } else {
      spec.train.epochs = *v;
    }
  }
  train.read("epochs_coeff", spec.train.epochs_coeff);
  train.read("epochs_min", spec.train.epochs_min);
  train.read("abort_loss", spec.train.abort_loss);
  train.read("record_every", spec.train.record_every);
  train.read("seed", spec.train.seed);
  train.finish(all);

  MapReader toy(top.section("toy"), "toy", diag);
  toy.read_choice("kind", spec.toy.kind, Choices<ToyModel>(toy_kind_names));
  toy.read_choice("loss", spec.toy.loss, Choices<ToyGhostLoss>(toy_loss_names));
  toy.read("confidence", spec.toy.confidence);
  toy.read("response_ratio", spec.toy.response_ratio);
  toy.read("r0_jitter", spec.toy.r0_jitter);
  toy.read("max_steps", spec.toy.max_steps);
  toy.read("settle_steps", spec.toy.settle_steps);
  toy.finish(all);

  MapReader ghost(top.section("ghost"), "ghost", diag);
  ghost.read_choice("kind", spec.ghost.kind, Choices<GhostModel>(ghost_kind_names));
  ghost.read("rank", spec.ghost.rank);
  ghost.read("confidence", spec.ghost.confidence);
  ghost.read("recovery_confidence", spec.ghost.recovery_confidence);
  ghost.read("recovery_epochs", spec.ghost.recovery_epochs);
  ghost.read("recovery_lr", spec.ghost.recovery_lr);
  ghost.read("diag_every", spec.ghost.diag_every);
  ghost.read("tail", spec.ghost.tail);
  ghost.finish(all);

  MapReader wc(top.section("wcrnn"), "wcrnn", diag);
  WcrnnConfig& w = spec.wcrnn;
  wc.read_choice("task", w.task, Choices<WcrnnTask>(wcrnn_task_names));
  wc.read_choice("residual", w.residual.kind, Choices<ResidualKind>(residual_names));
  wc.read("r", w.residual.r);
  wc.read("phi", w.residual.phi);
  wc.read("r_lo", w.residual.r_lo);
  wc.read("r_hi", w.residual.r_hi);
  wc.read("phi_lo", w.residual.phi_lo);
  wc.read("phi_hi", w.residual.phi_hi);
  wc.read("gamma", w.gamma);
  wc.read("seq_len", w.seq_len);
  wc.read("batch", w.batch);
  wc.read("clip", w.clip);
  wc.read("eval_every", w.eval_every);
  wc.read("eval_size", w.eval_size);
  wc.read("train_size", w.train_size);
  wc.read("dataset", w.dataset);
  wc.read("permutation_seed", w.permutation_seed);
  wc.read("threshold", w.threshold);
  wc.read("lyap_steps", w.lyap_steps);
  wc.read("lyap_transient", w.lyap_transient);
  wc.read("lyap_k", w.lyap_k);
  wc.finish(all);
}

namespace {

/// Refuses keys of a section whose model is not enabled (they would be
/// ignored silently): `differs` lists (path, value differs from default, value).
void refuse_unused(Rules& r, std::string_view owner,
                   std::initializer_list<std::tuple<std::string_view, bool, std::string>> keys) {
  for (const auto& [path, differs, value] : keys)
    if (differs)
      r.fail(path, fmt::format("{} is only used by {} (got {})", path, owner, value));
}

/// Plain SGD (no momentum, no weight decay) for toys and ghost networks.
void require_plain_sgd(const TaskSpec& spec, Rules& r, std::string_view who) {
  if (!r.failed("train.momentum") && spec.train.momentum != 0.0)
    r.fail("train.momentum", fmt::format("train.momentum must be 0 for {} (plain gradient "
                                         "descent) (got {})", who, spec.train.momentum));
  if (!r.failed("train.weight_decay") && spec.train.weight_decay != 0.0)
    r.fail("train.weight_decay", fmt::format("train.weight_decay must be 0 for {} (plain "
                                             "gradient descent) (got {})", who,
                                             spec.train.weight_decay));
}

/// Rules of the toy section (SPEC §4): only a toy family may set it, and the
/// toy's gradient descent is plain (no momentum, no weight decay).
void check_toy(const TaskSpec& spec, Rules& r, bool delay_ok) {
  const ToyConfig& y = spec.toy;
  const ToyConfig none{};
  if (!y.enabled()) {
    // A toy key in an RNN file would be ignored silently: refuse it.
    auto unused = [&](std::string_view path, bool differs, std::string value) {
      if (differs)
        r.fail(path, fmt::format("{} is only used when toy.kind is ghost or cycle (families "
                                 "toy-ghost, toy-cycle) (got {})",
                                 path, value));
    };
    unused("toy.loss", y.loss != none.loss,
           name_of(y.loss, Choices<ToyGhostLoss>(toy_loss_names)));
    unused("toy.confidence", y.confidence != none.confidence, format_double(y.confidence));
    unused("toy.response_ratio", y.response_ratio != none.response_ratio,
           format_double(y.response_ratio));
    unused("toy.r0_jitter", y.r0_jitter != none.r0_jitter, format_double(y.r0_jitter));
    unused("toy.max_steps", y.max_steps != none.max_steps, fmt::format("{}", y.max_steps));
    unused("toy.settle_steps", y.settle_steps != none.settle_steps,
           fmt::format("{}", y.settle_steps));
    return;
  }
  if (delay_ok && !(spec.task.delay > 0.0))
    r.fail("task.delay", fmt::format("task.delay must be > 0 for a toy (got {})", spec.task.delay));
  if (y.kind == ToyModel::cycle && y.loss != ToyGhostLoss::normalized)
    r.fail("toy.loss",
           fmt::format("toy.loss must be normalized for the cycle (SPEC §4.2) (got {})",
                       name_of(y.loss, Choices<ToyGhostLoss>(toy_loss_names))));
  if (r.number("toy.confidence", y.confidence, non_negative, ">= 0 (0: closed form)") &&
      y.kind == ToyModel::cycle && y.confidence != 0.0)
    r.fail("toy.confidence",
           fmt::format("toy.confidence must be 0 for the cycle (only the ghost has a "
                       "finite-confidence form) (got {})",
                       y.confidence));
  r.number("toy.response_ratio", y.response_ratio, non_negative, ">= 0 (0: fixed task.response)");
  r.number(
      "toy.r0_jitter", y.r0_jitter, [](double v) { return v >= 0.0 && v < 1.0; }, "in [0, 1)");
  r.integer("toy.max_steps", y.max_steps, at_least_one, ">= 1");
  r.integer("toy.settle_steps", y.settle_steps, non_negative, ">= 0");
  require_plain_sgd(spec, r, "a toy");
}

/// Rules of the ghost section (SPEC §5).
void check_ghost(const TaskSpec& spec, Rules& r) {
  const GhostConfig& g = spec.ghost;
  const GhostConfig none{};
  if (!g.enabled()) {
    refuse_unused(r, "the ghost families (ghost-rank1, ghost-rankK)",
                  {{"ghost.rank", g.rank != none.rank, fmt::format("{}", g.rank)},
                   {"ghost.confidence", g.confidence != none.confidence, format_double(g.confidence)},
                   {"ghost.recovery_confidence", g.recovery_confidence != none.recovery_confidence,
                    format_double(g.recovery_confidence)},
                   {"ghost.recovery_epochs", g.recovery_epochs != none.recovery_epochs,
                    fmt::format("{}", g.recovery_epochs)},
                   {"ghost.recovery_lr", g.recovery_lr != none.recovery_lr, format_double(g.recovery_lr)},
                   {"ghost.diag_every", g.diag_every != none.diag_every, fmt::format("{}", g.diag_every)},
                   {"ghost.tail", g.tail != none.tail, fmt::format("{}", g.tail)}});
    return;
  }
  if (spec.toy.enabled()) r.fail("ghost.kind", "ghost.kind cannot be set together with toy.kind");
  if (r.integer("ghost.rank", g.rank, at_least_one, ">= 1") && !r.failed("model.n") &&
      g.kind == GhostModel::rankK && g.rank > spec.model.n)
    r.fail("ghost.rank", fmt::format("ghost.rank must be <= model.n (K = N is full rank) (got rank "
                                     "{}, n {})", g.rank, spec.model.n));
  if (g.kind == GhostModel::rank1 && g.rank != 1 && !r.failed("ghost.rank"))
    r.fail("ghost.rank", fmt::format("ghost.rank must be 1 for ghost.kind rank1 (got {}); use "
                                     "family ghost-rankK", g.rank));
  r.number("ghost.confidence", g.confidence, positive, "> 0");
  if (r.number("ghost.recovery_confidence", g.recovery_confidence, non_negative,
               ">= 0 (0: no recovery phase)") &&
      g.recovery_confidence > 0.0 && g.kind != GhostModel::rank1)
    r.fail("ghost.recovery_confidence",
           fmt::format("ghost.recovery_confidence needs ghost.kind rank1 (the rank-K read-out "
                       "has no fixed confidence) (got {})", g.recovery_confidence));
  r.integer("ghost.recovery_epochs", g.recovery_epochs, at_least_one, ">= 1");
  r.number("ghost.recovery_lr", g.recovery_lr, non_negative, ">= 0 (0: train.lr)");
  r.integer("ghost.diag_every", g.diag_every, non_negative, ">= 0 (0: off)");
  r.integer("ghost.tail", g.tail, at_least_one, ">= 1");
  if (!r.failed("train.epochs") && spec.train.epochs < 1)
    r.fail("train.epochs", fmt::format("train.epochs must be an explicit count >= 1 for a ghost "
                                       "network (got {})", spec.train.epochs == 0 ? std::string("auto") : fmt::format("{}", spec.train.epochs)));
  require_plain_sgd(spec, r, "a ghost network");
}

/// Rules of the wcrnn section (SPEC §6).
void check_wcrnn(const TaskSpec& spec, Rules& r) {
  const WcrnnConfig& w = spec.wcrnn;
  const WcrnnConfig none{};
  const ResidualSpec& R = w.residual;
  if (!w.enabled()) {
    refuse_unused(
        r, "family wcrnn",
        {{"wcrnn.residual", R.kind != none.residual.kind,
          name_of(R.kind, Choices<ResidualKind>(residual_names))},
         {"wcrnn.r", R.r != none.residual.r, format_double(R.r)},
         {"wcrnn.phi", R.phi != none.residual.phi, format_double(R.phi)},
         {"wcrnn.r_lo", R.r_lo != none.residual.r_lo, format_double(R.r_lo)},
         {"wcrnn.r_hi", R.r_hi != none.residual.r_hi, format_double(R.r_hi)},
         {"wcrnn.phi_lo", R.phi_lo != none.residual.phi_lo, format_double(R.phi_lo)},
         {"wcrnn.phi_hi", R.phi_hi != none.residual.phi_hi, format_double(R.phi_hi)},
         {"wcrnn.gamma", w.gamma != none.gamma, format_double(w.gamma)},
         {"wcrnn.seq_len", w.seq_len != none.seq_len, fmt::format("{}", w.seq_len)},
         {"wcrnn.batch", w.batch != none.batch, fmt::format("{}", w.batch)},
         {"wcrnn.clip", w.clip != none.clip, format_double(w.clip)},
         {"wcrnn.eval_every", w.eval_every != none.eval_every, fmt::format("{}", w.eval_every)},
         {"wcrnn.eval_size", w.eval_size != none.eval_size, fmt::format("{}", w.eval_size)},
         {"wcrnn.train_size", w.train_size != none.train_size, fmt::format("{}", w.train_size)},
         {"wcrnn.dataset", w.dataset != none.dataset, w.dataset},
         {"wcrnn.permutation_seed", w.permutation_seed != none.permutation_seed,
          fmt::format("{}", w.permutation_seed)},
         {"wcrnn.threshold", w.threshold != none.threshold, format_double(w.threshold)},
         {"wcrnn.lyap_steps", w.lyap_steps != none.lyap_steps, fmt::format("{}", w.lyap_steps)},
         {"wcrnn.lyap_transient", w.lyap_transient != none.lyap_transient,
          fmt::format("{}", w.lyap_transient)},
         {"wcrnn.lyap_k", w.lyap_k != none.lyap_k, fmt::format("{}", w.lyap_k)}});
    return;
  }
  if (spec.toy.enabled() || spec.ghost.enabled())
    r.fail("wcrnn.task", "wcrnn.task cannot be set together with toy.kind or ghost.kind");
  r.number("wcrnn.r", R.r, non_negative, ">= 0");
  r.number("wcrnn.phi", R.phi, [](double) { return true; }, "finite");
  if (r.number("wcrnn.r_lo", R.r_lo, non_negative, ">= 0") &&
      r.number("wcrnn.r_hi", R.r_hi, non_negative, ">= 0") && R.r_lo > R.r_hi)
    r.fail("wcrnn.r_lo", fmt::format("wcrnn.r_lo must be <= wcrnn.r_hi (got {}, {})",
                                     format_double(R.r_lo), format_double(R.r_hi)));
  if (r.number("wcrnn.phi_lo", R.phi_lo, [](double) { return true; }, "finite") &&
      r.number("wcrnn.phi_hi", R.phi_hi, [](double) { return true; }, "finite") &&
      R.phi_lo > R.phi_hi)
    r.fail("wcrnn.phi_lo", fmt::format("wcrnn.phi_lo must be <= wcrnn.phi_hi (got {}, {})",
                                       format_double(R.phi_lo), format_double(R.phi_hi)));
  r.number("wcrnn.gamma", w.gamma, positive, "> 0");
  if (r.integer("wcrnn.seq_len", w.seq_len, [](int v) { return v >= 2; }, ">= 2") &&
      w.task != WcrnnTask::adding && w.task != WcrnnTask::lyapunov && w.seq_len != none.seq_len)
    r.fail("wcrnn.seq_len", fmt::format("wcrnn.seq_len is only used by the adding problem and the "
                                        "lyapunov task ((p)sMNIST has 784 steps) (got {})", w.seq_len));
  r.integer("wcrnn.batch", w.batch, at_least_one, ">= 1");
  r.number("wcrnn.clip", w.clip, non_negative, ">= 0 (0: off)");
  r.integer("wcrnn.eval_every", w.eval_every, at_least_one, ">= 1");
  r.integer("wcrnn.eval_size", w.eval_size, at_least_one, ">= 1");
  r.integer("wcrnn.train_size", w.train_size, non_negative, ">= 0 (0: all)");
  if (w.dataset != "mnist" && w.dataset != "fashion")
    r.fail("wcrnn.dataset", fmt::format("wcrnn.dataset must be one of mnist, fashion (got '{}')", w.dataset));
  r.number("wcrnn.threshold", w.threshold, non_negative, ">= 0 (0: off)");
  r.integer("wcrnn.lyap_steps", w.lyap_steps, non_negative, ">= 0 (0: no spectrum)");
  r.integer("wcrnn.lyap_transient", w.lyap_transient, non_negative, ">= 0");
  if (r.integer("wcrnn.lyap_k", w.lyap_k, non_negative, ">= 0 (0: all)") && !r.failed("model.n") &&
      w.lyap_k > spec.model.n)
    r.fail("wcrnn.lyap_k", fmt::format("wcrnn.lyap_k must be <= model.n (got {}, n {})", w.lyap_k,
                                       spec.model.n));
  if (w.task == WcrnnTask::lyapunov && w.lyap_steps == 0 && !r.failed("wcrnn.lyap_steps"))
    r.fail("wcrnn.lyap_steps", "wcrnn.lyap_steps must be >= 1 for wcrnn.task lyapunov (got 0)");
  if (w.task != WcrnnTask::lyapunov && !r.failed("train.epochs") && spec.train.epochs < 1)
    r.fail("train.epochs", fmt::format("train.epochs (optimiser updates) must be an explicit count "
                                       ">= 1 for a WCRNN (got {})", spec.train.epochs == 0 ? std::string("auto") : fmt::format("{}", spec.train.epochs)));
  if (!r.failed("train.weight_decay") && spec.train.weight_decay != 0.0)
    r.fail("train.weight_decay", fmt::format("train.weight_decay must be 0 for a WCRNN (not "
                                             "implemented) (got {})", spec.train.weight_decay));
}

}  // namespace

void check_spec(const TaskSpec& spec, Diagnostics& diag) {
  Rules r(diag);
  const ModelConfig& m = spec.model;
  const TaskConfig& t = spec.task;
  const TrainConfig& tr = spec.train;

  r.integer("model.n", m.n, at_least_one, ">= 1");
  const bool dt_ok = r.number("model.dt", m.dt, positive, "> 0");
  const bool tau_ok = r.number("model.tau", m.tau, positive, "> 0");
  if (dt_ok && tau_ok && !(m.dt <= m.tau)) {
    r.fail("model.dt",
           fmt::format("model.dt must be <= model.tau so that alpha = dt/tau is in (0, 1] "
                       "(got dt {}, tau {})",
                       m.dt, m.tau));
  }
  r.number("model.noise_sigma", m.noise_sigma, non_negative, ">= 0");
  r.number("model.init_state_sigma", m.init_state_sigma, non_negative, ">= 0");

  const bool cue_ok = r.number("task.cue", t.cue, positive, "> 0");
  if (cue_ok && dt_ok && !(t.cue >= m.dt)) {
    r.fail("task.cue",
           fmt::format("task.cue must be >= model.dt (got cue {}, dt {})", t.cue, m.dt));
  }
  const bool delay_ok = r.number("task.delay", t.delay, non_negative, ">= 0");
  const bool resp_ok = r.number("task.response", t.response, positive, "> 0");
  // Only the rate RNN uses the trial layout and the epoch formula.
  const bool rate = spec.rate_rnn();
  if (rate && resp_ok && dt_ok && !(t.response >= m.dt)) {
    r.fail("task.response",
           fmt::format("task.response must be >= model.dt (got response {}, dt {})", t.response,
                       m.dt));
  }
  const bool post_ok = r.number("task.post", t.post, non_negative, ">= 0");
  if (r.integer("task.reps", t.reps, at_least_one, ">= 1")) {
    r.integer(
        "task.reps", t.reps, [](int v) { return v <= INT_MAX / 2; },
        fmt::format("<= {} (the batch is 2 * reps)", INT_MAX / 2));
  }
  if (t.kind == TaskKind::no_memory) {
    // The no-memory layout (SPEC §3.6) has no delay or post period; refuse
    // values that would otherwise be ignored silently.
    if (delay_ok && t.delay != 0.0) {
      r.fail("task.delay",
             fmt::format("task.delay must be 0 when task.kind is no_memory (got {})", t.delay));
    }
    if (post_ok && t.post != 0.0) {
      r.fail("task.post",
             fmt::format("task.post must be 0 when task.kind is no_memory (got {})", t.post));
    }
  }
  if (rate && dt_ok && cue_ok && delay_ok && resp_ok && post_ok) {
    const double steps = (t.cue + t.delay + t.response + t.post) / m.dt;
    if (!(steps <= static_cast<double>(INT_MAX - 4))) {
      r.fail("task.delay",
             fmt::format("task: cue + delay + response + post = {} ms is {} steps of dt = {} ms, "
                         "more than {}",
                         t.cue + t.delay + t.response + t.post, steps, m.dt, INT_MAX - 4));
    }
  }

  const bool lr_ok = r.number("train.lr", tr.lr, positive, "> 0");
  r.number(
      "train.momentum", tr.momentum, [](double v) { return v >= 0.0 && v < 1.0; }, "in [0, 1)");
  r.number("train.weight_decay", tr.weight_decay, non_negative, ">= 0");
  r.integer("train.epochs", tr.epochs, non_negative, ">= 1 or 'auto'");
  const bool coeff_ok = r.number("train.epochs_coeff", tr.epochs_coeff, positive, "> 0");
  r.integer("train.epochs_min", tr.epochs_min, at_least_one, ">= 1");
  if (rate && tr.epochs == 0 && lr_ok && coeff_ok && !diag.failed("train.epochs")) {
    const double formula = tr.epochs_coeff / tr.lr;
    if (!(formula < 9.2e18)) {
      r.fail("train.lr",
             fmt::format("train.epochs_coeff / train.lr = {} epochs does not fit in 64 bits "
                         "(got lr {}); set train.epochs",
                         formula, tr.lr));
    }
  }
  r.number("train.abort_loss", tr.abort_loss, non_negative, ">= 0 (0 disables it)");
  r.integer("train.record_every", tr.record_every, at_least_one, ">= 1");
  // train.seed is unsigned: negative values are refused while parsing.
  check_toy(spec, r, delay_ok);
  check_ghost(spec, r);
  check_wcrnn(spec, r);
}

}  // namespace detail

TaskSpec parse_train_config(const std::string& yaml_text, const std::string& source) {
  detail::Diagnostics diag(source);
  const YAML::Node root = detail::load_yaml(yaml_text, source);
  TaskSpec spec;
  detail::MapReader top(root, "", diag);
  std::string family;
  if (top.read("family", family)) detail::apply_family(spec, family, top.location("family"), diag);
  detail::read_spec_sections(top, spec, diag);
  top.finish(detail::spec_key_paths());
  detail::check_spec(spec, diag);
  diag.throw_if_errors();
  return spec;
}

TaskSpec load_train_config(const std::string& path) {
  return parse_train_config(detail::read_text_file(path, "config file"), path);
}

void validate(const TaskSpec& spec, const std::string& source) {
  detail::Diagnostics diag(source);
  detail::check_spec(spec, diag);
  diag.throw_if_errors();
}

std::string to_yaml(const TaskSpec& spec) {
  using detail::format_double;
  const ModelConfig& m = spec.model;
  const TaskConfig& t = spec.task;
  const TrainConfig& tr = spec.train;
  std::string out;
  auto it = std::back_inserter(out);
  fmt::format_to(it, "model:\n");
  fmt::format_to(it, "  n: {}\n", m.n);
  fmt::format_to(it, "  dt: {}\n", format_double(m.dt));
  fmt::format_to(it, "  tau: {}\n", format_double(m.tau));
  fmt::format_to(it, "  noise_sigma: {}\n", format_double(m.noise_sigma));
  fmt::format_to(it, "  init_state_sigma: {}\n", format_double(m.init_state_sigma));
  fmt::format_to(it, "  readout: {}\n",
                 detail::name_of(m.readout, detail::Choices<Readout>(detail::readout_names)));
  fmt::format_to(it, "task:\n");
  fmt::format_to(it, "  kind: {}\n",
                 detail::name_of(t.kind, detail::Choices<TaskKind>(detail::task_kind_names)));
  fmt::format_to(it, "  cue: {}\n", format_double(t.cue));
  fmt::format_to(it, "  delay: {}\n", format_double(t.delay));
  fmt::format_to(it, "  response: {}\n", format_double(t.response));
  fmt::format_to(it, "  post: {}\n", format_double(t.post));
  fmt::format_to(it, "  reps: {}\n", t.reps);
  fmt::format_to(it, "  loss: {}\n",
                 detail::name_of(t.loss, detail::Choices<LossKind>(detail::loss_names)));
  fmt::format_to(it, "train:\n");
  fmt::format_to(it, "  lr: {}\n", format_double(tr.lr));
  fmt::format_to(it, "  momentum: {}\n", format_double(tr.momentum));
  fmt::format_to(it, "  weight_decay: {}\n", format_double(tr.weight_decay));
  if (tr.epochs == 0) {
    fmt::format_to(it, "  epochs: auto\n");
  } else {
    fmt::format_to(it, "  epochs: {}\n", tr.epochs);
  }
  fmt::format_to(it, "  epochs_coeff: {}\n", format_double(tr.epochs_coeff));
  fmt::format_to(it, "  epochs_min: {}\n", tr.epochs_min);
  fmt::format_to(it, "  abort_loss: {}\n", format_double(tr.abort_loss));
  fmt::format_to(it, "  record_every: {}\n", tr.record_every);
  fmt::format_to(it, "  seed: {}\n", tr.seed);
  if (spec.toy.enabled()) {  // absent for an RNN: its text is as before toys existed
    const ToyConfig& y = spec.toy;
    fmt::format_to(it, "toy:\n");
    fmt::format_to(it, "  kind: {}\n",
                   detail::name_of(y.kind, detail::Choices<ToyModel>(detail::toy_kind_names)));
    fmt::format_to(it, "  loss: {}\n",
                   detail::name_of(y.loss, detail::Choices<ToyGhostLoss>(detail::toy_loss_names)));
    fmt::format_to(it, "  confidence: {}\n", format_double(y.confidence));
    fmt::format_to(it, "  response_ratio: {}\n", format_double(y.response_ratio));
    fmt::format_to(it, "  r0_jitter: {}\n", format_double(y.r0_jitter));
    fmt::format_to(it, "  max_steps: {}\n", y.max_steps);
    fmt::format_to(it, "  settle_steps: {}\n", y.settle_steps);
  }
  if (spec.ghost.enabled()) {  // absent otherwise, as for toys
    const GhostConfig& g = spec.ghost;
    fmt::format_to(it, "ghost:\n");
    fmt::format_to(it, "  kind: {}\n",
                   detail::name_of(g.kind, detail::Choices<GhostModel>(detail::ghost_kind_names)));
    fmt::format_to(it, "  rank: {}\n", g.rank);
    fmt::format_to(it, "  confidence: {}\n", format_double(g.confidence));
    fmt::format_to(it, "  recovery_confidence: {}\n", format_double(g.recovery_confidence));
    fmt::format_to(it, "  recovery_epochs: {}\n", g.recovery_epochs);
    fmt::format_to(it, "  recovery_lr: {}\n", format_double(g.recovery_lr));
    fmt::format_to(it, "  diag_every: {}\n", g.diag_every);
    fmt::format_to(it, "  tail: {}\n", g.tail);
  }
  if (spec.wcrnn.enabled()) {
    const WcrnnConfig& w = spec.wcrnn;
    fmt::format_to(it, "wcrnn:\n");
    fmt::format_to(it, "  task: {}\n",
                   detail::name_of(w.task, detail::Choices<WcrnnTask>(detail::wcrnn_task_names)));
    fmt::format_to(it, "  residual: {}\n",
                   detail::name_of(w.residual.kind, detail::Choices<ResidualKind>(detail::residual_names)));
    fmt::format_to(it, "  r: {}\n", format_double(w.residual.r));
    fmt::format_to(it, "  phi: {}\n", format_double(w.residual.phi));
    fmt::format_to(it, "  r_lo: {}\n", format_double(w.residual.r_lo));
    fmt::format_to(it, "  r_hi: {}\n", format_double(w.residual.r_hi));
    fmt::format_to(it, "  phi_lo: {}\n", format_double(w.residual.phi_lo));
    fmt::format_to(it, "  phi_hi: {}\n", format_double(w.residual.phi_hi));
    fmt::format_to(it, "  gamma: {}\n", format_double(w.gamma));
    fmt::format_to(it, "  seq_len: {}\n", w.seq_len);
    fmt::format_to(it, "  batch: {}\n", w.batch);
    fmt::format_to(it, "  clip: {}\n", format_double(w.clip));
    fmt::format_to(it, "  eval_every: {}\n", w.eval_every);
    fmt::format_to(it, "  eval_size: {}\n", w.eval_size);
    fmt::format_to(it, "  train_size: {}\n", w.train_size);
    fmt::format_to(it, "  dataset: {}\n", w.dataset);
    fmt::format_to(it, "  permutation_seed: {}\n", w.permutation_seed);
    fmt::format_to(it, "  threshold: {}\n", format_double(w.threshold));
    fmt::format_to(it, "  lyap_steps: {}\n", w.lyap_steps);
    fmt::format_to(it, "  lyap_transient: {}\n", w.lyap_transient);
    fmt::format_to(it, "  lyap_k: {}\n", w.lyap_k);
  }
  return out;
}

void apply_family(TaskSpec& spec, const std::string& family, const std::string& source) {
  detail::Diagnostics diag(source);
  detail::apply_family(spec, family, {}, diag);
  diag.throw_if_errors();
}

}  // namespace memphase
