// Adam (train.optimizer: adam) against torch.optim.Adam itself: three
// updates of a rate RNN's parameters with given gradients, from PyTorch
// (tests/support/torch_ref.py, Debian's python3-torch) and from memphase's
// adam_step, must agree to float rounding; plus the bias correction checked
// by hand, and the optimiser key's rules.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "config/campaign.hpp"
#include "config/train_config.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "families/rate_rnn/run_task.hpp"
#include "families/rate_rnn/sgd.hpp"
#include "plugin/family.hpp"
#include "support/torch_ref.hpp"

namespace memphase {
namespace {

Params<float> random_params(int n, std::mt19937_64& g, float scale) {
  std::normal_distribution<float> d(0.0f, scale);
  Params<float> p = Params<float>::zeros(n);
  p.for_each([&](const char*, auto& m) {
    for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = d(g);
  });
  return p;
}

TEST(Adam, ThreeUpdatesMatchTorchOptimAdam) {
  std::mt19937_64 g(7);
  const int n = 5;
  const AdamHyper h{0.01, 0.8, 0.99, 1e-8, 0.01};
  Params<float> p = random_params(n, g, 0.5f);
  test::TorchRef ref;
  ref.scalar("steps", 3);
  ref.scalar("lr", h.lr);
  ref.scalar("beta1", h.beta1);
  ref.scalar("beta2", h.beta2);
  ref.scalar("eps", h.eps);
  ref.scalar("weight_decay", h.weight_decay);
  p.for_each([&](const char* name, const auto& m) { ref.tensor(std::string("p.") + name, m); });
  std::vector<Params<float>> grads;
  // Gradients of very different sizes (1e-4 .. 1): Adam's normalisation.
  for (int k = 0; k < 3; ++k) {
    grads.push_back(random_params(n, g, k == 1 ? 1e-4f : 1.0f));
    grads.back().for_each(
        [&](const char* name, const auto& m) { ref.tensor(fmt::format("g{}.{}", k, name), m); });
  }
  std::string why;
  const auto torch = ref.run("adam", &why);
  if (!torch) GTEST_SKIP() << why;

  AdamState<float> st;
  double worst = 0.0;
  for (int k = 0; k < 3; ++k) {
    Params<float> gk = grads[k];
    adam_step(p, gk, st, h);
    p.for_each([&](const char* name, const auto& m) {
      const double e = test::rel_error(m, torch->at(fmt::format("p{}.{}", k, name)));
      worst = std::max(worst, e);
      EXPECT_LT(e, 2e-6) << "update " << k << " " << name;
    });
  }
  st.m.for_each([&](const char* name, const auto& m) {
    EXPECT_LT(test::rel_error(m, torch->at(std::string("m.") + name), 1e-6), 2e-6) << name;
  });
  st.v.for_each([&](const char* name, const auto& m) {
    EXPECT_LT(test::rel_error(m, torch->at(std::string("v.") + name), 1e-9), 2e-6) << name;
  });
  EXPECT_EQ(st.step, 3);
  std::printf(
      "adam vs torch.optim.Adam: max relative error of the parameters over 3 updates %.3g\n",
      worst);
}

TEST(Adam, FirstUpdateMovesEveryParameterByLrTimesTheGradientSign) {
  // With bias correction, update 1 is lr * g / (|g| + eps sqrt(1-beta2)/...):
  // m/(1-b1) = g and sqrt(v/(1-b2)) = |g|, so each parameter moves by ~lr.
  Params<double> p = Params<double>::zeros(2);
  Params<double> g = Params<double>::zeros(2);
  g.W_rec << 3.0, -0.001, 1e3, 0.0;
  AdamState<double> st;
  adam_step(p, g, st, {0.1, 0.9, 0.999, 1e-8, 0.0});
  EXPECT_NEAR(p.W_rec(0, 0), -0.1, 1e-8);
  EXPECT_NEAR(p.W_rec(0, 1), 0.1, 1e-5);
  EXPECT_NEAR(p.W_rec(1, 0), -0.1, 1e-8);
  EXPECT_EQ(p.W_rec(1, 1), 0.0);
}

TEST(Adam, TheKeyIsAbsentFromTheCanonicalTextAtItsDefault) {
  const TaskSpec sgd =
      parse_train_config("family: dcdt-nopost\ntrain: {optimizer: sgd}\n", "a.yaml");
  const TaskSpec plain = parse_train_config("family: dcdt-nopost\n", "b.yaml");
  EXPECT_EQ(to_yaml(sgd), to_yaml(plain));
  EXPECT_EQ(task_key(sgd), task_key(plain));
  const TaskSpec adam = parse_train_config(
      "family: dcdt-nopost\ntrain: {optimizer: adam, adam_beta2: 0.99}\n", "c.yaml");
  EXPECT_NE(task_key(adam), task_key(plain));
  EXPECT_THAT(to_yaml(adam),
              testing::HasSubstr("  optimizer: adam\n  adam_beta1: 0.9\n  adam_beta2: 0.99\n"));
  // The canonical text reads back to the same task.
  EXPECT_EQ(task_key(parse_train_config("family: dcdt-nopost\n" + to_yaml(adam), "d.yaml")),
            task_key(adam));
}

TEST(Adam, TheAdamEncodingIsPinned) {
  // The key and canonical text of an Adam network are a contract from now
  // on, like those of compat_keys_test (pinned when Adam shipped).
  const TaskSpec s =
      parse_train_config("family: dcdt-nopost\ntrain: {optimizer: adam}\n", "p.yaml");
  EXPECT_EQ(hex64(task_key(s)), "120525ae8db67982");
  EXPECT_EQ(hex64(hash64(to_yaml(s))), "96f7eddc8b6ad4d1");
}

TEST(Adam, RulesNameTheFileLineKeyAndValue) {
  EXPECT_THAT(
      [] { parse_train_config("family: toy-ghost\ntrain:\n  optimizer: adam\n", "toy.yaml"); },
      testing::ThrowsMessage<ConfigError>(testing::HasSubstr(
          "toy.yaml:3:14: train.optimizer must be sgd for a toy (plain gradient descent, no "
          "backpropagation) (got adam)")));
  EXPECT_THAT(
      [] { parse_train_config("train:\n  adam_beta1: 0.5\n", "x.yaml"); },
      testing::ThrowsMessage<ConfigError>(testing::HasSubstr(
          "x.yaml:2:15: train.adam_beta1 is only used with train.optimizer adam (got 0.5)")));
  EXPECT_THAT([] { parse_train_config("train: {optimizer: adam, adam_beta2: 1}\n", "y.yaml"); },
              testing::ThrowsMessage<ConfigError>(
                  testing::HasSubstr("train.adam_beta2 must be in [0, 1) (got 1)")));
  EXPECT_THAT([] { parse_train_config("train: {optimizer: adamw}\n", "z.yaml"); },
              testing::ThrowsMessage<ConfigError>(
                  testing::HasSubstr("train.optimizer must be one of sgd, adam")));
}

TEST(Adam, StopAndResumeOfARateRnnIsBitExact) {
  // The checkpoint holds Adam's moments and step count: a run stopped at
  // epoch 7 and resumed from its saved state ends bit-identical to one
  // that never stopped.
  const TaskSpec spec = parse_train_config(
      "family: dcdt-nopost\nmodel: {n: 12}\ntask: {delay: 20, reps: 4}\n"
      "train: {optimizer: adam, lr: 0.01, epochs: 20, weight_decay: 0.001}\n",
      "r.yaml");
  const std::optional<TaskResult> whole = run_rate_rnn(spec, nullptr);
  ASSERT_TRUE(whole);
  std::string saved;
  RunControl ctl;
  ctl.poll = [](std::int64_t e) { return e == 7 ? RunAction::stop : RunAction::go_on; };
  ctl.save = [&](std::string s) { saved = std::move(s); };
  EXPECT_FALSE(run_rate_rnn(spec, &ctl));
  EXPECT_EQ(decode_state(saved, "mem").adam.step, 7);
  RunControl again;
  again.resume = saved;
  const std::optional<TaskResult> resumed = run_rate_rnn(spec, &again);
  ASSERT_TRUE(resumed);
  EXPECT_TRUE(resumed->final == whole->final);
  EXPECT_EQ(resumed->curves.loss, whole->curves.loss);
  // Adam moved the network differently from SGD at the same lr.
  TaskSpec sgd = parse_train_config(
      "family: dcdt-nopost\nmodel: {n: 12}\ntask: {delay: 20, reps: 4}\n"
      "train: {lr: 0.01, epochs: 20, weight_decay: 0.001}\n",
      "s.yaml");
  EXPECT_FALSE(run_rate_rnn(sgd, nullptr)->final == whole->final);
  // An SGD task refuses an Adam state.
  RunControl wrong;
  wrong.resume = saved;
  EXPECT_THROW(run_rate_rnn(sgd, &wrong), IoError);
}

TEST(Adam, EveryBackpropFamilyResumesBitExactWithAdam) {
  // Through the Family interface: the ghost networks (rank 1 and K) and the
  // WCRNN (adding problem) train with Adam too; a run stopped at update 5
  // and resumed from its checkpoint equals one that never stopped, and Adam
  // trains differently from SGD.
  const char* configs[] = {
      "family: ghost-rank1\n",
      "family: ghost-rankK\n",
      "family: wcrnn\nmodel: {n: 8}\nwcrnn: {seq_len: 10, batch: 4, eval_every: 10, eval_size: "
      "8}\n",
  };
  for (const char* base : configs) {
    SCOPED_TRACE(base);
    const TaskSpec sgd = parse_train_config(std::string(base) + "train: {epochs: 30}\n", "s.yaml");
    const TaskSpec adam = parse_train_config(
        std::string(base) + "train: {epochs: 30, optimizer: adam, lr: 0.01}\n", "a.yaml");
    const std::optional<TaskResult> whole = adam.family->run(adam, nullptr);
    ASSERT_TRUE(whole);
    std::string saved;
    RunControl ctl;
    ctl.poll = [](std::int64_t e) { return e == 5 ? RunAction::stop : RunAction::go_on; };
    ctl.save = [&](std::string s) { saved = std::move(s); };
    EXPECT_FALSE(adam.family->run(adam, &ctl));
    RunControl again;
    again.resume = saved;
    const std::optional<TaskResult> resumed = adam.family->run(adam, &again);
    ASSERT_TRUE(resumed);
    EXPECT_EQ(resumed->extras.final, whole->extras.final);
    EXPECT_EQ(resumed->curves.loss, whole->curves.loss);
    EXPECT_NE(sgd.family->run(sgd, nullptr)->extras.final, whole->extras.final);
  }
}

}  // namespace
}  // namespace memphase
