#include "io/campaign_file.hpp"

#include <hdf5.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fmt/format.h>
#include <limits>
#include <map>
#include <set>
#include <fmt/ranges.h>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/fault.hpp"
#include "io/h5.hpp"

namespace memphase {

namespace {

// The identifiers here are raw hid_t on purpose, not detail::H5Id: in a
// parallel file H5Dclose, H5Gclose, H5Aclose, H5Tclose and H5Fclose are
// collective ("Collective Calling Requirements in Parallel HDF5
// Applications"). A rank that throws alone would, with RAII, block in those
// closes while the other ranks wait in a different collective, and never
// reach gather's MPI_Abort. So the error path leaks the identifiers and the
// process is aborted; the success path closes them in the same order on
// every rank.

/// IoError "<path>: cannot <what> (HDF5: <its error stack>)".
[[noreturn]] void h5_fail(const std::string& path, const std::string& what) { detail::h5_fail(path, what); }

hid_t check(hid_t id, const std::string& path, const std::string& what) {
  if (id < 0) h5_fail(path, what);
  return id;
}

void check(herr_t rc, const std::string& path, const std::string& what) {
  if (rc < 0) h5_fail(path, what);
}

/// Collective writer of row blocks into datasets whose first axis is split
/// across ranks: this rank owns rows [lo, lo + n).
class Writer {
 public:
  Writer(const std::string& path, hid_t file, bool parallel) : path_(path), file_(file) {
    dxpl_ = check(H5Pcreate(H5P_DATASET_XFER), path, "create a transfer property list");
    if (parallel) check(H5Pset_dxpl_mpio(dxpl_, H5FD_MPIO_COLLECTIVE), path, "select collective I/O");
  }
  ~Writer() { H5Pclose(dxpl_); }

  hid_t group(const std::string& name) {
    hid_t g = check(H5Gcreate2(file_, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path_,
                    "create group " + name);
    groups_.push_back(g);
    return g;
  }
  void close_groups() {
    for (hid_t g : groups_) H5Gclose(g);
    groups_.clear();
  }

  /// Creates dataset `name` of shape {total, inner...} (collective) and writes
  /// this rank's rows [lo, lo + rows) from `data` (row-major, collective).
  template <class T>
  void write(const std::string& name, std::vector<hsize_t> shape, hsize_t lo, hsize_t rows,
             const std::vector<T>& data) {
    const hid_t space = check(H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr),
                              path_, "create dataspace for " + name);
    const hid_t dset = check(H5Dcreate2(file_, name.c_str(), detail::h5_native_type<T>(), space, H5P_DEFAULT,
                                        H5P_DEFAULT, H5P_DEFAULT),
                             path_, "create dataset " + name);
    std::vector<hsize_t> start(shape.size(), 0), count = shape;
    start[0] = lo;
    count[0] = rows;
    hsize_t n = 1;
    for (hsize_t c : count) n *= c;
    const hid_t mem = check(H5Screate_simple(1, &n, nullptr), path_, "create memory space");
    if (rows > 0 && n > 0) {
      check(H5Sselect_hyperslab(space, H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr),
            path_, "select rows of " + name);
    } else {
      H5Sselect_none(space);
      H5Sselect_none(mem);
    }
    if (data.size() < n) h5_fail(path_, "write " + name + " (buffer too small)");
    // A dataset of size 0 (e.g. /curves of a toy campaign, which has no
    // curves) is created and left empty: HDF5 refuses to write to it.
    hsize_t total = 1;
    for (hsize_t c : shape) total *= c;
    const T dummy{};
    if (total > 0)
      check(H5Dwrite(dset, detail::h5_native_type<T>(), mem, space, dxpl_, data.empty() ? &dummy : data.data()),
            path_, "write " + name);
    H5Sclose(mem);
    H5Dclose(dset);
    H5Sclose(space);
  }

  /// String attribute on an object (collective: same value on every rank).
  void attr(hid_t obj, const std::string& name, const std::string& value) {
    // Variable-length UTF-8, so h5py returns str rather than bytes.
    const hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_UTF8);
    const hid_t space = H5Screate(H5S_SCALAR);
    const hid_t a = check(H5Acreate2(obj, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), path_,
                          "create attribute " + name);
    const char* ptr = value.c_str();
    check(H5Awrite(a, type, &ptr), path_, "write attribute " + name);
    H5Aclose(a);
    H5Sclose(space);
    H5Tclose(type);
  }
  template <class T>
  void attr(hid_t obj, const std::string& name, T value) {
    const hid_t space = H5Screate(H5S_SCALAR);
    const hid_t a = check(H5Acreate2(obj, name.c_str(), detail::h5_native_type<T>(), space, H5P_DEFAULT, H5P_DEFAULT),
                          path_, "create attribute " + name);
    check(H5Awrite(a, detail::h5_native_type<T>(), &value), path_, "write attribute " + name);
    H5Aclose(a);
    H5Sclose(space);
  }

 private:
  std::string path_;
  hid_t file_;
  hid_t dxpl_;
  std::vector<hid_t> groups_;
};



}  // namespace

namespace {
/// Index into x.curves of each point the file keeps of row x (kept_epochs of
/// curve_epochs(x) every record_every): the epoch itself for dense curves,
/// 0, 1, 2, ... for curves thinned at commit (they hold exactly those points).
std::vector<std::size_t> stored_points(const TaskResult& x, const std::vector<std::int64_t>& kept) {
  std::vector<std::size_t> at(kept.size());
  if (!x.sampling.thinned()) {
    for (std::size_t j = 0; j < kept.size(); ++j) at[j] = static_cast<std::size_t>(kept[j]);
  } else {
    if (x.sampling.every != x.spec.train.record_every || kept.size() != x.curves.size())
      throw IoError(fmt::format(
          "a journal record's curves were thinned every {} epochs ({} points), but the file keeps "
          "every {} ({} points)",
          x.sampling.every, x.curves.size(), x.spec.train.record_every, kept.size()));
    for (std::size_t j = 0; j < kept.size(); ++j) at[j] = j;
  }
  return at;
}
}  // namespace

std::int64_t curve_points(const FileRow& row) {
  if (!row.result) return 0;
  return kept_count(curve_epochs(*row.result), row.result->spec.train.record_every);
}

std::int64_t param_count(const FileRow& row) {
  if (!row.result) return 0;
  return static_cast<std::int64_t>(std::max(row.result->extras.initial.size(), row.result->extras.final.size()));
}

std::int64_t table_rows(const FileRow& row, const std::string& name) {
  if (!row.result) return 0;
  const Table* t = row.result->extras.table(name);
  return t ? static_cast<std::int64_t>(t->rows()) : 0;
}

std::vector<std::string> split_columns(const std::string& text) {
  std::vector<std::string> out;
  for (std::size_t a = 0, b; a <= text.size(); a = b + 1) {
    b = text.find(',', a);
    if (b == std::string::npos) b = text.size();
    out.push_back(text.substr(a, b - a));
  }
  return out;
}

std::string pack_order_of(const TaskSpec& spec) {
  if (spec.ghost.kind == GhostModel::rank1) return "rank1: [m (N); n (N); b (N)]";
  if (spec.ghost.kind == GhostModel::rankK)
    return "rankK: [vec(M) (N*K, column-major); vec(N) (K*N, column-major); b (N); w_out (N); b_out (1)]";
  if (spec.wcrnn.enabled())
    return "wcrnn: [vec(W) (N*N); vec(U) (N*I); b (N); vec(W_o) (O*N); b_o (O)], column-major";
  return "";
}

ExtrasLayout local_extras_layout(const std::vector<FileRow>& rows) {
  ExtrasLayout L;
  std::map<std::string, std::vector<std::string>> tables;
  std::set<std::string> metrics;
  for (const FileRow& r : rows) {
    if (!r.result) continue;
    for (const auto& [k, v] : r.result->extras.metrics) metrics.insert(k);
    for (const Table& t : r.result->extras.tables) {
      auto [it, fresh] = tables.try_emplace(t.name, t.columns);
      if (!fresh && it->second != t.columns)
        throw IoError(fmt::format("table '{}' has columns [{}] in one task and [{}] in another", t.name,
                                  fmt::join(it->second, ", "), fmt::join(t.columns, ", ")));
    }
    L.params_total += param_count(r);
    if (L.pack_order.empty() && r.spec) L.pack_order = pack_order_of(*r.spec);
  }
  L.metrics.assign(metrics.begin(), metrics.end());
  for (auto& [name, cols] : tables) {
    ExtrasLayout::TableLayout t{name, cols, 0, 0};
    for (const FileRow& r : rows) t.total += table_rows(r, name);
    L.tables.push_back(std::move(t));
  }
  return L;
}

void write_campaign_rows(const std::string& tmp, MPI_Comm comm, const FileMeta& meta,
                         std::int64_t n_tasks, std::int64_t lo, const std::vector<FileRow>& rowv,
                         std::int64_t n_max, std::int64_t curve_lo, std::int64_t curve_total,
                         const ExtrasLayout& ex) {
  const bool parallel = comm != MPI_COMM_NULL;
  const auto rows = static_cast<std::int64_t>(rowv.size());
  const hid_t fapl = check(H5Pcreate(H5P_FILE_ACCESS), tmp, "create a file access list");
  if (parallel) check(H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL), tmp, "select MPI-IO");
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const hid_t file = H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  H5Pclose(fapl);
  int ok = file >= 0 ? 1 : 0;
  // Every rank must agree before going on, else some would hang in a collective.
  if (parallel) MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, comm);
  if (!ok) {
    if (file >= 0) H5Fclose(file);
    throw IoError(fmt::format("{}: cannot create the output file (does the directory exist and is it writable?)", tmp));
  }
  {
    Writer w(tmp, file, parallel);
    const auto T = static_cast<hsize_t>(n_tasks);
    const auto L = static_cast<hsize_t>(lo), R = static_cast<hsize_t>(rows);
    w.attr(file, "schema_version", static_cast<std::int64_t>(kCampaignSchemaVersion));
    w.attr(file, "n_tasks", n_tasks);
    w.attr(file, "campaign_name", meta.name);
    w.attr(file, "family", meta.family);
    w.attr(file, "config_yaml", meta.config_yaml);
    w.attr(file, "config_hash", meta.config_hash);
    w.attr(file, "code_version", meta.code_version);
    w.attr(file, "command", meta.command);
    w.attr(file, "created", utc_now_iso());
    w.attr(file, "class_codes", std::string("0=fail 1=LC 2=SP 3=unstable"));
    w.attr(file, "status_codes", std::string("-1=not done 0=done 1=diverged 2=aborted"));

    auto col = [&](auto get) {
      static const TaskResult none{};
      using T2 = decltype(get(FileRow{}, none, false));
      std::vector<T2> v(static_cast<std::size_t>(rows));
      for (std::int64_t i = 0; i < rows; ++i) {
        const FileRow& fr = rowv[static_cast<std::size_t>(i)];
        v[static_cast<std::size_t>(i)] = get(fr, fr.result ? *fr.result : none, fr.result != nullptr);
      }
      return v;
    };
    w.group("/grid");
    w.write("/grid/lr", {T}, L, R, col([](const FileRow& t, const TaskResult&, bool) { return t.spec->train.lr; }));
    w.write("/grid/delay", {T}, L, R, col([](const FileRow& t, const TaskResult&, bool) { return t.spec->task.delay; }));
    w.write("/grid/seed", {T}, L, R, col([](const FileRow& t, const TaskResult&, bool) { return static_cast<std::int64_t>(t.spec->train.seed); }));
    // A toy's response is its effective T_r (toy.response_ratio · T_d when set).
    w.write("/grid/response", {T}, L, R, col([](const FileRow& t, const TaskResult&, bool) { return t.spec->toy.response_for(t.spec->task.delay, t.spec->task.response); }));
    w.write("/grid/post", {T}, L, R, col([](const FileRow& t, const TaskResult&, bool) { return t.spec->task.post; }));
    w.write("/grid/tau", {T}, L, R, col([](const FileRow& t, const TaskResult&, bool) { return t.spec->model.tau; }));
    w.write("/grid/n", {T}, L, R, col([](const FileRow& t, const TaskResult&, bool) { return static_cast<std::int64_t>(t.spec->model.n); }));
    w.write("/grid/reps", {T}, L, R, col([](const FileRow& t, const TaskResult&, bool) { return static_cast<std::int64_t>(t.spec->task.reps); }));
    w.write("/grid/noise_sigma", {T}, L, R, col([](const FileRow& t, const TaskResult&, bool) { return t.spec->model.noise_sigma; }));
    for (std::size_t g = 0; g < ex.grid.size(); ++g)
      w.write("/grid/" + ex.grid[g], {T}, L, R, col([g](const FileRow& t, const TaskResult&, bool) {
                return g < t.grid_extra.size() ? t.grid_extra[g] : std::numeric_limits<double>::quiet_NaN(); }));
    w.group("/tasks");
    w.write("/tasks/key", {T}, L, R, col([](const FileRow& t, const TaskResult&, bool) { return t.key; }));
    w.write("/tasks/done", {T}, L, R, col([](const FileRow&, const TaskResult&, bool h) { return static_cast<std::int8_t>(h); }));
    w.write("/tasks/status", {T}, L, R, col([](const FileRow&, const TaskResult& x, bool h) { return static_cast<std::int8_t>(h ? static_cast<int>(x.status) : -1); }));
    w.write("/tasks/class", {T}, L, R, col([](const FileRow&, const TaskResult& x, bool h) { return static_cast<std::int8_t>(h ? static_cast<int>(x.cls.net_class) : -1); }));
    w.write("/tasks/learned", {T}, L, R, col([](const FileRow&, const TaskResult& x, bool h) { return static_cast<std::int8_t>(h && x.cls.learned); }));
    w.write("/tasks/stable", {T}, L, R, col([](const FileRow&, const TaskResult& x, bool h) { return static_cast<std::int8_t>(h && x.cls.stable); }));
    w.write("/tasks/psd_ratio", {T}, L, R, col([](const FileRow&, const TaskResult& x, bool h) { return h ? x.cls.psd_ratio : std::numeric_limits<double>::quiet_NaN(); }));
    w.write("/tasks/epochs_planned", {T}, L, R, col([](const FileRow& t, const TaskResult&, bool) { return t.spec->planned_epochs(); }));
    w.write("/tasks/epochs_run", {T}, L, R, col([](const FileRow&, const TaskResult& x, bool h) { return h ? x.epochs_run : std::int64_t{0}; }));
    w.write("/tasks/train_seconds", {T}, L, R, col([](const FileRow&, const TaskResult& x, bool h) { return h ? x.train_seconds : 0.0; }));

    // Weights: float32, task axis first, Eigen's (row, col) meaning kept
    // (HDF5 is row-major, so W[k, i, j] == W(i, j)); NaN-padded to max N.
    const auto nm = static_cast<hsize_t>(n_max);
    auto weights = [&](const std::string& which, bool final_w) {
      w.group("/weights/" + which);
      struct Spec { const char* name; hsize_t rows, cols; };
      const Spec specs[] = {{"W_in", nm, 2}, {"W_rec", nm, nm}, {"W_out", 2, nm},
                            {"b_in", nm, 1}, {"b_rec", nm, 1}, {"b_out", 2, 1}};
      for (int s = 0; s < 6; ++s) {
        const Spec& sp = specs[s];
        const std::size_t per = sp.rows * sp.cols;
        std::vector<float> buf(static_cast<std::size_t>(rows) * per, std::numeric_limits<float>::quiet_NaN());
        for (std::int64_t i = 0; i < rows; ++i) {
          const TaskResult* x = rowv[static_cast<std::size_t>(i)].result;
          if (!x) continue;
          const Params<float>& pr = final_w ? x->final : x->initial;
          const Mat<float>* m = nullptr;
          Mat<float> v;
          switch (s) {
            case 0: m = &pr.W_in; break;
            case 1: m = &pr.W_rec; break;
            case 2: m = &pr.W_out; break;
            case 3: v = pr.b_in; m = &v; break;
            case 4: v = pr.b_rec; m = &v; break;
            default: v = pr.b_out; m = &v; break;
          }
          float* dst = buf.data() + static_cast<std::size_t>(i) * per;
          for (Eigen::Index a = 0; a < m->rows(); ++a)
            for (Eigen::Index b = 0; b < m->cols(); ++b)
              dst[static_cast<std::size_t>(a) * sp.cols + static_cast<std::size_t>(b)] = (*m)(a, b);
        }
        std::vector<hsize_t> shape = {T, sp.rows};
        if (sp.cols > 1) shape.push_back(sp.cols);
        w.write("/weights/" + which + "/" + sp.name, shape, L, R, buf);
      }
    };
    // n_max = 0 (toy campaigns: no network) writes no /weights group at all.
    if (n_max > 0) {
      w.group("/weights");
      if (meta.keep_initial) weights("initial", false);
      if (meta.keep_final) weights("final", true);
    }

    // Curves: flat arrays + offsets; row k is [offset[k], offset[k+1]).
    w.group("/curves");
    std::vector<float> loss, acc, rel, gn;
    std::vector<std::int64_t> ep;
    for (std::int64_t i = 0; i < rows; ++i) {
      if (!rowv[static_cast<std::size_t>(i)].result) continue;
      const TaskResult& x = *rowv[static_cast<std::size_t>(i)].result;
      const std::vector<std::int64_t> kept = kept_epochs(curve_epochs(x), x.spec.train.record_every);
      const std::vector<std::size_t> at = stored_points(x, kept);
      for (std::size_t j = 0; j < kept.size(); ++j) {
        const std::size_t u = at[j];
        loss.push_back(x.curves.loss[u]);
        acc.push_back(x.curves.accuracy[u]);
        rel.push_back(x.curves.reliability[u]);
        gn.push_back(x.curves.grad_norm[u]);
        ep.push_back(kept[j]);
      }
    }
    const auto CT = static_cast<hsize_t>(curve_total), CL = static_cast<hsize_t>(curve_lo),
               CR = static_cast<hsize_t>(loss.size());
    w.write("/curves/loss", {CT}, CL, CR, loss);
    w.write("/curves/accuracy", {CT}, CL, CR, acc);
    w.write("/curves/reliability", {CT}, CL, CR, rel);
    w.write("/curves/grad_norm", {CT}, CL, CR, gn);
    w.write("/curves/epoch", {CT}, CL, CR, ep);
    // Ragged per-row data (curves, params, tables): flat values + offset with
    // n_tasks + 1 entries; rank q writes its rows [lo, hi) at `flat_lo`, and
    // the last rank also the final total.
    auto ragged_offsets = [&](std::int64_t flat_lo, std::int64_t flat_total, auto count) {
      std::vector<std::int64_t> o;
      std::int64_t a = flat_lo;
      for (const FileRow& fr : rowv) {
        o.push_back(a);
        a += count(fr);
      }
      if (lo + rows == n_tasks) o.push_back(flat_total);
      return o;
    };
    const bool last_rank = lo + rows == n_tasks;
    w.write("/curves/offset", {T + 1}, L, R + (last_rank ? 1 : 0), ragged_offsets(curve_lo, curve_total, curve_points));

    // Extras of ghost / WCRNN rows: named metrics, packed parameters, tables.
    if (!ex.metrics.empty()) {
      w.group("/metrics");
      for (const std::string& m : ex.metrics)
        w.write("/metrics/" + m, {T}, L, R, col([&m](const FileRow&, const TaskResult& x, bool h) {
                  return h ? x.extras.metric(m) : std::numeric_limits<double>::quiet_NaN(); }));
    }
    if (ex.params_total > 0 && (meta.keep_initial || meta.keep_final)) {
      w.attr(w.group("/params"), "pack_order", ex.pack_order);
      const auto PT = static_cast<hsize_t>(ex.params_total), PL = static_cast<hsize_t>(ex.params_lo);
      auto flat = [&](bool final_w) {
        std::vector<float> v;
        for (const FileRow& fr : rowv) {
          if (!fr.result) continue;
          const auto& src = final_w ? fr.result->extras.final : fr.result->extras.initial;
          const std::size_t want = static_cast<std::size_t>(param_count(fr));
          v.insert(v.end(), src.begin(), src.end());
          v.resize(v.size() + (want - src.size()), std::numeric_limits<float>::quiet_NaN());
        }
        return v;
      };
      std::vector<float> vi = flat(false), vf = flat(true);
      if (meta.keep_initial) w.write("/params/initial", {PT}, PL, static_cast<hsize_t>(vi.size()), vi);
      if (meta.keep_final) w.write("/params/final", {PT}, PL, static_cast<hsize_t>(vf.size()), vf);
      w.write("/params/offset", {T + 1}, L, R + (last_rank ? 1 : 0),
              ragged_offsets(ex.params_lo, ex.params_total, param_count));
    }
    if (!ex.tables.empty()) {
      w.group("/tables");
      for (const auto& tl : ex.tables) {
        const std::string g = "/tables/" + tl.name;
        w.attr(w.group(g), "columns", fmt::format("{}", fmt::join(tl.columns, ",")));
        const auto nc = static_cast<hsize_t>(tl.columns.size());
        std::vector<double> data;
        for (const FileRow& fr : rowv) {
          if (!fr.result) continue;
          if (const Table* t = fr.result->extras.table(tl.name)) data.insert(data.end(), t->data.begin(), t->data.end());
        }
        const auto nrows = static_cast<hsize_t>(data.size() / std::max<hsize_t>(nc, 1));
        w.write(g + "/data", {static_cast<hsize_t>(tl.total), nc}, static_cast<hsize_t>(tl.lo), nrows, data);
        w.write(g + "/offset", {T + 1}, L, R + (last_rank ? 1 : 0),
                ragged_offsets(tl.lo, tl.total, [&tl](const FileRow& fr) { return table_rows(fr, tl.name); }));
      }
    }
    fault_point("gather");
    w.close_groups();
  }
  check(H5Fclose(file), tmp, "close the file");
}

}  // namespace memphase
