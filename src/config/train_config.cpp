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
       s.train.momentum = 0.0;
       s.train.weight_decay = 0.0;
       s.train.epochs = 1;
     }},
    {"toy-cycle",
     [](TaskSpec& s) {
       s.toy.kind = ToyModel::cycle;
       s.toy.loss = ToyGhostLoss::normalized;
       s.task.delay = 100.0;
       s.task.response = 10.0;
       s.train.momentum = 0.0;
       s.train.weight_decay = 0.0;
       s.train.epochs = 1;
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
          "toy.settle_steps"};
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
}

namespace {

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
  if (!r.failed("train.momentum") && spec.train.momentum != 0.0)
    r.fail("train.momentum",
           fmt::format("train.momentum must be 0 for a toy (plain gradient descent) (got {})",
                       spec.train.momentum));
  if (!r.failed("train.weight_decay") && spec.train.weight_decay != 0.0)
    r.fail("train.weight_decay",
           fmt::format("train.weight_decay must be 0 for a toy (plain gradient descent) (got {})",
                       spec.train.weight_decay));
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
  const bool toy = spec.toy.enabled();
  if (!toy && resp_ok && dt_ok && !(t.response >= m.dt)) {
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
  if (!toy && dt_ok && cue_ok && delay_ok && resp_ok && post_ok) {
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
  if (!toy && tr.epochs == 0 && lr_ok && coeff_ok && !diag.failed("train.epochs")) {
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
  return out;
}

void apply_family(TaskSpec& spec, const std::string& family, const std::string& source) {
  detail::Diagnostics diag(source);
  detail::apply_family(spec, family, {}, diag);
  diag.throw_if_errors();
}

}  // namespace memphase
