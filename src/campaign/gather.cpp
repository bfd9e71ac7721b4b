#include "campaign/gather.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <boost/mpi/collectives.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <cstdio>
#include <fmt/format.h>
#include <map>
#include <set>
#include <tuple>
#include <vector>

#include "core/error.hpp"
#include "core/version.hpp"
#include "io/campaign_file.hpp"
#include "io/durable.hpp"

namespace memphase {

namespace mpi = boost::mpi;

namespace {

/// Axes written as /grid/<name> besides the fixed columns of campaign_file.hpp.
bool fixed_grid_column(const std::string& axis) {
  static const char* fixed[] = {"lr", "delay", "response", "post", "tau", "n", "reps", "noise_sigma"};
  return std::find(std::begin(fixed), std::end(fixed), axis) != std::end(fixed);
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

/// The Extras layout of all ranks' rows: union of metric and table names
/// (sorted), this rank's offsets, and the extra grid columns of the campaign;
/// also fills each row's grid_extra. Collective.
ExtrasLayout agree_extras_layout(const mpi::communicator& comm, const Campaign& c, std::int64_t lo,
                                 std::vector<FileRow>& rowv) {
  ExtrasLayout mine = local_extras_layout(rowv);
  ExtrasLayout L;
  for (std::size_t a = 0; a < c.axes.size(); ++a)
    if (!fixed_grid_column(c.axes[a].name)) L.grid.push_back(c.axes[a].name);
  for (std::size_t i = 0; i < rowv.size(); ++i) {
    const CampaignTask& t = c.tasks[static_cast<std::size_t>(lo) + i];
    for (std::size_t a = 0; a < c.axes.size(); ++a)
      if (!fixed_grid_column(c.axes[a].name))
        rowv[i].grid_extra.push_back(c.axes[a].values[static_cast<std::size_t>(t.axis_index[a])]);
  }
  // Names: every rank sends its own; "name\tcol,col,..." for tables.
  std::vector<std::string> my_names;
  for (const auto& m : mine.metrics) my_names.push_back("m\t" + m);
  for (const auto& t : mine.tables) {
    std::string cols;
    for (const auto& col : t.columns) cols += (cols.empty() ? "" : ",") + col;
    my_names.push_back("t\t" + t.name + "\t" + cols);
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
    std::int64_t n = 0;
    for (const FileRow& r : rowv) n += table_rows(r, name);
    std::tie(t.lo, t.total) = exclusive_scan(comm, n);
    L.tables.push_back(std::move(t));
  }
  std::int64_t np = 0;
  for (const FileRow& r : rowv) np += param_count(r);
  std::tie(L.params_lo, L.params_total) = exclusive_scan(comm, np);
  return L;
}

}  // namespace

std::int64_t gather_campaign(const mpi::communicator& comm, const RunPaths& p, const Campaign& c) {
  const auto n_tasks = static_cast<std::int64_t>(c.tasks.size());
  // 1. Rank 0 indexes the journals; every rank learns where each row lives.
  std::vector<std::string> files;
  std::vector<std::int64_t> file_of(static_cast<std::size_t>(n_tasks), -1);
  std::vector<std::uint64_t> offset_of(static_cast<std::size_t>(n_tasks), 0);
  if (comm.rank() == 0) {
    const JournalIndex idx = index_journals(p);
    std::map<std::string, std::int64_t> fid;
    for (const auto& t : c.tasks) {
      auto it = idx.committed.find(t.key);
      if (it == idx.committed.end()) continue;
      auto [f, inserted] = fid.try_emplace(it->second.file, static_cast<std::int64_t>(files.size()));
      if (inserted) files.push_back(it->second.file);
      file_of[static_cast<std::size_t>(t.index)] = f->second;
      offset_of[static_cast<std::size_t>(t.index)] = it->second.offset;
    }
  }
  mpi::broadcast(comm, files, 0);
  mpi::broadcast(comm, file_of, 0);
  mpi::broadcast(comm, offset_of, 0);

  // From here on every rank is inside collective HDF5/MPI calls: a failure on
  // one rank (disk full, file-size limit, a corrupt record) would leave the
  // others waiting forever, so it aborts the whole job instead. The committed
  // journals are untouched; campaign.h5 is never half-written (only the .tmp).
  std::int64_t done_local = 0;
  try {
    // 2. This rank's contiguous share of rows, read from the journals.
    const std::int64_t P = comm.size(), r = comm.rank();
    const std::int64_t lo = n_tasks * r / P, hi = n_tasks * (r + 1) / P, rows = hi - lo;
    std::vector<TaskResult> res(static_cast<std::size_t>(rows));
    std::vector<FileRow> rowv(static_cast<std::size_t>(rows));
    std::int64_t my_points = 0;
    for (std::int64_t k = lo; k < hi; ++k) {
      const auto u = static_cast<std::size_t>(k), i = static_cast<std::size_t>(k - lo);
      rowv[i].key = c.tasks[u].key;
      rowv[i].spec = &c.tasks[u].spec;
      const auto f = file_of[u];
      if (f < 0) continue;
      res[i] = read_result({files[static_cast<std::size_t>(f)], offset_of[u]}, c.tasks[u].key);
      rowv[i].result = &res[i];
      my_points += curve_points(rowv[i]);
      ++done_local;
    }
    // Largest N of any rate-RNN row; toys, ghost networks and WCRNNs have no
    // Params (their packed parameters go to /params), so their campaigns have
    // n_max 0 and no /weights datasets.
    std::int64_t n_max = 0;
    for (const auto& t : c.tasks)
      if (t.spec.rate_rnn()) n_max = std::max<std::int64_t>(n_max, t.spec.model.n);

    // Extras (ghost / WCRNN): names agreed by all ranks, offsets per rank.
    const ExtrasLayout ex = agree_extras_layout(comm, c, lo, rowv);

    // 3. Ragged curves: point counts per rank -> this rank's offset.
    const auto [curve_lo, curve_total] = exclusive_scan(comm, my_points);

    // 4. The file, written collectively under a temporary name.
    const std::string tmp = p.output() + ".tmp";
    FileMeta meta;
    meta.name = c.name;
    meta.family = c.family;
    meta.config_yaml = c.canonical;
    meta.config_hash = c.hash;
    meta.code_version = std::string(code_version_string());
    meta.command = "memphase gather " + p.dir;
    meta.keep_initial = c.output.keep_initial;
    meta.keep_final = c.output.keep_final;
    write_campaign_rows(tmp, comm, meta, n_tasks, lo, rowv, n_max, curve_lo, curve_total, ex);
    comm.barrier();
    // 5. Publish: fsync, rename, fsync the directory (rank 0 only).
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
