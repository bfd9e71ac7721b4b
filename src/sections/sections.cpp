#include "sections/sections.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <iterator>

namespace memphase {

using detail::Choices;
using detail::format_double;
using detail::name_of;

namespace {

constexpr std::pair<std::string_view, Readout> readout_names[] = {{"sigmoid", Readout::sigmoid},
                                                                  {"linear", Readout::linear}};
constexpr std::pair<std::string_view, TaskKind> task_kind_names[] = {
    {"dcdt", TaskKind::dcdt}, {"no_memory", TaskKind::no_memory}};
constexpr std::pair<std::string_view, LossKind> loss_names[] = {
    {"weighted_mse", LossKind::weighted_mse}, {"mse", LossKind::mse}};
constexpr std::pair<std::string_view, Optimizer> optimizer_names[] = {{"sgd", Optimizer::sgd},
                                                                      {"adam", Optimizer::adam}};
constexpr TrainConfig kDefaultTrain{};

/// Whether the optimiser fields are all at their defaults (then neither the
/// encoding nor the canonical text carries them).
bool default_optimizer(const TrainConfig& t) {
  return t.optimizer == Optimizer::sgd && t.adam_beta1 == kDefaultTrain.adam_beta1 &&
         t.adam_beta2 == kDefaultTrain.adam_beta2 && t.adam_eps == kDefaultTrain.adam_eps;
}

}  // namespace

std::int64_t TrainConfig::resolved_epochs() const {
  if (epochs > 0) return epochs;
  // Python: int(np.maximum(1e3, 3e4 * 1e-3 / lr)) -- truncation toward zero.
  return static_cast<std::int64_t>(std::max(static_cast<double>(epochs_min), epochs_coeff / lr));
}

void encode_sections(ByteWriter& w, const Sections& s) {
  w.put(s.model.n); w.put(s.model.dt); w.put(s.model.tau); w.put(s.model.noise_sigma);
  w.put(s.model.init_state_sigma); w.put(s.model.readout);
  w.put(s.task.kind); w.put(s.task.cue); w.put(s.task.delay); w.put(s.task.response);
  w.put(s.task.post); w.put(s.task.reps); w.put(s.task.loss);
  w.put(s.train.lr); w.put(s.train.momentum); w.put(s.train.weight_decay); w.put(s.train.epochs);
  w.put(s.train.epochs_coeff); w.put(s.train.epochs_min); w.put(s.train.abort_loss);
  w.put(s.train.record_every); w.put(s.train.seed);
  if (!default_optimizer(s.train)) {
    w.put(kOptimizerTag);
    w.put(s.train.optimizer); w.put(s.train.adam_beta1); w.put(s.train.adam_beta2); w.put(s.train.adam_eps);
  }
}

void decode_sections(ByteReader& r, Sections& s, std::int32_t model_n) {
  s.model.n = model_n; s.model.dt = r.get<double>(); s.model.tau = r.get<double>();
  s.model.noise_sigma = r.get<double>(); s.model.init_state_sigma = r.get<double>();
  s.model.readout = r.get<Readout>();
  s.task.kind = r.get<TaskKind>(); s.task.cue = r.get<double>(); s.task.delay = r.get<double>();
  s.task.response = r.get<double>(); s.task.post = r.get<double>(); s.task.reps = r.get<int>();
  s.task.loss = r.get<LossKind>();
  s.train.lr = r.get<double>(); s.train.momentum = r.get<double>();
  s.train.weight_decay = r.get<double>(); s.train.epochs = r.get<std::int64_t>();
  s.train.epochs_coeff = r.get<double>(); s.train.epochs_min = r.get<std::int64_t>();
  s.train.abort_loss = r.get<double>(); s.train.record_every = r.get<int>();
  s.train.seed = r.get<std::uint64_t>();
  if (r.remaining() >= sizeof(kOptimizerTag) && r.peek<std::uint64_t>() == kOptimizerTag) {
    r.get<std::uint64_t>();
    s.train.optimizer = r.get<Optimizer>();
    if (s.train.optimizer != Optimizer::sgd && s.train.optimizer != Optimizer::adam) r.fail("train.optimizer");
    s.train.adam_beta1 = r.get<double>(); s.train.adam_beta2 = r.get<double>(); s.train.adam_eps = r.get<double>();
  }
}

std::vector<std::string> section_key_paths(std::vector<std::string> own) {
  std::vector<std::string> k = {"model.n",          "model.dt",           "model.tau",          "model.noise_sigma",
          "model.init_state_sigma", "model.readout", "task.kind",         "task.cue",
          "task.delay",       "task.response",      "task.post",          "task.reps",
          "task.loss",        "train.lr",           "train.momentum",     "train.weight_decay",
          "train.epochs",     "train.epochs_coeff", "train.epochs_min",   "train.abort_loss",
          "train.record_every", "train.seed", "train.optimizer", "train.adam_beta1", "train.adam_beta2",
          "train.adam_eps"};
  for (std::string& p : own) k.push_back(std::move(p));
  return k;
}

void read_sections(detail::MapReader& top, Sections& spec, detail::Diagnostics& diag,
                   std::span<const std::string> all) {
  using detail::describe;
  using detail::Location;
  using detail::MapReader;
  using detail::parse_int64;
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
  train.read_choice("optimizer", spec.train.optimizer, Choices<Optimizer>(optimizer_names));
  train.read("adam_beta1", spec.train.adam_beta1);
  train.read("adam_beta2", spec.train.adam_beta2);
  train.read("adam_eps", spec.train.adam_eps);
  train.finish(all);
}

void check_sections(const Sections& spec, detail::Rules& r, bool rate) {
  using detail::at_least_one;
  using detail::non_negative;
  using detail::positive;
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
  // Only a family that builds the trial layout uses these rules.
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
  if (rate && tr.epochs == 0 && lr_ok && coeff_ok && !r.failed("train.epochs")) {
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
  // torch.optim.Adam's own rules: 0 <= beta < 1, eps >= 0.
  const auto unit = [](double v) { return v >= 0.0 && v < 1.0; };
  const bool b1 = r.number("train.adam_beta1", tr.adam_beta1, unit, "in [0, 1)");
  const bool b2 = r.number("train.adam_beta2", tr.adam_beta2, unit, "in [0, 1)");
  const bool eps = r.number("train.adam_eps", tr.adam_eps, non_negative, ">= 0");
  if (tr.optimizer != Optimizer::adam) {
    // Adam's settings on another optimiser would be ignored silently (and
    // would change the task key of an otherwise identical SGD network).
    const auto only_adam = [&](bool ok, const char* key, double v, double def) {
      if (ok && v != def)
        r.fail(key, fmt::format("{} is only used with train.optimizer adam (got {})", key, v));
    };
    only_adam(b1, "train.adam_beta1", tr.adam_beta1, kDefaultTrain.adam_beta1);
    only_adam(b2, "train.adam_beta2", tr.adam_beta2, kDefaultTrain.adam_beta2);
    only_adam(eps, "train.adam_eps", tr.adam_eps, kDefaultTrain.adam_eps);
  }
  // train.seed is unsigned: negative values are refused while parsing.
}

void require_plain_sgd(const Sections& spec, detail::Rules& r, std::string_view who, bool optimizer) {
  if (optimizer && spec.train.optimizer != Optimizer::sgd)
    r.fail("train.optimizer", fmt::format("train.optimizer must be sgd for {} (plain gradient descent, "
                                          "no backpropagation) (got {})", who,
                                          name_of(spec.train.optimizer, Choices<Optimizer>(optimizer_names))));
  if (!r.failed("train.momentum") && spec.train.momentum != 0.0)
    r.fail("train.momentum", fmt::format("train.momentum must be 0 for {} (plain gradient "
                                         "descent) (got {})", who, spec.train.momentum));
  if (!r.failed("train.weight_decay") && spec.train.weight_decay != 0.0)
    r.fail("train.weight_decay", fmt::format("train.weight_decay must be 0 for {} (plain "
                                             "gradient descent) (got {})", who,
                                             spec.train.weight_decay));
}

std::string sections_yaml(const Sections& spec) {
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
  fmt::format_to(it, "  readout: {}\n", name_of(m.readout, Choices<Readout>(readout_names)));
  fmt::format_to(it, "task:\n");
  fmt::format_to(it, "  kind: {}\n", name_of(t.kind, Choices<TaskKind>(task_kind_names)));
  fmt::format_to(it, "  cue: {}\n", format_double(t.cue));
  fmt::format_to(it, "  delay: {}\n", format_double(t.delay));
  fmt::format_to(it, "  response: {}\n", format_double(t.response));
  fmt::format_to(it, "  post: {}\n", format_double(t.post));
  fmt::format_to(it, "  reps: {}\n", t.reps);
  fmt::format_to(it, "  loss: {}\n", name_of(t.loss, Choices<LossKind>(loss_names)));
  fmt::format_to(it, "train:\n");
  fmt::format_to(it, "  lr: {}\n", format_double(tr.lr));
  fmt::format_to(it, "  momentum: {}\n", format_double(tr.momentum));
  fmt::format_to(it, "  weight_decay: {}\n", format_double(tr.weight_decay));
  if (!default_optimizer(tr)) {  // absent at its default: SGD config hashes are unchanged
    fmt::format_to(it, "  optimizer: {}\n", name_of(tr.optimizer, Choices<Optimizer>(optimizer_names)));
    fmt::format_to(it, "  adam_beta1: {}\n", format_double(tr.adam_beta1));
    fmt::format_to(it, "  adam_beta2: {}\n", format_double(tr.adam_beta2));
    fmt::format_to(it, "  adam_eps: {}\n", format_double(tr.adam_eps));
  }
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
  return out;
}

bool set_section_axis(Sections& s, std::string_view axis, double v) {
  if (axis == "lr") s.train.lr = v;
  else if (axis == "delay") s.task.delay = v;
  else if (axis == "response") s.task.response = v;
  else if (axis == "post") s.task.post = v;
  else if (axis == "tau") s.model.tau = v;
  else if (axis == "n") s.model.n = static_cast<int>(v);
  else if (axis == "reps") s.task.reps = static_cast<int>(v);
  else if (axis == "noise_sigma") s.model.noise_sigma = v;
  else if (axis == "init_state_sigma") s.model.init_state_sigma = v;
  else if (axis == "momentum") s.train.momentum = v;
  else if (axis == "weight_decay") s.train.weight_decay = v;
  else if (axis == "epochs") s.train.epochs = static_cast<std::int64_t>(v);
  else return false;
  return true;
}

std::vector<GridColumn> section_grid_columns(std::function<const Sections&(const TaskSpec&)> view,
                                             std::function<Sections&(TaskSpec&)> get,
                                             std::function<double(const TaskSpec&)> response) {
  const auto setter = [get](auto field) {
    return [get, field](TaskSpec& s, double v) { field(get(s), v); };
  };
  if (!response) response = [view](const TaskSpec& s) { return view(s).task.response; };
  std::vector<GridColumn> c;
  c.push_back({"lr", false, [view](const TaskSpec& s) { return view(s).train.lr; }, {},
               setter([](Sections& x, double v) { x.train.lr = v; })});
  c.push_back({"delay", false, [view](const TaskSpec& s) { return view(s).task.delay; }, {},
               setter([](Sections& x, double v) { x.task.delay = v; })});
  c.push_back({"seed", true, {}, [view](const TaskSpec& s) { return static_cast<std::int64_t>(view(s).train.seed); },
               setter([](Sections& x, double v) { x.train.seed = static_cast<std::uint64_t>(v); })});
  c.push_back({"response", false, response, {}, setter([](Sections& x, double v) { x.task.response = v; })});
  c.push_back({"post", false, [view](const TaskSpec& s) { return view(s).task.post; }, {},
               setter([](Sections& x, double v) { x.task.post = v; })});
  c.push_back({"tau", false, [view](const TaskSpec& s) { return view(s).model.tau; }, {},
               setter([](Sections& x, double v) { x.model.tau = v; })});
  c.push_back({"n", true, {}, [view](const TaskSpec& s) { return static_cast<std::int64_t>(view(s).model.n); },
               setter([](Sections& x, double v) { x.model.n = static_cast<int>(v); })});
  c.push_back({"reps", true, {}, [view](const TaskSpec& s) { return static_cast<std::int64_t>(view(s).task.reps); },
               setter([](Sections& x, double v) { x.task.reps = static_cast<int>(v); })});
  c.push_back({"noise_sigma", false, [view](const TaskSpec& s) { return view(s).model.noise_sigma; }, {},
               setter([](Sections& x, double v) { x.model.noise_sigma = v; })});
  return c;
}

}  // namespace memphase
