#include "data/idx.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <type_traits>

#include "core/error.hpp"

namespace memphase {
namespace {

struct GzCloser {
  void operator()(gzFile f) const { gzclose(f); }
};
using GzPtr = std::unique_ptr<std::remove_pointer_t<gzFile>, GzCloser>;

// Whole content of a plain or gzip file (zlib reads plain files transparently).
std::vector<std::uint8_t> read_all(const std::filesystem::path& path) {
  GzPtr f(gzopen(path.c_str(), "rb"));
  if (!f) throw IoError(fmt::format("{}: cannot open ({})", path.string(), std::strerror(errno)));
  std::vector<std::uint8_t> buf;
  constexpr unsigned chunk = 1u << 20;
  for (;;) {
    const std::size_t old = buf.size();
    buf.resize(old + chunk);
    const int n = gzread(f.get(), buf.data() + old, chunk);
    if (n < 0) break;  // error reported below
    buf.resize(old + std::size_t(n));
    if (n == 0) break;
  }
  int errnum = Z_OK;
  const char* msg = gzerror(f.get(), &errnum);
  if (errnum != Z_OK)
    throw IoError(fmt::format("{}: corrupt or truncated gzip stream (zlib: {})", path.string(),
                              errnum == Z_ERRNO ? std::strerror(errno) : msg));
  return buf;
}

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) |
         std::uint32_t(p[3]);
}

void put_be32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(std::uint8_t(v >> s));
}

std::string dims_text(const std::vector<std::uint32_t>& dims) {
  return dims.empty() ? std::string("scalar") : fmt::format("{}", fmt::join(dims, "×"));
}

}  // namespace

IdxArray read_idx(const std::filesystem::path& path, std::uint32_t expected_magic) {
  const std::vector<std::uint8_t> buf = read_all(path);
  const std::string where = path.string();
  if (buf.size() < 4)
    throw IoError(
        fmt::format("{}: truncated IDX file: expected a 4-byte magic number, found {} bytes", where,
                    buf.size()));
  const std::uint32_t magic = be32(buf.data());
  if (magic != expected_magic)
    throw IoError(fmt::format("{}: bad IDX magic: expected 0x{:08x}, found 0x{:08x}", where,
                              expected_magic, magic));
  const std::size_t nd = magic & 0xffu;
  const std::size_t header = 4 + 4 * nd;
  if (buf.size() < header)
    throw IoError(fmt::format("{}: truncated IDX file: expected a {}-byte header, found {} bytes",
                              where, header, buf.size()));
  IdxArray a;
  std::uint64_t count = 1;
  bool huge = false;
  for (std::size_t k = 0; k < nd; ++k) {
    a.dims.push_back(be32(buf.data() + 4 + 4 * k));
    count *= a.dims.back();
    huge = huge || count > (std::uint64_t(1) << 40);
  }
  const std::uint64_t have = buf.size() - header;
  if (huge || have < count)
    throw IoError(fmt::format(
        "{}: truncated IDX file: header says {} = {} data bytes after the {}-byte header, found {}",
        where, dims_text(a.dims), count, header, have));
  if (have > count)
    throw IoError(fmt::format(
        "{}: trailing data in IDX file: header says {} = {} data bytes after the {}-byte header, "
        "found {}",
        where, dims_text(a.dims), count, header, have));
  a.data.assign(buf.begin() + std::ptrdiff_t(header), buf.end());
  return a;
}

void write_idx(const std::filesystem::path& path, const IdxArray& a, bool gzip) {
  std::uint64_t count = 1;
  for (auto d : a.dims) count *= d;
  if (count != a.data.size())
    throw ConfigError(fmt::format("write_idx {}: dims {} need {} bytes, got {}", path.string(),
                                  dims_text(a.dims), count, a.data.size()));
  std::vector<std::uint8_t> out;
  put_be32(out, 0x00000800u | std::uint32_t(a.dims.size()));
  for (auto d : a.dims) put_be32(out, d);
  out.insert(out.end(), a.data.begin(), a.data.end());
  if (gzip) {
    GzPtr f(gzopen(path.c_str(), "wb"));
    if (!f || gzwrite(f.get(), out.data(), unsigned(out.size())) != int(out.size()) ||
        gzclose(f.release()) != Z_OK)
      throw IoError(fmt::format("{}: cannot write gzip IDX file", path.string()));
  } else {
    std::ofstream os(path, std::ios::binary | std::ios::trunc);
    os.write(reinterpret_cast<const char*>(out.data()), std::streamsize(out.size()));
    if (!os) throw IoError(fmt::format("{}: cannot write IDX file", path.string()));
  }
}

ImageSet load_idx(const std::filesystem::path& images, const std::filesystem::path& labels) {
  IdxArray im = read_idx(images, idx_magic_images);
  IdxArray lb = read_idx(labels, idx_magic_labels);
  if (im.dims[0] != lb.dims[0])
    throw IoError(fmt::format("{}: {} images but {} has {} labels", images.string(), im.dims[0],
                              labels.string(), lb.dims[0]));
  for (std::size_t i = 0; i < lb.data.size(); ++i)
    if (lb.data[i] > 9)
      throw IoError(fmt::format("{}: label {} at index {} outside 0..9", labels.string(),
                                int(lb.data[i]), i));
  ImageSet s;
  s.rows = int(im.dims[1]);
  s.cols = int(im.dims[2]);
  s.pixels.resize(im.data.size());
  for (std::size_t k = 0; k < im.data.size(); ++k) s.pixels[k] = float(im.data[k]) / 255.0f;
  s.labels = std::move(lb.data);
  return s;
}

ImageSet load_idx_dir(const std::filesystem::path& dir, IdxPart part) {
  const std::string prefix = part == IdxPart::train ? "train" : "t10k";
  auto find = [&](const std::string& stem) {
    const auto plain = dir / stem;
    if (std::filesystem::exists(plain)) return plain;
    auto gz = dir / (stem + ".gz");
    if (std::filesystem::exists(gz)) return gz;
    throw IoError(fmt::format("{}: neither {} nor {}.gz found", dir.string(), stem, stem));
  };
  const auto images = find(prefix + "-images-idx3-ubyte");  // images first: errors in file order
  const auto labels = find(prefix + "-labels-idx1-ubyte");
  return load_idx(images, labels);
}

}  // namespace memphase
