#include "io/task_file.hpp"

#include <fcntl.h>
#include <hdf5.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>

#include "core/error.hpp"
#include "io/campaign_file.hpp"
#include "io/durable.hpp"

namespace memphase {

namespace {

std::string parent_of(const std::string& path) {
  const auto p = std::filesystem::path(path).parent_path();
  return p.empty() ? std::string(".") : p.string();
}

/// Reads element 0.. of a 1-D or N-D dataset's first row into `out`.
template <class T>
void read_row(hid_t file, const std::string& path, const std::string& name, std::int64_t row,
              hsize_t count, T* out, hid_t type) {
  const hid_t d = H5Dopen2(file, name.c_str(), H5P_DEFAULT);
  if (d < 0) throw IoError(fmt::format("{}: no dataset {}", path, name));
  const hid_t space = H5Dget_space(d);
  const int rank = H5Sget_simple_extent_ndims(space);
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank)), start(static_cast<std::size_t>(rank), 0);
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  std::vector<hsize_t> cnt = dims;
  start[0] = static_cast<hsize_t>(row);
  cnt[0] = count;
  H5Sselect_hyperslab(space, H5S_SELECT_SET, start.data(), nullptr, cnt.data(), nullptr);
  hsize_t n = 1;
  for (auto c : cnt) n *= c;
  const hid_t mem = H5Screate_simple(1, &n, nullptr);
  const herr_t rc = H5Dread(d, type, mem, space, H5P_DEFAULT, out);
  H5Sclose(mem);
  H5Sclose(space);
  H5Dclose(d);
  if (rc < 0) throw IoError(fmt::format("{}: cannot read {}", path, name));
}

std::string read_attr(hid_t file, const char* name) {
  if (H5Aexists(file, name) <= 0) return {};
  const hid_t a = H5Aopen(file, name, H5P_DEFAULT);
  const hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  char* p = nullptr;
  std::string s;
  if (H5Aread(a, t, &p) >= 0 && p) {
    s = p;
    H5free_memory(p);
  }
  H5Tclose(t);
  H5Aclose(a);
  return s;
}

}  // namespace

void write_task_file(const std::string& path, const TaskResult& r, const Provenance& prov) {
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
    write_campaign_rows(tmp, MPI_COMM_NULL, meta, 1, 0, {row}, r.spec.model.n, 0, curve_points(row));
    const int fd = ::open(tmp.c_str(), O_RDONLY);
    if (fd < 0 || ::fsync(fd) != 0) {
      if (fd >= 0) ::close(fd);
      throw IoError(fmt::format("cannot fsync {}", tmp));
    }
    ::close(fd);
    if (std::rename(tmp.c_str(), path.c_str()) != 0)
      throw IoError(fmt::format("cannot rename {} to {}", tmp, path));
    fsync_dir(parent_of(path));
  } catch (const IoError& e) {
    std::remove(tmp.c_str());
    throw IoError(fmt::format("cannot write {}: {}", path, e.what()));
  }
}

TaskResult read_task_file(const std::string& path, std::vector<std::int64_t>* epochs, Provenance* prov) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0) throw IoError(fmt::format("cannot open HDF5 file '{}'", path));
  TaskResult r;
  try {
    auto f64 = [&](const char* name) {
      double v = 0;
      read_row(file, path, name, 0, 1, &v, H5T_NATIVE_DOUBLE);
      return v;
    };
    auto i64 = [&](const char* name) {
      std::int64_t v = 0;
      read_row(file, path, name, 0, 1, &v, H5T_NATIVE_INT64);
      return v;
    };
    auto i8 = [&](const char* name) {
      std::int8_t v = 0;
      read_row(file, path, name, 0, 1, &v, H5T_NATIVE_INT8);
      return v;
    };
    r.spec.train.lr = f64("/grid/lr");
    r.spec.task.delay = f64("/grid/delay");
    r.spec.task.response = f64("/grid/response");
    r.spec.task.post = f64("/grid/post");
    r.spec.model.tau = f64("/grid/tau");
    r.spec.model.noise_sigma = f64("/grid/noise_sigma");
    r.spec.train.seed = static_cast<std::uint64_t>(i64("/grid/seed"));
    r.spec.model.n = static_cast<int>(i64("/grid/n"));
    r.spec.task.reps = static_cast<int>(i64("/grid/reps"));
    r.status = static_cast<Status>(i8("/tasks/status"));
    r.cls.net_class = static_cast<NetClass>(i8("/tasks/class"));
    r.cls.learned = i8("/tasks/learned") != 0;
    r.cls.stable = i8("/tasks/stable") != 0;
    r.cls.psd_ratio = f64("/tasks/psd_ratio");
    r.epochs_planned = i64("/tasks/epochs_planned");
    r.epochs_run = i64("/tasks/epochs_run");
    r.train_seconds = f64("/tasks/train_seconds");
    const int n = r.spec.model.n;
    auto weights = [&](const std::string& which, Params<float>& p) {
      p = Params<float>::zeros(n);
      // HDF5 is row-major: read (rows, cols) blocks and map them row-major.
      auto mat = [&](const char* name, Mat<float>& m) {
        std::vector<float> buf(static_cast<std::size_t>(m.size()));
        read_row(file, path, "/weights/" + which + "/" + name, 0, 1, buf.data(), H5T_NATIVE_FLOAT);
        m = Eigen::Map<Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(buf.data(), m.rows(), m.cols());
      };
      auto vec = [&](const char* name, Vec<float>& v) {
        read_row(file, path, "/weights/" + which + "/" + name, 0, 1, v.data(), H5T_NATIVE_FLOAT);
      };
      mat("W_in", p.W_in); mat("W_rec", p.W_rec); mat("W_out", p.W_out);
      vec("b_in", p.b_in); vec("b_rec", p.b_rec); vec("b_out", p.b_out);
    };
    weights("initial", r.initial);
    weights("final", r.final);
    std::int64_t off[2] = {0, 0};
    read_row(file, path, "/curves/offset", 0, 2, off, H5T_NATIVE_INT64);
    const auto m = static_cast<std::size_t>(off[1] - off[0]);
    r.curves.resize(m);
    read_row(file, path, "/curves/loss", off[0], m, r.curves.loss.data(), H5T_NATIVE_FLOAT);
    read_row(file, path, "/curves/accuracy", off[0], m, r.curves.accuracy.data(), H5T_NATIVE_FLOAT);
    read_row(file, path, "/curves/reliability", off[0], m, r.curves.reliability.data(), H5T_NATIVE_FLOAT);
    read_row(file, path, "/curves/grad_norm", off[0], m, r.curves.grad_norm.data(), H5T_NATIVE_FLOAT);
    if (epochs) {
      epochs->resize(m);
      read_row(file, path, "/curves/epoch", off[0], m, epochs->data(), H5T_NATIVE_INT64);
    }
    if (prov) {
      prov->config_yaml = read_attr(file, "config_yaml");
      prov->config_hash = read_attr(file, "config_hash");
      prov->code_version = read_attr(file, "code_version");
      prov->command = read_attr(file, "command");
    }
  } catch (...) {
    H5Fclose(file);
    throw;
  }
  H5Fclose(file);
  return r;
}

}  // namespace memphase
