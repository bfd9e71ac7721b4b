#pragma once
// Reader of campaign.h5 (docs/output-schema.md), serial HDF5. Used by
// `memphase analyze` (whole columns, and full rows for --reclassify) and by
// read_task_file (row 0 of a `memphase train` file).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "io/h5.hpp"

namespace memphase {

/// Provenance written as root attributes.
struct Provenance {
  std::string config_yaml;  ///< canonical config text
  std::string config_hash;  ///< hex64 of config_yaml
  std::string code_version; ///< code_version_string()
  std::string command;      ///< command line that produced the file
};

/// The per-task columns analysis needs, whole (one entry per row).
struct CampaignColumns {
  std::vector<std::uint64_t> key;
  std::vector<std::int8_t> done, status, net_class, learned;
  std::vector<double> psd_ratio;
  std::vector<double> lr, delay, response;
  std::vector<std::int64_t> seed, n;
};

/// An open campaign.h5 (or `memphase train` file). Every error is an IoError
/// naming the file and the dataset.
class CampaignFileReader {
 public:
  /// Opens `path` read-only and checks schema_version and n_tasks.
  explicit CampaignFileReader(const std::string& path);

  const std::string& path() const { return file_.path(); }
  std::int64_t rows() const { return rows_; }
  Provenance provenance() const;
  /// Root attributes campaign_name / family ("" if absent).
  std::string attr(const std::string& name) const;

  /// Reads the summary columns and checks their lengths and codes.
  CampaignColumns columns() const;

  /// Extras (ghost / WCRNN) of every row: metrics and tables, and the packed
  /// parameters when `params` is true. Rows without extras get empty ones.
  std::vector<Extras> all_extras(bool params) const;

  /// Full row k (spec, outcome, weights, curves as stored, extras). The
  /// spec is the file's base spec (its config_yaml: a campaign's base, or a
  /// `memphase train` spec) with the row's /grid values. Throws if the row is
  /// not done. `epochs` receives the stored epoch indices.
  TaskResult row(std::int64_t k, std::vector<std::int64_t>* epochs = nullptr) const;

 private:
  /// The spec config_yaml describes (parsed once).
  TaskSpec base_spec() const;

  detail::H5File file_;
  std::int64_t rows_ = 0;
  mutable std::optional<TaskSpec> base_;
};

}  // namespace memphase
