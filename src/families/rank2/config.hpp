#pragma once
// Configuration of the rank-2 family (SPEC §7, seed 000 Fig. 2-3; presets
// rank2-a .. rank2-d): N = model.n, learning rate = train.lr, epochs =
// train.epochs (the cap; the early stop may end a run before it), seed =
// train.seed, curve stride = train.record_every; the other section fields are
// carried unchanged. Canonical encoding: kTag, the rank2 section, the sections.
#include <cstdint>
#include <string_view>
#include <utility>

#include "core/bytes.hpp"
#include "core/spec.hpp"
#include "sections/own_section.hpp"
#include "sections/sections.hpp"

namespace memphase {

/// The task variants of the reference (SPEC §7). A variant fixes the target
/// layout and the loss weights; its preset also sets the reference's lr,
/// epochs and early stop.
///   a: T_disc 15, then 2 ones              (Fig. 2; w = 2/17)
///   b: T_disc 30, then 10 ones             (high-lr example; w = 10/40)
///   c: T_disc 6, then 2 ones               (Fig. 3, short delay; w = 2/8)
///   d: T_disc 6, then 2 ones and 6 zeros   (Fig. 3, post period; w = 8/14)
enum class Rank2Variant : std::int8_t { a = 0, b = 1, c = 2, d = 3 };

/// Target layout of a variant: `t_disc` zeros, `n_on` ones, `n_post` zeros.
struct Rank2Layout {
  int t_disc = 15, n_on = 2, n_post = 0;
  int total() const { return t_disc + n_on + n_post; }
};
Rank2Layout rank2_layout(Rank2Variant v);

/// Names of rank2.variant.
inline constexpr std::pair<std::string_view, Rank2Variant> kRank2VariantNames[] = {
    {"a", Rank2Variant::a}, {"b", Rank2Variant::b}, {"c", Rank2Variant::c}, {"d", Rank2Variant::d}};

/// The rank2 section (sections/own_section.hpp).
struct Rank2Config {
  static constexpr std::string_view kSection = "rank2";
  Rank2Variant variant = Rank2Variant::a;
  /// Early stop: end training after the first epoch whose loss (before its
  /// update) is below early_stop · loss(epoch 0); 0 = off.
  double early_stop = 0.0;
  int diag_every = 0;  ///< latent diagnostics every k epochs and at the end (0: only at the end)
  int flow_grid = 21;  ///< flow field F(κ) on flow_grid × flow_grid points around the trajectory

  /// Its fields in YAML and encoding order; a decoded variant that is not one
  /// of a-d fails ("rank2 variant").
  static void fields(auto& g, auto& v) {
    v.choice("variant", g.variant, kRank2VariantNames, "rank2 variant");
    v("early_stop", g.early_stop);
    v("diag_every", g.diag_every);
    v("flow_grid", g.flow_grid);
  }
};

namespace rank2 {

/// Leading int32 of a rank2 spec's encoding.
inline constexpr std::int32_t kTag = -0x726b32;  // "rk2"

struct Config : SectionsConfig<Config> {
  Rank2Config rank2;
  void encode(ByteWriter& w) const override {
    w.put(kTag);
    encode_own_section(w, rank2);
    encode_sections(w, *this);
  }
};

inline const Config& config(const TaskSpec& s) { return s.as<Config>(); }
inline Config& config(TaskSpec& s) { return s.as<Config>(); }

}  // namespace rank2
}  // namespace memphase
