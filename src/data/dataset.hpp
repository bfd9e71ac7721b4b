#pragma once
// Labelled image sets for sequential MNIST (SPEC §6): one in-memory record,
// subsets, a seeded train/test split and subsample, and the fixed pixel
// permutation of permuted sMNIST. Everything random is a pure function of a
// 64-bit seed through memphase::Rng, so it is identical on every platform.
//
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>


namespace memphase {

/// Well-known purposes of the data streams (see memphase::Rng).
namespace stream {
inline constexpr std::string_view data_split = "data.split";            ///< train/test split
inline constexpr std::string_view data_subsample = "data.subsample";    ///< subsample
inline constexpr std::string_view data_pixel_perm = "data.pixel_perm";  ///< permuted sMNIST
}  // namespace stream

/// n labelled grey-scale images of rows×cols pixels.
/// pixels: n × (rows·cols) floats, image-major, each image row-major (pixel
///   (r, c) of image i at i·rows·cols + r·cols + c), intensity in [0, 1]
///   (IDX bytes are divided by 255; 0 = background).
/// labels: n class indices in 0..9.
struct ImageSet {
  int rows = 0;
  int cols = 0;
  std::vector<float> pixels;
  std::vector<std::uint8_t> labels;

  /// Number of images.
  std::size_t size() const { return labels.size(); }
  /// Pixels per image (rows·cols, the sequence length of sMNIST).
  std::size_t image_size() const { return std::size_t(rows) * std::size_t(cols); }
  /// The rows·cols pixels of image i (no bounds check beyond the span's).
  std::span<const float> image(std::size_t i) const {
    return std::span<const float>(pixels).subspan(i * image_size(), image_size());
  }

  /// Images first .. first+count-1. Throws ConfigError if out of range.
  ImageSet subset(std::size_t first, std::size_t count) const;

  /// Images indices[0], indices[1], ... in that order (repeats allowed).
  /// Throws ConfigError naming the first index out of range.
  ImageSet take(std::span<const std::size_t> indices) const;
};

/// Uniformly random permutation of 0..n-1 (Fisher–Yates, integers drawn
/// without modulo bias) from the stream (seed, purpose). Same (n, seed,
/// purpose) → same permutation everywhere.
std::vector<std::size_t> random_permutation(std::size_t n, std::uint64_t seed, std::string_view purpose);

/// A train/test partition of one ImageSet.
struct SplitSets {
  ImageSet train;
  ImageSet test;
};

/// Shuffles `all` with the seed and puts the first n_test images in `test`,
/// the others in `train` (disjoint; both in shuffled order). Throws
/// ConfigError if n_test > all.size().
SplitSets split(const ImageSet& all, std::size_t n_test, std::uint64_t seed);

/// `count` distinct images of `s` chosen uniformly with the seed, in random
/// order. Throws ConfigError if count > s.size().
ImageSet subsample(const ImageSet& s, std::size_t count, std::uint64_t seed);

/// The fixed pixel order of permuted sMNIST: a permutation of 0..n_pixels-1
/// (default 784 = 28·28) from the seed; one per campaign.
std::vector<std::size_t> pixel_permutation(std::uint64_t seed, std::size_t n_pixels = 784);

/// Applies a pixel permutation to every image: new pixel j = old pixel perm[j]
/// (so step j of the permuted sequence shows pixel perm[j]). Throws
/// ConfigError if perm is not a permutation of 0..image_size()-1.
ImageSet permute_pixels(const ImageSet& s, std::span<const std::size_t> perm);

}  // namespace memphase
