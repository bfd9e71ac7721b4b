#include "engine/gather.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <boost/mpi/collectives.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <cstdio>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <map>
#include <set>
#include <tuple>
#include <vector>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/version.hpp"
#include "io/campaign_file.hpp"
#include "io/durable.hpp"
#include "plugin/family.hpp"

namespace memphase {

namespace mpi = boost::mpi;

namespace {

/// Whether `axis` has a /grid column of its own in the family's schema (the
/// other swept axes get /grid/<axis> besides).
bool fixed_grid_column(const OutputSchema& schema, const std::string& axis) {
  return std::any_of(schema.grid.begin(), schema.grid.end(), [&](const GridColumn& g) { return g.name == axis; });
}

/// N of a task's dense tensors (0: its family keeps none).
std::int64_t dense_n(const TaskSpec& spec) {
  const OutputSchema& s = spec.family->schema();
  return s.dense.empty() ? 0 : s.dense_units(spec);
}

/// Sum of `mine` over ranks below this one, and over all ranks.
std::pair<std::int64_t, std::int64_t> exclusive_scan(const mpi::communicator& comm, std::int64_t mine) {
  std::vector<std::int64_t> all;
  mpi::all_gather(comm, mine, all);
  std::int64_t before = 0, total = 0;
  for (int q = 0; q < comm.size(); ++q) {
    if (q < comm.rank()) before += all[static_cast<std::size_t>(q)];
    total += all[static_cast<std::size_t>(q)];
  }
  return {before, total};
}

/// What pass 1 learns of this rank's rows for the layout of the file: the
/// names of metrics and tables (with their columns), and the amounts of flat
/// data. Built from the journal index where it suffices, else by decoding the
/// record (and dropping it).
struct RankShape {
  std::vector<std::int64_t> points;  ///< curve points per row (0 if not done)
  std::vector<double> bytes;         ///< memory of each decoded row, for chunking
  std::int64_t points_total = 0;
  std::int64_t params_total = 0;
  std::set<std::string> metrics;
  std::map<std::string, std::vector<std::string>> table_columns;
  std::map<std::string, std::int64_t> table_rows;
  std::string pack_order;

  /// Adds the extras of one decoded row (local_extras_layout's rules).
  void add_extras(const FileRow& r) {
    const TaskResult& x = *r.result;
    for (const auto& [k, v] : x.extras.metrics) metrics.insert(k);
    for (const Table& t : x.extras.tables) {
      auto [it, fresh] = table_columns.try_emplace(t.name, t.columns);
      if (!fresh && it->second != t.columns)
        throw IoError(fmt::format("table '{}' has columns [{}] in one task and [{}] in another", t.name,
                                  fmt::join(it->second, ", "), fmt::join(t.columns, ", ")));
      table_rows[t.name] += static_cast<std::int64_t>(t.rows());
    }
    params_total += param_count(r);
  }
};

/// Memory of one decoded row and its share of the write buffers (bytes).
double row_bytes(std::int64_t n, std::int64_t n_max, std::int64_t curve_epochs, double extras_bytes) {
  const auto w = [](double k) { return 4.0 * (k * k + 6.0 * k + 2.0); };
  return 2.0 * w(static_cast<double>(n)) + 2.0 * w(static_cast<double>(n_max)) + 40.0 * static_cast<double>(curve_epochs) +
         extras_bytes + 1024.0;
}

/// Bytes of decoded records (and their write buffers) per chunk: memory is
/// bounded by this, whatever the number of tasks.
constexpr double kChunkBytes = 64.0 * 1024 * 1024;

/// The Extras layout of all ranks' rows: union of metric and table names
/// (sorted), this rank's offsets, and the extra grid columns of the campaign.
/// Collective.
ExtrasLayout agree_extras_layout(const mpi::communicator& comm, const Campaign& c, const RankShape& mine) {
  ExtrasLayout L;
  for (std::size_t a = 0; a < c.axes.size(); ++a)
    if (!fixed_grid_column(c.base.family->schema(), c.axes[a].name)) L.grid.push_back(c.axes[a].name);
  // Names: every rank sends its own; "name\tcol,col,..." for tables.
  std::vector<std::string> my_names;
  for (const auto& m : mine.metrics) my_names.push_back("m\t" + m);
  for (const auto& [name, columns] : mine.table_columns) {
    std::string cols;
    for (const auto& col : columns) cols += (cols.empty() ? "" : ",") + col;
    my_names.push_back("t\t" + name + "\t" + cols);
  }
  my_names.push_back("p\t" + mine.pack_order);
  std::vector<std::vector<std::string>> all;
  mpi::all_gather(comm, my_names, all);
  std::set<std::string> metrics;
  std::map<std::string, std::string> tables;
  for (const auto& v : all)
    for (const auto& s : v) {
      const auto tab = s.find('\t', 2);
      if (s[0] == 'm') metrics.insert(s.substr(2));
      if (s[0] == 'p' && L.pack_order.empty()) L.pack_order = s.substr(2);
      if (s[0] == 't') {
        auto [it, fresh] = tables.try_emplace(s.substr(2, tab - 2), s.substr(tab + 1));
        if (!fresh && it->second != s.substr(tab + 1))
          throw IoError(fmt::format("table '{}' has columns [{}] on one rank and [{}] on another",
                                    it->first, it->second, s.substr(tab + 1)));
      }
    }
  L.metrics.assign(metrics.begin(), metrics.end());
  for (const auto& [name, cols] : tables) {
    ExtrasLayout::TableLayout t;
    t.name = name;
    t.columns = split_columns(cols);
    const auto it = mine.table_rows.find(name);
    std::tie(t.lo, t.total) = exclusive_scan(comm, it == mine.table_rows.end() ? 0 : it->second);
    L.tables.push_back(std::move(t));
  }
  std::tie(L.params_lo, L.params_total) = exclusive_scan(comm, mine.params_total);
  return L;
}

}  // namespace

std::int64_t gather_campaign(const mpi::communicator& comm, const RunPaths& p, const Campaign& c) {
  const auto n_tasks = static_cast<std::int64_t>(c.tasks.size());
  const auto T = static_cast<std::size_t>(n_tasks);
  // 1. Rank 0 reads the journals through their indexes; every rank learns
  //    where each row lives and, when the index tells, how many epochs of
  //    curves it holds (-1: decode the record to find out).
  std::vector<std::string> files;
  std::vector<std::int64_t> file_of(T, -1), curve_epochs_of(T, -1);
  std::vector<std::uint64_t> offset_of(T, 0);
  if (comm.rank() == 0) {
    const JournalIndex idx = index_journals(p);
    std::map<std::string, std::int64_t> fid;
    for (const auto& t : c.tasks) {
      auto it = idx.committed.find(t.key);
      if (it == idx.committed.end()) continue;
      const CommittedRef& ref = it->second;
      auto [f, inserted] = fid.try_emplace(ref.file, static_cast<std::int64_t>(files.size()));
      if (inserted) files.push_back(ref.file);
      const auto u = static_cast<std::size_t>(t.index);
      file_of[u] = f->second;
      offset_of[u] = ref.offset;
      if (ref.summarized && !ref.summary.extras) curve_epochs_of[u] = ref.summary.curve_epochs;
    }
  }
  mpi::broadcast(comm, files, 0);
  mpi::broadcast(comm, file_of, 0);
  mpi::broadcast(comm, offset_of, 0);
  mpi::broadcast(comm, curve_epochs_of, 0);

  // From here on every rank is inside collective HDF5/MPI calls: a failure on
  // one rank (disk full, file-size limit, a corrupt record) would leave the
  // others waiting forever, so it aborts the whole job instead. The committed
  // journals are untouched; campaign.h5 is never half-written (only the .tmp).
  std::int64_t done_local = 0;
  try {
    // This rank's contiguous share of rows.
    const std::int64_t P = comm.size(), r = comm.rank();
    const std::int64_t lo = n_tasks * r / P, hi = n_tasks * (r + 1) / P, rows = hi - lo;
    // Largest N of the dense tensors of any row; a family without dense
    // tensors (packed parameters go to /params) has n_max 0 and no /weights.
    std::int64_t n_max = 0;
    for (const auto& t : c.tasks) n_max = std::max<std::int64_t>(n_max, dense_n(t.spec));
    auto read_row = [&](std::size_t u) {
      CommittedRef ref;
      ref.file = files[static_cast<std::size_t>(file_of[u])];
      ref.offset = offset_of[u];
      return read_result(ref, c.tasks[u].key);
    };
    auto file_row = [&](std::size_t u, const TaskResult* res) {
      FileRow fr;
      fr.key = c.tasks[u].key;
      fr.spec = &c.tasks[u].spec;
      fr.result = res;
      for (std::size_t a = 0; a < c.axes.size(); ++a)
        if (!fixed_grid_column(c.base.family->schema(), c.axes[a].name))
          fr.grid_extra.push_back(c.axes[a].values[static_cast<std::size_t>(c.tasks[u].axis_index[a])]);
      return fr;
    };

    // 2. Pass 1, the layout: curve points per row from the index; a record
    //    the index does not describe (no index, or one with extras) is
    //    decoded for its counts and names, and dropped.
    RankShape shape;
    shape.points.assign(static_cast<std::size_t>(rows), 0);
    shape.bytes.assign(static_cast<std::size_t>(rows), 0.0);
    for (std::int64_t k = lo; k < hi; ++k) {
      const auto u = static_cast<std::size_t>(k), i = static_cast<std::size_t>(k - lo);
      const TaskSpec& spec = c.tasks[u].spec;
      const std::int64_t n = dense_n(spec);
      if (file_of[u] < 0) continue;
      ++done_local;
      if (shape.pack_order.empty()) shape.pack_order = pack_order_of(spec);
      if (curve_epochs_of[u] >= 0) {
        shape.points[i] = kept_count(curve_epochs_of[u], spec.record_every());
        shape.bytes[i] = row_bytes(n, n_max, curve_epochs_of[u], 0.0);
      } else {
        const TaskResult res = read_row(u);
        const FileRow fr = file_row(u, &res);
        shape.points[i] = curve_points(fr);
        shape.add_extras(fr);
        double extras = 4.0 * static_cast<double>(res.extras.initial.size() + res.extras.final.size());
        for (const Table& t : res.extras.tables) extras += 16.0 * static_cast<double>(t.data.size());
        shape.bytes[i] = row_bytes(n, n_max, curve_epochs(res), extras);
      }
      shape.points_total += shape.points[i];
    }

    // Extras: names agreed by all ranks, offsets per rank.
    FileLayout layout;
    layout.extras = agree_extras_layout(comm, c, shape);
    // Ragged curves: point counts per rank -> this rank's offset.
    std::tie(layout.curve_lo, layout.curve_total) = exclusive_scan(comm, shape.points_total);
    layout.total_rows = n_tasks;
    layout.n_max = n_max;
    layout.row_lo = lo;

    // Chunks of this rank's rows, each about kChunkBytes of decoded records;
    // every rank writes as many chunks as the rank with the most (collective
    // writes), with empty ones at its end.
    std::vector<std::int64_t> cuts = {lo};
    double acc = 0.0;
    for (std::int64_t k = lo; k < hi; ++k) {
      const double b = shape.bytes[static_cast<std::size_t>(k - lo)];
      if (k > cuts.back() && acc + b > kChunkBytes) {
        cuts.push_back(k);
        acc = 0.0;
      }
      acc += b;
    }
    cuts.push_back(hi);
    const auto my_chunks = static_cast<std::int64_t>(cuts.size()) - 1;
    const std::int64_t chunks = mpi::all_reduce(comm, my_chunks, mpi::maximum<std::int64_t>());

    // 3. Pass 2: the file, written collectively under a temporary name, chunk
    //    by chunk; each chunk's records are decoded, written and dropped.
    const std::string tmp = p.output() + ".tmp";
    FileMeta meta;
    meta.name = c.name;
    meta.family = c.family;
    meta.family_id = std::string(c.base.family->id());
    meta.config_yaml = c.canonical;
    meta.config_hash = c.hash;
    meta.code_version = std::string(code_version_string());
    meta.command = "memphase gather " + p.dir;
    meta.keep_initial = c.output.keep_initial;
    meta.keep_final = c.output.keep_final;
    meta.schema = &c.base.family->schema();
    CampaignFileWriter writer(tmp, comm, meta, layout);
    std::vector<TaskResult> res;
    std::vector<FileRow> rowv;
    for (std::int64_t j = 0; j < chunks; ++j) {
      const std::int64_t a = j < my_chunks ? cuts[static_cast<std::size_t>(j)] : hi;
      const std::int64_t b = j < my_chunks ? cuts[static_cast<std::size_t>(j) + 1] : hi;
      res.assign(static_cast<std::size_t>(b - a), TaskResult{});
      rowv.clear();
      for (std::int64_t k = a; k < b; ++k) {
        const auto u = static_cast<std::size_t>(k), i = static_cast<std::size_t>(k - a);
        const TaskResult* x = nullptr;
        if (file_of[u] >= 0) {
          res[i] = read_row(u);
          x = &res[i];
        }
        rowv.push_back(file_row(u, x));
        const std::int64_t want = shape.points[static_cast<std::size_t>(k - lo)];
        if (x && curve_points(rowv.back()) != want)
          throw IoError(fmt::format("{}: the record of task {} ({}) stores {} curve points, its journal index "
                                    "{} (run `memphase status --reindex {}`)",
                                    files[static_cast<std::size_t>(file_of[u])], k, hex64(c.tasks[u].key),
                                    curve_points(rowv.back()), want, p.dir));
      }
      writer.write(rowv);
    }
    res.clear();
    res.shrink_to_fit();
    writer.finish();
    comm.barrier();
    // 4. Publish: fsync, rename, fsync the directory (rank 0 only).
    if (comm.rank() == 0) {
      const int fd = ::open(tmp.c_str(), O_RDONLY);
      if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
      }
      if (std::rename(tmp.c_str(), p.output().c_str()) != 0)
        throw IoError(fmt::format("cannot rename {} to {}", tmp, p.output()));
      fsync_dir(p.dir);
    }
    comm.barrier();
  } catch (const std::exception& e) {
    fmt::print(stderr, "memphase gather: rank {}: error: {}\nAborting all ranks; the journals in {} are intact: "
               "fix the cause and run `memphase gather {}` (or the same `memphase run`) again.\n",
               comm.rank(), e.what(), p.dir, p.dir);
    std::fflush(stderr);
    comm.abort(3);
  }
  return mpi::all_reduce(comm, done_local, std::plus<std::int64_t>());
}

}  // namespace memphase
