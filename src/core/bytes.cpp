#include "core/bytes.hpp"

namespace memphase {

namespace {
/// Leading marker of a toy spec, in the place of model.n (always >= 1 for an
/// RNN): an RNN spec encodes exactly as before toys existed, so its task key
/// is unchanged, and get() tells the two apart from the first int.
constexpr int kToyTag = -0x746f79;  // "toy"
/// The same for ghost (SPEC §5) and WCRNN (SPEC §6) specs, which follow the
/// toy block (at most one of the three is enabled; config enforces it).
constexpr int kGhostTag = -0x67686f;  // "gho"
constexpr int kWcrnnTag = -0x776372;  // "wcr"
/// Optional blocks after a TaskResult's train_seconds, each starting with its
/// tag, in this order: thinned curves, then extras (the last block: a ghost
/// checkpoint appends its own fields after it). A record without them (a
/// dense rate RNN or toy) ends at train_seconds, as before either existed.
///
/// Marker of the thinned-curves block [tag u32][every i32][epochs i64]: the
/// curves hold only kept_epochs(epochs, every) (CurveSampling). Written only
/// for a thinned result, i.e. never with record_every 1.
constexpr std::uint32_t kThinTag = 0x54484e31;  // "THN1"
/// Marker of the Extras block: records without extras (rate RNNs, toys) have none.
constexpr std::uint32_t kExtrasTag = 0x45585431;  // "EXT1"

void put(ByteWriter& w, const ResidualSpec& r) {
  w.put(r.kind); w.put(r.r); w.put(r.phi); w.put(r.r_lo); w.put(r.r_hi); w.put(r.phi_lo);
  w.put(r.phi_hi);
}
void get(ByteReader& rd, ResidualSpec& r) {
  r.kind = rd.get<ResidualKind>(); r.r = rd.get<double>(); r.phi = rd.get<double>();
  r.r_lo = rd.get<double>(); r.r_hi = rd.get<double>(); r.phi_lo = rd.get<double>();
  r.phi_hi = rd.get<double>();
}
}  // namespace

void put(ByteWriter& w, const TaskSpec& s) {
  if (s.toy.enabled()) {
    w.put(kToyTag);
    w.put(s.toy.kind); w.put(s.toy.loss); w.put(s.toy.confidence); w.put(s.toy.response_ratio);
    w.put(s.toy.r0_jitter); w.put(s.toy.max_steps); w.put(s.toy.settle_steps);
  }
  if (s.ghost.enabled()) {
    const GhostConfig& g = s.ghost;
    w.put(kGhostTag);
    w.put(g.kind); w.put(g.rank); w.put(g.confidence); w.put(g.recovery_confidence);
    w.put(g.recovery_epochs); w.put(g.recovery_lr); w.put(g.diag_every); w.put(g.tail);
  }
  if (s.wcrnn.enabled()) {
    const WcrnnConfig& c = s.wcrnn;
    w.put(kWcrnnTag);
    w.put(c.task); put(w, c.residual); w.put(c.gamma); w.put(c.seq_len); w.put(c.batch);
    w.put(c.clip); w.put(c.eval_every); w.put(c.eval_size); w.put(c.train_size);
    w.put_string(c.dataset); w.put(c.permutation_seed); w.put(c.threshold); w.put(c.lyap_steps);
    w.put(c.lyap_transient); w.put(c.lyap_k);
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
  s.ghost = GhostConfig{};
  if (first == kGhostTag) {
    GhostConfig& g = s.ghost;
    g.kind = r.get<GhostModel>(); g.rank = r.get<int>(); g.confidence = r.get<double>();
    g.recovery_confidence = r.get<double>(); g.recovery_epochs = r.get<std::int64_t>();
    g.recovery_lr = r.get<double>(); g.diag_every = r.get<int>(); g.tail = r.get<int>();
    first = r.get<int>();
  }
  s.wcrnn = WcrnnConfig{};
  if (first == kWcrnnTag) {
    WcrnnConfig& c = s.wcrnn;
    c.task = r.get<WcrnnTask>(); get(r, c.residual); c.gamma = r.get<double>();
    c.seq_len = r.get<int>(); c.batch = r.get<int>(); c.clip = r.get<double>();
    c.eval_every = r.get<int>(); c.eval_size = r.get<int>(); c.train_size = r.get<std::int64_t>();
    c.dataset = r.get_string(); c.permutation_seed = r.get<std::uint64_t>();
    c.threshold = r.get<double>(); c.lyap_steps = r.get<int>(); c.lyap_transient = r.get<int>();
    c.lyap_k = r.get<int>();
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

namespace {
/// put(TaskResult) with the curves `curves` sampled as `smp` in place of t's own.
void put_result(ByteWriter& w, const TaskResult& t, const Curves& curves, const CurveSampling& smp) {
  put(w, t.spec);
  w.put(t.epochs_planned); w.put(t.epochs_run); w.put(t.status);
  w.put(t.cls.net_class); w.put(t.cls.learned); w.put(t.cls.stable); w.put(t.cls.psd_ratio);
  put(w, t.initial); put(w, t.final); put(w, curves);
  w.put(t.train_seconds);
  if (smp.thinned()) {
    w.put(kThinTag);
    w.put<std::int32_t>(smp.every); w.put<std::int64_t>(smp.epochs);
  }
  if (!t.extras.empty()) {
    const Extras& x = t.extras;
    w.put(kExtrasTag);
    w.put_vector(x.initial); w.put_vector(x.final);
    w.put<std::uint64_t>(x.metrics.size());
    for (const auto& [k, v] : x.metrics) { w.put_string(k); w.put(v); }
    w.put<std::uint64_t>(x.tables.size());
    for (const Table& tb : x.tables) {
      w.put_string(tb.name);
      w.put<std::uint64_t>(tb.columns.size());
      for (const auto& c : tb.columns) w.put_string(c);
      w.put_vector(tb.data);
    }
  }
}
}  // namespace

void put(ByteWriter& w, const TaskResult& t) { put_result(w, t, t.curves, t.sampling); }

void put_committed(ByteWriter& w, const TaskResult& t) {
  const CurveSampling smp = committed_sampling(t);
  if (smp == t.sampling) {
    put(w, t);
    return;
  }
  put_result(w, t, thin_curves(t.curves, smp.epochs, smp.every), smp);
}

void get(ByteReader& r, TaskResult& t) {
  get(r, t.spec);
  t.epochs_planned = r.get<std::int64_t>(); t.epochs_run = r.get<std::int64_t>();
  t.status = r.get<Status>();
  t.cls.net_class = r.get<NetClass>(); t.cls.learned = r.get<bool>(); t.cls.stable = r.get<bool>();
  t.cls.psd_ratio = r.get<double>();
  get(r, t.initial); get(r, t.final); get(r, t.curves);
  t.train_seconds = r.get<double>();
  t.extras = Extras{};
  t.sampling = CurveSampling{};
  if (r.remaining() == 0) return;
  std::uint32_t tag = r.get<std::uint32_t>();
  if (tag == kThinTag) {
    CurveSampling& smp = t.sampling;
    smp.every = r.get<std::int32_t>();
    smp.epochs = r.get<std::int64_t>();
    const Curves& c = t.curves;
    const auto n = static_cast<std::uint64_t>(kept_count(smp.epochs, smp.every));
    if (smp.every < 2 || smp.epochs < 0 || smp.epochs > t.epochs_run || c.loss.size() != n ||
        c.accuracy.size() != n || c.reliability.size() != n || c.grad_norm.size() != n)
      r.fail("thinned curves");
    if (r.remaining() == 0) return;
    tag = r.get<std::uint32_t>();
  }
  if (tag != kExtrasTag) r.fail("extras marker");
  Extras& x = t.extras;
  x.initial = r.get_vector<float>(); x.final = r.get_vector<float>();
  const auto nm = r.get<std::uint64_t>();
  if (nm > r.remaining()) r.fail("metric count");
  for (std::uint64_t i = 0; i < nm; ++i) {
    std::string k = r.get_string();
    x.metrics.emplace_back(std::move(k), r.get<double>());
  }
  const auto nt = r.get<std::uint64_t>();
  if (nt > r.remaining()) r.fail("table count");
  for (std::uint64_t i = 0; i < nt; ++i) {
    Table tb;
    tb.name = r.get_string();
    const auto nc = r.get<std::uint64_t>();
    if (nc > r.remaining()) r.fail("table column count");
    for (std::uint64_t c = 0; c < nc; ++c) tb.columns.push_back(r.get_string());
    tb.data = r.get_vector<double>();
    if (nc == 0 ? !tb.data.empty() : tb.data.size() % nc != 0) r.fail("table shape");
    x.tables.push_back(std::move(tb));
  }
}

}  // namespace memphase
