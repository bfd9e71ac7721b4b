// Task keys and config hashes are a contract (issue 16): a run directory
// resumes only if the campaign's config hash is unchanged, and a committed
// task is found again only under the same key. This test pins, for every
// campaign shipped with memphase (campaigns/*.yaml and the campaigns of
// tests/data), the config hash and a digest of ALL its task keys in grid
// order, and the key and canonical text of every preset's default network.
// It was written before the family refactor and must pass unchanged after it
// (and after any later change): a mismatch means existing run directories
// would no longer resume.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <iterator>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "config/campaign.hpp"
#include "config/train_config.hpp"
#include "core/hash.hpp"

namespace memphase {
namespace {

namespace fs = std::filesystem;

/// XXH64 of the task keys in grid order, one 16-digit hex key per line.
std::string keys_digest(const Campaign& c) {
  std::string text;
  for (const CampaignTask& t : c.tasks) text += hex64(t.key) + "\n";
  return hex64(hash64(text));
}

struct Pinned {
  const char* path;  ///< relative to the source directory
  std::size_t tasks;
  const char* keys;  ///< keys_digest()
  const char* hash;  ///< Campaign::hash (XXH64 of the canonical text)
};

// Values of release f4f7089 (the last one before the family refactor).
constexpr Pinned kCampaigns[] = {
    {"campaigns/ghost-fig3a-quick.yaml", 2, "edaf7239477a842a", "59dfd17b405c46ff"},
    {"campaigns/ghost-fig3a.yaml", 40, "31cf920f714c3a62", "7657dc5f1668251f"},
    {"campaigns/ghost-fig4-quick.yaml", 60, "6f2b2c1c46d2f9ca", "68d2d6575e645f9c"},
    {"campaigns/ghost-fig4.yaml", 3000, "bdaf426f77359912", "2a86c1643f9bbcd0"},
    {"campaigns/ghost-lr-sweep-quick.yaml", 18, "3be1ed87ad6a6e9f", "e329ec8eee4a8818"},
    {"campaigns/ghost-lr-sweep.yaml", 300, "a444b71011a78a5f", "0c245109f1a9349e"},
    {"campaigns/ghost-rank-sweep-medium.yaml", 105, "ebf37eabedc1d317", "d3a16176f467d209"},
    {"campaigns/ghost-rank-sweep-quick.yaml", 24, "beca8466857fe35a", "7808dbfb9c012564"},
    {"campaigns/ghost-rank-sweep.yaml", 900, "b08b249e06064fc4", "a0e66704441744e1"},
    {"campaigns/outcome-check.yaml", 1056, "9b998f329ce7cfbb", "07ba6e1e937eb39a"},
    {"campaigns/paper-longtau.yaml", 4200, "7b175f26e1d3f0e1", "5eb047460f928c7d"},
    {"campaigns/paper-nomemory.yaml", 8000, "b813f560bbb7d26f", "f08841cd8b4acee3"},
    {"campaigns/paper-nopost.yaml", 63000, "be29eb968cc97cb1", "8b4f93910bcd476a"},
    {"campaigns/paper-post.yaml", 6300, "7e296bc0b19e5bb1", "1ba1341edfc9e350"},
    {"campaigns/quick.yaml", 96, "6c0c741c6a025621", "a9e21c23e1838500"},
    {"campaigns/repro-nomemory.yaml", 1280, "e68f54f39ee1a218", "5ae189595df767f4"},
    {"campaigns/repro-nopost-block1.yaml", 1080, "72a7a7e7c46ece90", "fa3d7f891529080c"},
    {"campaigns/repro-nopost-block2.yaml", 1080, "ade95270b740be6b", "6b620cf4b52a570f"},
    {"campaigns/repro-nopost-block3.yaml", 1080, "b05c8e16874bf532", "160d2a735aadf59e"},
    {"campaigns/repro-nopost-block4.yaml", 1080, "ee948910245ae1fc", "ad754084f3598d75"},
    {"campaigns/repro-nopost.yaml", 4320, "76f5648bade0add5", "428ed984705eaa67"},
    {"campaigns/scale-63k.yaml", 63000, "7352b53264fb1111", "df6daae14ad71c6f"},
    {"campaigns/toy-cycle-fixed.yaml", 672, "5a4ee2227b6c61ea", "f5610a63016f8d79"},
    {"campaigns/toy-cycle-prop.yaml", 1116, "91ad5a6b946eb491", "19140f4d79564ba8"},
    {"campaigns/toy-ghost-c1.yaml", 230, "92d7e5daa7ee0fe3", "d628da9114e39729"},
    {"campaigns/toy-ghost-fixed.yaml", 992, "ecd78ae69a31fd36", "f926ec40a70ad9f7"},
    {"campaigns/toy-ghost-prop.yaml", 1980, "5d8191417a8aab85", "62cda3ee11c543ea"},
    {"campaigns/toy-ghost-spec.yaml", 2304, "782febb0fe025c12", "5a6b22dbe895b3b0"},
    {"campaigns/wcrnn-adding-long.yaml", 14, "a1a19ba40cf3ab91", "68f3da5e46ce13f7"},
    {"campaigns/wcrnn-adding-quick.yaml", 6, "7c3bfc9225600631", "b94a3daffbea2008"},
    {"campaigns/wcrnn-adding.yaml", 162, "86299b51d7714712", "04f55c9ab1bad48b"},
    {"campaigns/wcrnn-lyapunov.yaml", 180, "c1c2df04543cefca", "490aa0b02d051014"},
    {"campaigns/wcrnn-psmnist-quick.yaml", 3, "80aef3ab5ea8af20", "2a70e32db6be0706"},
    {"campaigns/wcrnn-psmnist.yaml", 33, "567712d31100fce4", "1d2f75e630240bc7"},
    {"campaigns/wcrnn-smnist-medium.yaml", 27, "8f31f674753f2c80", "ba18af447609ea7d"},
    {"campaigns/wcrnn-smnist-quick.yaml", 3, "31adf0e6b5834a61", "3596f572617bd727"},
    {"campaigns/wcrnn-smnist.yaml", 33, "ddcb2ca001b26c91", "19294d08a163c2ca"},
    {"tests/data/diverge.yaml", 4, "3add71605aef0ea5", "b1249f0d91d19850"},
    {"tests/data/faults.yaml", 12, "b1ba101d943bc526", "f188142a62c4346a"},
    {"tests/data/sigtest.yaml", 16, "0ea1ae580f3c5824", "2b403959bcd28fa3"},
    {"tests/data/tiny-ghost.yaml", 6, "dd11ff5da2318e7b", "2199a5d4e90d25f5"},
    {"tests/data/tiny-wcrnn.yaml", 8, "05bd53acbefa6830", "aa3927726300b659"},
    {"tests/data/tiny.yaml", 12, "965b8e2105c3aada", "356a0bcf9c0cbca5"},
};

// Campaigns added after the refactor (issues 16 and 17), pinned as they
// shipped (rank2-fig2's and mechanism-evolution's hashes are those of
// their completed run directories, written by the releases that ran them).
constexpr Pinned kLaterCampaigns[] = {
    {"campaigns/adam-quick.yaml", 18, "241bf015fef050fb", "43706f7c82c31c3a"},
    {"campaigns/gru-nopost.yaml", 63000, "36eefca8c3e9dc5f", "e7b4a30145da4796"},
    {"campaigns/gru-quick.yaml", 32, "9c91b07202ce48ac", "b05b3df487047c30"},
    {"campaigns/mechanism-evolution-quick.yaml", 4, "f9c6963b18c461bb", "1a46c36848758140"},
    {"campaigns/mechanism-evolution.yaml", 180, "67dcfde6bbc73278", "e7ff088c8af30c3b"},
    {"campaigns/rank2-fig2-quick.yaml", 6, "2b6fec5b2b727800", "395b39dc2fd3fc11"},
    {"campaigns/rank2-fig2.yaml", 50, "45b6d9b52143d5ee", "df4c50c605a9eff8"},
    {"campaigns/rank2-fig3-quick.yaml", 4, "2ef7145bfe840f55", "3edfe3c19996ba33"},
    {"campaigns/rank2-fig3.yaml", 20, "96c81bd5faa63899", "fb203207524dc0a3"},
    {"tests/data/tiny-adam.yaml", 12, "6a16ece10d78ed39", "6480148a0235fc84"},
    {"tests/data/tiny-gru.yaml", 12, "c034e6d4733aec9a", "3ac6d17969129f0e"},
    {"tests/data/tiny-snapshots.yaml", 8, "6666e3a72247731e", "3c7976c570f8b1fd"},
    {"tests/data/tiny-gru-snapshots.yaml", 8, "408e818363be0cd1", "6c5cf131648da115"},
    {"tests/data/tiny-rank2.yaml", 6, "704e46d0455be31b", "f42ac364cb90bc00"},
};

struct PinnedPreset {
  const char* family;
  const char* key;   ///< task_key of parse_train_config("family: <family>")
  const char* yaml;  ///< XXH64 of to_yaml of that spec
};

constexpr PinnedPreset kPresets[] = {
    {"dcdt-nopost", "d03fe66f6f4cb1a6", "94c58a7b4efae941"},
    {"dcdt-post", "61f2669b6f79f609", "f5f7424aabf87f7e"},
    {"dcdt-longtau", "116f60b218de001d", "27397dc88f0a3e67"},
    {"no-memory", "e542a6289ecf55e0", "cb56d350f0b894af"},
    {"toy-ghost", "4800ef03537f7398", "af3c7e7ffeaf4f14"},
    {"toy-cycle", "771ef4b79c6286f9", "8733b874c9413d45"},
    {"ghost-rank1", "1c42e5e995c7ab69", "f17f429e24f943be"},
    {"ghost-rankK", "922cec92091e841b", "98b6a5fbdeb4abdb"},
    {"wcrnn", "618bb52324254cc1", "099ef6dcc4bd2627"},
};

TEST(CompatKeys, EveryShippedCampaignKeepsItsKeysAndHash) {
  std::vector<Pinned> all(std::begin(kCampaigns), std::end(kCampaigns));
  all.insert(all.end(), std::begin(kLaterCampaigns), std::end(kLaterCampaigns));
  for (const Pinned& p : all) {
    SCOPED_TRACE(p.path);
    const Campaign c = load_campaign(std::string(MEMPHASE_SOURCE_DIR) + "/" + p.path);
    EXPECT_EQ(c.tasks.size(), p.tasks);
    EXPECT_EQ(keys_digest(c), p.keys);
    EXPECT_EQ(c.hash, p.hash);
  }
}

// Presets added after the refactor (gru, issue 16; rank2, issue 17).
constexpr PinnedPreset kLaterPresets[] = {
    {"gru-nopost", "055a0d6b308f588d", "03721a0fd4ce0f85"}, {"gru-post", "092de30b9d1fa4c4", "469352096584eb7d"}, {"rank2-a", "8f623951e05eda50", "85d5e09b01aea470"},
    {"rank2-b", "b9ee5ddb841d0189", "f8c94afbdb588c6d"},    {"rank2-c", "f2915a6fde72bd14", "5ff3581254d648cc"},  {"rank2-d", "946235ebd906616c", "2dc7d17780d4ce22"},
};

TEST(CompatKeys, EveryPresetKeepsItsDefaultKeyAndCanonicalText) {
  std::vector<PinnedPreset> all(std::begin(kPresets), std::end(kPresets));
  all.insert(all.end(), std::begin(kLaterPresets), std::end(kLaterPresets));
  for (const PinnedPreset& p : all) {
    SCOPED_TRACE(p.family);
    const TaskSpec s = parse_train_config(std::string("family: ") + p.family + "\n", "preset.yaml");
    EXPECT_EQ(hex64(task_key(s)), p.key);
    EXPECT_EQ(hex64(hash64(to_yaml(s))), p.yaml);
  }
}

TEST(CompatKeys, TheDefaultNetworkKeepsThePinnedKey) {
  // The key pinned since the first toys (d03fe66f6f4cb1a6): the default
  // network of SPEC §2-3, i.e. family dcdt-nopost without any override.
  EXPECT_EQ(hex64(task_key(parse_train_config("family: dcdt-nopost\n", "d.yaml"))), "d03fe66f6f4cb1a6");
  EXPECT_EQ(hex64(task_key(parse_train_config("model: {n: 100}\n", "d.yaml"))), "d03fe66f6f4cb1a6");
}

TEST(CompatKeys, TheNoiseFreeFixtureKeepsItsKey) {
  const TaskSpec s = load_train_config(std::string(MEMPHASE_SOURCE_DIR) + "/tests/data/noise0-fixture.yaml");
  EXPECT_EQ(hex64(task_key(s)), "0a962982c5a3fd3a");
  EXPECT_EQ(hex64(hash64(to_yaml(s))), "522f2ad1d2fcf702");
}

TEST(CompatKeys, EveryShippedCampaignIsPinned) {
  // A pinned campaign must not disappear, and every campaign in campaigns/
  // must be pinned (add it to kLaterCampaigns when it ships: its keys and
  // hash become a contract with the users who run it).
  std::set<std::string> pinned;
  for (std::span<const Pinned> list : {std::span<const Pinned>(kCampaigns), std::span<const Pinned>(kLaterCampaigns)})
    for (const Pinned& p : list) {
      pinned.insert(p.path);
      EXPECT_TRUE(fs::exists(std::string(MEMPHASE_SOURCE_DIR) + "/" + p.path)) << p.path;
    }
  for (const auto& e : fs::directory_iterator(std::string(MEMPHASE_SOURCE_DIR) + "/campaigns")) {
    const std::string rel = "campaigns/" + e.path().filename().string();
    if (e.path().extension() == ".yaml")
      EXPECT_TRUE(pinned.count(rel)) << rel << " is not pinned in kLaterCampaigns";
  }
}

}  // namespace
}  // namespace memphase
