#include "io/task_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>

#include "core/error.hpp"
#include "io/campaign_file.hpp"
#include "io/campaign_reader.hpp"
#include "io/durable.hpp"
#include "io/h5.hpp"
#include "plugin/family.hpp"

namespace memphase {

namespace {

using detail::H5File;

std::string parent_of(const std::string& path) {
  const auto p = std::filesystem::path(path).parent_path();
  return p.empty() ? std::string(".") : p.string();
}

/// Throws IoError unless `r` is one consistent row: its dense weights have
/// the shapes of its family's schema for N = dense_units, every curve has
/// epochs_run values (or, thinned, the kept points of its sampling), and
/// epochs_planned is the spec's (the file stores Family::planned_epochs).
void check_writable(const std::string& path, const TaskResult& r) {
  const OutputSchema& schema = r.spec.family->schema();
  if (!schema.dense.empty()) {
    const int n = schema.dense_units(r.spec);
    if (n < 1) throw IoError(fmt::format("{}: cannot write a network with N = {}", path, n));
    for (const auto& [which, p] : {std::pair{"initial", &r.initial}, std::pair{"final", &r.final}}) {
      std::size_t slot = 0;
      p->for_each([&](const char*, const auto& m) {
        if (slot >= schema.dense.size()) return;
        const DenseTensor& d = schema.dense[slot++];
        const Eigen::Index want_rows = dense_extent(d.rows, n), want_cols = d.vector ? 1 : dense_extent(d.cols, n);
        if (m.rows() != want_rows || m.cols() != want_cols)
          throw IoError(fmt::format("{}: cannot write: {} {} is {}×{}, expected {}×{} (N = {})", path, which,
                                    d.name, m.rows(), m.cols(), want_rows, want_cols, n));
      });
    }
  }
  const auto run = static_cast<std::size_t>(std::max<std::int64_t>(r.epochs_run, 0));
  for (const auto& [name, c] :
       {std::pair{"loss", &r.curves.loss}, std::pair{"accuracy", &r.curves.accuracy},
        std::pair{"reliability", &r.curves.reliability},
        std::pair{"grad_norm", &r.curves.grad_norm}}) {
    if (r.sampling.thinned()) {  // a decoded journal record: exactly the points the file keeps
      const auto kept = static_cast<std::size_t>(kept_count(r.sampling.epochs, r.sampling.every));
      if (r.sampling.every != r.spec.record_every() || r.sampling.epochs > r.epochs_run ||
          c->size() != kept)
        throw IoError(fmt::format(
            "{}: cannot write: curves.{} has {} values thinned every {} epochs of {}, but epochs_run "
            "is {} and record_every {}",
            path, name, c->size(), r.sampling.every, r.sampling.epochs, r.epochs_run,
            r.spec.record_every()));
      continue;
    }
    const bool extra_nonfinite =
        schema.diverged_attempt_in_curves && r.status == Status::diverged && c->size() == run + 1;
    if (r.epochs_run < 0 || (c->size() != run && !extra_nonfinite))
      throw IoError(fmt::format("{}: cannot write: curves.{} has {} values but epochs_run is {}",
                                path, name, c->size(), r.epochs_run));
  }
  const std::int64_t planned = r.spec.family->planned_epochs(r.spec);
  if (r.epochs_planned != planned)
    throw IoError(
        fmt::format("{}: cannot write: epochs_planned is {} but the spec resolves to {} epochs",
                    path, r.epochs_planned, planned));
}

/// Creates (truncates) `file` with open(2), so that a missing directory or a
/// permission problem is reported with the system's reason.
void create_empty(const std::string& file) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw IoError(fmt::format("{}: cannot create: {}", file, std::strerror(errno)));
  ::close(fd);
}

/// fsyncs a regular file by name.
void fsync_file(const std::string& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw IoError(fmt::format("{}: cannot open for fsync: {}", file, std::strerror(errno)));
  const int rc = ::fsync(fd);
  const int err = errno;
  if (::close(fd) != 0 && rc == 0)
    throw IoError(fmt::format("{}: close failed: {}", file, std::strerror(errno)));
  if (rc != 0) throw IoError(fmt::format("{}: fsync failed: {}", file, std::strerror(err)));
}

/// Removes a temp file after a failed write. (A handle that the failed
/// writer left open is not closed: after a failed H5Fclose, HDF5 1.10 keeps
/// an identifier whose file is already freed, and touching it crashes.)
void discard_temp(const std::string& tmp) noexcept { std::remove(tmp.c_str()); }

}  // namespace

void write_task_file(const std::string& path, const TaskResult& r, const Provenance& prov) {
  check_writable(path, r);
  const std::string tmp = fmt::format("{}.tmp.{}", path, ::getpid());
  FileMeta meta;
  meta.name = "train";
  meta.family = "";
  meta.family_id = std::string(r.spec.family->id());
  meta.config_yaml = prov.config_yaml;
  meta.config_hash = prov.config_hash;
  meta.code_version = prov.code_version;
  meta.command = prov.command;
  meta.schema = &r.spec.family->schema();
  FileRow row;
  row.key = 0;
  row.spec = &r.spec;
  row.result = &r;
  try {
    create_empty(tmp);
    const std::vector<FileRow> rows{row};
    const std::int64_t n_max = meta.schema->dense.empty() ? 0 : meta.schema->dense_units(r.spec);
    write_campaign_rows(tmp, MPI_COMM_NULL, meta, 1, 0, rows, n_max, 0,
                        curve_points(row), local_extras_layout(rows));
    fsync_file(tmp);
  } catch (const IoError& e) {
    discard_temp(tmp);
    throw IoError(
        fmt::format("{}: cannot write the file, nothing was replaced: {}", path, e.what()));
  } catch (...) {
    discard_temp(tmp);
    throw;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    discard_temp(tmp);
    throw IoError(fmt::format("{}: cannot rename {} into place, nothing was replaced: {}", path,
                              tmp, std::strerror(err)));
  }
  try {
    fsync_dir(parent_of(path));
  } catch (const IoError& e) {
    throw IoError(
        fmt::format("{}: written, but its directory could not be synced: {}", path, e.what()));
  }
}

TaskResult read_task_file(const std::string& path, std::vector<std::int64_t>* epochs,
                          Provenance* prov) {
  const CampaignFileReader f(path);
  if (f.rows() < 1)
    throw IoError(fmt::format("{}: n_tasks is {}, there is no task to read", path, f.rows()));
  TaskResult r = f.row(0, epochs);
  if (prov) *prov = f.provenance();
  return r;
}

}  // namespace memphase
