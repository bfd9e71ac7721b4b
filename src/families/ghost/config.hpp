#pragma once
// Configuration of the ghost families (SPEC §5, seed 001; presets
// ghost-rank1, ghost-rankK): N = model.n, learning rate = train.lr, epochs =
// train.epochs, seed = train.seed; the other section fields are carried
// unchanged (and must keep their defaults). Canonical encoding: kTag, the
// ghost section, the sections.
#include <cstdint>
#include <string_view>
#include <utility>

#include "core/bytes.hpp"
#include "core/spec.hpp"
#include "sections/own_section.hpp"
#include "sections/sections.hpp"

namespace memphase {

enum class GhostModel : std::int8_t { none = 0, rank1 = 1, rankK = 2 };

/// Names of ghost.kind.
inline constexpr std::pair<std::string_view, GhostModel> kGhostModelNames[] = {
    {"none", GhostModel::none}, {"rank1", GhostModel::rank1}, {"rankK", GhostModel::rankK}};

/// The ghost section (sections/own_section.hpp).
struct GhostConfig {
  static constexpr std::string_view kSection = "ghost";
  GhostModel kind = GhostModel::none;  ///< rank1 or rankK (set by the preset)
  int rank = 1;                        ///< K of W = M N (rankK; K = model.n is full rank)
  double confidence = 10.0;            ///< c of the rank-1 read-out sigmoid(c (κ - 1))
  /// > 0: a second phase (recovery, seed 001 Fig. 4): continue from the final
  /// state of phase 1 with a fresh plain-SGD optimiser and this confidence.
  double recovery_confidence = 0.0;
  std::int64_t recovery_epochs = 100;
  double recovery_lr = 0.0;  ///< 0: train.lr
  int diag_every = 0;        ///< latent diagnostics every k epochs of phase 1 (0: off)
  int tail = 50;             ///< no-learning zone: accuracy <= 0.5 over the last `tail` epochs

  bool recovery() const { return recovery_confidence > 0.0; }

  /// Its fields in YAML and encoding order.
  static void fields(auto& g, auto& v) {
    v.choice("kind", g.kind, kGhostModelNames);
    v("rank", g.rank);
    v("confidence", g.confidence);
    v("recovery_confidence", g.recovery_confidence);
    v("recovery_epochs", g.recovery_epochs);
    v("recovery_lr", g.recovery_lr);
    v("diag_every", g.diag_every);
    v("tail", g.tail);
  }
};

namespace ghost {

/// Leading int32 of a ghost spec's encoding.
inline constexpr std::int32_t kTag = -0x67686f;  // "gho"

struct Config : SectionsConfig<Config> {
  GhostConfig ghost;
  void encode(ByteWriter& w) const override {
    w.put(kTag);
    encode_own_section(w, ghost);
    encode_sections(w, *this);
  }
};

inline const Config& config(const TaskSpec& s) { return s.as<Config>(); }
inline Config& config(TaskSpec& s) { return s.as<Config>(); }

}  // namespace ghost
}  // namespace memphase
