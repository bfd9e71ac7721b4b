#pragma once
// Reader (and writer, for tests and fixtures) of the IDX format of MNIST and
// Fashion-MNIST: a big-endian header [0, 0, type, ndims] + ndims uint32 sizes,
// then the data row-major. Only type 0x08 (unsigned byte) is supported, which
// is what both data sets use: images 0x00000803 (n×rows×cols), labels
// 0x00000801 (n). Plain and gzip files are both read (gzip is recognised by
// its content, not by the file name, through zlib).
#include <cstdint>
#include <filesystem>
#include <vector>

#include "data/dataset.hpp"

namespace memphase {

/// Magic numbers of the two IDX files of an image set.
inline constexpr std::uint32_t idx_magic_images = 0x00000803;  ///< ubyte, 3 dims
inline constexpr std::uint32_t idx_magic_labels = 0x00000801;  ///< ubyte, 1 dim

/// One IDX array of unsigned bytes: dims (e.g. {n, 28, 28}) and data, the
/// product of dims bytes in row-major order.
struct IdxArray {
  std::vector<std::uint32_t> dims;
  std::vector<std::uint8_t> data;
};

/// Reads an IDX file whose magic must equal expected_magic. Throws IoError
/// naming the path on: unreadable file or corrupt gzip stream; bad magic
/// ("expected 0x00000803, found 0x..."); a file shorter than its header
/// says ("truncated"); bytes after the data ("trailing").
IdxArray read_idx(const std::filesystem::path& path, std::uint32_t expected_magic);

/// Writes an IDX ubyte file (magic 0x0000080<dims.size()>), gzip-compressed
/// if gzip. Throws ConfigError if data.size() != product(dims), IoError on
/// write failure.
void write_idx(const std::filesystem::path& path, const IdxArray& a, bool gzip = false);

/// Loads an image set from an images file (n×rows×cols) and a labels file (n):
/// pixels are byte/255. Throws IoError if the counts differ or a label is
/// outside 0..9 (naming both files / the index).
ImageSet load_idx(const std::filesystem::path& images, const std::filesystem::path& labels);

/// Which half of a standard MNIST-layout directory.
enum class IdxPart { train, test };

/// Loads train ("train-images-idx3-ubyte", "train-labels-idx1-ubyte") or test
/// ("t10k-...") from dir, each with or without ".gz" (the plain name wins).
/// Fashion-MNIST: dir = /usr/share/datasets/fashion-mnist (Debian package
/// dataset-fashion-mnist) or $MEMPHASE_DATA/fashion-mnist after
/// scripts/fetch_data.sh. Throws IoError if a file is missing.
ImageSet load_idx_dir(const std::filesystem::path& dir, IdxPart part);

}  // namespace memphase
