#pragma once
// Everything one training task produces. Written by io (HDF5), checkpointed,
// and consumed by analysis.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/params.hpp"
#include "core/spec.hpp"
#include "core/types.hpp"

namespace memphase {

/// Per-epoch training curves, one entry per epoch actually run (SPEC §3.4).
/// loss and grad_norm (Frobenius norm of dL/dW_rec) are recorded before the
/// optimiser step of that epoch, as in the reference.
struct Curves {
  std::vector<float> loss, accuracy, reliability, grad_norm;

  std::size_t size() const { return loss.size(); }
  void reserve(std::size_t n) {
    loss.reserve(n); accuracy.reserve(n); reliability.reserve(n); grad_norm.reserve(n);
  }
  void resize(std::size_t n) {
    loss.resize(n); accuracy.resize(n); reliability.resize(n); grad_norm.resize(n);
  }
  bool operator==(const Curves&) const = default;
};

/// Outcome of the classifier (SPEC §3.5).
struct Classification {
  NetClass net_class = NetClass::fail;
  bool learned = false;
  bool stable = true;
  /// Low-frequency PSD share rho; NaN when the network did not learn (no free
  /// run is made then).
  double psd_ratio = std::numeric_limits<double>::quiet_NaN();
};

/// One finished (or diverged) network.
struct TaskResult {
  TaskSpec spec;
  std::int64_t epochs_planned = 0;
  std::int64_t epochs_run = 0;
  Status status = Status::done;
  Classification cls;
  Params<float> initial, final;
  Curves curves;               ///< every epoch (subsampled only when written)
  double train_seconds = 0.0;  ///< wall time of the training loop
};

}  // namespace memphase
