// Campaign files (config/campaign.hpp): grid generators against numpy, the
// shipped campaigns and their task counts, expansion order, stable task keys,
// the canonical text (equivalent spellings, round trip), and one test per
// bad input with its message pinned.
#include "config/campaign.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "config/train_config.hpp"
#include "core/error.hpp"
#include "support/spec_access.hpp"

#ifndef MEMPHASE_CAMPAIGNS_DIR
#error "MEMPHASE_CAMPAIGNS_DIR must name the directory of the shipped campaign files"
#endif

namespace memphase {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using ::testing::ThrowsMessage;

Campaign parse(const std::string& text) { return parse_campaign(text, "x.yaml"); }

Campaign load_shipped(const std::string& name) {
  return load_campaign(std::string(MEMPHASE_CAMPAIGNS_DIR) + "/" + name);
}

// Bitwise equality of two lists of doubles, with a readable failure.
void expect_bits(const std::vector<double>& got, const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(std::bit_cast<std::uint64_t>(got[i]), std::bit_cast<std::uint64_t>(want[i]))
        << "[" << i << "]: " << got[i] << " vs " << want[i];
  }
}

// A minimal valid campaign; `extra` is appended as more top-level keys.
std::string minimal(const std::string& grid, const std::string& extra = "") {
  return "family: dcdt-nopost\ngrid:\n" + grid + "seeds: 2\n" + extra;
}

// ------------------------------------------------------------------ generators
// Reference values from numpy 1.24 (/usr/bin/python3), printed with repr().
// logspace values are those of numpy's portable path (libm pow), obtained with
// NPY_DISABLE_CPU_FEATURES="AVX512F AVX512CD AVX512_SKX ..."; numpy's AVX-512
// SVML pow differs from them by at most 1 ulp (e.g. 10**-1 -> 0.09999999999999999).

TEST(Linspace, MatchesNumpyBitwise) {
  // np.linspace(0, 1, 7)
  expect_bits(detail::linspace(0, 1, 7), {0.0, 0.16666666666666666, 0.3333333333333333, 0.5,
                                          0.6666666666666666, 0.8333333333333333, 1.0});
  // np.linspace(-1, -3, 15)[:4] and the last value (set to stop exactly)
  const std::vector<double> v = detail::linspace(-1, -3, 15);
  ASSERT_EQ(v.size(), 15u);
  expect_bits({v[0], v[1], v[2], v[14]}, {-1.0, -1.1428571428571428, -1.2857142857142856, -3.0});
  EXPECT_THAT(detail::linspace(2, 5, 1), ElementsAre(2.0));
  EXPECT_TRUE(detail::linspace(2, 5, 0).empty());
}

TEST(Logspace, MatchesNumpyBitwise) {
  // np.logspace(-0.5, -1.5, 4): the lr axis of quick.yaml
  expect_bits(detail::logspace(-0.5, -1.5, 4),
              {0.31622776601683794, 0.14677992676220697, 0.06812920690579616, 0.03162277660168379});
  // np.logspace(0, -3, 20)[:5]: the lr axis of paper-nomemory.yaml
  const std::vector<double> v = detail::logspace(0, -3, 20);
  expect_bits({v.begin(), v.begin() + 5}, {1.0, 0.6951927961775606, 0.4832930238571753,
                                           0.3359818286283782, 0.23357214690901226});
  EXPECT_EQ(v.back(), 0.001);
}

TEST(RangeInclusive, StopIncludedAndNoAccumulatedError) {
  const std::vector<double> d = detail::range_inclusive(0, 400, 20);
  ASSERT_EQ(d.size(), 21u);
  EXPECT_EQ(d.front(), 0.0);
  EXPECT_EQ(d[7], 140.0);
  EXPECT_EQ(d.back(), 400.0);
  // start + i*step: 10 * 0.1 == 1.0, whereas adding 0.1 ten times gives
  // 0.9999999999999999.
  const std::vector<double> f = detail::range_inclusive(0, 2, 0.1);
  ASSERT_EQ(f.size(), 21u);
  EXPECT_EQ(f[10], 1.0);
  EXPECT_EQ(f.back(), 2.0);
  // Landing on stop within 1e-9 relative includes it, as stop exactly:
  // 0.1 + 2*0.1 == 0.30000000000000004.
  EXPECT_THAT(detail::range_inclusive(0.1, 0.3, 0.1), ElementsAre(0.1, 0.2, 0.3));
  // A step that does not land on stop stops below it.
  EXPECT_THAT(detail::range_inclusive(0, 10, 3), ElementsAre(0, 3, 6, 9));
  EXPECT_THAT(detail::range_inclusive(5, 5, 1), ElementsAre(5));
  EXPECT_TRUE(detail::range_inclusive(5, 4, 1).empty());
  EXPECT_TRUE(detail::range_inclusive(0, 4, 0).empty());
}

TEST(Generators, TakeUnionListAndScalar) {
  const Campaign c = parse(minimal(R"(  lr:
    union:
      - [0.5, 0.25]
      - {linspace: [0.1, 0.2, 3], take: 2}
      - {union: [{logspace: [-3, -4, 2]}]}
  delay: 40
)"));
  ASSERT_EQ(c.axes.size(), 2u);
  EXPECT_EQ(c.axes[0].name, "lr");
  EXPECT_THAT(c.axes[0].values, ElementsAre(0.5, 0.25, 0.1, 0.15000000000000002, 0.001, 0.0001));
  EXPECT_EQ(c.axes[1].name, "delay");
  EXPECT_THAT(c.axes[1].values, ElementsAre(40.0));
  EXPECT_EQ(c.tasks.size(), 6u * 1u * 2u);
}

TEST(Generators, TakeOnUnion) {
  const Campaign c =
      parse(minimal("  lr: {union: [[0.3], {logspace: [-1, -2, 5]}], take: 3}\n  delay: [0]\n"));
  EXPECT_THAT(c.axes[0].values, ElementsAre(0.3, 0.1, 0.05623413251903491));
}

// ------------------------------------------------------------------ shipped campaigns

TEST(ShippedCampaigns, PaperNopostHasTheExact30LearningRatesOfSpec) {
  const Campaign c = load_shipped("paper-nopost.yaml");
  ASSERT_EQ(c.axes.size(), 2u);
  EXPECT_EQ(c.axes[0].name, "lr");
  // np.concatenate([np.logspace(-1, -3, 15), np.logspace(-0.5, -2, 20)[:15]])
  // (portable numpy path; see above)
  expect_bits(c.axes[0].values, {0.1,
                                 0.07196856730011521,
                                 0.05179474679231213,
                                 0.0372759372031494,
                                 0.02682695795279726,
                                 0.019306977288832506,
                                 0.013894954943731374,
                                 0.01,
                                 0.0071968567300115215,
                                 0.005179474679231213,
                                 0.0037275937203149418,
                                 0.002682695795279727,
                                 0.0019306977288832496,
                                 0.001389495494373139,
                                 0.001,
                                 0.31622776601683794,
                                 0.26366508987303583,
                                 0.2198392648862289,
                                 0.1832980710832436,
                                 0.1528306732658769,
                                 0.12742749857031338,
                                 0.10624678308940415,
                                 0.08858667904100828,
                                 0.07386199822079362,
                                 0.06158482110660264,
                                 0.05134832907437552,
                                 0.04281332398719396,
                                 0.035696988468260665,
                                 0.029763514416313194,
                                 0.024816289228368264});
  EXPECT_EQ(c.axes[1].name, "delay");
  EXPECT_EQ(c.axes[1].values, detail::range_inclusive(0, 400, 20));
  EXPECT_EQ(c.seeds.size(), 100u);
  EXPECT_EQ(c.tasks.size(), 63000u);
  EXPECT_EQ(c.family, "dcdt-nopost");
  // Epochs by the SPEC §3.3 formula (no explicit count).
  EXPECT_EQ(sec(c.base).train.epochs, 0);
  EXPECT_EQ(sec(c.base).train.epochs_coeff, 30.0);
}

TEST(ShippedCampaigns, PaperNopostLrWithin1UlpOfNumpyAvx512) {
  // The same 30 values from numpy's AVX-512 (SVML) build on the development
  // machine: identical or 1 ulp away.
  const std::vector<double> avx512 = {0.09999999999999999,
                                      0.07196856730011521,
                                      0.05179474679231213,
                                      0.037275937203149395,
                                      0.026826957952797256,
                                      0.019306977288832506,
                                      0.013894954943731374,
                                      0.01,
                                      0.0071968567300115215,
                                      0.005179474679231213,
                                      0.0037275937203149418,
                                      0.002682695795279727,
                                      0.0019306977288832496,
                                      0.001389495494373139,
                                      0.001,
                                      0.31622776601683794,
                                      0.2636650898730358,
                                      0.2198392648862289,
                                      0.1832980710832436,
                                      0.1528306732658769,
                                      0.12742749857031338,
                                      0.10624678308940413,
                                      0.08858667904100828,
                                      0.07386199822079362,
                                      0.06158482110660264,
                                      0.05134832907437552,
                                      0.04281332398719395,
                                      0.03569698846826066,
                                      0.02976351441631319,
                                      0.024816289228368264};
  const Campaign c = load_shipped("paper-nopost.yaml");
  ASSERT_EQ(c.axes[0].values.size(), avx512.size());
  for (std::size_t i = 0; i < avx512.size(); ++i) {
    const auto a = static_cast<std::int64_t>(std::bit_cast<std::uint64_t>(c.axes[0].values[i]));
    const auto b = static_cast<std::int64_t>(std::bit_cast<std::uint64_t>(avx512[i]));
    EXPECT_LE(std::abs(a - b), 1) << "[" << i << "]";
  }
}

TEST(ShippedCampaigns, TaskCountsOfAllFiles) {
  struct Expect {
    const char* file;
    const char* family;
    std::size_t lrs, second, seeds, tasks;
  };
  const Expect expected[] = {
      {"quick.yaml", "dcdt-nopost", 4, 6, 4, 96},
      {"paper-nopost.yaml", "dcdt-nopost", 30, 21, 100, 63000},
      {"paper-post.yaml", "dcdt-post", 15, 21, 20, 6300},
      {"paper-longtau.yaml", "dcdt-longtau", 10, 21, 20, 4200},
      {"paper-nomemory.yaml", "no-memory", 20, 20, 20, 8000},
  };
  std::size_t total_paper = 0;
  for (const Expect& e : expected) {
    SCOPED_TRACE(e.file);
    const Campaign c = load_shipped(e.file);
    EXPECT_EQ(c.family, e.family);
    ASSERT_EQ(c.axes.size(), 2u);
    EXPECT_EQ(c.axes[0].values.size(), e.lrs);
    EXPECT_EQ(c.axes[1].values.size(), e.second);
    EXPECT_EQ(c.seeds.size(), e.seeds);
    EXPECT_EQ(c.tasks.size(), e.tasks);
    if (std::string(e.file) != "quick.yaml") total_paper += c.tasks.size();
    // Every task has a distinct key and its row as index.
    std::set<std::uint64_t> keys;
    for (std::size_t i = 0; i < c.tasks.size(); ++i) {
      EXPECT_EQ(c.tasks[i].index, static_cast<std::int64_t>(i));
      keys.insert(c.tasks[i].key);
    }
    EXPECT_EQ(keys.size(), c.tasks.size());
  }
  EXPECT_EQ(total_paper, 81500u);  // SPEC §3.6: "about 80,000 RNNs"
}

TEST(ShippedCampaigns, FamilySettingsReachTheTasks) {
  const Campaign post = load_shipped("paper-post.yaml");
  EXPECT_EQ(sec(post.tasks.front().spec).task.post, 30.0);
  EXPECT_EQ(sec(post.tasks.front().spec).train.epochs_coeff, 100.0);
  EXPECT_EQ(post.axes[0].values, detail::logspace(-1, -3, 15));

  const Campaign tau = load_shipped("paper-longtau.yaml");
  EXPECT_EQ(sec(tau.tasks.back().spec).model.tau, 20.0);
  EXPECT_EQ(sec(tau.tasks.back().spec).task.delay, 800.0);
  EXPECT_EQ(tau.axes[1].values, detail::range_inclusive(0, 800, 40));

  const Campaign nm = load_shipped("paper-nomemory.yaml");
  EXPECT_EQ(nm.axes[1].name, "response");
  std::vector<double> responses;
  for (int l = 0; l < 20; ++l) responses.push_back((l + 1) * 20.0);
  EXPECT_EQ(nm.axes[1].values, responses);
  EXPECT_EQ(nm.axes[0].values, detail::logspace(0, -3, 20));
  const TaskSpec& s = nm.tasks[123].spec;
  EXPECT_EQ(sec(s).task.kind, TaskKind::no_memory);
  EXPECT_EQ(sec(s).task.delay, 0.0);
  EXPECT_EQ(sec(s).model.readout, Readout::linear);
  EXPECT_EQ(sec(s).train.epochs, 3000);

  const Campaign quick = load_shipped("quick.yaml");
  EXPECT_EQ(sec(quick.base).train.epochs, 1000);
  EXPECT_EQ(quick.checkpoint.every_seconds, 30.0);
  for (const CampaignTask& t : quick.tasks) EXPECT_EQ(sec(t.spec).train.resolved_epochs(), 1000);
}

// ------------------------------------------------------------------ expansion and keys

TEST(Expansion, AxesInFileOrderSeedsInnermost) {
  const Campaign c = parse(R"(family: dcdt-nopost
grid:
  lr: [0.1, 0.01]
  delay: [0, 20, 40]
seeds: [7, 3]
)");
  ASSERT_EQ(c.tasks.size(), 12u);
  auto at = [&](std::size_t i) { return c.tasks[i].spec; };
  EXPECT_EQ(sec(at(0)).train.lr, 0.1);
  EXPECT_EQ(sec(at(0)).task.delay, 0.0);
  EXPECT_EQ(sec(at(0)).train.seed, 7u);
  EXPECT_EQ(sec(at(1)).train.seed, 3u);
  EXPECT_EQ(sec(at(2)).task.delay, 20.0);
  EXPECT_EQ(sec(at(2)).train.seed, 7u);
  EXPECT_EQ(sec(at(6)).train.lr, 0.01);
  EXPECT_EQ(sec(at(6)).task.delay, 0.0);
  EXPECT_EQ(sec(at(11)).task.delay, 40.0);
  EXPECT_THAT(c.tasks[5].axis_index, ElementsAre(0, 2, 1));
  EXPECT_THAT(c.tasks[6].axis_index, ElementsAre(1, 0, 0));
  for (const CampaignTask& t : c.tasks) EXPECT_EQ(t.key, task_key(t.spec));
}

TEST(Expansion, OverridesApplyToEveryTask) {
  const Campaign c = parse(R"(family: dcdt-nopost
model: {n: 32}
task: {reps: 8}
train: {epochs: 50, momentum: 0.5}
grid: {lr: [0.1], delay: [0, 20]}
seeds: 1
output: {record_every: 5, weights: [final]}
checkpoint: {every_epochs: 10, every_seconds: 0}
)");
  for (const CampaignTask& t : c.tasks) {
    EXPECT_EQ(sec(t.spec).model.n, 32);
    EXPECT_EQ(sec(t.spec).task.reps, 8);
    EXPECT_EQ(sec(t.spec).train.epochs, 50);
    EXPECT_EQ(sec(t.spec).train.momentum, 0.5);
    EXPECT_EQ(sec(t.spec).train.record_every, 5);
  }
  EXPECT_EQ(c.output.record_every, 5);
  EXPECT_FALSE(c.output.keep_initial);
  EXPECT_TRUE(c.output.keep_final);
  EXPECT_EQ(c.checkpoint.every_epochs, 10);
  EXPECT_EQ(c.checkpoint.every_seconds, 0.0);
  EXPECT_EQ(c.name, "x");  // default: the file's stem
}

TEST(TaskKeys, SameSpecSameKeyAcrossGridsDifferentSeedDifferentKey) {
  const Campaign a =
      parse("family: dcdt-nopost\ngrid: {lr: [0.1, 0.01], delay: [0, 20]}\nseeds: 3\n");
  const Campaign b =
      parse("family: dcdt-nopost\ngrid: {delay: [60, 20, 40], lr: [0.01]}\nseeds: [2, 9]\n");
  auto find = [](const Campaign& c, double lr, double delay, std::uint64_t seed) {
    for (const CampaignTask& t : c.tasks) {
      if (sec(t.spec).train.lr == lr && sec(t.spec).task.delay == delay && sec(t.spec).train.seed == seed) {
        return t.key;
      }
    }
    ADD_FAILURE() << "no task lr=" << lr << " delay=" << delay << " seed=" << seed;
    return std::uint64_t{0};
  };
  EXPECT_EQ(find(a, 0.01, 20, 2), find(b, 0.01, 20, 2));
  EXPECT_NE(find(a, 0.01, 20, 1), find(a, 0.01, 20, 2));
  EXPECT_NE(find(a, 0.1, 20, 2), find(a, 0.01, 20, 2));
  // Keys depend on the spec only: stable across runs and processes.
  TaskSpec s = preset_spec("dcdt-nopost", "t");
  sec(s).train.lr = 0.01;
  sec(s).task.delay = 20;
  sec(s).train.seed = 2;
  EXPECT_EQ(find(a, 0.01, 20, 2), task_key(s));
}

// ------------------------------------------------------------------ canonical text

TEST(Canonical, EquivalentSpellingsHashTheSame) {
  const Campaign gen = parse_campaign(R"(name: demo
family: dcdt-nopost
grid:
  lr: {logspace: [-1, -2, 3]}
  delay: {range: [0, 40, 20]}
seeds: 3
)",
                                      "a.yaml");
  // Same campaign: explicit lists, seeds as a list, defaults written out,
  // keys in another order, flow style.
  const Campaign lst = parse_campaign(R"(
checkpoint: {every_seconds: 60}
seeds: [0, 1, 2]
train: {momentum: 0.9, epochs: auto}
grid: {lr: [0.1, 0.03162277660168379, 0.01], delay: [0, 20.0, 4e1]}
family: dcdt-nopost
output: {weights: [final, initial], record_every: 1}
name: demo
)",
                                      "b.yaml");
  EXPECT_EQ(gen.canonical, lst.canonical);
  EXPECT_EQ(gen.hash, lst.hash);
  ASSERT_EQ(gen.tasks.size(), lst.tasks.size());
  for (std::size_t i = 0; i < gen.tasks.size(); ++i) EXPECT_EQ(gen.tasks[i].key, lst.tasks[i].key);
}

TEST(Canonical, NegativeZeroIsZero) {
  const Campaign a = parse(minimal("  delay: [-0.0, 20]\n"));
  const Campaign b = parse(minimal("  delay: [0, 20]\n"));
  EXPECT_EQ(a.canonical, b.canonical);
  EXPECT_EQ(a.tasks.front().key, b.tasks.front().key);
}

TEST(Canonical, OneKeyPerLineAndReadsBack) {
  const Campaign c = load_shipped("paper-nomemory.yaml");
  EXPECT_THAT(c.canonical, StartsWith("memphase_campaign: 1\nname: paper-nomemory\n"
                                      "family: no-memory\ngrid_order: [lr, response]\n"
                                      "grid.lr[0]: 1.0\n"));
  EXPECT_THAT(c.canonical, HasSubstr("\ngrid.response[19]: 400.0\nseeds[0]: 0\n"));
  EXPECT_THAT(c.canonical, HasSubstr("\ntask.kind: no_memory\n"));
  EXPECT_THAT(c.canonical, HasSubstr("\ntrain.epochs: 3000\n"));
  EXPECT_THAT(c.canonical,
              HasSubstr("\noutput.record_every: 10\noutput.weights: [initial, final]\n"
                        "checkpoint.every_epochs: 0\ncheckpoint.every_seconds: 300.0\n"));
  // Swept fields and per-task fields are not part of the base spec lines.
  EXPECT_THAT(c.canonical,
              AllOf(Not(HasSubstr("\ntrain.lr:")), Not(HasSubstr("\ntask.response:")),
                    Not(HasSubstr("\ntrain.seed:")), Not(HasSubstr("\ntrain.record_every:"))));
  std::set<std::string> keys;
  std::istringstream in(c.canonical);
  for (std::string line; std::getline(in, line);) {
    const auto colon = line.find(": ");
    ASSERT_NE(colon, std::string::npos) << line;
    EXPECT_NE(line.front(), ' ') << line;
    EXPECT_TRUE(keys.insert(line.substr(0, colon)).second) << "repeated key: " << line;
  }
  EXPECT_EQ(c.hash.size(), 16u);

  // The run directory stores the canonical text; reading it back gives the
  // same campaign.
  const Campaign back = parse_campaign(c.canonical, "run/campaign.yaml");
  EXPECT_EQ(back.canonical, c.canonical);
  EXPECT_EQ(back.hash, c.hash);
  EXPECT_EQ(back.name, c.name);
  ASSERT_EQ(back.tasks.size(), c.tasks.size());
  for (std::size_t i = 0; i < c.tasks.size(); i += 97) EXPECT_EQ(back.tasks[i].key, c.tasks[i].key);
}

TEST(Canonical, AnyChangeChangesTheHashAndItsLine) {
  const std::string base = "family: dcdt-nopost\ngrid: {lr: [0.1], delay: [0, 20]}\nseeds: 2\n";
  const Campaign a = parse(base);
  const Campaign more_seeds =
      parse("family: dcdt-nopost\ngrid: {lr: [0.1], delay: [0, 20]}\nseeds: 3\n");
  const Campaign epochs = parse(base + "train: {epochs: 400}\n");
  const Campaign order =
      parse("family: dcdt-nopost\ngrid: {delay: [0, 20], lr: [0.1]}\nseeds: 2\n");
  EXPECT_NE(a.hash, more_seeds.hash);
  EXPECT_THAT(more_seeds.canonical, HasSubstr("\nseeds[2]: 2\n"));
  EXPECT_NE(a.hash, epochs.hash);
  EXPECT_THAT(a.canonical, HasSubstr("\ntrain.epochs: auto\n"));
  EXPECT_THAT(epochs.canonical, HasSubstr("\ntrain.epochs: 400\n"));
  EXPECT_NE(a.hash, order.hash);  // the axis order fixes the task indices
  EXPECT_THAT(order.canonical, HasSubstr("\ngrid_order: [delay, lr]\n"));
}

// ------------------------------------------------------------------ bad inputs

TEST(BadInput, UnknownTopLevelKeySuggestsClosest) {
  EXPECT_THAT([] { parse("family: dcdt-nopost\ngird: {lr: [0.1]}\nseeds: 2\n"); },
              ThrowsMessage<ConfigError>(
                  HasSubstr("x.yaml:2:1: unknown key 'gird' (did you mean 'grid'?)")));
  // A swept field written at the top level points to its grid axis.
  EXPECT_THAT([] { parse(minimal("  delay: [0]\n", "lr: [0.1]\n")); },
              ThrowsMessage<ConfigError>(HasSubstr("unknown key 'lr' (did you mean 'grid.lr'?)")));
}

TEST(BadInput, UnknownAxisSuggestsClosest) {
  EXPECT_THAT([] { parse(minimal("  lr: [0.1]\n  dealy: [0, 20]\n")); },
              ThrowsMessage<ConfigError>(
                  HasSubstr("x.yaml:4:3: unknown key 'grid.dealy' (did you mean 'grid.delay'?)")));
  EXPECT_THAT(
      [] { parse(minimal("  lr: [0.1]\n  seeds: [0, 1]\n")); },
      ThrowsMessage<ConfigError>(HasSubstr("unknown key 'grid.seeds' (did you mean 'seeds'?)")));
}

TEST(BadInput, UnknownKeyInSectionsUsesTheTrainConfigReader) {
  EXPECT_THAT([] { parse(minimal("  lr: [0.1]\n", "model: {tua: 20}\n")); },
              ThrowsMessage<ConfigError>(
                  HasSubstr("x.yaml:5:9: unknown key 'model.tua' (did you mean 'model.tau'?)")));
  EXPECT_THAT([] { parse(minimal("  lr: [0.1]\n", "output: {record_evry: 2}\n")); },
              ThrowsMessage<ConfigError>(HasSubstr(
                  "unknown key 'output.record_evry' (did you mean 'output.record_every'?)")));
  EXPECT_THAT([] { parse(minimal("  lr: {logspce: [-1, -2, 3]}\n")); },
              ThrowsMessage<ConfigError>(
                  HasSubstr("unknown key 'grid.lr.logspce' (did you mean 'grid.lr.logspace'?)")));
}

TEST(BadInput, WrongTypes) {
  EXPECT_THAT([] { parse(minimal("  lr: [0.1, abc]\n")); },
              ThrowsMessage<ConfigError>(
                  HasSubstr("x.yaml:3:13: grid.lr[1] must be a number (got 'abc')")));
  EXPECT_THAT([] { parse("family: dcdt-nopost\ngrid: {lr: [0.1]}\nseeds: many\n"); },
              ThrowsMessage<ConfigError>(
                  HasSubstr("x.yaml:3:8: seeds must be a count or a list of non-negative integers "
                            "(got 'many')")));
  EXPECT_THAT([] { parse(minimal("  lr: [0.1]\n", "train: {epochs: lots}\n")); },
              ThrowsMessage<ConfigError>(
                  HasSubstr("train.epochs must be an integer or 'auto' (got 'lots')")));
  EXPECT_THAT([] { parse(minimal("  lr: [0.1]\n", "output: {record_every: often}\n")); },
              ThrowsMessage<ConfigError>(
                  HasSubstr("output.record_every must be an integer (got 'often')")));
  EXPECT_THAT([] { parse("family: dcdt-nopost\ngrid: [0.1, 0.2]\nseeds: 2\n"); },
              ThrowsMessage<ConfigError>(
                  HasSubstr("x.yaml:2:7: grid must be a map of keys (got a sequence)")));
  EXPECT_THAT(
      [] { parse(minimal("  reps: [8, 1e10]\n")); },
      ThrowsMessage<ConfigError>(HasSubstr(
          "grid.reps[1] must be an integer between -2147483648 and 2147483647 (got 10000000000)")));
  EXPECT_THAT([] { parse(minimal("  n: [100, 50.5]\n")); },
              ThrowsMessage<ConfigError>(
                  HasSubstr("x.yaml:3:12: grid.n[1] must be an integer (got 50.5)")));
}

TEST(BadInput, NonPositiveLrInGrid) {
  EXPECT_THAT([] { parse(minimal("  lr: [0.1, -0.1]\n  delay: [0]\n")); },
              ThrowsMessage<ConfigError>(
                  HasSubstr("x.yaml:3:13: grid.lr[1]: train.lr must be > 0 (got -0.1)")));
  EXPECT_THAT([] { parse(minimal("  lr: [0]\n")); },
              ThrowsMessage<ConfigError>(HasSubstr("grid.lr[0]: train.lr must be > 0 (got 0)")));
  // From a generator: the position is the generator's.
  EXPECT_THAT([] { parse(minimal("  lr: {linspace: [0.2, 0, 3]}\n")); },
              ThrowsMessage<ConfigError>(
                  HasSubstr("x.yaml:3:7: grid.lr[2]: train.lr must be > 0 (got 0)")));
  EXPECT_THAT([] { parse(minimal("  lr: [0.1]\n  momentum: [0.5, 1.5]\n")); },
              ThrowsMessage<ConfigError>(
                  HasSubstr("grid.momentum[1]: train.momentum must be in [0, 1) (got 1.5)")));
}

TEST(BadInput, EmptyGridOrAxis) {
  EXPECT_THAT([] { parse("family: dcdt-nopost\ngrid: {}\nseeds: 2\n"); },
              ThrowsMessage<ConfigError>(
                  HasSubstr("x.yaml:2:7: grid must have at least one axis (got an empty map)")));
  EXPECT_THAT([] { parse("family: dcdt-nopost\ngrid:\nseeds: 2\n"); },
              ThrowsMessage<ConfigError>(
                  HasSubstr("x.yaml:2:1: grid must have at least one axis (got an empty value)")));
  EXPECT_THAT([] { parse(minimal("  lr: []\n")); },
              ThrowsMessage<ConfigError>(
                  HasSubstr("x.yaml:3:7: grid.lr must have at least one value (got [])")));
  EXPECT_THAT([] { parse(minimal("  lr:\n")); },
              ThrowsMessage<ConfigError>(HasSubstr(
                  "x.yaml:3:3: grid.lr must have at least one value (got an empty value)")));
  EXPECT_THAT([] { parse(minimal("  delay: {range: [400, 0, 20]}\n")); },
              ThrowsMessage<ConfigError>(
                  HasSubstr("grid.delay.range is empty: start > stop (got [400, 0, 20])")));
  EXPECT_THAT([] { parse("family: dcdt-nopost\nseeds: 2\n"); },
              ThrowsMessage<ConfigError>(HasSubstr("x.yaml: missing key 'grid'")));
}

TEST(BadInput, DuplicateGridValues) {
  EXPECT_THAT([] { parse(minimal("  delay: [0, 20, 0]\n")); },
              ThrowsMessage<ConfigError>(
                  HasSubstr("x.yaml:3:18: grid.delay[2] duplicates grid.delay[0] (got 0.0)")));
  // Also across the parts of a union.
  EXPECT_THAT([] { parse(minimal("  lr: {union: [[0.1], {logspace: [-1, -2, 2]}]}\n")); },
              ThrowsMessage<ConfigError>(HasSubstr("grid.lr[1] duplicates grid.lr[0] (got 0.1)")));
}

TEST(BadInput, SeedsBelowOne) {
  EXPECT_THAT([] { parse("family: dcdt-nopost\ngrid: {lr: [0.1]}\nseeds: 0\n"); },
              ThrowsMessage<ConfigError>(HasSubstr("x.yaml:3:8: seeds must be >= 1 (got 0)")));
  EXPECT_THAT([] { parse("family: dcdt-nopost\ngrid: {lr: [0.1]}\nseeds: -4\n"); },
              ThrowsMessage<ConfigError>(HasSubstr("seeds must be >= 1 (got -4)")));
  EXPECT_THAT([] { parse("family: dcdt-nopost\ngrid: {lr: [0.1]}\nseeds: []\n"); },
              ThrowsMessage<ConfigError>(HasSubstr("seeds must list at least one seed (got [])")));
  EXPECT_THAT([] { parse("family: dcdt-nopost\ngrid: {lr: [0.1]}\nseeds: [3, -1, 3]\n"); },
              ThrowsMessage<ConfigError>(
                  AllOf(HasSubstr("x.yaml:3:12: seeds[1] must be >= 0 (got -1)"),
                        HasSubstr("x.yaml:3:16: seeds[2] duplicates seeds[0] (got 3)"))));
  EXPECT_THAT([] { parse("family: dcdt-nopost\ngrid: {lr: [0.1]}\n"); },
              ThrowsMessage<ConfigError>(HasSubstr("x.yaml: missing key 'seeds'")));
}

TEST(BadInput, UnknownFamily) {
  EXPECT_THAT([] { parse("family: dcdt-nopst\ngrid: {lr: [0.1]}\nseeds: 2\n"); },
              ThrowsMessage<ConfigError>(HasSubstr(
                  "x.yaml:1:9: unknown family 'dcdt-nopst' (did you mean 'dcdt-nopost'?); "
                  "known families: dcdt-nopost, dcdt-post, dcdt-longtau, no-memory")));
  EXPECT_THAT([] { parse("grid: {lr: [0.1]}\nseeds: 2\n"); },
              ThrowsMessage<ConfigError>(HasSubstr("x.yaml: missing key 'family'")));
}

TEST(BadInput, MalformedYamlWithLineAndColumn) {
  EXPECT_THAT([] { parse("family: dcdt-nopost\ngrid:\n  lr: [0.1, 0.2\nseeds: 2\n"); },
              ThrowsMessage<ConfigError>(StartsWith("x.yaml:")));
  EXPECT_THAT(
      [] { parse("family: dcdt-nopost\ngrid: {lr: [0.1]}\n  seeds: 2\n"); },
      ThrowsMessage<ConfigError>(AllOf(StartsWith("x.yaml:3:"), HasSubstr("malformed YAML"))));
}

TEST(BadInput, GeneratorArguments) {
  EXPECT_THAT([] { parse(minimal("  lr: {logspace: [-1, -2, 1]}\n")); },
              ThrowsMessage<ConfigError>(HasSubstr(
                  "x.yaml:3:27: grid.lr.logspace[2] (the number of values) must be between 2 and "
                  "1000000 (got 1)")));
  EXPECT_THAT([] { parse(minimal("  lr: {linspace: [0.1, 0.2, 2.5]}\n")); },
              ThrowsMessage<ConfigError>(HasSubstr(
                  "grid.lr.linspace[2] (the number of values) must be an integer (got 2.5)")));
  EXPECT_THAT([] { parse(minimal("  delay: {range: [0, 400, 0]}\n")); },
              ThrowsMessage<ConfigError>(
                  HasSubstr("x.yaml:3:27: grid.delay.range[2] must be > 0 (got 0)")));
  EXPECT_THAT([] { parse(minimal("  delay: {range: [0, 400]}\n")); },
              ThrowsMessage<ConfigError>(
                  HasSubstr("grid.delay.range must be a list [start, stop, step] (got 2 values)")));
  EXPECT_THAT([] { parse(minimal("  lr: {logspace: [-1, -2, 5], take: 6}\n")); },
              ThrowsMessage<ConfigError>(
                  HasSubstr("grid.lr.take must be an integer between 1 and 5 (the number of values "
                            "generated) (got 6)")));
  EXPECT_THAT([] { parse(minimal("  lr: {logspace: [-1, -2, 5], linspace: [1, 2, 3]}\n")); },
              ThrowsMessage<ConfigError>(
                  HasSubstr("grid.lr must have exactly one of linspace, logspace, range, union "
                            "(got linspace, logspace)")));
  EXPECT_THAT([] { parse(minimal("  lr: {take: 2}\n")); },
              ThrowsMessage<ConfigError>(HasSubstr(
                  "grid.lr must be a list of numbers or a map with one of linspace, logspace, "
                  "range, union (got a map without any)")));
}

TEST(BadInput, AxisNotSweptByFamily) {
  EXPECT_THAT([] { parse("family: no-memory\ngrid: {lr: [0.1], delay: [0, 20]}\nseeds: 2\n"); },
              ThrowsMessage<ConfigError>(HasSubstr(
                  "x.yaml:2:26: grid.delay cannot be swept in family 'no-memory' (task.delay is "
                  "fixed at 0; axes of this family: lr, response, tau, n, reps, noise_sigma, "
                  "init_state_sigma, momentum, weight_decay)")));
}

TEST(BadInput, KeysACampaignSetsElsewhere) {
  EXPECT_THAT([] { parse(minimal("  lr: [0.1]\n", "train: {seed: 4}\n")); },
              ThrowsMessage<ConfigError>(HasSubstr(
                  "x.yaml:5:9: train.seed cannot be set in a campaign file: list the seeds in the "
                  "top-level 'seeds' (got '4')")));
  EXPECT_THAT([] { parse(minimal("  lr: [0.1]\n", "train: {lr: 0.5}\n")); },
              ThrowsMessage<ConfigError>(HasSubstr(
                  "train.lr cannot be set in a campaign file: it is swept by grid.lr; remove one "
                  "of the two (got '0.5')")));
  EXPECT_THAT([] { parse(minimal("  lr: [0.1]\n", "train: {record_every: 3}\n")); },
              ThrowsMessage<ConfigError>(HasSubstr(
                  "train.record_every cannot be set in a campaign file: use output.record_every")));
}

TEST(BadInput, OutputAndCheckpoint) {
  EXPECT_THAT([] { parse(minimal("  lr: [0.1]\n", "output: {record_every: 0}\n")); },
              ThrowsMessage<ConfigError>(
                  HasSubstr("x.yaml:5:24: output.record_every must be >= 1 (got 0)")));
  EXPECT_THAT([] { parse(minimal("  lr: [0.1]\n", "output: {weights: [initial, fnal]}\n")); },
              ThrowsMessage<ConfigError>(HasSubstr(
                  "output.weights[1] must be one of initial, final (got 'fnal'; did you mean "
                  "'final'?)")));
  EXPECT_THAT([] { parse(minimal("  lr: [0.1]\n", "checkpoint: {every_seconds: -1}\n")); },
              ThrowsMessage<ConfigError>(
                  HasSubstr("checkpoint.every_seconds must be >= 0 (0: off) (got -1)")));
}

TEST(BadInput, InvalidCombinationNamesTheGridPoint) {
  // Each value passes alone; together the trial is too long for an int.
  EXPECT_THAT([] { parse(minimal("  delay: [0, 5e9]\n  response: [50, 6e9]\n")); },
              ThrowsMessage<ConfigError>(AllOf(
                  HasSubstr("x.yaml:3:3: grid point (delay=5000000000.0, response=6000000000.0): "
                            "task: cue + delay + response + post ="),
                  Not(HasSubstr("grid.delay[1]")))));
}

TEST(BadInput, EveryErrorOfTheFileInOneMessage) {
  try {
    parse("family: dcdt-nopost\ngird: 1\ngrid: {lr: [-1]}\nseeds: 0\n");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_THAT(msg, HasSubstr("x.yaml:2:1: unknown key 'gird'"));
    EXPECT_THAT(msg, HasSubstr("x.yaml:3:13: grid.lr[0]: train.lr must be > 0 (got -1)"));
    EXPECT_THAT(msg, HasSubstr("x.yaml:4:8: seeds must be >= 1 (got 0)"));
  }
}

TEST(BadInput, NameMustBeAPlainWord) {
  EXPECT_THAT([] { parse(minimal("  lr: [0.1]\n", "name: 'my run: 2'\n")); },
              ThrowsMessage<ConfigError>(HasSubstr(
                  "x.yaml:5:7: name must be non-empty and use only letters, digits, '-', '_' and "
                  "'.' (got 'my run: 2')")));
  EXPECT_EQ(parse_campaign(minimal("  lr: [0.1]\n"), "dir/my run.yaml").name, "my_run");
}

TEST(LoadCampaign, MissingFileIsAnIoError) {
  EXPECT_THAT([] { load_campaign("/nonexistent/c.yaml"); },
              ThrowsMessage<IoError>(HasSubstr(
                  "cannot read campaign file '/nonexistent/c.yaml': No such file or directory")));
}

}  // namespace
}  // namespace memphase
