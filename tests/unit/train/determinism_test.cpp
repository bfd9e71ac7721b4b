// Determinism: same task twice is bit-identical; the initial network depends
// on the seed only; stop after k epochs + save/restore continues bit-identically
// (the training noise is counter-based: a state carries no generator).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"
#include "families/rate_rnn/rate_rnn.hpp"
#include "families/rate_rnn/trainer.hpp"
#include "families/rate_rnn/family.hpp"
#include "support/spec_access.hpp"

namespace memphase {
namespace {

using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

TaskSpec small_spec(double lr, double delay, std::uint64_t seed) {
  TaskSpec s = rate_rnn::family().make("dcdt-nopost");
  sec(s).model.n = 20;
  sec(s).task.delay = delay;
  sec(s).task.reps = 4;
  sec(s).train.lr = lr;
  sec(s).train.epochs = 40;
  sec(s).train.seed = seed;
  return s;
}

TEST(Determinism, SameTaskTwiceIsBitIdentical) {
  Trainer a(small_spec(0.05, 60, 3)), b(small_spec(0.05, 60, 3));
  TrainState sa = a.start(), sb = b.start();
  a.advance(sa);
  b.advance(sb);
  EXPECT_TRUE(sa.params == sb.params);
  EXPECT_EQ(sa.curves, sb.curves);
  EXPECT_EQ(sa.epoch, 40);
}

TEST(Determinism, InitialWeightsDependOnSeedOnly) {
  Trainer a(small_spec(0.05, 60, 3)), b(small_spec(0.001, 300, 3)), c(small_spec(0.05, 60, 4));
  EXPECT_TRUE(a.start().params == b.start().params);
  EXPECT_FALSE(a.start().params == c.start().params);
  // Float weights are the double draw rounded, so double-precision tests see
  // the same network.
  EXPECT_TRUE(init_params<double>(20, 3).cast<float>() == a.start().params);
  // diag(W_rec) = 0 at initialisation.
  EXPECT_EQ(a.start().params.W_rec.diagonal().cwiseAbs().maxCoeff(), 0.0f);
}

TEST(Determinism, StopSaveRestoreFinishesBitIdentical) {
  const TaskSpec spec = small_spec(0.05, 60, 5);
  Trainer full(spec);
  TrainState ref = full.start();
  full.advance(ref);

  Trainer part(spec);
  TrainState s = part.start();
  part.advance(s, 17);
  ASSERT_EQ(s.epoch, 17);
  ASSERT_FALSE(s.finished);
  // "Save": copy out the weights, optimiser and epoch into a state built from
  // scratch; the noise of the next epochs follows from (seed, epoch) alone.
  TrainState restored;
  restored.initial = s.initial;
  restored.params = s.params;
  restored.opt = s.opt;
  restored.epoch = s.epoch;
  restored.curves = s.curves;
  Trainer resumed(spec);  // a new process would build a new trainer
  resumed.advance(restored);
  EXPECT_TRUE(restored.params == ref.params);
  EXPECT_EQ(restored.curves, ref.curves);
}

TEST(Determinism, EncodedStateResumesBitIdentical) {
  const TaskSpec spec = small_spec(0.05, 40, 9);
  Trainer t(spec);
  TrainState ref = t.start();
  t.advance(ref);
  TrainState s = t.start();
  t.advance(s, 23);
  const std::string bytes = encode_state(s);
  TrainState back = decode_state(bytes, "mem");
  Trainer t2(spec);
  t2.advance(back);
  EXPECT_TRUE(back.params == ref.params);
  EXPECT_EQ(back.curves, ref.curves);
  // Truncation anywhere is detected, never read out of bounds.
  for (std::size_t cut : {std::size_t{0}, std::size_t{7}, bytes.size() / 2, bytes.size() - 1}) {
    EXPECT_THROW(decode_state(std::string_view(bytes).substr(0, cut), "mem"), IoError) << cut;
  }
}

TEST(Determinism, NanLossIsRecordedAsDivergedNotThrown) {
  // Linear read-out (no-memory variant): a huge lr blows the loss up to Inf/NaN.
  TaskSpec spec = small_spec(1e8, 60, 1);
  sec(spec).model.readout = Readout::linear;
  Trainer t(spec);
  TrainState s = t.start();
  EXPECT_NO_THROW(t.advance(s));
  EXPECT_TRUE(s.finished);
  EXPECT_EQ(s.status, Status::diverged);
  EXPECT_LT(s.epoch, 40);
}

TEST(Determinism, InitStateSigmaZeroGivesZeroInitialState) {
  TaskSpec spec = small_spec(0.05, 0, 2);
  sec(spec).model.init_state_sigma = 0.0;
  sec(spec).model.noise_sigma = 0.0;
  // With no randomness at all two different training seeds' streams give the
  // same curves when the weights are the same: training is deterministic.
  TaskSpec other = spec;
  sec(other).train.seed = 999;
  Trainer t(spec), t999(other);
  TrainState s1 = t.start(), s2 = t.start();
  t.advance(s1, 5);
  t999.advance(s2, 5);
  EXPECT_EQ(s1.curves, s2.curves);
}

TEST(Determinism, NoiseDependsOnTheSeedWhenTheWeightsAreEqual) {
  TaskSpec spec = small_spec(0.05, 0, 2), other = small_spec(0.05, 0, 999);
  Trainer t(spec), t999(other);
  TrainState s1 = t.start(), s2 = t.start();  // same weights
  t.advance(s1, 3);
  t999.advance(s2, 3);
  EXPECT_NE(s1.curves.loss, s2.curves.loss);
}

TEST(Determinism, CheckpointOfTheOldFormatIsRefusedNotMisread) {
  // Format 1 (before issue 15) had no tag and a std::mt19937_64 state after
  // the optimiser: decoding it must fail (the engine then restarts the task
  // with a bad_checkpoint event), never yield a state.
  const TaskSpec spec = small_spec(0.05, 40, 9);
  Trainer t(spec);
  TrainState s = t.start();
  t.advance(s, 3);
  ByteWriter w;
  put(w, s.initial);
  put(w, s.params);
  w.put(s.opt.initialised);
  if (s.opt.initialised) put(w, s.opt.buf);
  w.put_string(Rng(9, stream::train).save());
  w.put(s.epoch);
  put(w, s.curves);
  w.put(s.status);
  w.put(s.finished);
  w.put(s.train_seconds);
  EXPECT_THAT([&] { decode_state(w.str(), "ckpt/old.bin"); },
              ThrowsMessage<IoError>(HasSubstr("ckpt/old.bin: checkpoint of another format")));
  // And the current format round-trips.
  const TrainState back = decode_state(encode_state(s), "mem");
  EXPECT_TRUE(back.params == s.params);
  EXPECT_EQ(back.epoch, 3);
}

}  // namespace
}  // namespace memphase

namespace memphase {
namespace {

TEST(Determinism, InterleavedPairEqualsTwoSeparateEpochs) {
  // memphase bench's two-networks-per-core variant computes exactly what
  // two run() calls compute.
  ModelConfig model;
  model.n = 20;
  TaskConfig task;
  task.delay = 60;
  task.reps = 16;
  const TrialLayout l1 = make_layout(task, model.dt);
  task.delay = 100;
  const TrialLayout l2 = make_layout(task, model.dt);
  BpttKernel<float> a(model, l1), b(model, l2), c(model, l1), d(model, l2);
  const Params<float> p1 = init_params<float>(20, 1), p2 = init_params<float>(20, 2);
  const CounterNormals n1(1, stream::train), n2(2, stream::train);
  Params<float> ga = Params<float>::zeros(20), gb = ga, gc = ga, gd = ga;
  EpochStats sb;
  const EpochStats sa = run_interleaved(a, p1, n1, 5, ga, b, p2, n2, 7, gb, &sb);
  const EpochStats sc = c.run(p1, n1, 5, gc), sd = d.run(p2, n2, 7, gd);
  EXPECT_TRUE(ga == gc);
  EXPECT_TRUE(gb == gd);
  EXPECT_EQ(sa.loss, sc.loss);
  EXPECT_EQ(sb.loss, sd.loss);
  EXPECT_EQ(sb.grad_norm, sd.grad_norm);
}

}  // namespace
}  // namespace memphase
