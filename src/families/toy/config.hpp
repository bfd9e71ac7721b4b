#pragma once
// Configuration of the toy family (SPEC §4; presets toy-ghost, toy-cycle):
// the model/task/train sections (the toy's learning rate α is train.lr, its
// delay T_d is task.delay and its response T_r is task.response, or
// response_ratio · T_d; the other section fields are carried unchanged) and
// the toy section. Canonical encoding: kTag, the toy section, the sections.
#include <cstdint>
#include <string_view>
#include <utility>

#include "core/bytes.hpp"
#include "core/spec.hpp"
#include "sections/own_section.hpp"
#include "sections/sections.hpp"

namespace memphase {

/// Toy model of SPEC §4.
enum class ToyModel : std::int8_t { none = 0, ghost = 1, cycle = 2 };

/// Ghost loss weighting (families/toy/toy.hpp GhostLoss): raw = SPEC §4.1
/// verbatim ∫(o-y)² dt; normalized = each epoch's integral divided by its length.
enum class ToyGhostLoss : std::int8_t { raw = 0, normalized = 1 };

/// Names of toy.kind and toy.loss.
inline constexpr std::pair<std::string_view, ToyModel> kToyModelNames[] = {
    {"none", ToyModel::none}, {"ghost", ToyModel::ghost}, {"cycle", ToyModel::cycle}};
inline constexpr std::pair<std::string_view, ToyGhostLoss> kToyGhostLossNames[] = {
    {"raw", ToyGhostLoss::raw}, {"normalized", ToyGhostLoss::normalized}};

/// The toy section (sections/own_section.hpp). Times are in the toy's own units.
struct ToyConfig {
  static constexpr std::string_view kSection = "toy";
  ToyModel kind = ToyModel::none;  ///< ghost or cycle (set by the preset)
  /// Ghost: raw (default) or normalized; the cycle's loss is normalized
  /// (SPEC §4.2), and its preset sets and requires that value.
  ToyGhostLoss loss = ToyGhostLoss::raw;
  /// Ghost only: 0 = closed form (analytic limit c → ∞); > 0 = numerically
  /// integrated loss with sigmoid(c (x - x*)), Euler dt 0.1, x* = 10, clamp 1e6.
  double confidence = 0.0;
  /// 0: T_r = task.response (fixed response); > 0: T_r = response_ratio · T_d.
  double response_ratio = 0.0;
  /// Width of the r0 jitter: seed s starts at eps = toy_r0_jitter(s, width).
  double r0_jitter = 0.1;
  std::int64_t max_steps = 200000;    ///< GdOptions::max_steps (GD updates)
  std::int64_t settle_steps = 20000;  ///< GdOptions::settle_steps

  /// T_r for delay t_delay and fixed response `response`.
  double response_for(double t_delay, double response) const {
    return response_ratio > 0.0 ? response_ratio * t_delay : response;
  }

  /// Its fields in YAML and encoding order.
  static void fields(auto& y, auto& v) {
    v.choice("kind", y.kind, kToyModelNames);
    v.choice("loss", y.loss, kToyGhostLossNames);
    v("confidence", y.confidence);
    v("response_ratio", y.response_ratio);
    v("r0_jitter", y.r0_jitter);
    v("max_steps", y.max_steps);
    v("settle_steps", y.settle_steps);
  }
};

namespace toy {

/// Leading int32 of a toy spec's encoding, where a rate RNN's has model.n.
inline constexpr std::int32_t kTag = -0x746f79;  // "toy"

struct Config : SectionsConfig<Config> {
  ToyConfig toy;
  void encode(ByteWriter& w) const override {
    w.put(kTag);
    encode_own_section(w, toy);
    encode_sections(w, *this);
  }
};

/// The toy configuration of a spec (std::bad_cast for another family).
inline const Config& config(const TaskSpec& s) { return s.as<Config>(); }
inline Config& config(TaskSpec& s) { return s.as<Config>(); }

}  // namespace toy
}  // namespace memphase
