#pragma once
// The output schema a family declares (issue 16): what campaign.h5 (and the
// file of `memphase train`) stores of its tasks beyond the columns every
// family has (/tasks/{key, done, status, class, learned, stable, psd_ratio,
// epochs_planned, epochs_run, train_seconds}, /curves/*). The engine stores
// whatever is declared without knowing what it means (io/campaign_file.hpp):
//
//   grid      /grid/<name> columns, one value per task (f64 or i64); every
//             swept axis without a column of its own gets /grid/<axis> (f64)
//   dense     /weights/{initial,final}/<name>: float tensors NaN-padded to the
//             largest N of the campaign, taken from the six slots of
//             TaskResult::initial / final (core/params.hpp order)
//   packed    /params/{initial,final} + offset: TaskResult::extras' flat
//             parameter vectors; pack_order names their layout (attribute)
//   metrics, tables: whatever the results carry (TaskResult::extras), by name
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/spec.hpp"

namespace memphase {

/// One /grid/<name> column: its value of a spec, and how a reader of the
/// file puts a stored value back into a spec.
struct GridColumn {
  std::string name;
  bool integer = false;  ///< i64 (else f64)
  std::function<double(const TaskSpec&)> f64;
  std::function<std::int64_t(const TaskSpec&)> i64;
  std::function<void(TaskSpec&, double)> set;  ///< integers arrive as doubles
};

/// One dense tensor of /weights/{initial,final}: rows × cols per task, where
/// a negative extent stands for N (the task's dense_units). `vector` tensors
/// are stored as (T, rows), the others as (T, rows, cols).
struct DenseTensor {
  std::string name;
  int rows = -1, cols = -1;
  bool vector = false;
};

struct OutputSchema {
  std::vector<GridColumn> grid;
  /// Slots of TaskResult::initial / final, in Params order (W_in, W_rec,
  /// W_out, b_in, b_rec, b_out); empty: the family keeps no dense weights.
  std::vector<DenseTensor> dense;
  /// N of a task's dense tensors (only used when `dense` is not empty).
  std::function<int(const TaskSpec&)> dense_units;
  /// Layout of the packed parameters of a task ("" if it has none).
  std::function<std::string(const TaskSpec&)> pack_order;
  /// /tasks/class holds the PSD classes of SPEC §3.5 (fail/LC/SP/unstable);
  /// otherwise only learned / not learned is meaningful (status, analyze).
  bool has_classes = false;
  /// A diverged task's curves hold the failed attempt as one more entry than
  /// epochs_run (the attempt whose loss was not finite, no update applied).
  bool diverged_attempt_in_curves = false;
};

/// Extent of a DenseTensor dimension for N units.
inline int dense_extent(int extent, int n) { return extent < 0 ? n : extent; }

}  // namespace memphase
