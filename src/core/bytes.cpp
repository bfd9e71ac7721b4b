#include "core/bytes.hpp"

namespace memphase {

namespace {
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

}  // namespace

void put(ByteWriter& w, const TaskSpec& s) { s.config->encode(w); }

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

void get(ByteReader& r, TaskResult& t, SpecDecoder spec) {
  t.spec = spec(r);
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
