// The gru family (src/families/gru): hand-written BPTT against central
// differences in double precision, and the forward pass, gradients and one
// SGD / Adam step against PyTorch's own nn.GRUCell and torch.optim
// (tests/support/torch_ref.py, skipped without python3-torch); the runner's
// stop / resume is bit-exact with either optimiser.
#include "families/gru/gru.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "config/campaign.hpp"
#include "config/train_config.hpp"
#include "core/hash.hpp"
#include "core/philox.hpp"
#include "core/rng.hpp"
#include "families/gru/config.hpp"
#include "families/gru/run_task.hpp"
#include "support/torch_ref.hpp"

namespace memphase::gru {
namespace {

TaskSpec small_spec(const std::string& extra = "") {
  return parse_train_config(
      "family: gru-nopost\nmodel: {n: 6}\ntask: {delay: 20, reps: 2}\n" + extra, "g.yaml");
}

template <class S>
GruParams<S> random_params(int n, std::uint64_t seed, double scale) {
  std::mt19937_64 g(seed);
  std::normal_distribution<double> d(0.0, scale);
  GruParams<S> p = GruParams<S>::zeros(n);
  p.for_each([&](const char*, auto& m) {
    for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<S>(d(g));
  });
  return p;
}

TEST(Gru, GradientMatchesCentralDifferencesInDouble) {
  const TaskSpec spec = small_spec();
  const Config& c = config(spec);
  const TrialLayout L = make_layout(c.task, c.model.dt);
  GruKernel<double> k(c.model, L);
  const int n = c.model.n, B = L.batch();
  GruParams<double> p = random_params<double>(n, 3, 0.7);
  std::mt19937_64 g(5);
  std::normal_distribution<double> d(0.0, 1.0);
  Mat<double> h0(n, B), eps(n, B * (L.steps - 1));
  for (Eigen::Index i = 0; i < h0.size(); ++i) h0.data()[i] = std::tanh(0.5 * d(g));
  for (Eigen::Index i = 0; i < eps.size(); ++i) eps.data()[i] = 0.1 * d(g);
  GruParams<double> grad = GruParams<double>::zeros(n), scratch = grad;
  k.run_with(p, h0, eps, grad);
  const auto loss = [&](const GruParams<double>& q) {
    return k.run_with(q, h0, eps, scratch).loss;
  };
  double worst = 0.0;
  const double step = 1e-5;
  GruParams<double> num = GruParams<double>::zeros(n);
  // Central differences of every entry of every tensor.
  const auto tensors = [](GruParams<double>& q) {
    return std::array<Eigen::Map<Vec<double>>, 6>{
        Eigen::Map<Vec<double>>(q.W_ih.data(), q.W_ih.size()),
        Eigen::Map<Vec<double>>(q.W_hh.data(), q.W_hh.size()),
        Eigen::Map<Vec<double>>(q.b_ih.data(), q.b_ih.size()),
        Eigen::Map<Vec<double>>(q.b_hh.data(), q.b_hh.size()),
        Eigen::Map<Vec<double>>(q.W_out.data(), q.W_out.size()),
        Eigen::Map<Vec<double>>(q.b_out.data(), q.b_out.size())};
  };
  const char* names[] = {"W_ih", "W_hh", "b_ih", "b_hh", "W_out", "b_out"};
  auto tp = tensors(p), tn = tensors(num), tg = tensors(grad);
  for (int t = 0; t < 6; ++t) {
    for (Eigen::Index i = 0; i < tp[t].size(); ++i) {
      const double x = tp[t](i);
      tp[t](i) = x + step;
      const double up = loss(p);
      tp[t](i) = x - step;
      const double down = loss(p);
      tp[t](i) = x;
      tn[t](i) = (up - down) / (2.0 * step);
    }
    const double rel = (tg[t] - tn[t]).norm() / std::max(tg[t].norm(), tn[t].norm());
    worst = std::max(worst, rel);
    EXPECT_LT(rel, 1e-6) << names[t];
    EXPECT_GT(tg[t].norm(), 0.0) << names[t];
  }
  std::printf("gru gradient check (double): max relative error over the 6 tensors %.3g\n", worst);
}

TEST(Gru, ForwardGradientsAndOneStepMatchTorchGruCell) {
  for (const std::string opt : {"sgd", "adam"}) {
    SCOPED_TRACE(opt);
    const TaskSpec spec =
        small_spec("train: {optimizer: " + opt + ", lr: 0.05, weight_decay: 0.001}\n");
    const Config& c = config(spec);
    const TrialLayout L = make_layout(c.task, c.model.dt);
    const int n = c.model.n, B = L.batch(), T = L.steps;
    GruKernel<float> k(c.model, L);
    const GruParams<float> p0 = init_params(n, 11);
    // h_0 and eps as the runner draws them (noise_sigma raised to matter).
    const CounterNormals noise(11, stream::train);
    Mat<float> h0(n, B), eps(n, B * (T - 1)), blk(B, n);
    noise.fill<float>(blk.data(), B, B, n, 0, CounterNormals::kInitialState, 0.1f);
    h0 = blk.transpose().array().tanh();
    for (int t = 0; t + 1 < T; ++t) {
      noise.fill<float>(blk.data(), B, B, n, 0, static_cast<std::uint32_t>(t), 0.05f);
      eps.middleCols(t * B, B) = blk.transpose();
    }
    GruParams<float> grad = GruParams<float>::zeros(n);
    const GruEpochStats st = k.run_with(p0, h0, eps, grad);
    test::TorchRef ref;
    ref.scalar("n", n);
    ref.scalar("batch", B);
    ref.scalar("steps", T);
    ref.scalar("optimizer", opt);
    ref.scalar("lr", c.train.lr);
    ref.scalar("momentum", c.train.momentum);
    ref.scalar("weight_decay", c.train.weight_decay);
    ref.scalar("beta1", c.train.adam_beta1);
    ref.scalar("beta2", c.train.adam_beta2);
    ref.scalar("eps", c.train.adam_eps);
    GruParams<float> pw = p0;
    pw.for_each([&](const char* name, const auto& m) { ref.tensor(name, m); });
    ref.tensor("h0", h0);
    ref.tensor("eps", eps);
    Mat<float> x = Mat<float>::Zero(2, B * T), y = Mat<float>::Zero(2, B * T), w(1, T);
    for (int t = 0; t < T; ++t) {
      w(0, t) = static_cast<float>(L.weight[t]);
      for (int b = 0; b < B; ++b) {
        const int ch = TrialLayout::channel_of_cue(L.cue_of(b));
        if (L.input_on(t)) x(ch, t * B + b) = 1.0f;
        if (L.target_on(t)) y(ch, t * B + b) = 1.0f;
      }
    }
    ref.tensor("x", x);
    ref.tensor("y", y);
    ref.tensor("w", w);
    std::string why;
    const auto torch = ref.run("gru", &why);
    if (!torch) GTEST_SKIP() << why;
    const double e_out = test::rel_error(k.outputs(), torch->at("o"));
    const double e_loss = std::abs(st.loss - torch->at("loss")(0, 0)) / torch->at("loss")(0, 0);
    EXPECT_LT(e_out, 1e-5);
    EXPECT_LT(e_loss, 1e-5);
    double e_grad = 0.0, e_step = 0.0;
    GruParams<float> g = grad;
    g.for_each([&](const char* name, const auto& m) {
      const Mat<double>& tg = torch->at(std::string("g.") + name);
      // Relative to the tensor's largest entry (entries of ~1e-9 carry only
      // rounding).
      const double e =
          (m.template cast<double>() - tg.reshaped(m.rows(), m.cols())).cwiseAbs().maxCoeff() /
          tg.cwiseAbs().maxCoeff();
      e_grad = std::max(e_grad, e);
      EXPECT_LT(e, 1e-4) << name;
    });
    Optimiser o;
    GruParams<float> p1 = p0;
    o.step(c.train, p1, grad);
    p1.for_each([&](const char* name, const auto& m) {
      const Mat<double>& tp = torch->at(std::string("p1.") + name);
      const double e = test::rel_error(m, tp.reshaped(m.rows(), m.cols()));
      e_step = std::max(e_step, e);
      EXPECT_LT(e, 1e-5) << name;
    });
    std::printf(
        "gru vs torch (%s): outputs %.3g, loss %.3g, gradients %.3g (of the largest entry), params "
        "after one step %.3g (relative)\n",
        opt.c_str(), e_out, e_loss, e_grad, e_step);
  }
}

TEST(Gru, StopAndResumeIsBitExactWithEitherOptimiser) {
  for (const std::string opt : {"sgd", "adam"}) {
    SCOPED_TRACE(opt);
    const TaskSpec spec = small_spec("train: {optimizer: " + opt + ", epochs: 12, lr: 0.01}\n");
    const std::optional<TaskResult> whole = run_gru(spec, nullptr);
    ASSERT_TRUE(whole);
    std::string saved;
    RunControl ctl;
    ctl.poll = [](std::int64_t e) { return e == 5 ? RunAction::stop : RunAction::go_on; };
    ctl.save = [&](std::string s) { saved = std::move(s); };
    EXPECT_FALSE(run_gru(spec, &ctl));
    RunControl again;
    again.resume = saved;
    const std::optional<TaskResult> resumed = run_gru(spec, &again);
    ASSERT_TRUE(resumed);
    EXPECT_EQ(resumed->extras.final, whole->extras.final);
    EXPECT_EQ(resumed->curves.loss, whole->curves.loss);
    EXPECT_EQ(resumed->epochs_run, 12);
    // A state of the other optimiser does not decode as this one's.
    if (opt == "adam") {
      RunControl wrong;
      wrong.resume = saved;
      EXPECT_THROW(run_gru(small_spec("train: {epochs: 12, lr: 0.01}\n"), &wrong), IoError);
    }
  }
}

TEST(Gru, ThePresetKeysArePinned) {
  // Task keys and config hashes are a contract (compat_keys_test): pinned
  // when the family shipped.
  for (const auto& [preset, key, yaml] :
       {std::tuple{"gru-nopost", "055a0d6b308f588d", "03721a0fd4ce0f85"},
        std::tuple{"gru-post", "092de30b9d1fa4c4", "469352096584eb7d"}}) {
    const TaskSpec s = parse_train_config(std::string("family: ") + preset + "\n", "p.yaml");
    EXPECT_EQ(hex64(task_key(s)), key) << preset;
    EXPECT_EQ(hex64(hash64(to_yaml(s))), yaml) << preset;
    // The canonical text reads back to the same GRU (its gru section names the family).
    EXPECT_EQ(task_key(parse_train_config(to_yaml(s), "canonical.yaml")), task_key(s)) << preset;
  }
}

TEST(Gru, RulesRefuseWhatAGruDoesNotUse) {
  EXPECT_THAT([] { parse_train_config("family: gru-nopost\nmodel:\n  tau: 20\n", "t.yaml"); },
              testing::ThrowsMessage<ConfigError>(
                  testing::HasSubstr("t.yaml:3:8: model.tau is not used by a GRU")));
  EXPECT_THAT(
      [] { parse_train_config("family: gru-nopost\ntask: {kind: no_memory}\n", "k.yaml"); },
      testing::ThrowsMessage<ConfigError>(testing::HasSubstr("task.kind must be dcdt for a GRU")));
}

}  // namespace
}  // namespace memphase::gru
