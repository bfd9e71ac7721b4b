// Ghost (SPEC §5) and WCRNN (SPEC §6) families in the configuration: family
// defaults, section rules with messages naming file, key and value, the grid
// axes each family may sweep (incl. the categorical `residual`), canonical
// text round trip and the task-key encoding (RNN keys unchanged).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "config/campaign.hpp"
#include "config/train_config.hpp"
#include "core/bytes.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "families/registry.hpp"
#include "support/spec_access.hpp"
#include "families/ghost/config.hpp"
#include "families/wcrnn/config.hpp"

namespace memphase {
namespace {

using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

Campaign parse(const std::string& text) { return parse_campaign(text, "x.yaml"); }

TEST(ModelFamilies, Defaults) {
  TaskSpec g = preset_spec("ghost-rank1", "t");
  EXPECT_EQ(ghost::config(g).ghost.kind, GhostModel::rank1);
  EXPECT_EQ(sec(g).model.n, 100);
  EXPECT_EQ(sec(g).train.lr, 0.02);
  EXPECT_EQ(sec(g).train.epochs, 6000);
  EXPECT_EQ(sec(g).train.momentum, 0.0);
  EXPECT_NE(g.family->id(), "rate_rnn");
  EXPECT_EQ(g.family->planned_epochs(g), 6000);
  ghost::config(g).ghost.recovery_confidence = 0.1;
  EXPECT_EQ(g.family->planned_epochs(g), 6100);
  TaskSpec w = preset_spec("wcrnn", "t");
  EXPECT_EQ(wcrnn::config(w).wcrnn.task, WcrnnTask::adding);
  EXPECT_NE(w.family->id(), "rate_rnn");
  EXPECT_NO_THROW(validate(g, "t"));
  EXPECT_NO_THROW(validate(w, "t"));
}

TEST(ModelFamilies, RnnKeysAreUnchangedByTheNewSections) {
  // Same pinned value as ToyKeys.RnnTaskKeysAreUnchanged (before ghosts/WCRNNs).
  EXPECT_EQ(hex64(task_key(preset_spec("dcdt-nopost", "t"))), "d03fe66f6f4cb1a6");
}

TEST(ModelFamilies, SpecRoundTripsThroughTheEncoding) {
  TaskSpec w = preset_spec("wcrnn", "t");
  wcrnn::config(w).wcrnn.residual.kind = ResidualKind::rotational;
  wcrnn::config(w).wcrnn.residual.phi = 0.224;
  wcrnn::config(w).wcrnn.dataset = "fashion";
  ByteWriter bw;
  put(bw, w);
  ByteReader br(bw.str(), "t");
  const TaskSpec back = decode_spec(br);
  EXPECT_TRUE(br.done());
  EXPECT_EQ(wcrnn::config(back).wcrnn.residual, wcrnn::config(w).wcrnn.residual);
  EXPECT_EQ(wcrnn::config(back).wcrnn.dataset, "fashion");
  EXPECT_EQ(task_key(back), task_key(w));
  TaskSpec g = preset_spec("ghost-rankK", "t");
  ghost::config(g).ghost.rank = 7;
  EXPECT_NE(task_key(g), task_key(w));
}

TEST(ModelFamilies, RulesNameFileKeyAndValue) {
  auto bad = [](const std::string& body, const std::string& msg) {
    EXPECT_THAT([&] { parse_train_config(body, "m.yaml"); }, ThrowsMessage<ConfigError>(HasSubstr(msg))) << body;
  };
  bad("family: ghost-rankK\nghost: {rank: 101}\n", "ghost.rank must be <= model.n (K = N is full rank) (got rank 101, n 100)");
  bad("family: ghost-rank1\nghost: {rank: 2}\n", "ghost.rank must be 1 for ghost.kind rank1 (got 2)");
  bad("family: ghost-rankK\nghost: {recovery_confidence: 0.1}\n", "ghost.recovery_confidence needs ghost.kind rank1");
  bad("family: ghost-rank1\ntrain: {momentum: 0.9}\n", "train.momentum must be 0 for a ghost network");
  bad("family: ghost-rank1\ntrain: {epochs: auto}\n", "train.epochs must be an explicit count >= 1 for a ghost network (got auto)");
  bad("family: dcdt-nopost\nghost: {diag_every: 5}\n", "ghost.diag_every is only used by the ghost families");
  bad("family: wcrnn\nwcrnn: {dataset: cifar}\n", "wcrnn.dataset must be one of mnist, fashion (got 'cifar')");
  bad("family: wcrnn\nwcrnn: {r_lo: 1.2, r_hi: 1.0}\n", "wcrnn.r_lo must be <= wcrnn.r_hi (got 1.2, 1.0)");
  bad("family: wcrnn\nwcrnn: {task: smnist, seq_len: 50}\n", "wcrnn.seq_len is only used by the adding problem");
  bad("family: wcrnn\nwcrnn: {residual: rotatonal}\n", "did you mean 'rotational'");
  bad("family: dcdt-nopost\nwcrnn: {gamma: 0.5}\n", "wcrnn.gamma is only used by family wcrnn (got 0.5)");
  bad("family: wcrnn\nmodel: {n: 8}\nwcrnn: {lyap_k: 9}\n", "wcrnn.lyap_k must be <= model.n (got 9, n 8)");
}

TEST(ModelFamilies, AxesPerFamily) {
  EXPECT_THAT([] { parse("family: dcdt-nopost\ngrid: {rank: [1, 2]}\nseeds: 1\n"); },
              ThrowsMessage<ConfigError>(HasSubstr("grid.rank cannot be swept in family 'dcdt-nopost' (this family does not use ghost.rank")));
  EXPECT_THAT([] { parse("family: ghost-rankK\ngrid: {delay: [1, 2]}\nseeds: 1\n"); },
              ThrowsMessage<ConfigError>(HasSubstr("grid.delay cannot be swept in family 'ghost-rankK'")));
  EXPECT_THAT([] { parse("family: wcrnn\ngrid: {residual: [homogeneous, spiral]}\nseeds: 1\n"); },
              ThrowsMessage<ConfigError>(HasSubstr("grid.residual[1] must be one of homogeneous, rotational, heterogeneous_diag, heterogeneous_rot, zero (got 'spiral')")));
  const Campaign c = parse("name: w\nfamily: wcrnn\ngrid:\n  residual: [homogeneous, rotational]\n  r: [0.9, 1.0]\nseeds: 2\n");
  ASSERT_EQ(c.tasks.size(), 8u);
  EXPECT_EQ(wcrnn::config(c.tasks[4].spec).wcrnn.residual.kind, ResidualKind::rotational);
  EXPECT_EQ(wcrnn::config(c.tasks[4].spec).wcrnn.residual.r, 0.9);
  EXPECT_THAT(c.canonical, HasSubstr("grid.residual[1]: rotational\n"));
  // The canonical text parses back to the same tasks.
  const Campaign back = parse_campaign(c.canonical, "canonical");
  ASSERT_EQ(back.tasks.size(), c.tasks.size());
  for (std::size_t i = 0; i < c.tasks.size(); ++i) EXPECT_EQ(back.tasks[i].key, c.tasks[i].key);
  EXPECT_EQ(back.hash, c.hash);
}

TEST(ModelFamilies, ShippedCampaignsParse) {
  int ghost = 0, wcrnn = 0;
  for (const auto& e : std::filesystem::directory_iterator(MEMPHASE_CAMPAIGNS_DIR)) {
    const std::string name = e.path().filename().string();
    const bool g = name.rfind("ghost-", 0) == 0, w = name.rfind("wcrnn-", 0) == 0;
    if (!g && !w) continue;
    const Campaign c = load_campaign(e.path().string());
    EXPECT_EQ(c.base.family->id(), g ? "ghost" : "wcrnn") << name;
    EXPECT_EQ(c.name + ".yaml", name);
    (g ? ghost : wcrnn) += 1;
  }
  EXPECT_GE(ghost, 8);
  EXPECT_GE(wcrnn, 9);
  EXPECT_EQ(load_campaign(std::string(MEMPHASE_CAMPAIGNS_DIR) + "/ghost-fig4.yaml").tasks.size(), 3000u);
  EXPECT_EQ(load_campaign(std::string(MEMPHASE_CAMPAIGNS_DIR) + "/ghost-rank-sweep.yaml").tasks.size(), 900u);
  EXPECT_EQ(load_campaign(std::string(MEMPHASE_CAMPAIGNS_DIR) + "/ghost-lr-sweep.yaml").tasks.size(), 300u);
}

}  // namespace
}  // namespace memphase
