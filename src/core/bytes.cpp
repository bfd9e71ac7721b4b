#include "core/bytes.hpp"

namespace memphase {

namespace {
/// Leading marker of a toy spec, in the place of model.n (always >= 1 for an
/// RNN): an RNN spec encodes exactly as before toys existed, so its task key
/// is unchanged, and get() tells the two apart from the first int.
constexpr int kToyTag = -0x746f79;  // "toy"
}  // namespace

void put(ByteWriter& w, const TaskSpec& s) {
  if (s.toy.enabled()) {
    w.put(kToyTag);
    w.put(s.toy.kind); w.put(s.toy.loss); w.put(s.toy.confidence); w.put(s.toy.response_ratio);
    w.put(s.toy.r0_jitter); w.put(s.toy.max_steps); w.put(s.toy.settle_steps);
  }
  w.put(s.model.n); w.put(s.model.dt); w.put(s.model.tau); w.put(s.model.noise_sigma);
  w.put(s.model.init_state_sigma); w.put(s.model.readout);
  w.put(s.task.kind); w.put(s.task.cue); w.put(s.task.delay); w.put(s.task.response);
  w.put(s.task.post); w.put(s.task.reps); w.put(s.task.loss);
  w.put(s.train.lr); w.put(s.train.momentum); w.put(s.train.weight_decay); w.put(s.train.epochs);
  w.put(s.train.epochs_coeff); w.put(s.train.epochs_min); w.put(s.train.abort_loss);
  w.put(s.train.record_every); w.put(s.train.seed);
}

void get(ByteReader& r, TaskSpec& s) {
  s.toy = ToyConfig{};
  int first = r.get<int>();
  if (first == kToyTag) {
    s.toy.kind = r.get<ToyModel>(); s.toy.loss = r.get<ToyGhostLoss>();
    s.toy.confidence = r.get<double>(); s.toy.response_ratio = r.get<double>();
    s.toy.r0_jitter = r.get<double>(); s.toy.max_steps = r.get<std::int64_t>();
    s.toy.settle_steps = r.get<std::int64_t>();
    first = r.get<int>();
  }
  s.model.n = first; s.model.dt = r.get<double>(); s.model.tau = r.get<double>();
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
}

void put(ByteWriter& w, const Params<float>& p) {
  p.for_each([&](const char*, const auto& m) { w.put_matrix(m); });
}

void get(ByteReader& r, Params<float>& p) {
  r.get_matrix(p.W_in); r.get_matrix(p.W_rec); r.get_matrix(p.W_out);
  r.get_matrix(p.b_in); r.get_matrix(p.b_rec); r.get_matrix(p.b_out);
}

void put(ByteWriter& w, const Curves& c) {
  w.put_vector(c.loss); w.put_vector(c.accuracy); w.put_vector(c.reliability);
  w.put_vector(c.grad_norm);
}

void get(ByteReader& r, Curves& c) {
  c.loss = r.get_vector<float>(); c.accuracy = r.get_vector<float>();
  c.reliability = r.get_vector<float>(); c.grad_norm = r.get_vector<float>();
}

void put(ByteWriter& w, const TaskResult& t) {
  put(w, t.spec);
  w.put(t.epochs_planned); w.put(t.epochs_run); w.put(t.status);
  w.put(t.cls.net_class); w.put(t.cls.learned); w.put(t.cls.stable); w.put(t.cls.psd_ratio);
  put(w, t.initial); put(w, t.final); put(w, t.curves);
  w.put(t.train_seconds);
}

void get(ByteReader& r, TaskResult& t) {
  get(r, t.spec);
  t.epochs_planned = r.get<std::int64_t>(); t.epochs_run = r.get<std::int64_t>();
  t.status = r.get<Status>();
  t.cls.net_class = r.get<NetClass>(); t.cls.learned = r.get<bool>(); t.cls.stable = r.get<bool>();
  t.cls.psd_ratio = r.get<double>();
  get(r, t.initial); get(r, t.final); get(r, t.curves);
  t.train_seconds = r.get<double>();
}

}  // namespace memphase
