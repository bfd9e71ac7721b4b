// Journal records are thinned at commit to the curve points a campaign file
// keeps; a file written from the decoded (thinned) records must be bitwise the
// file written from the dense results: every dataset, /curves/* (values,
// epoch indices, offsets) included, with the last-epoch rule, diverged
// networks, toys, rows not done, ghost extras, and a mix of old dense and
// thinned records (a journal resumed by a thinning binary).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "io/campaign_file.hpp"
#include "io/h5.hpp"
#include "io/task_file.hpp"
#include "families/registry.hpp"
#include "support/spec_access.hpp"
#include "families/toy/config.hpp"
#include "families/ghost/config.hpp"

namespace memphase {
namespace {

namespace fs = std::filesystem;
using detail::H5File;
using detail::H5Id;
using ::testing::ElementsAre;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

/// A result with `epochs` run and `curve_len` curve entries (values derived
/// from the row and the epoch), kept every `every` epochs, of a network of
/// preset `preset`.
TaskResult make_result(int row, std::int64_t epochs, int every, std::int64_t curve_len = -1,
                       const char* preset = "dcdt-nopost") {
  if (curve_len < 0) curve_len = epochs;
  TaskResult r;
  r.spec = make_spec(preset, "test");
  sec(r.spec).model.n = 3;
  sec(r.spec).train.lr = 0.1 * (row + 1);
  sec(r.spec).train.seed = static_cast<std::uint64_t>(row);
  sec(r.spec).train.record_every = every;
  sec(r.spec).train.epochs = 50;
  r.epochs_planned = 50;
  r.epochs_run = epochs;
  r.status = Status::done;
  r.cls = {NetClass::sp, true, true, 0.125 * row};
  r.train_seconds = 0.5 * row;
  r.initial = Params<float>::zeros(3);
  r.final = Params<float>::zeros(3);
  r.final.W_rec(0, 1) = static_cast<float>(row);
  for (std::int64_t e = 0; e < curve_len; ++e) {
    const auto x = static_cast<float>(100 * row + e);
    r.curves.loss.push_back(1.0f / (1.0f + x));
    r.curves.accuracy.push_back(x / 7.0f);
    r.curves.reliability.push_back(-x);
    r.curves.grad_norm.push_back(x * 0.001f);
  }
  return r;
}

/// The result as `gather` sees it: committed to a journal, read back.
TaskResult committed(const TaskResult& r) {
  ByteWriter w;
  put_committed(w, r);
  ByteReader rd(w.str(), "journal");
  TaskResult t;
  get(rd, t, decode_spec);
  EXPECT_TRUE(rd.done());
  return t;
}

/// Every dataset of a file: name -> (shape, raw bytes in the file's type).
using Dump = std::map<std::string, std::pair<std::vector<hsize_t>, std::string>>;

/// Paths of every dataset under `group`, recursively.
void datasets(const H5File& f, const std::string& group, std::vector<std::string>* out) {
  for (const std::string& name : f.list(group)) {
    const std::string path = (group == "/" ? "/" : group + "/") + name;
    const H5Id obj(H5Oopen(f.id(), path.c_str(), H5P_DEFAULT));
    if (H5Iget_type(obj.get()) == H5I_DATASET) {
      out->push_back(path);
    } else if (H5Iget_type(obj.get()) == H5I_GROUP) {
      datasets(f, path, out);
    }
  }
}

Dump dump(const std::string& path) {
  const H5File f = H5File::open_read(path);
  std::vector<std::string> names;
  datasets(f, "/", &names);
  Dump d;
  for (const std::string& n : names) {
    const H5Id ds(H5Dopen2(f.id(), n.c_str(), H5P_DEFAULT));
    const H5Id type(H5Dget_type(ds.get()));
    const H5Id space(H5Dget_space(ds.get()));
    std::vector<hsize_t> shape(static_cast<std::size_t>(H5Sget_simple_extent_ndims(space.get())));
    H5Sget_simple_extent_dims(space.get(), shape.data(), nullptr);
    const auto points = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.get()));
    std::string bytes(points * H5Tget_size(type.get()), '\0');
    if (points > 0) {
      EXPECT_GE(H5Dread(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()), 0) << n;
    }
    d[n] = {shape, bytes};
  }
  return d;
}

class ThinGather : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("memphase-thin-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  /// Writes `results` (nullptr: not done) serially to `name`; returns its path.
  std::string write(const std::string& name, const std::vector<const TaskResult*>& results,
                    const std::vector<TaskSpec>& specs, std::int64_t n_max) {
    std::vector<FileRow> rows(results.size());
    std::int64_t points = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      rows[i].key = 1000 + i;
      rows[i].spec = &specs[i];
      rows[i].result = results[i];
      points += curve_points(rows[i]);
    }
    FileMeta meta;
    meta.name = "thin";
    meta.family = "test";
    meta.schema = &specs.front().family->schema();  // every row is of one family
    const std::string path = (dir_ / name).string();
    write_campaign_rows(path, MPI_COMM_NULL, meta, static_cast<std::int64_t>(rows.size()), 0, rows, n_max,
                        0, points, local_extras_layout(rows));
    return path;
  }

  /// Writes the dense results and their committed (thinned) records and
  /// expects the same datasets; returns the dump of the file.
  Dump expect_same_file(const std::vector<TaskResult>& dense, const std::vector<bool>& done,
                        std::int64_t n_max) {
    std::vector<TaskResult> thin;
    std::vector<TaskSpec> specs;
    for (const TaskResult& r : dense) {
      thin.push_back(committed(r));
      specs.push_back(r.spec);
    }
    std::vector<const TaskResult*> a, b;
    std::size_t thinned = 0;
    for (std::size_t i = 0; i < dense.size(); ++i) {
      a.push_back(done[i] ? &dense[i] : nullptr);
      b.push_back(done[i] ? &thin[i] : nullptr);
      thinned += thin[i].sampling.thinned();
    }
    EXPECT_GT(thinned, 0u) << "no row was thinned: the test compares nothing new";
    // A journal resumed by a thinning binary mixes old dense records with thinned ones.
    std::vector<const TaskResult*> mixed;
    for (std::size_t i = 0; i < dense.size(); ++i) mixed.push_back(i % 2 ? a[i] : b[i]);
    const Dump da = dump(write("dense.h5", a, specs, n_max));
    for (const auto& [file, rows] : {std::pair{"thin.h5", b}, std::pair{"mixed.h5", mixed}}) {
      const Dump db = dump(write(file, rows, specs, n_max));
      EXPECT_EQ(da.size(), db.size()) << file;
      for (const auto& [name, v] : da) {
        const auto it = db.find(name);
        if (it == db.end()) {
          ADD_FAILURE() << name << " missing from " << file;
          continue;
        }
        EXPECT_EQ(v.first, it->second.first) << file << " " << name;
        EXPECT_TRUE(v.second == it->second.second) << file << " " << name << " differs";
      }
    }
    EXPECT_TRUE(da.count("/curves/loss") && da.count("/curves/epoch") && da.count("/curves/offset"));
    return da;
  }

  fs::path dir_;
};

template <class T>
std::vector<T> as(const std::string& bytes) {
  std::vector<T> v(bytes.size() / sizeof(T));
  std::memcpy(v.data(), bytes.data(), v.size() * sizeof(T));
  return v;
}

TEST_F(ThinGather, RateRnnRowsGatherBitwiseTheSameCurves) {
  std::vector<TaskResult> rows;
  rows.push_back(make_result(0, 23, 5));  // last epoch 22 kept off the grid
  rows.push_back(make_result(1, 21, 5));  // last epoch 20 on the grid: stored once
  rows.push_back(make_result(2, 2, 5));   // short run: every epoch kept, no block
  rows.push_back(make_result(3, 30, 5));  // not done
  rows.push_back(make_result(4, 12, 5));  // diverged: NaN loss at its last epoch
  rows[4].status = Status::diverged;
  rows[4].cls = {NetClass::fail, false, false, std::numeric_limits<double>::quiet_NaN()};
  rows[4].curves.loss.back() = kNaN;
  rows.push_back(make_result(5, 50, 7));  // another stride in the same file
  const Dump d = expect_same_file(rows, {true, true, true, false, true, true}, 3);
  EXPECT_THAT(as<std::int64_t>(d.at("/curves/offset").second), ElementsAre(0, 6, 11, 13, 13, 17, 25));
  EXPECT_THAT(as<std::int64_t>(d.at("/curves/epoch").second),
              ElementsAre(0, 5, 10, 15, 20, 22, 0, 5, 10, 15, 20, 0, 1, 0, 5, 10, 11, 0, 7, 14, 21, 28,
                          35, 42, 49));
}

TEST_F(ThinGather, GhostExtrasDivergedAndToyRowsGatherTheSame) {
  std::vector<TaskResult> rows;
  for (int i = 0; i < 3; ++i) {
    TaskResult r = make_result(i, 40, 10, -1, "ghost-rank1");
    r.initial = r.final = Params<float>{};
    r.extras.initial = {1.0f, 2.0f, static_cast<float>(i)};
    r.extras.final = {3.0f, 4.0f, static_cast<float>(i)};
    r.extras.set("stuck", i);
    Table t{"checkpoints", {"epoch", "loss", "accuracy"}, {}};
    t.add_row({0.0, 1.0, 0.5 * i});
    r.extras.tables.push_back(t);
    rows.push_back(r);
  }
  // Diverged ghost network: one more (non-finite) curve entry than epochs run.
  rows[1] = [&] {
    TaskResult r = rows[1];
    r.epochs_run = 17;
    r.curves.resize(18);
    r.curves.loss.back() = kNaN;
    r.status = Status::diverged;
    return r;
  }();
  const Dump d = expect_same_file(rows, {true, true, true}, 0);
  EXPECT_THAT(as<std::int64_t>(d.at("/curves/offset").second), ElementsAre(0, 5, 8, 13));

  // A toy campaign: no curves at all, nothing thinned, nothing changes.
  TaskResult toy;
  toy.spec = make_spec("toy-ghost", "test");
  sec(toy.spec).train.record_every = 5;
  toy.epochs_run = 300;
  ByteWriter a, b;
  put(a, toy);
  put_committed(b, toy);
  EXPECT_EQ(a.str(), b.str());
}

TEST_F(ThinGather, TaskFileOfAThinnedRecordEqualsTheDenseOne) {
  // write_task_file (memphase train) subsamples dense curves; given a decoded
  // thinned record it writes the same datasets, and read_task_file returns them.
  TaskResult dense = make_result(1, 23, 5);
  sec(dense.spec).train.epochs = 23;
  dense.epochs_planned = 23;
  const TaskResult thin = committed(dense);
  ASSERT_TRUE(thin.sampling.thinned());
  const Provenance prov{"model: {n: 3}\n", "0123456789abcdef", "test", "test"};
  const std::string a = (dir_ / "dense-net.h5").string(), b = (dir_ / "thin-net.h5").string();
  write_task_file(a, dense, prov);
  write_task_file(b, thin, prov);
  const Dump da = dump(a), db = dump(b);
  EXPECT_EQ(da.size(), db.size());
  for (const auto& [name, v] : da) EXPECT_TRUE(db.count(name) && db.at(name) == v) << name;
  std::vector<std::int64_t> epochs;
  const TaskResult back = read_task_file(b, &epochs);
  EXPECT_THAT(epochs, ElementsAre(0, 5, 10, 15, 20, 22));
  EXPECT_EQ(back.curves, thin.curves);

  // A thinned result that does not match its spec is refused before writing.
  TaskResult bad = thin;
  bad.curves.resize(5);
  EXPECT_THROW(write_task_file((dir_ / "bad.h5").string(), bad, prov), IoError);
  EXPECT_FALSE(fs::exists(dir_ / "bad.h5"));
}

}  // namespace
}  // namespace memphase
