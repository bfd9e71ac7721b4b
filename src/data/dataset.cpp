#include "data/dataset.hpp"

#include <string>
#include <utility>

#include "core/error.hpp"
#include "core/rng.hpp"

namespace memphase {

ImageSet ImageSet::subset(std::size_t first, std::size_t count) const {
  if (first > size() || count > size() - first)
    throw ConfigError("ImageSet::subset: [" + std::to_string(first) + ", " +
                      std::to_string(first) + "+" + std::to_string(count) +
                      ") out of range (size " + std::to_string(size()) + ")");
  ImageSet out{rows, cols, {}, {}};
  const std::size_t m = image_size();
  out.pixels.assign(pixels.begin() + std::ptrdiff_t(first * m),
                    pixels.begin() + std::ptrdiff_t((first + count) * m));
  out.labels.assign(labels.begin() + std::ptrdiff_t(first),
                    labels.begin() + std::ptrdiff_t(first + count));
  return out;
}

ImageSet ImageSet::take(std::span<const std::size_t> indices) const {
  ImageSet out{rows, cols, {}, {}};
  const std::size_t m = image_size();
  out.pixels.reserve(indices.size() * m);
  out.labels.reserve(indices.size());
  for (std::size_t k = 0; k < indices.size(); ++k) {
    const std::size_t i = indices[k];
    if (i >= size())
      throw ConfigError("ImageSet::take: indices[" + std::to_string(k) +
                        "] = " + std::to_string(i) + " out of range (size " +
                        std::to_string(size()) + ")");
    const auto src = image(i);
    out.pixels.insert(out.pixels.end(), src.begin(), src.end());
    out.labels.push_back(labels[i]);
  }
  return out;
}

namespace {
/// Uniform integer in [0, n) without modulo bias (rejection on 64-bit draws).
std::uint64_t uniform_below(Rng& rng, std::uint64_t n) {
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;  // accept draws < limit
  std::uint64_t x = rng.next();
  while (x >= limit) x = rng.next();
  return x % n;
}
}  // namespace

std::vector<std::size_t> random_permutation(std::size_t n, std::uint64_t seed, std::string_view purpose) {
  std::vector<std::size_t> p(n);
  for (std::size_t i = 0; i < n; ++i) p[i] = i;
  Rng rng(seed, purpose);
  for (std::size_t i = n; i > 1; --i) std::swap(p[i - 1], p[uniform_below(rng, i)]);
  return p;
}

SplitSets split(const ImageSet& all, std::size_t n_test, std::uint64_t seed) {
  if (n_test > all.size())
    throw ConfigError("split: n_test = " + std::to_string(n_test) + " exceeds the " +
                      std::to_string(all.size()) + " images");
  const auto p = random_permutation(all.size(), seed, stream::data_split);
  const std::span<const std::size_t> ps(p);
  return {all.take(ps.subspan(n_test)), all.take(ps.first(n_test))};
}

ImageSet subsample(const ImageSet& s, std::size_t count, std::uint64_t seed) {
  if (count > s.size())
    throw ConfigError("subsample: count = " + std::to_string(count) + " exceeds the " +
                      std::to_string(s.size()) + " images");
  const auto p = random_permutation(s.size(), seed, stream::data_subsample);
  return s.take(std::span<const std::size_t>(p).first(count));
}

std::vector<std::size_t> pixel_permutation(std::uint64_t seed, std::size_t n_pixels) {
  return random_permutation(n_pixels, seed, stream::data_pixel_perm);
}

ImageSet permute_pixels(const ImageSet& s, std::span<const std::size_t> perm) {
  const std::size_t m = s.image_size();
  std::vector<bool> seen(m, false);
  bool ok = perm.size() == m;
  for (std::size_t j = 0; ok && j < m; ++j) {
    ok = perm[j] < m && !seen[perm[j]];
    if (ok) seen[perm[j]] = true;
  }
  if (!ok)
    throw ConfigError("permute_pixels: not a permutation of 0.." + std::to_string(m) + "-1 (got " +
                      std::to_string(perm.size()) + " entries)");
  ImageSet out{s.rows, s.cols, std::vector<float>(s.pixels.size()), s.labels};
  for (std::size_t i = 0; i < s.size(); ++i)
    for (std::size_t j = 0; j < m; ++j) out.pixels[i * m + j] = s.pixels[i * m + perm[j]];
  return out;
}

}  // namespace memphase
