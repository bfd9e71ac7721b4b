// The same science (issue 15): with noise 0 and r_0 = 0, training is a
// deterministic function of the initial weights, so 30 epochs at lr 0.1,
// delay 200 ms must reproduce the numbers of release 04764a7 (the kernel
// before the Philox/fused rewrite), stored in tests/data/noise0-fixture.txt
// (generated from tests/data/noise0-fixture.yaml with that release's
// `memphase train`). Fused kernels reorder float sums, hence tolerances:
// loss and grad norm 1e-6 relative, final weights 1e-5 in
// max|new - old| / max|old| per tensor. The initial weights must match exactly.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "train/trainer.hpp"

#ifndef MEMPHASE_TEST_DATA_DIR
#error "MEMPHASE_TEST_DATA_DIR must point to tests/data"
#endif

namespace memphase {
namespace {

struct Tensor {
  int rows = 0, cols = 0;
  std::vector<double> v;  ///< row-major, float32 values
};

/// name -> tensor from the fixture text (one line per tensor: name rows cols values).
std::map<std::string, Tensor> read_fixture(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot open " << path;
  std::map<std::string, Tensor> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream is(line);
    std::string name;
    Tensor t;
    is >> name >> t.rows >> t.cols;
    double x;  // %.9g round-trips float32 exactly: keep the float value
    while (is >> x) t.v.push_back(static_cast<double>(static_cast<float>(x)));
    EXPECT_EQ(t.v.size(), static_cast<std::size_t>(t.rows) * t.cols) << name;
    out[name] = std::move(t);
  }
  return out;
}

template <class M>
Tensor to_tensor(const M& m) {
  Tensor t;
  t.rows = static_cast<int>(m.rows());
  t.cols = static_cast<int>(m.cols());
  for (int i = 0; i < t.rows; ++i)
    for (int j = 0; j < t.cols; ++j) t.v.push_back(static_cast<double>(m(i, j)));
  return t;
}

std::map<std::string, Tensor> tensors(const Params<float>& p, const std::string& prefix) {
  std::map<std::string, Tensor> out;
  p.for_each([&](const char* name, const auto& m) { out[prefix + name] = to_tensor(m); });
  return out;
}

/// The spec of tests/data/noise0-fixture.yaml.
TaskSpec fixture_spec() {
  TaskSpec s;
  s.model.n = 100;
  s.model.noise_sigma = 0.0;
  s.model.init_state_sigma = 0.0;
  s.task.delay = 200;
  s.task.reps = 64;
  s.train.lr = 0.1;
  s.train.momentum = 0.9;
  s.train.weight_decay = 1e-7;
  s.train.epochs = 30;
  s.train.seed = 0;
  return s;
}

TEST(Fixture, NoiseFreeTrainingMatchesRelease04764a7) {
  const auto fx = read_fixture(std::string(MEMPHASE_TEST_DATA_DIR) + "/noise0-fixture.txt");
  ASSERT_EQ(fx.count("loss"), 1u);
  Trainer trainer(fixture_spec());
  TrainState s = trainer.start();
  // Weight initialisation (stream "init") is unchanged: exact.
  for (const auto& [name, t] : tensors(s.initial, "initial.")) {
    ASSERT_EQ(fx.count(name), 1u) << name;
    EXPECT_EQ(t.v, fx.at(name).v) << name;
  }
  trainer.advance(s);
  ASSERT_EQ(s.epoch, 30);
  ASSERT_EQ(s.status, Status::done);

  auto curve_check = [&](const char* name, const std::vector<float>& got) {
    const auto& ref = fx.at(name).v;
    ASSERT_EQ(got.size(), ref.size()) << name;
    double worst = 0;
    for (std::size_t e = 0; e < ref.size(); ++e) {
      const double rel = std::abs(static_cast<double>(got[e]) - ref[e]) / std::abs(ref[e]);
      worst = std::max(worst, rel);
      EXPECT_LE(rel, 1e-6) << name << " at epoch " << e << ": " << got[e] << " vs " << ref[e];
    }
    std::cout << "[ fixture  ] " << name << ": max relative deviation " << worst << "\n";
  };
  curve_check("loss", s.curves.loss);
  curve_check("grad_norm", s.curves.grad_norm);

  for (const auto& [name, t] : tensors(s.params, "final.")) {
    const auto& ref = fx.at(name);
    ASSERT_EQ(t.v.size(), ref.v.size()) << name;
    double diff = 0, scale = 0;
    for (std::size_t i = 0; i < ref.v.size(); ++i) {
      diff = std::max(diff, std::abs(t.v[i] - ref.v[i]));
      scale = std::max(scale, std::abs(ref.v[i]));
    }
    EXPECT_LE(diff / scale, 1e-5) << name;
    std::cout << "[ fixture  ] " << name << ": max|diff|/max|ref| " << diff / scale << "\n";
  }
}

}  // namespace
}  // namespace memphase
