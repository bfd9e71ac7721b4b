// Train-config YAML (config/train_config.hpp) and the shared YAML helpers
// (config/yaml_util.hpp): defaults, family defaults, every validation rule
// with its message pinned, and the canonical to_yaml round trip.
#include "config/train_config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "yaml/yaml_util.hpp"
#include "core/error.hpp"
#include "support/spec_access.hpp"

namespace memphase {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::ThrowsMessage;

TaskSpec parse(const std::string& text) { return parse_train_config(text, "run.yaml"); }

bool same_bits(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

// Field-by-field equality; doubles compared bit for bit.
void expect_identical(const TaskSpec& a, const TaskSpec& b) {
#define MEMPHASE_EXPECT_BITS(f) \
  EXPECT_TRUE(same_bits(sec(a).f, sec(b).f)) << #f << ": " << sec(a).f << " vs " << sec(b).f
#define MEMPHASE_EXPECT_EQ(f) EXPECT_EQ(sec(a).f, sec(b).f) << #f
  MEMPHASE_EXPECT_EQ(model.n);
  MEMPHASE_EXPECT_BITS(model.dt);
  MEMPHASE_EXPECT_BITS(model.tau);
  MEMPHASE_EXPECT_BITS(model.noise_sigma);
  MEMPHASE_EXPECT_BITS(model.init_state_sigma);
  MEMPHASE_EXPECT_EQ(model.readout);
  MEMPHASE_EXPECT_EQ(task.kind);
  MEMPHASE_EXPECT_BITS(task.cue);
  MEMPHASE_EXPECT_BITS(task.delay);
  MEMPHASE_EXPECT_BITS(task.response);
  MEMPHASE_EXPECT_BITS(task.post);
  MEMPHASE_EXPECT_EQ(task.reps);
  MEMPHASE_EXPECT_EQ(task.loss);
  MEMPHASE_EXPECT_BITS(train.lr);
  MEMPHASE_EXPECT_BITS(train.momentum);
  MEMPHASE_EXPECT_BITS(train.weight_decay);
  MEMPHASE_EXPECT_EQ(train.epochs);
  MEMPHASE_EXPECT_BITS(train.epochs_coeff);
  MEMPHASE_EXPECT_EQ(train.epochs_min);
  MEMPHASE_EXPECT_BITS(train.abort_loss);
  MEMPHASE_EXPECT_EQ(train.record_every);
  MEMPHASE_EXPECT_EQ(train.seed);
#undef MEMPHASE_EXPECT_BITS
#undef MEMPHASE_EXPECT_EQ
}

// Expects parse(text) to throw a ConfigError containing `part`.
#define EXPECT_CONFIG_ERROR(text, part) \
  EXPECT_THAT([&] { parse(text); }, ThrowsMessage<ConfigError>(HasSubstr(part)))

// ------------------------------------------------------------------ defaults

TEST(TrainConfigDefaults, EmptyTextGivesTaskSpecDefaults) {
  expect_identical(parse(""), preset_spec("dcdt-nopost", "t"));
  expect_identical(parse("# nothing but a comment\n"), preset_spec("dcdt-nopost", "t"));
}

TEST(TrainConfigDefaults, EmptySectionsAreAllowed) {
  expect_identical(parse("model:\ntask: {}\ntrain: ~\n"), preset_spec("dcdt-nopost", "t"));
}

TEST(TrainConfigDefaults, DefaultsMatchTheSpec) {
  const TaskSpec s = parse("");
  EXPECT_EQ(sec(s).model.n, 100);
  EXPECT_EQ(sec(s).model.dt, 5.0);
  EXPECT_EQ(sec(s).model.tau, 10.0);
  EXPECT_EQ(sec(s).model.noise_sigma, 0.001);
  EXPECT_EQ(sec(s).model.init_state_sigma, 0.1);
  EXPECT_EQ(sec(s).model.readout, Readout::sigmoid);
  EXPECT_EQ(sec(s).task.kind, TaskKind::dcdt);
  EXPECT_EQ(sec(s).task.cue, 30.0);
  EXPECT_EQ(sec(s).task.delay, 0.0);
  EXPECT_EQ(sec(s).task.response, 50.0);
  EXPECT_EQ(sec(s).task.post, 0.0);
  EXPECT_EQ(sec(s).task.reps, 64);
  EXPECT_EQ(sec(s).task.loss, LossKind::weighted_mse);
  EXPECT_EQ(sec(s).train.lr, 0.1);
  EXPECT_EQ(sec(s).train.momentum, 0.9);
  EXPECT_EQ(sec(s).train.weight_decay, 1e-7);
  EXPECT_EQ(sec(s).train.epochs, 0);
  EXPECT_EQ(sec(s).train.epochs_coeff, 30.0);
  EXPECT_EQ(sec(s).train.epochs_min, 1000);
  EXPECT_EQ(sec(s).train.abort_loss, 0.0);
  EXPECT_EQ(sec(s).train.record_every, 1);
  EXPECT_EQ(sec(s).train.seed, 0u);
}

TEST(TrainConfigParse, ReadsEveryKey) {
  const TaskSpec s = parse(
      "model:  {n: 50, dt: 2.5, tau: 20, noise_sigma: 0, init_state_sigma: 0.25, readout: linear}\n"
      "task:   {kind: dcdt, cue: 40, delay: 320, response: 60, post: 30, reps: 16, loss: mse}\n"
      "train:  {lr: 0.05, momentum: 0.5, weight_decay: 0, epochs: 1234, epochs_coeff: 100,\n"
      "         epochs_min: 10, abort_loss: 7.5, record_every: 10, seed: 42}\n");
  EXPECT_EQ(sec(s).model.n, 50);
  EXPECT_EQ(sec(s).model.dt, 2.5);
  EXPECT_EQ(sec(s).model.tau, 20.0);
  EXPECT_EQ(sec(s).model.noise_sigma, 0.0);
  EXPECT_EQ(sec(s).model.init_state_sigma, 0.25);
  EXPECT_EQ(sec(s).model.readout, Readout::linear);
  EXPECT_EQ(sec(s).task.kind, TaskKind::dcdt);
  EXPECT_EQ(sec(s).task.cue, 40.0);
  EXPECT_EQ(sec(s).task.delay, 320.0);
  EXPECT_EQ(sec(s).task.response, 60.0);
  EXPECT_EQ(sec(s).task.post, 30.0);
  EXPECT_EQ(sec(s).task.reps, 16);
  EXPECT_EQ(sec(s).task.loss, LossKind::mse);
  EXPECT_EQ(sec(s).train.lr, 0.05);
  EXPECT_EQ(sec(s).train.momentum, 0.5);
  EXPECT_EQ(sec(s).train.weight_decay, 0.0);
  EXPECT_EQ(sec(s).train.epochs, 1234);
  EXPECT_EQ(sec(s).train.epochs_coeff, 100.0);
  EXPECT_EQ(sec(s).train.epochs_min, 10);
  EXPECT_EQ(sec(s).train.abort_loss, 7.5);
  EXPECT_EQ(sec(s).train.record_every, 10);
  EXPECT_EQ(sec(s).train.seed, 42u);
}

TEST(TrainConfigParse, EpochsAutoMeansTheFormula) {
  EXPECT_EQ(sec(parse("train: {epochs: auto}")).train.epochs, 0);
  EXPECT_EQ(sec(parse("train: {epochs: 500}")).train.epochs, 500);
  const TaskSpec s = parse("train: {lr: 0.001, epochs: auto}");
  EXPECT_EQ(sec(s).train.resolved_epochs(), 30000);
}

TEST(TrainConfigParse, IntegersAreDecimalAndMayBeWrittenAsIntegralFloats) {
  // yaml-cpp's own conversion would read 010 as octal 8.
  EXPECT_EQ(sec(parse("task: {reps: 010}")).task.reps, 10);
  EXPECT_EQ(sec(parse("task: {reps: 1e2}")).task.reps, 100);
  EXPECT_EQ(sec(parse("train: {epochs: 3.0e3}")).train.epochs, 3000);
  EXPECT_EQ(sec(parse("train: {seed: 18446744073709551615}")).train.seed,
            std::numeric_limits<std::uint64_t>::max());
}

TEST(TrainConfigParse, NumbersAcceptSignsAndQuotes) {
  EXPECT_EQ(sec(parse("train: {lr: +0.5}")).train.lr, 0.5);
  EXPECT_EQ(sec(parse("train: {lr: .5}")).train.lr, 0.5);
  EXPECT_EQ(sec(parse("train: {lr: \"0.25\"}")).train.lr, 0.25);
}

// ------------------------------------------------------------------ families

TEST(TrainConfigFamily, NopostIsTheDefaults) {
  expect_identical(parse("family: dcdt-nopost"), preset_spec("dcdt-nopost", "t"));
}

TEST(TrainConfigFamily, PostSetsPostPeriodAndEpochCoefficient) {
  const TaskSpec s = parse("family: dcdt-post");
  EXPECT_EQ(sec(s).task.post, 30.0);
  EXPECT_EQ(sec(s).train.epochs_coeff, 100.0);
  EXPECT_EQ(sec(s).model.tau, 10.0);
  EXPECT_EQ(sec(s).train.resolved_epochs(), 1000);  // max(1000, 100/0.1)
}

TEST(TrainConfigFamily, LongtauSetsTau) {
  const TaskSpec s = parse("family: dcdt-longtau");
  EXPECT_EQ(sec(s).model.tau, 20.0);
  EXPECT_EQ(sec(s).model.alpha(), 0.25);
  EXPECT_EQ(sec(s).task.post, 0.0);
}

TEST(TrainConfigFamily, NoMemorySetsTaskReadoutLossEpochsAndAbort) {
  const TaskSpec s = parse("family: no-memory");
  EXPECT_EQ(sec(s).task.kind, TaskKind::no_memory);
  EXPECT_EQ(sec(s).model.readout, Readout::linear);
  EXPECT_EQ(sec(s).task.loss, LossKind::mse);
  EXPECT_EQ(sec(s).train.epochs, 3000);
  EXPECT_EQ(sec(s).train.resolved_epochs(), 3000);
  EXPECT_EQ(sec(s).train.abort_loss, 100.0);
  EXPECT_EQ(sec(s).task.delay, 0.0);
}

TEST(TrainConfigFamily, ExplicitKeysOverrideFamilyDefaults) {
  // The family is applied first, whatever its position in the file.
  const TaskSpec s = parse("task: {post: 60}\nfamily: dcdt-post\ntrain: {epochs: auto}\n");
  EXPECT_EQ(sec(s).task.post, 60.0);
  EXPECT_EQ(sec(s).train.epochs_coeff, 100.0);
  const TaskSpec nm = parse("family: no-memory\ntrain: {epochs: auto}\n");
  EXPECT_EQ(sec(nm).train.epochs, 0);
}

TEST(TrainConfigFamily, UnknownFamilyListsTheKnownOnes) {
  EXPECT_CONFIG_ERROR("family: ghost\n",
                      "run.yaml:1:9: unknown family 'ghost'; known families: dcdt-nopost, "
                      "dcdt-post, dcdt-longtau, no-memory");
}

TEST(TrainConfigFamily, UnknownFamilySuggestsTheClosest) {
  EXPECT_CONFIG_ERROR("family: dcdt-psot\n",
                      "unknown family 'dcdt-psot' (did you mean 'dcdt-post'?); known families:");
}

TEST(TrainConfigFamily, ApplyFamilyOnItsOwn) {
  TaskSpec s = preset_spec("dcdt-longtau", "--family");
  EXPECT_EQ(sec(s).model.tau, 20.0);
  EXPECT_THAT([&] { preset_spec("toy-rnn", "--family"); },
              ThrowsMessage<ConfigError>(
                  HasSubstr("--family: unknown family 'toy-rnn'; known families: dcdt-nopost")));
}

// ------------------------------------------------------------------ malformed YAML

TEST(TrainConfigErrors, MalformedYamlGivesLineAndColumn) {
  EXPECT_CONFIG_ERROR("model:\n  n: 100\ntrain: {lr: 0.1\n",
                      "run.yaml:4:1: malformed YAML: end of map flow not found");
  EXPECT_CONFIG_ERROR("train:\n  lr: a: b\n", "run.yaml:2:8: malformed YAML: illegal map value");
}

TEST(TrainConfigErrors, SeveralDocumentsAreRefused) {
  EXPECT_CONFIG_ERROR("train: {lr: 0.1}\n---\ntrain: {lr: 0.2}\n",
                      "run.yaml:3:1: expected one YAML document, found 2");
}

TEST(TrainConfigErrors, TopLevelMustBeAMap) {
  EXPECT_CONFIG_ERROR("- 1\n- 2\n",
                      "run.yaml:1:1: the top level must be a map of keys (got a sequence)");
  EXPECT_CONFIG_ERROR("model: 5\n", "run.yaml:1:8: model must be a map of keys (got '5')");
}

// ------------------------------------------------------------------ unknown keys

TEST(TrainConfigErrors, UnknownKeySuggestsClosestSibling) {
  EXPECT_CONFIG_ERROR("model:\n  n: 100\n  tua: 10\n",
                      "run.yaml:3:3: unknown key 'model.tua' (did you mean 'model.tau'?)");
  EXPECT_CONFIG_ERROR("train: {LR: 0.1}", "unknown key 'train.LR' (did you mean 'train.lr'?)");
  EXPECT_CONFIG_ERROR("modle: {n: 3}", "run.yaml:1:1: unknown key 'modle' (did you mean 'model'?)");
}

TEST(TrainConfigErrors, UnknownKeySuggestsTheKeyOfAnotherSection) {
  EXPECT_CONFIG_ERROR("train: {delay: 100}",
                      "unknown key 'train.delay' (did you mean 'task.delay'?)");
  EXPECT_CONFIG_ERROR("lr: 0.1", "run.yaml:1:1: unknown key 'lr' (did you mean 'train.lr'?)");
}

TEST(TrainConfigErrors, UnknownKeyWithoutCloseMatchListsTheKnownKeys) {
  EXPECT_CONFIG_ERROR("model: {batch_norm: true}",
                      "unknown key 'model.batch_norm' (known keys of 'model': n, dt, tau, "
                      "noise_sigma, init_state_sigma, readout)");
  EXPECT_CONFIG_ERROR("x: 1", "unknown key 'x' (known keys: family, model, task, train, toy, ghost, wcrnn, gru, rank2)");
}

TEST(TrainConfigErrors, DuplicateKeyIsRefused) {
  EXPECT_CONFIG_ERROR("train:\n  lr: 0.1\n  lr: 0.2\n",
                      "run.yaml:3:3: duplicate key 'train.lr' (first given at line 2)");
}

// ------------------------------------------------------------------ wrong types

TEST(TrainConfigErrors, WrongTypeNamesTheExpectedType) {
  EXPECT_CONFIG_ERROR("train:\n  lr: abc\n", "run.yaml:2:7: train.lr must be a number (got 'abc')");
  EXPECT_CONFIG_ERROR("task: {reps: 2.5}", "task.reps must be an integer (got '2.5')");
  EXPECT_CONFIG_ERROR("model: {n: {a: 1}}", "model.n must be an integer (got a map)");
  EXPECT_CONFIG_ERROR("model: {dt: [5]}", "model.dt must be a number (got a sequence)");
  EXPECT_CONFIG_ERROR("train:\n  lr:\n",
                      "run.yaml:2:3: train.lr must be a number (got an empty value)");
  EXPECT_CONFIG_ERROR("family: [a]", "family must be a string (got a sequence)");
}

TEST(TrainConfigErrors, IntegerOutOfRangeNamesTheRange) {
  EXPECT_CONFIG_ERROR("model: {n: 1e10}",
                      "model.n must be an integer between -2147483648 and 2147483647 (got '1e10')");
}

TEST(TrainConfigErrors, StrictNumberGrammar) {
  EXPECT_CONFIG_ERROR("train: {lr: 0x10}", "train.lr must be a number (got '0x10')");
  EXPECT_CONFIG_ERROR("train: {lr: 1_0}", "train.lr must be a number (got '1_0')");
  EXPECT_CONFIG_ERROR("train: {lr: --1}", "train.lr must be a number (got '--1')");
}

TEST(TrainConfigErrors, EnumValueMustBeOneOfTheChoices) {
  EXPECT_CONFIG_ERROR("model: {readout: sigmod}",
                      "model.readout must be one of sigmoid, linear (got 'sigmod'; did you mean "
                      "'sigmoid'?)");
  EXPECT_CONFIG_ERROR("task: {kind: memory}",
                      "task.kind must be one of dcdt, no_memory (got 'memory')");
  EXPECT_CONFIG_ERROR("task: {loss: l1}", "task.loss must be one of weighted_mse, mse (got 'l1')");
}

TEST(TrainConfigErrors, EpochsMustBeAnIntegerOrAuto) {
  EXPECT_CONFIG_ERROR("train: {epochs: never}",
                      "train.epochs must be an integer or 'auto' (got 'never')");
  EXPECT_CONFIG_ERROR("train: {epochs: 0}", "train.epochs must be >= 1 or 'auto' (got 0)");
}

TEST(TrainConfigErrors, NegativeSeed) {
  EXPECT_CONFIG_ERROR("train:\n  seed: -1\n", "run.yaml:2:9: train.seed must be >= 0 (got -1)");
}

// ------------------------------------------------------------------ ranges

struct RangeCase {
  const char* name;
  const char* yaml;
  const char* message;
};

void PrintTo(const RangeCase& c, std::ostream* os) { *os << c.name; }

class TrainConfigRange : public ::testing::TestWithParam<RangeCase> {};

TEST_P(TrainConfigRange, MessageNamesFileKeyAndValue) {
  EXPECT_CONFIG_ERROR(GetParam().yaml, GetParam().message);
}

const RangeCase range_cases[] = {
    {"n_zero", "model:\n  n: 0\n", "run.yaml:2:6: model.n must be >= 1 (got 0)"},
    {"dt_zero", "model: {dt: 0}", "model.dt must be > 0 (got 0)"},
    {"tau_negative", "model: {tau: -1}", "model.tau must be > 0 (got -1)"},
    {"dt_above_tau", "model: {dt: 20, tau: 10}",
     "model.dt must be <= model.tau so that alpha = dt/tau is in (0, 1] (got dt 20, tau 10)"},
    {"noise_negative", "model: {noise_sigma: -0.001}",
     "model.noise_sigma must be >= 0 (got -0.001)"},
    {"init_state_negative", "model: {init_state_sigma: -1}",
     "model.init_state_sigma must be >= 0 (got -1)"},
    {"cue_zero", "task: {cue: 0}", "task.cue must be > 0 (got 0)"},
    {"cue_below_dt", "task: {cue: 3}", "task.cue must be >= model.dt (got cue 3, dt 5)"},
    {"delay_negative", "task:\n  delay: -20\n", "run.yaml:2:10: task.delay must be >= 0 (got -20)"},
    {"response_below_dt", "task: {response: 2}",
     "task.response must be >= model.dt (got response 2, dt 5)"},
    {"post_negative", "task: {post: -30}", "task.post must be >= 0 (got -30)"},
    {"reps_zero", "task: {reps: 0}", "task.reps must be >= 1 (got 0)"},
    {"no_memory_delay", "family: no-memory\ntask: {delay: 100}",
     "task.delay must be 0 when task.kind is no_memory (got 100)"},
    {"lr_negative", "train:\n  lr: -0.1\n", "run.yaml:2:7: train.lr must be > 0 (got -0.1)"},
    {"lr_zero", "train: {lr: 0}", "train.lr must be > 0 (got 0)"},
    {"lr_infinite", "train: {lr: .inf}", "train.lr must be finite (got inf)"},
    {"lr_tiny_overflows_epochs", "train: {lr: 1e-300}",
     "epochs does not fit in 64 bits (got lr 1e-300); set train.epochs"},
    {"momentum_one", "train: {momentum: 1}", "train.momentum must be in [0, 1) (got 1)"},
    {"momentum_negative", "train: {momentum: -0.5}", "train.momentum must be in [0, 1) (got -0.5)"},
    {"weight_decay_negative", "train: {weight_decay: -1e-7}",
     "train.weight_decay must be >= 0 (got -1e-07)"},
    {"epochs_min_zero", "train: {epochs_min: 0}", "train.epochs_min must be >= 1 (got 0)"},
    {"epochs_coeff_zero", "train: {epochs_coeff: 0}", "train.epochs_coeff must be > 0 (got 0)"},
    {"abort_loss_negative", "train: {abort_loss: -1}",
     "train.abort_loss must be >= 0 (0 disables it) (got -1)"},
    {"record_every_zero", "train: {record_every: 0}", "train.record_every must be >= 1 (got 0)"},
};

INSTANTIATE_TEST_SUITE_P(EveryRule, TrainConfigRange, ::testing::ValuesIn(range_cases),
                         [](const auto& p) { return std::string(p.param.name); });

TEST(TrainConfigErrors, NanAndInfAreRejectedForEveryRealKey) {
  const std::vector<std::string> keys = {
      "model.dt",        "model.tau",      "model.noise_sigma",  "model.init_state_sigma",
      "task.cue",        "task.delay",     "task.response",      "task.post",
      "train.lr",        "train.momentum", "train.weight_decay", "train.epochs_coeff",
      "train.abort_loss"};
  for (const std::string& key : keys) {
    const std::string section = key.substr(0, key.find('.'));
    const std::string name = key.substr(key.find('.') + 1);
    for (const char* bad : {".nan", ".NaN", "nan", ".inf", "-.inf"}) {
      const std::string text = section + ":\n  " + name + ": " + bad + "\n";
      const std::string got = std::string(bad).find("nan") != std::string::npos ||
                                      std::string(bad).find("NaN") != std::string::npos
                                  ? "nan"
                                  : (bad[0] == '-' ? "-inf" : "inf");
      SCOPED_TRACE(text);
      EXPECT_CONFIG_ERROR(text, "run.yaml:2:" + std::to_string(name.size() + 5) + ": " + key +
                                    " must be finite (got " + got + ")");
    }
  }
}

TEST(TrainConfigErrors, EveryErrorIsReportedInSourceOrder) {
  try {
    parse("train:\n  momentum: 2\n  lr: abc\nmodel: {tua: 1}\n");
    FAIL() << "no exception";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              "run.yaml:2:13: train.momentum must be in [0, 1) (got 2)\n"
              "run.yaml:3:7: train.lr must be a number (got 'abc')\n"
              "run.yaml:4:9: unknown key 'model.tua' (did you mean 'model.tau'?)");
  }
}

TEST(TrainConfigErrors, TypeErrorsDoNotCascadeIntoRangeRules) {
  // tau is unreadable, so "dt <= tau" must not be checked against a default.
  try {
    parse("model: {dt: 20, tau: ten}");
    FAIL() << "no exception";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("model.tau must be a number (got 'ten')"));
    EXPECT_THAT(e.what(), Not(HasSubstr("model.dt")));
  }
}

// ------------------------------------------------------------------ validate() after CLI overrides

TEST(TrainConfigValidate, DefaultsAreValid) {
  EXPECT_NO_THROW(validate(preset_spec("dcdt-nopost", "t"), "command line"));
}

TEST(TrainConfigValidate, CommandLineSourceAndKeyPath) {
  TaskSpec s = preset_spec("dcdt-nopost", "t");
  sec(s).train.lr = -0.1;
  EXPECT_THAT(
      [&] { validate(s, "command line"); },
      ThrowsMessage<ConfigError>(HasSubstr("command line: train.lr must be > 0 (got -0.1)")));
  s = preset_spec("dcdt-nopost", "t");
  sec(s).train.epochs = -5;
  EXPECT_THAT([&] { validate(s, "run.yaml + command line"); },
              ThrowsMessage<ConfigError>(HasSubstr(
                  "run.yaml + command line: train.epochs must be >= 1 or 'auto' (got -5)")));
  s = preset_spec("dcdt-nopost", "t");
  sec(s).model.noise_sigma = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THAT([&] { validate(s, "command line"); },
              ThrowsMessage<ConfigError>(HasSubstr("model.noise_sigma must be finite (got nan)")));
}

// ------------------------------------------------------------------ files

TEST(TrainConfigLoad, ReadsAFileAndNamesItInMessages) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path();
  const std::filesystem::path good = dir / "memphase_config_test_good.yaml";
  const std::filesystem::path bad = dir / "memphase_config_test_bad.yaml";
  std::ofstream(good) << "train: {lr: 0.01}\n";
  std::ofstream(bad) << "train:\n  lr: -1\n";
  EXPECT_EQ(sec(load_train_config(good.string())).train.lr, 0.01);
  EXPECT_THAT([&] { load_train_config(bad.string()); },
              ThrowsMessage<ConfigError>(HasSubstr(bad.string() + ":2:7: train.lr must be > 0")));
  std::filesystem::remove(good);
  std::filesystem::remove(bad);
}

TEST(TrainConfigLoad, MissingFileIsAnIoError) {
  EXPECT_THAT(
      [] { load_train_config("/nonexistent/memphase.yaml"); },
      ThrowsMessage<IoError>(HasSubstr("cannot read config file '/nonexistent/memphase.yaml'")));
}

// ------------------------------------------------------------------ canonical text

TEST(TrainConfigToYaml, CanonicalTextOfTheDefaults) {
  EXPECT_EQ(to_yaml(preset_spec("dcdt-nopost", "t")),
            "model:\n"
            "  n: 100\n"
            "  dt: 5.0\n"
            "  tau: 10.0\n"
            "  noise_sigma: 0.001\n"
            "  init_state_sigma: 0.1\n"
            "  readout: sigmoid\n"
            "task:\n"
            "  kind: dcdt\n"
            "  cue: 30.0\n"
            "  delay: 0.0\n"
            "  response: 50.0\n"
            "  post: 0.0\n"
            "  reps: 64\n"
            "  loss: weighted_mse\n"
            "train:\n"
            "  lr: 0.1\n"
            "  momentum: 0.9\n"
            "  weight_decay: 1.0e-07\n"
            "  epochs: auto\n"
            "  epochs_coeff: 30.0\n"
            "  epochs_min: 1000\n"
            "  abort_loss: 0.0\n"
            "  record_every: 1\n"
            "  seed: 0\n");
}

TEST(TrainConfigToYaml, RoundTripIsBitwiseForAwkwardDoubles) {
  TaskSpec s = preset_spec("dcdt-nopost", "t");
  sec(s).train.lr = 0.0071968567300115215;
  sec(s).train.weight_decay = 1e-7;
  sec(s).train.momentum = 0.1 + 0.2;  // 0.30000000000000004
  sec(s).model.noise_sigma = 5e-324;  // smallest subnormal
  sec(s).model.init_state_sigma = 1.0 / 3.0;
  sec(s).task.delay = 1234.5678901234567;
  sec(s).task.cue = 30.000000000000004;
  sec(s).train.epochs = 123456789;
  sec(s).train.epochs_coeff = 1e-310;
  sec(s).train.abort_loss = 1e22;
  sec(s).train.seed = std::numeric_limits<std::uint64_t>::max();
  sec(s).model.readout = Readout::linear;
  sec(s).task.loss = LossKind::mse;
  const std::string text = to_yaml(s);
  const TaskSpec back = parse_train_config(text, "canonical");
  expect_identical(back, s);
  EXPECT_EQ(to_yaml(back), text);
  EXPECT_THAT(
      text,
      AllOf(HasSubstr("  lr: 0.0071968567300115215\n"), HasSubstr("  weight_decay: 1.0e-07\n"),
            HasSubstr("  seed: 18446744073709551615\n"), HasSubstr("  epochs: 123456789\n")));
}

TEST(TrainConfigToYaml, RoundTripOfEveryFamily) {
  for (const char* family : {"dcdt-nopost", "dcdt-post", "dcdt-longtau", "no-memory"}) {
    SCOPED_TRACE(family);
    const TaskSpec s = parse(std::string("family: ") + family);
    expect_identical(parse(to_yaml(s)), s);
  }
}

TEST(TrainConfigToYaml, RoundTripOfRandomBitPatterns) {
  std::mt19937_64 rng(12345);
  // Positive finite doubles from random bit patterns over [2^-1022, 2^1023).
  auto random_positive = [&] {
    for (;;) {
      const double v = std::bit_cast<double>(rng() & 0x7fefffffffffffffULL);
      if (v > 0.0) return v;
    }
  };
  auto random_unit = [&] {
    return std::bit_cast<double>(0x3ff0000000000000ULL | (rng() >> 12)) - 1.0;
  };
  for (int i = 0; i < 2000; ++i) {
    TaskSpec s = preset_spec("dcdt-nopost", "t");
    sec(s).train.lr = random_unit() + 1e-300;
    sec(s).train.momentum = random_unit();
    sec(s).train.weight_decay = random_positive();
    sec(s).model.noise_sigma = random_positive();
    sec(s).model.init_state_sigma = random_unit();
    sec(s).train.abort_loss = random_positive();
    sec(s).train.epochs = 1 + static_cast<std::int64_t>(rng() >> 1) % 1000000;
    sec(s).train.seed = rng();
    const std::string text = to_yaml(s);
    const TaskSpec back = parse_train_config(text, "canonical");
    expect_identical(back, s);
    ASSERT_EQ(to_yaml(back), text);
  }
}

// ------------------------------------------------------------------ yaml_util helpers

TEST(YamlUtil, EditDistanceCountsAdjacentSwapsAsOne) {
  EXPECT_EQ(detail::edit_distance("tua", "tau"), 1u);
  EXPECT_EQ(detail::edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(detail::edit_distance("LR", "lr"), 0u);
  EXPECT_EQ(detail::edit_distance("", "abc"), 3u);
}

TEST(YamlUtil, ClosestMatchNeedsDistanceAtMostTwoAndBelowTheWordLength) {
  const std::vector<std::string> keys = {"n", "dt", "tau", "noise_sigma"};
  EXPECT_EQ(detail::closest_match("tua", keys), "tau");
  EXPECT_EQ(detail::closest_match("noise_sgima", keys), "noise_sigma");
  EXPECT_EQ(detail::closest_match("x", keys), std::nullopt);  // 1 edit from "n", but 1 char long
  EXPECT_EQ(detail::closest_match("noise", keys), std::nullopt);
}

TEST(YamlUtil, FormatDoubleAlwaysLooksLikeAFloat) {
  EXPECT_EQ(detail::format_double(5.0), "5.0");
  EXPECT_EQ(detail::format_double(-0.0), "-0.0");
  EXPECT_EQ(detail::format_double(0.1), "0.1");
  EXPECT_EQ(detail::format_double(1e-7), "1.0e-07");
  EXPECT_EQ(detail::format_double(1.5e300), "1.5e+300");
  EXPECT_EQ(detail::format_double(std::numeric_limits<double>::infinity()), ".inf");
  EXPECT_EQ(detail::format_double(std::numeric_limits<double>::quiet_NaN()), ".nan");
}

TEST(YamlUtil, ParseNumbers) {
  EXPECT_EQ(detail::parse_double("1e-7"), 1e-7);
  EXPECT_EQ(detail::parse_double("-.5"), -0.5);
  EXPECT_EQ(detail::parse_double("1e400"), std::numeric_limits<double>::infinity());
  EXPECT_EQ(detail::parse_double(""), std::nullopt);
  EXPECT_EQ(detail::parse_double("1.0.0"), std::nullopt);
  EXPECT_EQ(detail::parse_double("nan(1)"), std::nullopt);
  EXPECT_EQ(detail::parse_int64("-12"), -12);
  EXPECT_EQ(detail::parse_int64("64.0"), 64);
  EXPECT_EQ(detail::parse_int64("9223372036854775808"), std::nullopt);
  EXPECT_EQ(detail::parse_int64("2.5"), std::nullopt);
  EXPECT_EQ(detail::parse_uint64("-1"), std::nullopt);
  EXPECT_EQ(detail::parse_uint64("+7"), 7u);
}

TEST(YamlUtil, MapReaderReadsBooleansAndReportsUnknownKeys) {
  const YAML::Node root =
      detail::load_yaml("keep: yes\nfast: off\nbad: maybe\nextra: 1\n", "c.yaml");
  detail::Diagnostics diag("c.yaml");
  detail::MapReader r(root, "output", diag);
  bool keep = false, fast = true, bad = false;
  EXPECT_TRUE(r.read("keep", keep));
  EXPECT_TRUE(r.read("fast", fast));
  EXPECT_FALSE(r.read("bad", bad));
  EXPECT_FALSE(r.read("absent", bad));
  EXPECT_TRUE(keep);
  EXPECT_FALSE(fast);
  r.finish();
  EXPECT_EQ(diag.error_count(), 2u);
  EXPECT_THAT([&] { diag.throw_if_errors(); },
              ThrowsMessage<ConfigError>(
                  AllOf(HasSubstr("c.yaml:3:6: output.bad must be true or false (got 'maybe')\n"),
                        HasSubstr("c.yaml:4:1: unknown key 'output.extra' (known keys of 'output': "
                                  "keep, fast, bad, absent)"))));
}

}  // namespace
}  // namespace memphase
