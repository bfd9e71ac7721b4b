// What SectionsFamily (sections/sections_family.hpp) implements for every
// family from its own section's field list (sections/own_section.hpp): the
// visitors on a record with every kind of field; every preset's encoding,
// decoded and encoded again; the own section's keys in key_paths() and in
// the canonical text, in one order; the decode failures with the messages
// and byte positions of the hand-written decoders they replace; and the grid
// axes whose fields are in an own section. Task keys and canonical texts
// themselves are pinned by compat_keys_test.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/train_config.hpp"
#include "core/bytes.hpp"
#include "core/error.hpp"
#include "families/ghost/config.hpp"
#include "families/rank2/config.hpp"
#include "families/registry.hpp"
#include "families/wcrnn/config.hpp"
#include "sections/own_section.hpp"
#include "support/spec_access.hpp"
#include "yaml/yaml_util.hpp"

namespace memphase {
namespace {

using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

enum class Colour : std::int8_t { red = 0, green = 1 };
constexpr std::pair<std::string_view, Colour> kColourNames[] = {{"red", Colour::red}, {"green", Colour::green}};

/// A section with one field of every kind a field list may hold.
struct Mine {
  static constexpr std::string_view kSection = "mine";
  Colour colour = Colour::green;
  double x = 0.1;
  int k = -3;
  std::int64_t big = std::int64_t{1} << 40;
  std::uint64_t seed = 18446744073709551615ULL;
  std::string name = "abc";

  static void fields(auto& s, auto& v) {
    v.choice("colour", s.colour, kColourNames, "mine colour");
    v("x", s.x);
    v("k", s.k);
    v("big", s.big);
    v("seed", s.seed);
    v("name", s.name);
  }
};

TEST(OwnSection, CanonicalTextKeyPathsAndEncoding) {
  const Mine m;
  EXPECT_EQ(own_section_yaml(m),
            "mine:\n  colour: green\n  x: 0.1\n  k: -3\n  big: 1099511627776\n"
            "  seed: 18446744073709551615\n  name: abc\n");
  EXPECT_EQ(own_section_key_paths<Mine>(),
            (std::vector<std::string>{"mine.colour", "mine.x", "mine.k", "mine.big", "mine.seed", "mine.name"}));
  ByteWriter w;
  encode_own_section(w, m);
  ByteWriter expected;
  expected.put(m.colour);
  expected.put(m.x);
  expected.put(m.k);
  expected.put(m.big);
  expected.put(m.seed);
  expected.put_string(m.name);
  EXPECT_EQ(w.str(), expected.str());

  Mine back;
  back.colour = Colour::red;
  back.x = 0.0;
  back.k = 0;
  back.big = 0;
  back.seed = 0;
  back.name.clear();
  ByteReader r(w.str(), "t");
  decode_own_section(r, back);
  EXPECT_TRUE(r.done());
  EXPECT_EQ(own_section_yaml(back), own_section_yaml(m));
}

TEST(OwnSection, DecodeChecksAChoiceRightAfterReadingIt) {
  ByteWriter w;
  w.put(std::int8_t{7});
  w.put(1.0);
  ByteReader r(w.str(), "t");
  Mine m;
  EXPECT_THAT([&] { decode_own_section(r, m); },
              ThrowsMessage<IoError>(HasSubstr("t: corrupt record (mine colour at byte 1)")));
}

TEST(OwnSection, ReadsItsKeysFromYaml) {
  detail::Diagnostics diag("t.yaml");
  const YAML::Node root = detail::load_yaml("mine: {colour: red, x: 2.5, k: 4, big: 5, seed: 6, name: q}\n", "t.yaml");
  detail::MapReader top(root, "", diag);
  detail::MapReader sec(top.section("mine"), "mine", diag);
  Mine m;
  read_own_section(sec, m);
  sec.finish();
  top.finish();
  diag.throw_if_errors();
  EXPECT_EQ(own_section_yaml(m), "mine:\n  colour: red\n  x: 2.5\n  k: 4\n  big: 5\n  seed: 6\n  name: q\n");
}

TEST(OwnSection, SetsTheNumberFieldOfAGridAxis) {
  Mine m;
  EXPECT_TRUE(set_own_section_field(m, "mine.k", 7.0));
  EXPECT_EQ(m.k, 7);
  EXPECT_TRUE(set_own_section_field(m, "mine.colour", 0.0));
  EXPECT_EQ(m.colour, Colour::red);
  EXPECT_TRUE(set_own_section_field(m, "mine.x", 0.25));
  EXPECT_EQ(m.x, 0.25);
  EXPECT_FALSE(set_own_section_field(m, "mine.name", 1.0));
  EXPECT_FALSE(set_own_section_field(m, "mine.nope", 1.0));
  EXPECT_FALSE(set_own_section_field(m, "minex.k", 1.0));
  EXPECT_FALSE(set_own_section_field(m, "mine", 1.0));
  EXPECT_FALSE(set_own_section_field(m, "train.lr", 1.0));
  EXPECT_EQ(m.k, 7);
}

TEST(SectionsFamily, EveryPresetRoundTripsThroughItsEncoding) {
  for (const Family* f : families()) {
    for (const Preset& p : f->presets()) {
      SCOPED_TRACE(p.name);
      const TaskSpec s = f->make(p.name);
      ByteWriter w;
      put(w, s);
      ByteReader r(w.str(), "t");
      const TaskSpec back = decode_spec(r);
      EXPECT_TRUE(r.done());
      EXPECT_EQ(back.family, f);
      ByteWriter again;
      put(again, back);
      EXPECT_EQ(again.str(), w.str());
      EXPECT_EQ(f->to_yaml(back), f->to_yaml(s));
      EXPECT_EQ(parse_train_config(f->to_yaml(s), "t").family, f);
    }
  }
}

TEST(SectionsFamily, OwnKeysAreListedInTheCanonicalTextInKeyPathOrder) {
  for (const Family* f : families()) {
    SCOPED_TRACE(f->id());
    const std::span<const std::string_view> sections = f->sections();
    ASSERT_GE(sections.size(), 3u);
    EXPECT_EQ(sections[0], "model");
    EXPECT_EQ(sections[1], "task");
    EXPECT_EQ(sections[2], "train");
    for (std::size_t i = 3; i < sections.size(); ++i) {
      const std::string prefix = fmt::format("{}.", sections[i]);
      std::vector<std::string> from_paths;
      for (const std::string& k : f->key_paths())
        if (k.starts_with(prefix)) from_paths.push_back(k.substr(prefix.size()));
      EXPECT_FALSE(from_paths.empty());
      const std::string text = f->to_yaml(f->make(f->presets()[0].name));
      const std::string head = fmt::format("\n{}:\n", sections[i]);
      const std::size_t at = text.find(head);
      ASSERT_NE(at, std::string::npos);
      std::vector<std::string> from_text;
      for (std::size_t p = at + head.size(); p < text.size() && text.compare(p, 2, "  ") == 0;) {
        const std::size_t colon = text.find(':', p);
        from_text.push_back(text.substr(p + 2, colon - p - 2));
        p = text.find('\n', p) + 1;
      }
      EXPECT_EQ(from_text, from_paths);
    }
  }
}

TEST(SectionsFamily, DecodeFailuresKeepTheirMessages) {
  for (const char* id : {"toy", "ghost", "wcrnn", "gru", "rank2"}) {
    ByteWriter w;
    w.put(std::int32_t{-1});
    ByteReader r(w.str(), "t");
    EXPECT_THAT([&] { find_family(id)->decode(r); },
                ThrowsMessage<IoError>(HasSubstr(fmt::format("t: corrupt record ({} spec tag at byte 4)", id))));
  }
  {
    ByteWriter w;
    w.put(std::int32_t{0});
    ByteReader r(w.str(), "t");
    EXPECT_THAT([&] { find_family("rate_rnn")->decode(r); },
                ThrowsMessage<IoError>(HasSubstr("t: corrupt record (model.n of a rate RNN spec at byte 4)")));
  }
  {
    // rank2: [tag i32][variant i8] ...: a variant outside a-d fails as soon as it is read.
    ByteWriter w;
    put(w, preset_spec("rank2-a", "t"));
    std::string bytes = w.str();
    bytes[4] = 4;
    ByteReader r(bytes, "t");
    EXPECT_THAT([&] { decode_spec(r); },
                ThrowsMessage<IoError>(HasSubstr("t: corrupt record (rank2 variant at byte 5)")));
  }
  {
    // ghost: [tag i32][kind i8][rank i32][confidence f64] ...: cut inside confidence.
    ByteWriter w;
    put(w, preset_spec("ghost-rank1", "t"));
    const std::string bytes = w.str().substr(0, 10);
    ByteReader r(bytes, "t");
    EXPECT_THAT([&] { decode_spec(r); }, ThrowsMessage<IoError>(HasSubstr("t: corrupt record (truncated at byte 9)")));
  }
}

TEST(SectionsFamily, OwnSectionAxesSetTheirFields) {
  TaskSpec g = preset_spec("ghost-rankK", "t");
  g.family->set_axis(g, "rank", 5.0);
  g.family->set_axis(g, "confidence", 2.5);
  g.family->set_axis(g, "recovery_c", 0.5);
  g.family->set_axis(g, "lr", 0.3);
  EXPECT_EQ(ghost::config(g).ghost.rank, 5);
  EXPECT_EQ(ghost::config(g).ghost.confidence, 2.5);
  EXPECT_EQ(ghost::config(g).ghost.recovery_confidence, 0.5);
  EXPECT_EQ(sec(g).train.lr, 0.3);

  TaskSpec w = preset_spec("wcrnn", "t");
  w.family->set_axis(w, "residual", 4.0);
  w.family->set_axis(w, "r", 0.7);
  w.family->set_axis(w, "phi", 0.2);
  w.family->set_axis(w, "gamma", 0.3);
  w.family->set_axis(w, "seq_len", 40.0);
  w.family->set_axis(w, "batch", 8.0);
  w.family->set_axis(w, "momentum", 0.5);
  const WcrnnConfig& wc = wcrnn::config(w).wcrnn;
  EXPECT_EQ(wc.residual.kind, ResidualKind::zero);
  EXPECT_EQ(wc.residual.r, 0.7);
  EXPECT_EQ(wc.residual.phi, 0.2);
  EXPECT_EQ(wc.gamma, 0.3);
  EXPECT_EQ(wc.seq_len, 40);
  EXPECT_EQ(wc.batch, 8);
  EXPECT_EQ(sec(w).train.momentum, 0.5);

  TaskSpec k = preset_spec("rank2-c", "t");
  k.family->set_axis(k, "variant", 3.0);
  k.family->set_axis(k, "early_stop", 1e-3);
  k.family->set_axis(k, "tau", 20.0);
  EXPECT_EQ(rank2::config(k).rank2.variant, Rank2Variant::d);
  EXPECT_EQ(rank2::config(k).rank2.early_stop, 1e-3);
  EXPECT_EQ(sec(k).model.tau, 20.0);
}

}  // namespace
}  // namespace memphase
