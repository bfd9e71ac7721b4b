#pragma once
// Configuration of the gru family (presets gru-nopost, gru-post): the
// model/task/train sections of sections/sections.hpp, and the snapshot
// interval of SPEC §3.8 (output.snapshots; not encoded, as for rate_rnn).
// model.n is the hidden size, model.dt only sets the step counts of the
// trial (a GRU has no leak: model.tau is not used and must keep its
// default), model.noise_sigma / init_state_sigma the trial noise of SPEC §2.
// Its own section `gru` has one key, gru.noise: candidate (where eps_t enters,
// the one placement implemented; GruConfig below). Canonical encoding: kTag,
// then the sections.
#include <cstdint>
#include <string_view>
#include <utility>

#include "core/bytes.hpp"
#include "core/spec.hpp"
#include "sections/own_section.hpp"
#include "sections/sections.hpp"

namespace memphase::gru {

/// Leading int32 of a gru spec's encoding.
inline constexpr std::int32_t kTag = -0x677275;  // "gru"

/// gru.noise: where eps_t enters. One placement is implemented (inside the
/// candidate's tanh, gru.hpp); the key states it in the canonical text, which
/// thereby names its family (a train file without `family:` is a GRU's when
/// it has a gru section, as for the other families' own sections).
enum class NoisePlacement : std::int8_t { candidate = 0 };
inline constexpr std::pair<std::string_view, NoisePlacement> kNoiseNames[] = {
    {"candidate", NoisePlacement::candidate}};

/// The gru section (sections/own_section.hpp). Not encoded (Config::encode;
/// GruFamily::kOwnEncoded): its one key has one value.
struct GruConfig {
  static constexpr std::string_view kSection = "gru";
  NoisePlacement noise = NoisePlacement::candidate;

  static void fields(auto& g, auto& v) { v.choice("noise", g.noise, kNoiseNames); }
};

struct Config : SectionsConfig<Config> {
  GruConfig gru;
  int snapshot_every = 0;  ///< output.snapshots (0: off)

  void encode(ByteWriter& w) const override {
    w.put(kTag);
    encode_sections(w, *this);
  }
  int snapshots() const override { return snapshot_every; }
  bool set_snapshots(int k) override {
    snapshot_every = k;  // every GRU task is a delayed-cue task with the PSD classifier
    return true;
  }
};

inline const Config& config(const TaskSpec& s) { return s.as<Config>(); }
inline Config& config(TaskSpec& s) { return s.as<Config>(); }

}  // namespace memphase::gru
