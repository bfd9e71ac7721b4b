// Toy families toy-ghost / toy-cycle (SPEC §4) in the configuration: the toy
// section, its validation messages, the allowed grid axes, canonical text, and
// the task-key encoding (RNN keys must not change because toys exist).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "config/campaign.hpp"
#include "config/train_config.hpp"
#include "core/bytes.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "families/registry.hpp"
#include "support/spec_access.hpp"
#include "families/toy/config.hpp"

namespace memphase {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::ThrowsMessage;

Campaign parse(const std::string& text) { return parse_campaign(text, "x.yaml"); }

const std::string kToyGhost = R"(name: tg
family: toy-ghost
grid:
  lr: [1e-9, 2e-9]
  delay: [100, 200]
seeds: 2
toy: {loss: normalized, response_ratio: 1, max_steps: 5000, settle_steps: 100}
)";

// ------------------------------------------------------------ RNN keys ----

// Values computed with the code BEFORE toys were added: an RNN task's key (the
// xxh64 of its encoded spec) and a campaign's canonical hash must not change,
// or every existing run directory would stop resuming.
TEST(ToyKeys, RnnTaskKeysAreUnchanged) {
  EXPECT_EQ(hex64(task_key(preset_spec("dcdt-nopost", "t"))), "d03fe66f6f4cb1a6");
  TaskSpec n = preset_spec("no-memory", "x");
  sec(n).task.response = 70;
  sec(n).train.seed = 3;
  sec(n).train.lr = 0.05;
  EXPECT_EQ(hex64(task_key(n)), "1d6243ab1e56e394");
  const Campaign quick = load_campaign(std::string(MEMPHASE_CAMPAIGNS_DIR) + "/quick.yaml");
  EXPECT_EQ(hex64(quick.tasks[5].key), "9bbaf7cd7f6cba2b");
  EXPECT_EQ(quick.hash, "a9e21c23e1838500");
  EXPECT_THAT(quick.canonical, Not(HasSubstr("toy")));
  EXPECT_THAT(to_yaml(preset_spec("dcdt-nopost", "t")), Not(HasSubstr("toy")));
}

TEST(ToyKeys, ToyFieldsChangeTheKeyAndRoundTrip) {
  TaskSpec rnn = preset_spec("dcdt-nopost", "t");
  TaskSpec toy = preset_spec("toy-ghost", "t");
  EXPECT_NE(task_key(rnn), task_key(toy));
  std::set<std::uint64_t> keys{task_key(toy)};
  auto vary = [&](auto f) {
    TaskSpec s = toy;
    f(s);
    EXPECT_TRUE(keys.insert(task_key(s)).second);
  };
  vary([](TaskSpec& s) { toy::config(s).toy.kind = ToyModel::cycle; });
  vary([](TaskSpec& s) { toy::config(s).toy.loss = ToyGhostLoss::normalized; });
  vary([](TaskSpec& s) { toy::config(s).toy.confidence = 1.0; });
  vary([](TaskSpec& s) { toy::config(s).toy.response_ratio = 1.0; });
  vary([](TaskSpec& s) { toy::config(s).toy.r0_jitter = 0.2; });
  vary([](TaskSpec& s) { toy::config(s).toy.max_steps = 7; });
  vary([](TaskSpec& s) { toy::config(s).toy.settle_steps = 7; });

  for (const TaskSpec& in : {rnn, toy}) {
    TaskSpec t = in;
    const bool is_toy = t.family->id() == "toy";
    if (is_toy) {
      toy::config(t).toy.confidence = 0.5;
      toy::config(t).toy.max_steps = 1234;
    }
    TaskResult r;
    r.spec = t;
    r.epochs_run = 17;
    r.cls.learned = true;
    ByteWriter w;
    put(w, r);
    ByteReader rd(w.str(), "mem");
    TaskResult back;
    get(rd, back, decode_spec);
    EXPECT_TRUE(rd.done());
    EXPECT_EQ(task_key(back.spec), task_key(t));
    EXPECT_EQ(back.spec.family, t.family);
    if (is_toy) {
      EXPECT_EQ(toy::config(back.spec).toy.kind, toy::config(t).toy.kind);
      EXPECT_EQ(toy::config(back.spec).toy.confidence, toy::config(t).toy.confidence);
      EXPECT_EQ(toy::config(back.spec).toy.max_steps, toy::config(t).toy.max_steps);
    }
    EXPECT_EQ(back.epochs_run, 17);
    EXPECT_TRUE(back.cls.learned);
  }
}

// ------------------------------------------------------------ families ----

TEST(ToyConfig, FamiliesSetTheToyAndPlainDescent) {
  const TaskSpec g = parse_train_config("family: toy-ghost\n", "t.yaml");
  EXPECT_EQ(toy::config(g).toy.kind, ToyModel::ghost);
  EXPECT_EQ(toy::config(g).toy.loss, ToyGhostLoss::raw);
  EXPECT_EQ(sec(g).task.delay, 100.0);
  EXPECT_EQ(sec(g).task.response, 100.0);
  EXPECT_EQ(sec(g).train.momentum, 0.0);
  EXPECT_EQ(g.family->planned_epochs(g), toy::config(g).toy.max_steps);
  const TaskSpec c = parse_train_config("family: toy-cycle\n", "t.yaml");
  EXPECT_EQ(toy::config(c).toy.kind, ToyModel::cycle);
  EXPECT_EQ(toy::config(c).toy.loss, ToyGhostLoss::normalized);
  EXPECT_EQ(sec(c).task.response, 10.0);
  // to_yaml writes the toy section and reads back to the same spec.
  TaskSpec s = g;
  toy::config(s).toy.confidence = 1.0;
  toy::config(s).toy.response_ratio = 0.5;
  toy::config(s).toy.max_steps = 99;
  const std::string text = to_yaml(s);
  EXPECT_THAT(text, HasSubstr("toy:\n  kind: ghost\n  loss: raw\n  confidence: 1.0\n"));
  EXPECT_EQ(task_key(parse_train_config(text, "rt.yaml")), task_key(s));
}

TEST(ToyConfig, CampaignExpandsAndCanonicalRoundTrips) {
  const Campaign c = parse(kToyGhost);
  ASSERT_EQ(c.tasks.size(), 8u);
  for (const CampaignTask& t : c.tasks) {
    EXPECT_EQ(toy::config(t.spec).toy.kind, ToyModel::ghost);
    EXPECT_EQ(toy::config(t.spec).toy.loss, ToyGhostLoss::normalized);
    EXPECT_EQ(toy::config(t.spec).toy.response_ratio, 1.0);
    EXPECT_EQ(toy::config(t.spec).toy.max_steps, 5000);
    EXPECT_EQ(toy::config(t.spec).toy.settle_steps, 100);
  }
  EXPECT_EQ(sec(c.tasks[3].spec).train.lr, 1e-9);
  EXPECT_EQ(sec(c.tasks[3].spec).task.delay, 200.0);
  EXPECT_EQ(sec(c.tasks[3].spec).train.seed, 1u);
  EXPECT_THAT(c.canonical, HasSubstr("\ntoy.kind: ghost\ntoy.loss: normalized\n"));
  EXPECT_THAT(c.canonical, HasSubstr("\ntoy.max_steps: 5000\n"));
  const Campaign back = parse_campaign(c.canonical, "canonical.yaml");
  EXPECT_EQ(back.canonical, c.canonical);
  EXPECT_EQ(back.hash, c.hash);
  ASSERT_EQ(back.tasks.size(), c.tasks.size());
  for (std::size_t i = 0; i < c.tasks.size(); ++i) EXPECT_EQ(back.tasks[i].key, c.tasks[i].key);
  // A changed toy key changes the hash (resume compares canonical text).
  std::string other = kToyGhost;
  other.replace(other.find("max_steps: 5000"), 15, "max_steps: 6000");
  EXPECT_NE(parse(other).hash, c.hash);
}

TEST(ToyConfig, ShippedToyCampaignsParse) {
  for (const char* name : {"toy-ghost-spec", "toy-ghost-prop", "toy-ghost-fixed", "toy-cycle-prop",
                           "toy-cycle-fixed", "toy-ghost-c1"}) {
    const Campaign c =
        load_campaign(std::string(MEMPHASE_CAMPAIGNS_DIR) + "/" + name + ".yaml");
    EXPECT_EQ(c.name, name);
    ASSERT_FALSE(c.tasks.empty());
    EXPECT_EQ(c.tasks.front().spec.family->id(), "toy") << name;
  }
}

// ------------------------------------------------------------ errors ------

std::string with(const std::string& base, const std::string& from, const std::string& to) {
  std::string s = base;
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  s.replace(at, from.size(), to);
  return s;
}

TEST(ToyConfig, RefusesAxesTheToyDoesNotUse) {
  EXPECT_THAT([] { parse(with(kToyGhost, "  delay: [100, 200]\n", "  delay: [100, 200]\n  tau: [10, 20]\n")); },
              ThrowsMessage<ConfigError>(HasSubstr(
                  "x.yaml:6:8: grid.tau cannot be swept in family 'toy-ghost' (the toy does not "
                  "use model.tau; axes of this family: lr, delay, response)")));
  EXPECT_THAT(
      [] { parse(with(kToyGhost, "  delay: [100, 200]\n", "  delay: [100, 200]\n  response: [5, 10]\n")); },
      ThrowsMessage<ConfigError>(HasSubstr(
          "x.yaml:6:13: grid.response cannot be swept when toy.response_ratio is set")));
  // response is a toy axis with a fixed response window.
  EXPECT_EQ(parse(with(with(kToyGhost, "  delay: [100, 200]\n", "  delay: [100, 200]\n  response: [5, 10]\n"),
                       "response_ratio: 1", "response_ratio: 0"))
                .tasks.size(),
            16u);
}

TEST(ToyConfig, ToySectionErrorsNameFileLineKeyAndValue) {
  EXPECT_THAT([] { parse(with(kToyGhost, "loss: normalized", "loss: weighted")); },
              ThrowsMessage<ConfigError>(HasSubstr("x.yaml:7:13: toy.loss must be one of")));
  EXPECT_THAT([] { parse(with(kToyGhost, "response_ratio: 1", "response_ratio: -1")); },
              ThrowsMessage<ConfigError>(
                  HasSubstr("toy.response_ratio must be >= 0 (0: fixed task.response) (got -1)")));
  EXPECT_THAT([] { parse(with(kToyGhost, "response_ratio: 1", "r0_jitter: 1.5")); },
              ThrowsMessage<ConfigError>(HasSubstr("toy.r0_jitter must be in [0, 1) (got 1.5)")));
  EXPECT_THAT([] { parse(with(kToyGhost, "max_steps: 5000", "max_steps: 0")); },
              ThrowsMessage<ConfigError>(HasSubstr("toy.max_steps must be >= 1 (got 0)")));
  EXPECT_THAT([] { parse(with(kToyGhost, "max_steps: 5000", "max_step: 5000")); },
              ThrowsMessage<ConfigError>(
                  HasSubstr("unknown key 'toy.max_step' (did you mean 'toy.max_steps'?)")));
  EXPECT_THAT([] { parse(with(kToyGhost, "seeds: 2\n", "seeds: 2\ntrain: {momentum: 0.9}\n")); },
              ThrowsMessage<ConfigError>(HasSubstr(
                  "train.momentum must be 0 for a toy (plain gradient descent) (got 0.9)")));
  EXPECT_THAT([] { parse(with(kToyGhost, "delay: [100, 200]", "delay: [0, 200]")); },
              ThrowsMessage<ConfigError>(HasSubstr("task.delay must be > 0 for a toy (got 0)")));
  EXPECT_THAT(
      [] {
        parse_train_config("family: toy-cycle\ntoy: {confidence: 1}\n", "c.yaml");
      },
      ThrowsMessage<ConfigError>(HasSubstr("c.yaml:2:19: toy.confidence must be 0 for the cycle")));
  EXPECT_THAT([] { parse_train_config("family: toy-cycle\ntoy: {loss: raw}\n", "c.yaml"); },
              ThrowsMessage<ConfigError>(HasSubstr(
                  "c.yaml:2:13: toy.loss must be normalized for the cycle (SPEC §4.2) (got raw)")));
  // A toy key in an RNN file would be ignored: refused.
  EXPECT_THAT([] { parse_train_config("family: dcdt-nopost\ntoy: {loss: normalized}\n", "r.yaml"); },
              ThrowsMessage<ConfigError>(HasSubstr(
                  "r.yaml:2:13: toy.loss is only used when toy.kind is ghost or cycle (families "
                  "toy-ghost, toy-cycle) (got normalized)")));
}

}  // namespace
}  // namespace memphase
