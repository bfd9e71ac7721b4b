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
#include "io/durable.hpp"
#include "io/h5.hpp"

namespace memphase {

namespace {

using detail::H5File;

std::string parent_of(const std::string& path) {
  const auto p = std::filesystem::path(path).parent_path();
  return p.empty() ? std::string(".") : p.string();
}

/// Throws IoError unless `r` is one consistent row: parameter shapes match
/// spec.model.n, every curve has epochs_run values, and epochs_planned is
/// the spec's (the file stores spec.train.resolved_epochs()).
void check_writable(const std::string& path, const TaskResult& r) {
  const Eigen::Index n = r.spec.model.n;
  if (n < 1) throw IoError(fmt::format("{}: cannot write a network with N = {}", path, n));
  auto check_shape = [&](const char* which, const char* name, Eigen::Index rows, Eigen::Index cols,
                         Eigen::Index want_rows, Eigen::Index want_cols) {
    if (rows != want_rows || cols != want_cols)
      throw IoError(fmt::format("{}: cannot write: {} {} is {}×{}, expected {}×{} (N = {})", path,
                                which, name, rows, cols, want_rows, want_cols, n));
  };
  for (const auto& [which, p] : {std::pair{"initial", &r.initial}, std::pair{"final", &r.final}}) {
    check_shape(which, "W_in", p->W_in.rows(), p->W_in.cols(), n, 2);
    check_shape(which, "W_rec", p->W_rec.rows(), p->W_rec.cols(), n, n);
    check_shape(which, "W_out", p->W_out.rows(), p->W_out.cols(), 2, n);
    check_shape(which, "b_in", p->b_in.rows(), 1, n, 1);
    check_shape(which, "b_rec", p->b_rec.rows(), 1, n, 1);
    check_shape(which, "b_out", p->b_out.rows(), 1, 2, 1);
  }
  const auto run = static_cast<std::size_t>(std::max<std::int64_t>(r.epochs_run, 0));
  for (const auto& [name, c] :
       {std::pair{"loss", &r.curves.loss}, std::pair{"accuracy", &r.curves.accuracy},
        std::pair{"reliability", &r.curves.reliability},
        std::pair{"grad_norm", &r.curves.grad_norm}}) {
    if (r.epochs_run < 0 || c->size() != run)
      throw IoError(fmt::format("{}: cannot write: curves.{} has {} values but epochs_run is {}",
                                path, name, c->size(), r.epochs_run));
  }
  if (r.epochs_planned != r.spec.train.resolved_epochs())
    throw IoError(
        fmt::format("{}: cannot write: epochs_planned is {} but the spec resolves to {} epochs",
                    path, r.epochs_planned, r.spec.train.resolved_epochs()));
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

/// "(a, b, c)" for messages.
std::string shape_string(const std::vector<hsize_t>& dims) {
  return fmt::format("({})", fmt::join(dims, ", "));
}

/// Reads row 0 of a weight dataset of shape (T, R, C), or (T, R) for a
/// vector, into an rows×cols matrix: m(i, j) = W[0, i, j]. R and C may exceed
/// rows and cols (campaign files NaN-pad to the largest N).
Mat<float> read_weight(const H5File& f, const std::string& name, Eigen::Index rows,
                       Eigen::Index cols, bool vector) {
  const std::vector<hsize_t> dims = f.shape(name);
  const std::size_t rank = vector ? 2 : 3;
  const hsize_t stored_cols = vector ? 1 : (dims.size() == 3 ? dims[2] : 0);
  if (dims.size() != rank || dims[1] < static_cast<hsize_t>(rows) ||
      stored_cols < static_cast<hsize_t>(cols))
    throw IoError(fmt::format("{}: {} has shape {}, expected (n_tasks, {}{}) or larger", f.path(),
                              name, shape_string(dims), rows,
                              vector ? std::string() : fmt::format(", {}", cols)));
  const std::vector<float> buf = f.read_rows<float>(name, 0, 1);
  Mat<float> m(rows, cols);
  for (Eigen::Index i = 0; i < rows; ++i)
    for (Eigen::Index j = 0; j < cols; ++j)
      m(i, j) = buf[static_cast<std::size_t>(i) * stored_cols + static_cast<std::size_t>(j)];
  return m;
}

/// Reads /weights/<which>/... of row 0; empty parameters when the group is
/// absent (a campaign written without initial or final weights).
Params<float> read_params(const H5File& f, const std::string& which, Eigen::Index n) {
  Params<float> p;
  const std::string g = "/weights/" + which + "/";
  if (!f.exists("/weights/" + which)) return p;
  p.W_in = read_weight(f, g + "W_in", n, 2, false);
  p.W_rec = read_weight(f, g + "W_rec", n, n, false);
  p.W_out = read_weight(f, g + "W_out", 2, n, false);
  p.b_in = read_weight(f, g + "b_in", n, 1, true);
  p.b_rec = read_weight(f, g + "b_rec", n, 1, true);
  p.b_out = read_weight(f, g + "b_out", 2, 1, true);
  return p;
}

}  // namespace

void write_task_file(const std::string& path, const TaskResult& r, const Provenance& prov) {
  check_writable(path, r);
  const std::string tmp = fmt::format("{}.tmp.{}", path, ::getpid());
  FileMeta meta;
  meta.name = "train";
  meta.family = "";
  meta.config_yaml = prov.config_yaml;
  meta.config_hash = prov.config_hash;
  meta.code_version = prov.code_version;
  meta.command = prov.command;
  FileRow row;
  row.key = 0;
  row.spec = &r.spec;
  row.result = &r;
  try {
    create_empty(tmp);
    write_campaign_rows(tmp, MPI_COMM_NULL, meta, 1, 0, {row}, r.spec.model.n, 0,
                        curve_points(row));
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
  const H5File f = H5File::open_read(path);
  const std::int64_t version = f.read_attr_int("schema_version");
  if (version != kCampaignSchemaVersion)
    throw IoError(fmt::format("{}: schema_version {} is not supported (this memphase reads {})",
                              path, version, kCampaignSchemaVersion));
  const std::int64_t n_tasks = f.read_attr_int("n_tasks");
  if (n_tasks < 1)
    throw IoError(fmt::format("{}: n_tasks is {}, there is no task to read", path, n_tasks));

  TaskResult r;
  auto f64 = [&](const char* name) { return f.read_value<double>(name, 0); };
  auto i64 = [&](const char* name) { return f.read_value<std::int64_t>(name, 0); };
  auto i8 = [&](const char* name) { return static_cast<int>(f.read_value<std::int8_t>(name, 0)); };

  // Grid values; the rest of the spec is in the config_yaml attribute.
  r.spec.train.lr = f64("/grid/lr");
  r.spec.task.delay = f64("/grid/delay");
  r.spec.task.response = f64("/grid/response");
  r.spec.task.post = f64("/grid/post");
  r.spec.model.tau = f64("/grid/tau");
  r.spec.model.noise_sigma = f64("/grid/noise_sigma");
  r.spec.train.seed = static_cast<std::uint64_t>(i64("/grid/seed"));
  r.spec.task.reps = static_cast<int>(i64("/grid/reps"));
  const std::int64_t n = i64("/grid/n");
  if (n < 1 || n > std::numeric_limits<int>::max())
    throw IoError(fmt::format("{}: /grid/n[0] is {}, expected a positive int", path, n));
  r.spec.model.n = static_cast<int>(n);

  const int status = i8("/tasks/status");
  if (status == -1)
    throw IoError(fmt::format("{}: task row 0 is not done (/tasks/status[0] = -1)", path));
  if (status < 0 || status > 2)
    throw IoError(
        fmt::format("{}: /tasks/status[0] is {}, expected 0 (done), 1 (diverged) or 2 (aborted)",
                    path, status));
  const int cls = i8("/tasks/class");
  if (cls < 0 || cls > 3)
    throw IoError(fmt::format(
        "{}: /tasks/class[0] is {}, expected 0 (fail), 1 (LC), 2 (SP) or 3 (unstable)", path, cls));
  r.status = static_cast<Status>(status);
  r.cls.net_class = static_cast<NetClass>(cls);
  r.cls.learned = i8("/tasks/learned") != 0;
  r.cls.stable = i8("/tasks/stable") != 0;
  r.cls.psd_ratio = f64("/tasks/psd_ratio");
  r.epochs_planned = i64("/tasks/epochs_planned");
  r.epochs_run = i64("/tasks/epochs_run");
  r.train_seconds = f64("/tasks/train_seconds");

  r.initial = read_params(f, "initial", n);
  r.final = read_params(f, "final", n);

  // Curves of row 0: [offset[0], offset[1]) of the flat arrays.
  const std::vector<std::int64_t> off = f.read_rows<std::int64_t>("/curves/offset", 0, 2);
  const std::vector<hsize_t> len = f.shape("/curves/loss");
  if (len.size() != 1 || off[0] < 0 || off[1] < off[0] || static_cast<hsize_t>(off[1]) > len[0])
    throw IoError(
        fmt::format("{}: /curves/offset[0:2] = [{}, {}] does not slice /curves/loss of shape {}",
                    path, off[0], off[1], shape_string(len)));
  const auto a = static_cast<hsize_t>(off[0]), m = static_cast<hsize_t>(off[1] - off[0]);
  r.curves.loss = f.read_rows<float>("/curves/loss", a, m);
  r.curves.accuracy = f.read_rows<float>("/curves/accuracy", a, m);
  r.curves.reliability = f.read_rows<float>("/curves/reliability", a, m);
  r.curves.grad_norm = f.read_rows<float>("/curves/grad_norm", a, m);
  if (epochs) *epochs = f.read_rows<std::int64_t>("/curves/epoch", a, m);

  if (prov) {
    prov->config_yaml = f.read_attr_string("config_yaml");
    prov->config_hash = f.read_attr_string("config_hash");
    prov->code_version = f.read_attr_string("code_version");
    prov->command = f.read_attr_string("command");
  }
  return r;
}

}  // namespace memphase
