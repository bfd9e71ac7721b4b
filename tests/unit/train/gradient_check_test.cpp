// Gradient check: hand-written BPTT against central finite differences in
// double precision, for every parameter tensor, both read-outs, with and
// without the post-response period.
#include <gtest/gtest.h>

#include <cmath>

#include "families/rate_rnn/rate_rnn.hpp"
#include "families/rate_rnn/bptt.hpp"

namespace memphase {
namespace {

struct Case {
  const char* name;
  Readout readout;
  TaskKind kind;
  LossKind loss;
  double post;
};

class GradientCheck : public ::testing::TestWithParam<Case> {};

TEST_P(GradientCheck, MatchesCentralDifferences) {
  const Case c = GetParam();
  ModelConfig model;
  model.n = 12;
  model.readout = c.readout;
  TaskConfig task;
  task.kind = c.kind;
  task.delay = 40;
  task.post = c.post;
  task.reps = 3;
  task.loss = c.loss;
  if (c.kind == TaskKind::no_memory) task.response = 40;
  const TrialLayout layout = make_layout(task, model.dt);
  BpttKernel<double> k(model, layout);

  Params<double> p = init_params<double>(model.n, 7);
  // Perturb so that every parameter (incl. diag W_rec, biases) matters and the
  // network is not near a trivial point.
  Rng rng(11, "test");
  Params<double> jitter = Params<double>::zeros(model.n);
  jitter.for_each([&](const char*, auto& m) {
    using M = std::decay_t<decltype(m)>;
    M tmp(m.rows(), m.cols());
    rng.fill_normal(tmp, 0.3);
    const_cast<M&>(m) = tmp;
  });
  p.zip(jitter, [](auto& a, auto& b) { a += b; });

  Mat<double> r0(model.n, layout.batch());
  rng.fill_normal(r0, 0.1);
  Mat<double> eps(model.n, static_cast<Eigen::Index>(layout.batch()) * (layout.steps - 1));
  rng.fill_normal(eps, 0.05);

  Params<double> grad = Params<double>::zeros(model.n);
  k.run_with(p, r0, eps, grad);

  const double h = 1e-5;
  double worst = 0.0;
  std::string worst_name;
  Params<double> q = p;
  int idx = 0;
  q.for_each([&](const char* name, auto& mq_const) {
    auto& mq = const_cast<std::decay_t<decltype(mq_const)>&>(mq_const);
    Params<double> gcopy = grad;
    Eigen::Index gi = 0;
    const double* gdata = nullptr;
    gcopy.for_each([&](const char*, auto& gm) {
      if (gi++ == idx) gdata = gm.data();
    });
    double num2 = 0, diff2 = 0;
    for (Eigen::Index i = 0; i < mq.size(); ++i) {
      const double orig = mq.data()[i];
      mq.data()[i] = orig + h;
      const double lp = k.loss_with(q, r0, eps);
      mq.data()[i] = orig - h;
      const double lm = k.loss_with(q, r0, eps);
      mq.data()[i] = orig;
      const double fd = (lp - lm) / (2 * h);
      num2 += fd * fd;
      diff2 += (fd - gdata[i]) * (fd - gdata[i]);
    }
    const double relerr = std::sqrt(diff2) / std::max(std::sqrt(num2), 1e-300);
    if (relerr > worst) {
      worst = relerr;
      worst_name = name;
    }
    EXPECT_LT(relerr, 1e-6) << c.name << ": " << name << " |grad|=" << std::sqrt(num2);
    EXPECT_GT(num2, 0.0) << name << " has a zero gradient: the check would be vacuous";
    ++idx;
  });
  RecordProperty("worst_relative_error", std::to_string(worst));
  std::printf("[%s] worst relative error %.3e (%s)\n", c.name, worst, worst_name.c_str());
}

INSTANTIATE_TEST_SUITE_P(
    AllVariants, GradientCheck,
    ::testing::Values(Case{"sigmoid_nopost", Readout::sigmoid, TaskKind::dcdt, LossKind::weighted_mse, 0},
                      Case{"sigmoid_post", Readout::sigmoid, TaskKind::dcdt, LossKind::weighted_mse, 30},
                      Case{"linear_nopost", Readout::linear, TaskKind::dcdt, LossKind::weighted_mse, 0},
                      Case{"linear_post", Readout::linear, TaskKind::dcdt, LossKind::mse, 30},
                      Case{"no_memory_linear_mse", Readout::linear, TaskKind::no_memory, LossKind::mse, 0}),
    [](const auto& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace memphase
