// The one-network HDF5 file: round trip, the layout as seen through the HDF5
// API (Eigen's row/column meaning kept), atomic replacement, messages of
// failed reads and writes, and the HDF5 wrapper underneath. No test calls
// MPI_Init: the serial file must work in such a process.
#include "io/task_file.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <hdf5.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <tuple>

#include "core/error.hpp"
#include "io/h5.hpp"
#include "families/registry.hpp"
#include "support/spec_access.hpp"

namespace memphase {
namespace {

namespace fs = std::filesystem;
using detail::H5File;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::ThrowsMessage;

constexpr int kN = 7;  // W_in 7×2 and W_out 2×7 cannot be confused
constexpr std::int64_t kEpochs = 23;
constexpr int kEvery = 5;

/// Calls f(name, matrix) for each tensor of p (non-const).
template <class F>
void each_tensor(Params<float>& p, F&& f) {
  p.for_each([&](const char* name, auto& m) { f(name, m); });
}

/// A result of N = 7, 23 epochs run of 40 planned, record_every 5, with random
/// weights and curves drawn from `seed`.
TaskResult random_result(std::uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  TaskResult r;
  r.spec = make_spec("dcdt-nopost", "test");
  sec(r.spec).model.n = kN;
  sec(r.spec).model.tau = 20.0;
  sec(r.spec).model.noise_sigma = 0.002;
  sec(r.spec).task.delay = 140.0;
  sec(r.spec).task.response = 50.0;
  sec(r.spec).task.post = 30.0;
  sec(r.spec).task.reps = 8;
  sec(r.spec).train.lr = 0.031622776601683794;
  sec(r.spec).train.seed = 17;
  sec(r.spec).train.record_every = kEvery;
  sec(r.spec).train.epochs = 40;
  r.epochs_planned = 40;
  r.epochs_run = kEpochs;
  r.status = Status::done;
  r.cls = {NetClass::lc, true, true, 0.3125};
  r.train_seconds = 1.25;
  for (Params<float>* p : {&r.initial, &r.final}) {
    *p = Params<float>::zeros(kN);
    each_tensor(*p, [&](const char*, auto& m) {
      for (Eigen::Index k = 0; k < m.size(); ++k) m.data()[k] = u(gen);
    });
  }
  for (std::int64_t e = 0; e < kEpochs; ++e) {
    r.curves.loss.push_back(u(gen));
    r.curves.accuracy.push_back(u(gen));
    r.curves.reliability.push_back(u(gen));
    r.curves.grad_norm.push_back(u(gen));
  }
  return r;
}

/// The file read by read_task_file.py: exactly representable values whose
/// formulas the script repeats. W(i, j) encodes (i, j) so that a transposed
/// copy is caught; (lr, delay, seed) = (0.1, 100, 0) as in the docs snippet.
TaskResult known_result() {
  TaskResult r;
  r.spec = make_spec("dcdt-nopost", "test");
  sec(r.spec).model.n = kN;
  sec(r.spec).task.delay = 100.0;
  sec(r.spec).train.lr = 0.1;
  sec(r.spec).train.seed = 0;
  sec(r.spec).train.record_every = kEvery;
  sec(r.spec).train.epochs = kEpochs;
  r.epochs_planned = kEpochs;
  r.epochs_run = kEpochs;
  r.status = Status::done;
  r.cls = {NetClass::sp, true, true, 0.75};
  r.train_seconds = 2.5;
  r.final = Params<float>::zeros(kN);
  for (int i = 0; i < kN; ++i) {
    for (int j = 0; j < kN; ++j) r.final.W_rec(i, j) = static_cast<float>(100 * i + j);
    for (int j = 0; j < 2; ++j) {
      r.final.W_in(i, j) = static_cast<float>(10 * i + j) + 0.5f;
      r.final.W_out(j, i) = -static_cast<float>(100 * j + i);
    }
    r.final.b_in(i) = static_cast<float>(i) + 0.25f;
    r.final.b_rec(i) = -static_cast<float>(i) - 0.75f;
  }
  r.final.b_out << 1000.0f, 1001.0f;
  r.initial = r.final;
  each_tensor(r.initial, [](const char*, auto& m) { m.array() -= 0.5f; });
  for (std::int64_t e = 0; e < kEpochs; ++e) {
    const auto x = static_cast<float>(e);
    r.curves.loss.push_back(1.0f + 0.5f * x);
    r.curves.accuracy.push_back(x / 32.0f);
    r.curves.reliability.push_back(1.0f - x / 64.0f);
    r.curves.grad_norm.push_back(2.0f * x);
  }
  return r;
}

Provenance test_provenance() {
  Provenance p;
  p.config_yaml = "model:\n  n: 7\n  tau: 10  # τ in ms\ntrain:\n  lr: 0.1\n";
  p.config_hash = "0123456789abcdef";
  p.code_version = "v0.1-test+dirty (Release, GNU)";
  p.command = "memphase train --lr 0.1 --delay 100 --seed 0 --out 'x y.h5'";
  return p;
}

/// Bitwise equality of two parameter sets (NaN-safe, -0 != +0).
void expect_bitwise_equal(const Params<float>& a, const Params<float>& b) {
  auto check = [](const char* name, const Mat<float>& x, const Mat<float>& y) {
    ASSERT_EQ(x.rows(), y.rows()) << name;
    ASSERT_EQ(x.cols(), y.cols()) << name;
    EXPECT_EQ(std::memcmp(x.data(), y.data(), sizeof(float) * static_cast<std::size_t>(x.size())),
              0)
        << name;
  };
  check("W_in", a.W_in, b.W_in);
  check("W_rec", a.W_rec, b.W_rec);
  check("W_out", a.W_out, b.W_out);
  check("b_in", a.b_in, b.b_in);
  check("b_rec", a.b_rec, b.b_rec);
  check("b_out", a.b_out, b.b_out);
}

/// Values of `v` at the given epochs.
std::vector<float> at(const std::vector<float>& v, const std::vector<std::int64_t>& epochs) {
  std::vector<float> out;
  for (std::int64_t e : epochs) out.push_back(v[static_cast<std::size_t>(e)]);
  return out;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// HDF5 dtype of a dataset in numpy notation ("<f4", "<i8", "|i1", ...).
std::string dtype(const H5File& f, const std::string& name) {
  const detail::H5Id d(H5Dopen2(f.id(), name.c_str(), H5P_DEFAULT));
  const detail::H5Id t(H5Dget_type(d.get()));
  const char kind = H5Tget_class(t.get()) == H5T_FLOAT     ? 'f'
                    : H5Tget_sign(t.get()) == H5T_SGN_NONE ? 'u'
                                                           : 'i';
  return std::string(1, kind) + std::to_string(H5Tget_size(t.get()));
}

class TaskFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("memphase-io-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& f) const { return (dir_ / f).string(); }
  /// Names of the entries of the test directory.
  std::vector<std::string> entries() const {
    std::vector<std::string> v;
    for (const auto& e : fs::directory_iterator(dir_)) v.push_back(e.path().filename().string());
    std::sort(v.begin(), v.end());
    return v;
  }
  fs::path dir_;
};

TEST_F(TaskFile, RoundTripIsBitwiseAndSubsamplesCurves) {
  const TaskResult r = random_result(1);
  const Provenance prov = test_provenance();
  write_task_file(path("net.h5"), r, prov);

  std::vector<std::int64_t> epochs;
  Provenance back_prov;
  const TaskResult back = read_task_file(path("net.h5"), &epochs, &back_prov);

  EXPECT_THAT(epochs, ElementsAre(0, 5, 10, 15, 20, 22));
  EXPECT_EQ(back.curves.loss, at(r.curves.loss, epochs));
  EXPECT_EQ(back.curves.accuracy, at(r.curves.accuracy, epochs));
  EXPECT_EQ(back.curves.reliability, at(r.curves.reliability, epochs));
  EXPECT_EQ(back.curves.grad_norm, at(r.curves.grad_norm, epochs));
  expect_bitwise_equal(back.initial, r.initial);
  expect_bitwise_equal(back.final, r.final);

  EXPECT_EQ(back.status, Status::done);
  EXPECT_EQ(back.cls.net_class, NetClass::lc);
  EXPECT_TRUE(back.cls.learned);
  EXPECT_TRUE(back.cls.stable);
  EXPECT_EQ(back.cls.psd_ratio, 0.3125);
  EXPECT_EQ(back.epochs_planned, 40);
  EXPECT_EQ(back.epochs_run, kEpochs);
  EXPECT_EQ(back.train_seconds, 1.25);

  // Spec fields stored as grid values come back exactly.
  EXPECT_EQ(sec(back.spec).train.lr, sec(r.spec).train.lr);
  EXPECT_EQ(sec(back.spec).task.delay, 140.0);
  EXPECT_EQ(sec(back.spec).train.seed, 17u);
  EXPECT_EQ(sec(back.spec).task.post, 30.0);
  EXPECT_EQ(sec(back.spec).task.response, 50.0);
  EXPECT_EQ(sec(back.spec).model.tau, 20.0);
  EXPECT_EQ(sec(back.spec).model.noise_sigma, 0.002);
  EXPECT_EQ(sec(back.spec).task.reps, 8);
  EXPECT_EQ(sec(back.spec).model.n, kN);

  EXPECT_EQ(back_prov.config_yaml, prov.config_yaml);
  EXPECT_EQ(back_prov.config_hash, prov.config_hash);
  EXPECT_EQ(back_prov.code_version, prov.code_version);
  EXPECT_EQ(back_prov.command, prov.command);
  EXPECT_THAT(entries(), ElementsAre("net.h5"));
}

TEST_F(TaskFile, DivergedRunKeepsNaNPsdRatioAndNaNLoss) {
  TaskResult r = random_result(2);
  r.status = Status::diverged;
  r.cls = {NetClass::unstable, false, false, std::numeric_limits<double>::quiet_NaN()};
  r.epochs_run = 9;
  sec(r.spec).train.record_every = 4;
  r.curves.resize(9);
  r.curves.loss[8] = std::numeric_limits<float>::quiet_NaN();
  write_task_file(path("nan.h5"), r, test_provenance());

  std::vector<std::int64_t> epochs;
  const TaskResult back = read_task_file(path("nan.h5"), &epochs);
  EXPECT_THAT(epochs, ElementsAre(0, 4, 8));
  EXPECT_EQ(back.status, Status::diverged);
  EXPECT_EQ(back.cls.net_class, NetClass::unstable);
  EXPECT_FALSE(back.cls.learned);
  EXPECT_FALSE(back.cls.stable);
  EXPECT_TRUE(std::isnan(back.cls.psd_ratio));
  EXPECT_EQ(back.epochs_run, 9);
  ASSERT_EQ(back.curves.size(), 3u);
  EXPECT_EQ(back.curves.loss[1], r.curves.loss[4]);
  EXPECT_TRUE(std::isnan(back.curves.loss[2]));
  expect_bitwise_equal(back.final, r.final);
}

TEST_F(TaskFile, ShortAndEmptyRunsStoreTheRightEpochs) {
  const std::vector<std::tuple<std::int64_t, int, std::vector<std::int64_t>>> cases = {
      {1, 5, {0}}, {6, 5, {0, 5}}, {7, 100, {0, 6}}, {4, 1, {0, 1, 2, 3}}, {0, 5, {}}};
  for (const auto& [run, every, want] : cases) {
    TaskResult r = random_result(3);
    r.status = run < kEpochs ? Status::aborted : Status::done;
    r.epochs_run = run;
    sec(r.spec).train.record_every = every;
    r.curves.resize(static_cast<std::size_t>(run));
    write_task_file(path("short.h5"), r, test_provenance());
    std::vector<std::int64_t> epochs{-1};
    const TaskResult back = read_task_file(path("short.h5"), &epochs);
    EXPECT_EQ(epochs, want) << "epochs_run " << run << ", record_every " << every;
    EXPECT_EQ(back.curves.loss, at(r.curves.loss, want));
    EXPECT_EQ(back.status, r.status);
  }
}

TEST_F(TaskFile, WeightsKeepEigenRowColumnMeaning) {
  const TaskResult r = random_result(4);
  write_task_file(path("w.h5"), r, test_provenance());
  const H5File f = H5File::open_read(path("w.h5"));
  const struct {
    const char* name;
    const Mat<float>& m;
  } mats[] = {{"/weights/final/W_in", r.final.W_in},
              {"/weights/final/W_rec", r.final.W_rec},
              {"/weights/final/W_out", r.final.W_out},
              {"/weights/initial/W_rec", r.initial.W_rec}};
  for (const auto& [name, m] : mats) {
    const auto rows = static_cast<hsize_t>(m.rows()), cols = static_cast<hsize_t>(m.cols());
    ASSERT_THAT(f.shape(name), ElementsAre(hsize_t{1}, rows, cols)) << name;
    const std::vector<float> raw = f.read_rows<float>(name, 0, 1);  // HDF5 row-major
    for (hsize_t i = 0; i < rows; ++i)
      for (hsize_t j = 0; j < cols; ++j)
        ASSERT_EQ(raw[i * cols + j], m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)))
            << name << "[0, " << i << ", " << j << "]";
  }
  EXPECT_THAT(f.shape("/weights/final/b_in"), ElementsAre(hsize_t{1}, hsize_t{kN}));
  EXPECT_THAT(f.shape("/weights/final/b_out"), ElementsAre(hsize_t{1}, hsize_t{2}));
  const std::vector<float> b_rec = f.read_rows<float>("/weights/final/b_rec", 0, 1);
  EXPECT_EQ(b_rec, std::vector<float>(r.final.b_rec.data(), r.final.b_rec.data() + kN));
}

TEST_F(TaskFile, LayoutMatchesTheDocumentedSchema) {
  write_task_file(path("s.h5"), random_result(5), test_provenance());
  const H5File f = H5File::open_read(path("s.h5"));
  const hsize_t n = kN, pts = 6;
  const std::vector<std::tuple<std::string, std::string, std::vector<hsize_t>>> schema = {
      {"/grid/lr", "f8", {1}},
      {"/grid/delay", "f8", {1}},
      {"/grid/response", "f8", {1}},
      {"/grid/post", "f8", {1}},
      {"/grid/tau", "f8", {1}},
      {"/grid/noise_sigma", "f8", {1}},
      {"/grid/seed", "i8", {1}},
      {"/grid/n", "i8", {1}},
      {"/grid/reps", "i8", {1}},
      {"/tasks/key", "u8", {1}},
      {"/tasks/done", "i1", {1}},
      {"/tasks/status", "i1", {1}},
      {"/tasks/class", "i1", {1}},
      {"/tasks/learned", "i1", {1}},
      {"/tasks/stable", "i1", {1}},
      {"/tasks/psd_ratio", "f8", {1}},
      {"/tasks/epochs_planned", "i8", {1}},
      {"/tasks/epochs_run", "i8", {1}},
      {"/tasks/train_seconds", "f8", {1}},
      {"/curves/loss", "f4", {pts}},
      {"/curves/accuracy", "f4", {pts}},
      {"/curves/reliability", "f4", {pts}},
      {"/curves/grad_norm", "f4", {pts}},
      {"/curves/epoch", "i8", {pts}},
      {"/curves/offset", "i8", {2}},
  };
  for (const auto& [name, type, shape] : schema) {
    ASSERT_TRUE(f.exists(name)) << name;
    EXPECT_EQ(dtype(f, name), type) << name;
    EXPECT_EQ(f.shape(name), shape) << name;
  }
  for (const char* which : {"initial", "final"}) {
    const std::string g = std::string("/weights/") + which + "/";
    for (const auto& [name, shape] :
         std::vector<std::pair<std::string, std::vector<hsize_t>>>{{"W_in", {1, n, 2}},
                                                                   {"W_rec", {1, n, n}},
                                                                   {"W_out", {1, 2, n}},
                                                                   {"b_in", {1, n}},
                                                                   {"b_rec", {1, n}},
                                                                   {"b_out", {1, 2}}}) {
      EXPECT_EQ(dtype(f, g + name), "f4") << g + name;
      EXPECT_EQ(f.shape(g + name), shape) << g + name;
    }
  }
  EXPECT_EQ(f.read_attr_int("schema_version"), 1);
  EXPECT_EQ(f.read_attr_int("n_tasks"), 1);
  EXPECT_THAT(f.read_rows<std::int64_t>("/curves/offset", 0, 2), ElementsAre(0, 6));
  EXPECT_EQ(f.read_value<std::int8_t>("/tasks/done", 0), 1);
  const std::string created = f.read_attr_string("created");
  EXPECT_EQ(created.size(), 20u) << created;  // YYYY-MM-DDTHH:MM:SSZ
  EXPECT_EQ(created.back(), 'Z') << created;
  for (const char* a : {"config_yaml", "config_hash", "code_version", "command", "campaign_name",
                        "family", "class_codes", "status_codes"})
    EXPECT_TRUE(f.has_attr(a)) << a;
}

// Writes the file that read_task_file.py and h5ls check (ctest fixture
// io_known_file sets MEMPHASE_IO_KNOWN_FILE); alone it writes to a temp dir.
TEST_F(TaskFile, WritesKnownFileForH5py) {
  const char* env = std::getenv("MEMPHASE_IO_KNOWN_FILE");
  const std::string out = env && *env ? std::string(env) : path("known.h5");
  fs::remove(out);
  const TaskResult r = known_result();
  write_task_file(out, r, test_provenance());
  const TaskResult back = read_task_file(out);
  expect_bitwise_equal(back.final, r.final);
  EXPECT_EQ(back.final.W_rec(3, 5), 305.0f);
}

TEST_F(TaskFile, MissingDirectoryThrowsNamingThePath) {
  const std::string p = path("no/such/dir/net.h5");
  EXPECT_THAT(
      [&] { write_task_file(p, random_result(6), test_provenance()); },
      ThrowsMessage<IoError>(AllOf(HasSubstr(p + ": cannot write the file, nothing was replaced"),
                                   HasSubstr("No such file or directory"))));
  EXPECT_THAT(entries(), ElementsAre());
}

TEST_F(TaskFile, SuccessReplacesAnExistingFileAndLeavesNoTemp) {
  write_task_file(path("net.h5"), random_result(7), test_provenance());
  const TaskResult second = random_result(8);
  write_task_file(path("net.h5"), second, test_provenance());
  expect_bitwise_equal(read_task_file(path("net.h5")).final, second.final);
  EXPECT_THAT(entries(), ElementsAre("net.h5"));
}

TEST_F(TaskFile, FailureWhileCreatingKeepsTheExistingFile) {
  write_task_file(path("net.h5"), random_result(9), test_provenance());
  const std::string before = slurp(path("net.h5"));
  // An empty directory squats on the temp name, so creating the file fails.
  const std::string tmp = path("net.h5") + ".tmp." + std::to_string(::getpid());
  fs::create_directory(tmp);
  EXPECT_THAT([&] { write_task_file(path("net.h5"), random_result(10), test_provenance()); },
              ThrowsMessage<IoError>(AllOf(HasSubstr(path("net.h5") + ": cannot write the file"),
                                           HasSubstr(".tmp." + std::to_string(::getpid()) +
                                                     ": cannot create: Is a directory"))));
  EXPECT_EQ(slurp(path("net.h5")), before);
  EXPECT_THAT(entries(), ElementsAre("net.h5"));
}

/// Run in a forked child: writes with a 4 KiB file-size limit (a full disk),
/// prints the error and exits 3, or exits 0 if the write succeeded.
[[noreturn]] void write_with_full_disk(const std::string& p) {
  std::signal(SIGXFSZ, SIG_IGN);  // the write fails with EFBIG instead
  rlimit rl{};
  rl.rlim_cur = rl.rlim_max = 4096;
  setrlimit(RLIMIT_FSIZE, &rl);
  try {
    write_task_file(p, random_result(12), test_provenance());
  } catch (const IoError& e) {
    std::fprintf(stderr, "caught: %s\n", e.what());
    std::_Exit(3);
  }
  std::_Exit(0);
}

// A full disk halfway through the write (RLIMIT_FSIZE in a forked child): the
// old file survives and the temp file is gone.
TEST_F(TaskFile, FailureHalfwayKeepsTheExistingFile) {
  write_task_file(path("net.h5"), random_result(11), test_provenance());
  const std::string before = slurp(path("net.h5"));
  ASSERT_GT(before.size(), 8192u);
  EXPECT_EXIT(write_with_full_disk(path("net.h5")), ::testing::ExitedWithCode(3),
              "caught: .*net\\.h5: cannot write the file, nothing was replaced");
  EXPECT_EQ(slurp(path("net.h5")), before);
  EXPECT_THAT(entries(), ElementsAre("net.h5"));
}

TEST_F(TaskFile, InconsistentResultIsRefusedBeforeWriting) {
  TaskResult r = random_result(13);
  r.curves.loss.resize(3);
  EXPECT_THAT([&] { write_task_file(path("bad.h5"), r, test_provenance()); },
              ThrowsMessage<IoError>(HasSubstr(path("bad.h5") +
                                               ": cannot write: curves.loss has 3 values but "
                                               "epochs_run is 23")));
  r = random_result(13);
  r.final.W_rec.resize(kN, kN + 1);
  EXPECT_THAT([&] { write_task_file(path("bad.h5"), r, test_provenance()); },
              ThrowsMessage<IoError>(HasSubstr("final W_rec is 7×8, expected 7×7 (N = 7)")));
  r = random_result(13);
  r.epochs_planned = 1000;
  EXPECT_THAT([&] { write_task_file(path("bad.h5"), r, test_provenance()); },
              ThrowsMessage<IoError>(
                  HasSubstr("epochs_planned is 1000 but the spec resolves to 40 epochs")));
  EXPECT_THAT(entries(), ElementsAre());
}

TEST_F(TaskFile, ReadingAMissingFileNamesThePathAndTheReason) {
  const std::string p = path("absent.h5");
  EXPECT_THAT(
      [&] { read_task_file(p); },
      ThrowsMessage<IoError>(AllOf(HasSubstr(p + ": cannot open the file for reading (HDF5: "),
                                   HasSubstr("No such file or directory"))));
}

TEST_F(TaskFile, ReadingANonHdf5FileSaysSo) {
  std::ofstream(path("text.h5")) << "not an HDF5 file\n";
  EXPECT_THAT([&] { read_task_file(path("text.h5")); },
              ThrowsMessage<IoError>(
                  AllOf(HasSubstr(path("text.h5")), HasSubstr("file signature not found"))));
}

TEST_F(TaskFile, ReadingAFileWithoutADatasetNamesIt) {
  write_task_file(path("net.h5"), random_result(14), test_provenance());
  H5File::open_rw(path("net.h5")).remove("/curves/offset");
  EXPECT_THAT([&] { read_task_file(path("net.h5")); },
              ThrowsMessage<IoError>(
                  AllOf(HasSubstr(path("net.h5") + ": cannot open dataset /curves/offset (HDF5: "),
                        HasSubstr("not found"))));
}

TEST_F(TaskFile, ReadingRefusesAnotherSchemaVersionAndUnfinishedRows) {
  write_task_file(path("v.h5"), random_result(15), test_provenance());
  H5File::open_rw(path("v.h5")).write_attr("schema_version", std::int64_t{2});
  EXPECT_THAT([&] { read_task_file(path("v.h5")); },
              ThrowsMessage<IoError>(HasSubstr(path("v.h5") +
                                               ": schema_version 2 is not supported (this memphase "
                                               "reads 1)")));

  write_task_file(path("u.h5"), random_result(15), test_provenance());
  {
    H5File f = H5File::open_rw(path("u.h5"));
    f.remove("/tasks/status");
    f.write<std::int8_t>("/tasks/status", {1}, {-1});
    f.close();
  }
  EXPECT_THAT([&] { read_task_file(path("u.h5")); },
              ThrowsMessage<IoError>(HasSubstr("task row 0 is not done (/tasks/status[0] = -1)")));
}

// ------------------------------------------------------------ HDF5 wrapper

using H5Wrapper = TaskFile;

TEST_F(H5Wrapper, FailuresCarryHdf5sMessageAndPrintNothing) {
  H5File f = H5File::create(path("a.h5"));
  f.create_group("/g");
  f.write<double>("/g/x", {3}, {1.0, 2.0, 3.0});
  ::testing::internal::CaptureStderr();
  EXPECT_THAT(
      [&] { (void)f.shape("/g/nope"); },
      ThrowsMessage<IoError>(AllOf(
          HasSubstr(path("a.h5") + ": cannot open dataset /g/nope (HDF5: unable to open dataset: "),
          HasSubstr("[Object not found]"))));
  EXPECT_THAT([&] { f.create_group("/g"); },
              ThrowsMessage<IoError>(
                  AllOf(HasSubstr("cannot create group /g (HDF5: "), HasSubstr("exists"))));
  EXPECT_THAT([&] { (void)f.read_attr_string("missing", "/g"); },
              ThrowsMessage<IoError>(HasSubstr("cannot open attribute missing of /g (HDF5: ")));
  EXPECT_THAT([] { (void)H5File::create("/nonexistent-dir-of-memphase/x.h5"); },
              ThrowsMessage<IoError>(
                  HasSubstr("/nonexistent-dir-of-memphase/x.h5: cannot create the file (HDF5: "
                            "unable to create file: unable to open file: name = "
                            "'/nonexistent-dir-of-memphase/x.h5', errno = 2, error message = "
                            "'No such file or directory'")));
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
}

TEST_F(H5Wrapper, ReadsCheckTheTypeClassAndTheRowRange) {
  H5File f = H5File::create(path("a.h5"));
  f.write<float>("/m", {3, 2}, {0, 1, 10, 11, 20, 21});
  EXPECT_THAT(f.read_rows<float>("/m", 1, 2), ElementsAre(10, 11, 20, 21));
  EXPECT_THAT(f.read_rows<double>("/m", 2, 1), ElementsAre(20, 21));  // float -> double converts
  EXPECT_THAT(f.read_rows<float>("/m", 3, 0), ElementsAre());
  EXPECT_THAT([&] { (void)f.read_rows<std::int64_t>("/m", 0, 1); },
              ThrowsMessage<IoError>(
                  HasSubstr(path("a.h5") + ": /m holds float values, expected integer")));
  EXPECT_THAT([&] { (void)f.read_rows<float>("/m", 2, 2); },
              ThrowsMessage<IoError>(HasSubstr("/m has shape (3, 2), cannot read rows [2, 4)")));
  EXPECT_THAT(
      [&] {
        f.write<float>("/n", {2, 2}, {1, 2, 3});
      },
      ThrowsMessage<IoError>(HasSubstr("cannot write /n: 3 values do not fill shape (2, 2)")));
  f.write<std::int64_t>("/empty", {0}, {});
  EXPECT_THAT(f.shape("/empty"), ElementsAre(hsize_t{0}));
  EXPECT_TRUE(f.exists("/m"));
  EXPECT_FALSE(f.exists("/q/r"));
}

TEST_F(H5Wrapper, AttributesRoundTripAndReplace) {
  {
    H5File f = H5File::create(path("a.h5"));
    f.write_attr("s", std::string("línea 1\nline 2"));
    f.write_attr("empty", std::string());
    f.write_attr("i", std::int64_t{-5});
    f.write_attr("i", std::int64_t{42});
    f.close();
  }
  const H5File f = H5File::open_read(path("a.h5"));
  EXPECT_EQ(f.read_attr_string("s"), "línea 1\nline 2");
  EXPECT_EQ(f.read_attr_string("empty"), "");
  EXPECT_EQ(f.read_attr_int("i"), 42);
  EXPECT_THAT([&] { (void)f.read_attr_int("s"); },
              ThrowsMessage<IoError>(HasSubstr("attribute s is not an integer")));
  EXPECT_THAT([&] { (void)f.read_attr_string("i"); },
              ThrowsMessage<IoError>(HasSubstr("attribute i is not a string")));
}

}  // namespace
}  // namespace memphase
