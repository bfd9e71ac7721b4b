#pragma once
// Writer of campaign.h5 (README "Output schema"), shared by `memphase gather`
// (parallel, collective hyperslab writes by every rank) and `memphase train`
// (serial, one row). Every per-task dataset has the task axis first. What
// depends on the family comes from its OutputSchema (plugin/schema.hpp):
//
//   attrs  schema_version, n_tasks, campaign_name, family, config_yaml,
//          config_hash, code_version, command, created, class_codes, status_codes
//   /grid/<column> f64 or i64 (T): the schema's grid columns (every shipped
//          family: lr, delay, response, post, tau, noise_sigma f64; seed, n, reps i64)
//   /tasks/{key u64, done i8, status i8, class i8, learned i8, stable i8,
//           psd_ratio f64, epochs_planned i64, epochs_run i64, train_seconds f64}
//   /weights/{initial,final}/<tensor> f32: the schema's dense tensors (the rate
//           RNN: W_in (T,N,2), W_rec (T,N,N), W_out (T,2,N), b_in (T,N),
//           b_rec (T,N), b_out (T,2)), NaN-padded to max N; absent when the
//           schema has none or max N is 0
//   /curves/{loss,accuracy,reliability,grad_norm f32, epoch i64} flat;
//   /curves/offset i64 (T+1): row k is [offset[k], offset[k+1])
// Campaigns whose results carry extras (TaskResult::extras) add:
//   /grid/<axis> f64 (T) for every grid axis beyond the columns above
//          (rank, recovery_c, r, phi, gamma, residual code, ...)
//   /metrics/<name> f64 (T): named scalar outcomes, NaN where a row has none
//   /params/{initial,final} f32 flat, /params/offset i64 (T+1): each row's
//          packed parameters (attribute pack_order names the layout)
//   /tables/<name>/data f64 (rows, columns) flat over tasks,
//   /tables/<name>/offset i64 (T+1); attribute `columns` (comma-separated)
#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/spec.hpp"
#include "plugin/schema.hpp"

namespace memphase {

inline constexpr int kCampaignSchemaVersion = 1;

/// Root attributes and options of the file.
struct FileMeta {
  std::string name, family, config_yaml, config_hash, code_version, command;
  std::string family_id;  ///< the family (plugin folder) of the preset `family`
  bool keep_initial = true, keep_final = true;
  const OutputSchema* schema = nullptr;  ///< of the rows' family (required)
};

/// One row to write: the grid point and, when the task is done, its result.
struct FileRow {
  std::uint64_t key = 0;
  const TaskSpec* spec = nullptr;
  const TaskResult* result = nullptr;  ///< nullptr: not done (NaN weights, empty curves)
  std::vector<double> grid_extra;      ///< values of ExtrasLayout::grid for this row
};

/// Layout of the Extras datasets, the same on every rank of a collective
/// write (names) with this rank's offsets (lo) into the flat datasets.
struct ExtrasLayout {
  std::vector<std::string> grid;     ///< extra /grid/<axis> columns
  std::vector<std::string> metrics;  ///< /metrics/<name>, sorted
  struct TableLayout {
    std::string name;
    std::vector<std::string> columns;
    std::int64_t lo = 0, total = 0;  ///< this rank's first row, rows over all ranks
  };
  std::vector<TableLayout> tables;   ///< sorted by name
  std::int64_t params_lo = 0, params_total = 0;
  std::string pack_order;            ///< attribute of /params
  bool empty() const { return grid.empty() && metrics.empty() && tables.empty() && params_total == 0; }
};

/// The layout of `rows` alone: names, and counts as if they were all rows
/// (the serial case). Throws IoError if two rows give one table different
/// columns.
ExtrasLayout local_extras_layout(const std::vector<FileRow>& rows);
/// Float count of row's packed parameters (initial and final have one size).
std::int64_t param_count(const FileRow& row);
/// Rows of table `name` in `row` (0 if absent).
std::int64_t table_rows(const FileRow& row, const std::string& name);
/// "a,b,c" -> {"a", "b", "c"} (the `columns` attribute of /tables/<name>).
std::vector<std::string> split_columns(const std::string& text);
/// Text of ExtrasLayout::pack_order for a spec (its schema's pack_order).
std::string pack_order_of(const TaskSpec& spec);

// The curve points of a row are kept_epochs(curve_epochs(result),
// spec.record_every()) (core/result.hpp), taken from dense curves or from
// curves thinned to exactly those points when the result was committed.

/// Number of curve points a row stores.
std::int64_t curve_points(const FileRow& row);

/// What every rank of a collective write agrees on before the first row,
/// plus this rank's place in the flat datasets.
struct FileLayout {
  std::int64_t total_rows = 0;   ///< T
  std::int64_t n_max = 0;        ///< largest N of any row (0: no /weights group)
  std::int64_t curve_total = 0;  ///< curve points of all rows
  ExtrasLayout extras;           ///< names, totals and this rank's first param / table rows
  std::int64_t row_lo = 0;       ///< this rank's first row
  std::int64_t curve_lo = 0;     ///< this rank's first curve point (points of the rows before row_lo)
};

/// Writes a campaign file chunk by chunk, so that memory is bounded by a
/// chunk, not by the rows of a rank (gather streams 10^5 journal records
/// through it). Every rank owns the contiguous rows [row_lo, row_lo + n) and
/// passes them in order, in any number of chunks. With comm = MPI_COMM_NULL
/// the file is written serially (row_lo = 0). Otherwise every call is
/// collective: every rank constructs the writer with the same meta and
/// layout totals, calls write() the same number of times (with an empty
/// chunk once its rows are written) and then finish(). Errors throw IoError
/// naming the path; after one, the caller aborts (HDF5's parallel closes are
/// collective, so the identifiers are left open on the error path).
class CampaignFileWriter {
 public:
  /// Creates `path` with its attributes, groups and every dataset. In the
  /// collective case every rank throws if any rank failed to create it.
  CampaignFileWriter(const std::string& path, MPI_Comm comm, const FileMeta& meta, const FileLayout& layout);
  ~CampaignFileWriter();
  CampaignFileWriter(const CampaignFileWriter&) = delete;
  CampaignFileWriter& operator=(const CampaignFileWriter&) = delete;

  /// Writes the next rows of this rank (grid, tasks, weights, curves,
  /// metrics, params, tables and the ragged offsets), after the rows of its
  /// previous calls. Throws if they run past the file's rows.
  void write(const std::vector<FileRow>& rows);
  /// Closes the file (collective).
  void finish();

 private:
  struct Impl;
  Impl* impl_;
};

/// Creates `path` and writes this process's rows [lo, lo + rows.size()) of a
/// file with `total_rows` rows, in one chunk (CampaignFileWriter). With comm = MPI_COMM_NULL the file is written
/// serially (then lo = 0 and rows are all rows); otherwise the call is
/// collective over comm: every rank passes the same meta, total_rows, n_max
/// and curve_total, its own lo/rows and curve_lo (the sum of the curve points
/// of the rows of lower ranks). n_max is the largest N of any row (0: no
/// /weights group, e.g. a toy campaign).
/// Throws IoError naming the path; in the collective case every rank throws
/// if any rank failed to create the file.
void write_campaign_rows(const std::string& path, MPI_Comm comm, const FileMeta& meta,
                         std::int64_t total_rows, std::int64_t lo, const std::vector<FileRow>& rows,
                         std::int64_t n_max, std::int64_t curve_lo, std::int64_t curve_total,
                         const ExtrasLayout& extras = {});

}  // namespace memphase
