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
#include "plugin/family.hpp"

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
    if (x.sampling.every != x.spec.record_every() || kept.size() != x.curves.size())
      throw IoError(fmt::format(
          "a journal record's curves were thinned every {} epochs ({} points), but the file keeps "
          "every {} ({} points)",
          x.sampling.every, x.curves.size(), x.spec.record_every(), kept.size()));
    for (std::size_t j = 0; j < kept.size(); ++j) at[j] = j;
  }
  return at;
}
}  // namespace

std::int64_t curve_points(const FileRow& row) {
  if (!row.result) return 0;
  return kept_count(curve_epochs(*row.result), row.result->spec.record_every());
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
  const auto& f = spec.family->schema().pack_order;
  return f ? f(spec) : std::string();
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

struct CampaignFileWriter::Impl {
  std::string path;
  bool parallel = false;
  FileMeta meta;
  FileLayout L;
  hid_t file = -1;
  hid_t dxpl = -1;
  std::vector<hid_t> groups;
  std::map<std::string, hid_t> dsets;
  // Where this rank's next row, curve point, packed parameter and table row go.
  std::int64_t row_next = 0, curve_next = 0, params_next = 0;
  std::vector<std::int64_t> table_next;
  bool open = false;

  hid_t group(const std::string& name) {
    const hid_t g = check(H5Gcreate2(file, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path,
                          "create group " + name);
    groups.push_back(g);
    return g;
  }

  /// Creates dataset `name` of `shape` (collective).
  template <class T>
  void create(const std::string& name, const std::vector<hsize_t>& shape) {
    const hid_t space = check(H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr), path,
                              "create dataspace for " + name);
    const hid_t d = check(H5Dcreate2(file, name.c_str(), detail::h5_native_type<T>(), space, H5P_DEFAULT,
                                     H5P_DEFAULT, H5P_DEFAULT),
                          path, "create dataset " + name);
    H5Sclose(space);
    dsets[name] = d;
  }

  /// Writes `rows` entries along the first axis at `lo` (whole inner
  /// dimensions) from `data` (row-major). Collective: every rank calls it for
  /// every dataset in every chunk, with rows = 0 when it has nothing.
  template <class T>
  void put(const std::string& name, hsize_t lo, hsize_t rows, const std::vector<T>& data) {
    const hid_t d = dsets.at(name);
    const hid_t space = check(H5Dget_space(d), path, "get the dataspace of " + name);
    const int rank = H5Sget_simple_extent_ndims(space);
    std::vector<hsize_t> shape(static_cast<std::size_t>(std::max(rank, 1)), 0);
    H5Sget_simple_extent_dims(space, shape.data(), nullptr);
    std::vector<hsize_t> start(shape.size(), 0), count = shape;
    start[0] = lo;
    count[0] = rows;
    hsize_t n = 1, total = 1;
    for (hsize_t c : count) n *= c;
    for (hsize_t c : shape) total *= c;
    const hsize_t mem_n = std::max<hsize_t>(n, 1);
    const hid_t mem = check(H5Screate_simple(1, &mem_n, nullptr), path, "create memory space");
    if (n > 0) {
      check(H5Sselect_hyperslab(space, H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr), path,
            "select rows of " + name);
    } else {
      H5Sselect_none(space);
      H5Sselect_none(mem);
    }
    if (data.size() < n) h5_fail(path, "write " + name + " (buffer too small)");
    // A dataset of size 0 (e.g. /curves of a toy campaign, which has no
    // curves) is created and left empty: HDF5 refuses to write to it. The
    // shape is the same on every rank, so every rank skips it alike.
    const T dummy{};
    if (total > 0)
      check(H5Dwrite(d, detail::h5_native_type<T>(), mem, space, dxpl, data.empty() ? &dummy : data.data()), path,
            "write " + name);
    H5Sclose(mem);
    H5Sclose(space);
  }

  /// String attribute on an object (collective: same value on every rank).
  void attr(hid_t obj, const std::string& name, const std::string& value) {
    // Variable-length UTF-8, so h5py returns str rather than bytes.
    const hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_UTF8);
    const hid_t space = H5Screate(H5S_SCALAR);
    const hid_t a = check(H5Acreate2(obj, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), path,
                          "create attribute " + name);
    const char* ptr = value.c_str();
    check(H5Awrite(a, type, &ptr), path, "write attribute " + name);
    H5Aclose(a);
    H5Sclose(space);
    H5Tclose(type);
  }
  template <class T>
  void attr(hid_t obj, const std::string& name, T value) {
    const hid_t space = H5Screate(H5S_SCALAR);
    const hid_t a = check(H5Acreate2(obj, name.c_str(), detail::h5_native_type<T>(), space, H5P_DEFAULT, H5P_DEFAULT),
                          path, "create attribute " + name);
    check(H5Awrite(a, detail::h5_native_type<T>(), &value), path, "write attribute " + name);
    H5Aclose(a);
    H5Sclose(space);
  }

  bool weights() const { return L.n_max > 0 && !meta.schema->dense.empty(); }
  bool params() const { return L.extras.params_total > 0 && (meta.keep_initial || meta.keep_final); }

  void create_all();
  void write(const std::vector<FileRow>& rowv);
};

void CampaignFileWriter::Impl::create_all() {
  const auto T = static_cast<hsize_t>(L.total_rows);
  const ExtrasLayout& ex = L.extras;
  attr(file, "schema_version", static_cast<std::int64_t>(kCampaignSchemaVersion));
  attr(file, "n_tasks", L.total_rows);
  attr(file, "campaign_name", meta.name);
  attr(file, "family", meta.family);
  attr(file, "family_id", meta.family_id);
  attr(file, "config_yaml", meta.config_yaml);
  attr(file, "config_hash", meta.config_hash);
  attr(file, "code_version", meta.code_version);
  attr(file, "command", meta.command);
  attr(file, "created", utc_now_iso());
  attr(file, "class_codes", std::string("0=fail 1=LC 2=SP 3=unstable"));
  attr(file, "status_codes", std::string("-1=not done 0=done 1=diverged 2=aborted"));
  // Creation order is the order of the former single-chunk writer, so files
  // list their objects as before.
  group("/grid");
  for (const GridColumn& g : meta.schema->grid) {
    if (g.integer) create<std::int64_t>("/grid/" + g.name, {T});
    else create<double>("/grid/" + g.name, {T});
  }
  for (const std::string& g : ex.grid) create<double>("/grid/" + g, {T});
  group("/tasks");
  create<std::uint64_t>("/tasks/key", {T});
  for (const char* n : {"done", "status", "class", "learned", "stable"})
    create<std::int8_t>(std::string("/tasks/") + n, {T});
  create<double>("/tasks/psd_ratio", {T});
  create<std::int64_t>("/tasks/epochs_planned", {T});
  create<std::int64_t>("/tasks/epochs_run", {T});
  create<double>("/tasks/train_seconds", {T});
  if (weights()) {
    const auto nm = static_cast<hsize_t>(L.n_max);
    group("/weights");
    for (const char* which : {"initial", "final"}) {
      if ((std::string(which) == "initial" && !meta.keep_initial) || (std::string(which) == "final" && !meta.keep_final))
        continue;
      group(std::string("/weights/") + which);
      for (const DenseTensor& d : meta.schema->dense) {
        const auto rows = static_cast<hsize_t>(dense_extent(d.rows, static_cast<int>(nm)));
        const auto cols = static_cast<hsize_t>(dense_extent(d.cols, static_cast<int>(nm)));
        if (d.vector) create<float>(std::string("/weights/") + which + "/" + d.name, {T, rows});
        else create<float>(std::string("/weights/") + which + "/" + d.name, {T, rows, cols});
      }
    }
  }
  group("/curves");
  const auto CT = static_cast<hsize_t>(L.curve_total);
  for (const char* n : {"loss", "accuracy", "reliability", "grad_norm"}) create<float>(std::string("/curves/") + n, {CT});
  create<std::int64_t>("/curves/epoch", {CT});
  create<std::int64_t>("/curves/offset", {T + 1});
  if (!ex.metrics.empty()) {
    group("/metrics");
    for (const std::string& m : ex.metrics) create<double>("/metrics/" + m, {T});
  }
  if (params()) {
    attr(group("/params"), "pack_order", ex.pack_order);
    const auto PT = static_cast<hsize_t>(ex.params_total);
    if (meta.keep_initial) create<float>("/params/initial", {PT});
    if (meta.keep_final) create<float>("/params/final", {PT});
    create<std::int64_t>("/params/offset", {T + 1});
  }
  if (!ex.tables.empty()) {
    group("/tables");
    for (const auto& tl : ex.tables) {
      const std::string g = "/tables/" + tl.name;
      attr(group(g), "columns", fmt::format("{}", fmt::join(tl.columns, ",")));
      create<double>(g + "/data", {static_cast<hsize_t>(tl.total), static_cast<hsize_t>(tl.columns.size())});
      create<std::int64_t>(g + "/offset", {T + 1});
    }
  }
}

void CampaignFileWriter::Impl::write(const std::vector<FileRow>& rowv) {
  const ExtrasLayout& ex = L.extras;
  const auto rows = static_cast<std::int64_t>(rowv.size());
  const auto R = static_cast<hsize_t>(rows), at = static_cast<hsize_t>(row_next);
  // This chunk ends the file: the ragged offsets get their final total too.
  const bool ends_file = rows > 0 && row_next + rows == L.total_rows;
  if (row_next + rows > L.total_rows)
    throw IoError(fmt::format("{}: rows [{}, {}) past the {} rows of the file", path, row_next, row_next + rows,
                              L.total_rows));

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
  for (const GridColumn& g : meta.schema->grid) {
    if (g.integer)
      put("/grid/" + g.name, at, R, col([&g](const FileRow& t, const TaskResult&, bool) { return g.i64(*t.spec); }));
    else
      put("/grid/" + g.name, at, R, col([&g](const FileRow& t, const TaskResult&, bool) { return g.f64(*t.spec); }));
  }
  for (std::size_t g = 0; g < ex.grid.size(); ++g)
    put("/grid/" + ex.grid[g], at, R, col([g](const FileRow& t, const TaskResult&, bool) {
          return g < t.grid_extra.size() ? t.grid_extra[g] : std::numeric_limits<double>::quiet_NaN(); }));
  put("/tasks/key", at, R, col([](const FileRow& t, const TaskResult&, bool) { return t.key; }));
  put("/tasks/done", at, R, col([](const FileRow&, const TaskResult&, bool h) { return static_cast<std::int8_t>(h); }));
  put("/tasks/status", at, R, col([](const FileRow&, const TaskResult& x, bool h) { return static_cast<std::int8_t>(h ? static_cast<int>(x.status) : -1); }));
  put("/tasks/class", at, R, col([](const FileRow&, const TaskResult& x, bool h) { return static_cast<std::int8_t>(h ? static_cast<int>(x.cls.net_class) : -1); }));
  put("/tasks/learned", at, R, col([](const FileRow&, const TaskResult& x, bool h) { return static_cast<std::int8_t>(h && x.cls.learned); }));
  put("/tasks/stable", at, R, col([](const FileRow&, const TaskResult& x, bool h) { return static_cast<std::int8_t>(h && x.cls.stable); }));
  put("/tasks/psd_ratio", at, R, col([](const FileRow&, const TaskResult& x, bool h) { return h ? x.cls.psd_ratio : std::numeric_limits<double>::quiet_NaN(); }));
  put("/tasks/epochs_planned", at, R, col([](const FileRow& t, const TaskResult&, bool) { return t.spec->family->planned_epochs(*t.spec); }));
  put("/tasks/epochs_run", at, R, col([](const FileRow&, const TaskResult& x, bool h) { return h ? x.epochs_run : std::int64_t{0}; }));
  put("/tasks/train_seconds", at, R, col([](const FileRow&, const TaskResult& x, bool h) { return h ? x.train_seconds : 0.0; }));

  // Weights: float32, task axis first, Eigen's (row, col) meaning kept
  // (HDF5 is row-major, so W[k, i, j] == W(i, j)); NaN-padded to max N.
  if (weights()) {
    const auto nm = static_cast<hsize_t>(L.n_max);
    std::vector<float> buf;
    for (const bool final_w : {false, true}) {
      if (final_w ? !meta.keep_final : !meta.keep_initial) continue;
      const std::string which = final_w ? "final" : "initial";
      for (std::size_t s = 0; s < meta.schema->dense.size(); ++s) {
        const DenseTensor& sp = meta.schema->dense[s];
        const auto sp_rows = static_cast<std::size_t>(dense_extent(sp.rows, static_cast<int>(nm)));
        const auto sp_cols = sp.vector ? std::size_t{1} : static_cast<std::size_t>(dense_extent(sp.cols, static_cast<int>(nm)));
        const std::size_t per = sp_rows * sp_cols;
        buf.assign(static_cast<std::size_t>(rows) * per, std::numeric_limits<float>::quiet_NaN());
        for (std::int64_t i = 0; i < rows; ++i) {
          const TaskResult* x = rowv[static_cast<std::size_t>(i)].result;
          if (!x) continue;
          const Params<float>& pr = final_w ? x->final : x->initial;
          std::size_t slot = 0;
          pr.for_each([&](const char*, const auto& m) {
            if (slot++ != s) return;
            float* dst = buf.data() + static_cast<std::size_t>(i) * per;
            for (Eigen::Index a = 0; a < m.rows(); ++a)
              for (Eigen::Index b = 0; b < m.cols(); ++b)
                dst[static_cast<std::size_t>(a) * sp_cols + static_cast<std::size_t>(b)] = m(a, b);
          });
        }
        put("/weights/" + which + "/" + sp.name, at, R, buf);
      }
    }
  }

  // Curves: flat arrays + offsets; row k is [offset[k], offset[k+1]).
  std::vector<float> loss, acc, rel, gn;
  std::vector<std::int64_t> ep;
  for (const FileRow& fr : rowv) {
    if (!fr.result) continue;
    const TaskResult& x = *fr.result;
    const std::vector<std::int64_t> kept = kept_epochs(curve_epochs(x), x.spec.record_every());
    const std::vector<std::size_t> pos = stored_points(x, kept);
    for (std::size_t j = 0; j < kept.size(); ++j) {
      const std::size_t u = pos[j];
      loss.push_back(x.curves.loss[u]);
      acc.push_back(x.curves.accuracy[u]);
      rel.push_back(x.curves.reliability[u]);
      gn.push_back(x.curves.grad_norm[u]);
      ep.push_back(kept[j]);
    }
  }
  const auto CL = static_cast<hsize_t>(curve_next), CR = static_cast<hsize_t>(loss.size());
  put("/curves/loss", CL, CR, loss);
  put("/curves/accuracy", CL, CR, acc);
  put("/curves/reliability", CL, CR, rel);
  put("/curves/grad_norm", CL, CR, gn);
  put("/curves/epoch", CL, CR, ep);
  // Ragged per-row data (curves, params, tables): this chunk's rows start at
  // `flat_lo` of the flat values; the chunk that ends the file also writes the
  // total, entry T of the offsets.
  auto ragged_offsets = [&](std::int64_t flat_lo, std::int64_t flat_total, auto count) {
    std::vector<std::int64_t> o;
    std::int64_t a = flat_lo;
    for (const FileRow& fr : rowv) {
      o.push_back(a);
      a += count(fr);
    }
    if (ends_file) o.push_back(flat_total);
    return std::pair{o, a};
  };
  const hsize_t RO = R + (ends_file ? 1 : 0);
  {
    auto [o, end] = ragged_offsets(curve_next, L.curve_total, curve_points);
    put("/curves/offset", at, RO, o);
    if (end != curve_next + static_cast<std::int64_t>(CR))
      throw IoError(fmt::format("{}: curve points of rows [{}, {}) do not add up", path, row_next, row_next + rows));
    curve_next = end;
  }

  // Extras (the families' declared outputs): named metrics, packed parameters, tables.
  for (const std::string& m : ex.metrics)
    put("/metrics/" + m, at, R, col([&m](const FileRow&, const TaskResult& x, bool h) {
          return h ? x.extras.metric(m) : std::numeric_limits<double>::quiet_NaN(); }));
  if (params()) {
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
    const auto PL = static_cast<hsize_t>(params_next);
    std::int64_t n = 0;
    if (meta.keep_initial) {
      const std::vector<float> v = flat(false);
      n = static_cast<std::int64_t>(v.size());
      put("/params/initial", PL, static_cast<hsize_t>(v.size()), v);
    }
    if (meta.keep_final) {
      const std::vector<float> v = flat(true);
      n = static_cast<std::int64_t>(v.size());
      put("/params/final", PL, static_cast<hsize_t>(v.size()), v);
    }
    auto [o, end] = ragged_offsets(params_next, ex.params_total, param_count);
    put("/params/offset", at, RO, o);
    if (end != params_next + n)
      throw IoError(fmt::format("{}: packed parameters of rows [{}, {}) do not add up", path, row_next,
                                row_next + rows));
    params_next = end;
  }
  for (std::size_t k = 0; k < ex.tables.size(); ++k) {
    const auto& tl = ex.tables[k];
    const std::string g = "/tables/" + tl.name;
    const auto nc = static_cast<hsize_t>(tl.columns.size());
    std::vector<double> data;
    for (const FileRow& fr : rowv) {
      if (!fr.result) continue;
      if (const Table* t = fr.result->extras.table(tl.name)) data.insert(data.end(), t->data.begin(), t->data.end());
    }
    const auto nrows = static_cast<hsize_t>(data.size() / std::max<hsize_t>(nc, 1));
    put(g + "/data", static_cast<hsize_t>(table_next[k]), nrows, data);
    auto [o, end] = ragged_offsets(table_next[k], tl.total,
                                   [&tl](const FileRow& fr) { return table_rows(fr, tl.name); });
    put(g + "/offset", at, RO, o);
    table_next[k] = end;
  }
  row_next += rows;
}

CampaignFileWriter::CampaignFileWriter(const std::string& path, MPI_Comm comm, const FileMeta& meta,
                                       const FileLayout& layout)
    : impl_(new Impl) {
  Impl& w = *impl_;
  w.path = path;
  w.parallel = comm != MPI_COMM_NULL;
  w.meta = meta;
  w.L = layout;
  w.row_next = layout.row_lo;
  w.curve_next = layout.curve_lo;
  w.params_next = layout.extras.params_lo;
  for (const auto& t : layout.extras.tables) w.table_next.push_back(t.lo);
  const hid_t fapl = check(H5Pcreate(H5P_FILE_ACCESS), path, "create a file access list");
  if (w.parallel) check(H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL), path, "select MPI-IO");
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  w.file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  H5Pclose(fapl);
  int ok = w.file >= 0 ? 1 : 0;
  // Every rank must agree before going on, else some would hang in a collective.
  if (w.parallel) MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, comm);
  if (!ok) {
    if (w.file >= 0) H5Fclose(w.file);
    w.file = -1;
    throw IoError(fmt::format("{}: cannot create the output file (does the directory exist and is it writable?)", path));
  }
  w.open = true;
  w.dxpl = check(H5Pcreate(H5P_DATASET_XFER), path, "create a transfer property list");
  if (w.parallel) check(H5Pset_dxpl_mpio(w.dxpl, H5FD_MPIO_COLLECTIVE), path, "select collective I/O");
  w.create_all();
}

CampaignFileWriter::~CampaignFileWriter() {
  // A writer that did not finish is on an error path: its identifiers are
  // left open (see the comment at the top of this file).
  delete impl_;
}

void CampaignFileWriter::write(const std::vector<FileRow>& rows) { impl_->write(rows); }

void CampaignFileWriter::finish() {
  Impl& w = *impl_;
  if (!w.open) return;
  fault_point("gather");
  for (auto& [name, d] : w.dsets) H5Dclose(d);
  w.dsets.clear();
  for (hid_t g : w.groups) H5Gclose(g);
  w.groups.clear();
  H5Pclose(w.dxpl);
  w.open = false;
  check(H5Fclose(w.file), w.path, "close the file");
}

void write_campaign_rows(const std::string& tmp, MPI_Comm comm, const FileMeta& meta,
                         std::int64_t n_tasks, std::int64_t lo, const std::vector<FileRow>& rowv,
                         std::int64_t n_max, std::int64_t curve_lo, std::int64_t curve_total,
                         const ExtrasLayout& ex) {
  FileLayout L;
  L.total_rows = n_tasks;
  L.n_max = n_max;
  L.curve_total = curve_total;
  L.extras = ex;
  L.row_lo = lo;
  L.curve_lo = curve_lo;
  CampaignFileWriter w(tmp, comm, meta, L);
  w.write(rowv);
  w.finish();
}

}  // namespace memphase
