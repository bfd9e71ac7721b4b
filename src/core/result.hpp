#pragma once
// Everything one training task produces. Written by io (HDF5), checkpointed,
// and consumed by analysis.
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
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

/// Epoch indices kept when curves of n epochs are subsampled every `every`
/// epochs: 0, k, 2k, ... and always the last one, n - 1 (none if n <= 0;
/// every < 1 counts as 1). 23 epochs, k = 5: 0, 5, 10, 15, 20, 22. These are
/// the points of a campaign file and of a thinned journal record.
std::vector<std::int64_t> kept_epochs(std::int64_t n, int every);
/// kept_epochs(n, every).size(), without building the vector.
std::int64_t kept_count(std::int64_t n, int every);

/// Which epochs TaskResult::curves holds. Training and classification always
/// produce dense curves (every == 1: entry e is epoch e). A result decoded
/// from a journal record that was thinned at commit (put_committed in
/// core/bytes.hpp) holds only the points a campaign file keeps: every =
/// spec.record_every() > 1, and entry i is epoch kept_epochs(epochs,
/// every)[i], where `epochs` is the dense record's curve_epochs().
struct CurveSampling {
  int every = 1;
  std::int64_t epochs = 0;  ///< dense epoch count the points were taken from (thinned only)

  bool thinned() const { return every > 1; }
  bool operator==(const CurveSampling&) const = default;
};

/// Thresholds of the classifier of SPEC §3.5 (defaults are the reference's;
/// delayed_cue/classify.hpp).
struct ClassifyOptions {
  double learn_threshold = 0.8;     ///< acc and rel must exceed this
  double forget_threshold = 0.6;    ///< counts for the stability ratio
  double stability_ratio = 0.1;     ///< unstable if ratio >= this
  double tail_fraction = 0.1;       ///< last 10% of epochs
  int free_run_factor = 9;          ///< free run for 9*T steps
  int psd_radius2 = 9;              ///< disc (a-n/2)^2+(b-n/2)^2 <= 9
  double psd_lc_threshold = 0.5;    ///< rho < 0.5 -> LC
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

/// A named table of a task's diagnostics (e.g. latent snapshots every k
/// epochs, a Lyapunov spectrum): `columns` names, row-major `data`
/// (data.size() is a multiple of columns.size()).
struct Table {
  std::string name;
  std::vector<std::string> columns;
  std::vector<double> data;

  std::size_t rows() const { return columns.empty() ? 0 : data.size() / columns.size(); }
  void add_row(std::initializer_list<double> v) { data.insert(data.end(), v); }
  bool operator==(const Table&) const = default;
};

/// What a task produces besides its curves and dense weights, declared by
/// its family's output schema: flat parameter vectors in the model's own
/// pack() order, named scalar outcomes and diagnostic tables (the ghost and
/// WCRNN families). Empty for rate RNNs and toys.
struct Extras {
  std::vector<float> initial, final;  ///< packed parameters (model/*.hpp pack())
  std::vector<std::pair<std::string, double>> metrics;
  std::vector<Table> tables;

  bool empty() const { return initial.empty() && final.empty() && metrics.empty() && tables.empty(); }
  /// Value of metric `name`, or NaN.
  double metric(std::string_view name) const {
    for (const auto& [k, v] : metrics)
      if (k == name) return v;
    return std::numeric_limits<double>::quiet_NaN();
  }
  void set(std::string name, double v) {
    for (auto& [k, x] : metrics)
      if (k == name) { x = v; return; }
    metrics.emplace_back(std::move(name), v);
  }
  const Table* table(std::string_view name) const {
    for (const Table& t : tables)
      if (t.name == name) return &t;
    return nullptr;
  }
  bool operator==(const Extras&) const = default;
};

/// One finished (or diverged) network: the record a journal commits (core/
/// bytes.hpp encodes it) and a row of campaign.h5.
struct TaskResult {
  TaskSpec spec;
  std::int64_t epochs_planned = 0;
  std::int64_t epochs_run = 0;
  Status status = Status::done;
  Classification cls;
  /// Dense weights (the six slots of the record format), named and shaped by
  /// the family's OutputSchema::dense; empty when it has none.
  Params<float> initial, final;
  Curves curves;               ///< every epoch, unless `sampling` says otherwise
  double train_seconds = 0.0;  ///< wall time of the training loop
  Extras extras;               ///< packed parameters, metrics, tables (OutputSchema)
  CurveSampling sampling;      ///< dense, except when decoded from a thinned journal record
};

/// Epochs with a curve value, the n of kept_epochs(n, record_every) that a
/// campaign file stores: min(epochs_run, curves.size()) for dense curves (a
/// toy stores none, its epochs_run counts GD updates; a diverged network
/// may hold one more, non-finite, entry than epochs_run), and
/// sampling.epochs for thinned ones.
std::int64_t curve_epochs(const TaskResult& x);

/// How put_committed() stores x's curves: dense (no change) unless
/// spec.record_every() k > 1 and keeping only kept_epochs(curve_epochs(x),
/// k) drops an entry; then {k, curve_epochs(x)}. An already thinned x keeps its
/// sampling.
CurveSampling committed_sampling(const TaskResult& x);

/// The entries of dense curves `c` at kept_epochs(n, every).
Curves thin_curves(const Curves& c, std::int64_t n, int every);

}  // namespace memphase
