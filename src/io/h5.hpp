#pragma once
// A small RAII and error-checking layer over the HDF5 C API, used by the io
// module. Every HDF5 call is checked; a failure throws IoError
//   "<file>: cannot <what> <object> (HDF5: <HDF5's own message>)"
// where HDF5's message is read from its error stack (H5Ewalk2 + H5Eget_msg)
// right after the failing call. Every H5File factory turns off HDF5's
// automatic printing of error stacks, so nothing reaches stderr.
//
// Files are opened with the default (serial, sec2) file access property list:
// this works with the parallel HDF5 library in a process that never calls
// MPI_Init. Collective writes of the campaign file live in campaign_file.cpp.
#include <hdf5.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace memphase::detail {

/// Turns off HDF5's automatic error printing on the default error stack.
/// Idempotent; called by every H5File factory.
void h5_quiet();

/// HDF5's current error stack summarised on one line (outermost description,
/// innermost description and its minor message), or "" if the stack is empty.
/// Clears the stack. Call it before any other HDF5 call, which would reset it.
std::string h5_error_message();

/// Throws IoError "<file>: cannot <what>[ <object>][ (HDF5: <message>)]",
/// capturing HDF5's error stack first.
[[noreturn]] void h5_fail(std::string_view file, std::string_view what,
                          std::string_view object = {});

/// Owner of one HDF5 identifier (file, group, dataset, dataspace, datatype,
/// attribute or property list). The destructor closes it with the matching
/// H5?close and ignores errors; use H5File::close() where a failed close
/// matters.
class H5Id {
 public:
  H5Id() = default;
  explicit H5Id(hid_t id) noexcept : id_(id) {}
  H5Id(H5Id&& o) noexcept : id_(o.id_) { o.id_ = H5I_INVALID_HID; }
  H5Id& operator=(H5Id&& o) noexcept;
  H5Id(const H5Id&) = delete;
  H5Id& operator=(const H5Id&) = delete;
  ~H5Id() { reset(); }

  hid_t get() const noexcept { return id_; }
  /// Gives up ownership without closing.
  hid_t release() noexcept;
  /// Closes the identifier now (errors ignored).
  void reset() noexcept;

 private:
  hid_t id_ = H5I_INVALID_HID;
};

/// HDF5 native memory type of a C++ scalar.
template <class T>
hid_t h5_native_type() {
  if constexpr (std::is_same_v<T, float>)
    return H5T_NATIVE_FLOAT;
  else if constexpr (std::is_same_v<T, double>)
    return H5T_NATIVE_DOUBLE;
  else if constexpr (std::is_same_v<T, std::int8_t>)
    return H5T_NATIVE_INT8;
  else if constexpr (std::is_same_v<T, std::int32_t>)
    return H5T_NATIVE_INT32;
  else if constexpr (std::is_same_v<T, std::int64_t>)
    return H5T_NATIVE_INT64;
  else if constexpr (std::is_same_v<T, std::uint64_t>)
    return H5T_NATIVE_UINT64;
  else
    static_assert(!sizeof(T), "no HDF5 native type for this scalar");
}

/// One open HDF5 file. Object names are absolute paths ("/grid/lr").
/// Datasets are read and written whole or by rows of their first axis, in
/// HDF5's row-major order; values are converted between the file's and the
/// memory type by HDF5, but only within one class (integer or float).
class H5File {
 public:
  /// Opens an existing file read-only / read-write.
  static H5File open_read(const std::string& path);
  static H5File open_rw(const std::string& path);
  /// Creates `path`, truncating an existing file.
  static H5File create(const std::string& path);

  H5File(H5File&&) noexcept = default;
  H5File& operator=(H5File&&) noexcept = default;

  const std::string& path() const { return path_; }
  hid_t id() const { return id_.get(); }

  /// True if every component of the link path `object` exists.
  bool exists(std::string_view object) const;
  /// Names of the links in group `group`, in name order (empty if absent).
  std::vector<std::string> list(std::string_view group) const;
  /// True if `object` has an attribute `name`.
  bool has_attr(std::string_view name, std::string_view object = "/") const;

  /// Shape of a dataset (empty for a scalar dataset).
  std::vector<hsize_t> shape(std::string_view dataset) const;

  /// Reads rows [row, row + count) of the first axis of `dataset`, all other
  /// axes in full, row-major. Throws if the rows are out of range or the
  /// dataset's class (integer/float) differs from T's.
  template <class T>
  std::vector<T> read_rows(std::string_view dataset, hsize_t row, hsize_t count) const {
    std::vector<T> out(static_cast<std::size_t>(row_values(dataset) * count));
    read_rows_into(dataset, row, count, h5_native_type<T>(), out.data(), out.size());
    return out;
  }
  /// The single value of row `row` of a 1-D dataset.
  template <class T>
  T read_value(std::string_view dataset, hsize_t row) const {
    T v{};
    read_rows_into(dataset, row, 1, h5_native_type<T>(), &v, 1);
    return v;
  }

  /// Creates group `name` (its parent must exist).
  void create_group(std::string_view name);
  /// Creates dataset `name` of the given shape with T's native type and
  /// writes `data` (row-major, size = product of shape).
  template <class T>
  void write(std::string_view name, const std::vector<hsize_t>& shape, const std::vector<T>& data) {
    write_raw(name, shape, h5_native_type<T>(), data.data(), data.size());
  }
  /// Removes the link `name` (dataset or group).
  void remove(std::string_view name);

  /// String attribute (variable-length UTF-8 when written; fixed-length
  /// strings are read too).
  std::string read_attr_string(std::string_view name, std::string_view object = "/") const;
  void write_attr(std::string_view name, const std::string& value, std::string_view object = "/");
  /// Integer attribute, as int64.
  std::int64_t read_attr_int(std::string_view name, std::string_view object = "/") const;
  void write_attr(std::string_view name, std::int64_t value, std::string_view object = "/");

  /// Flushes and closes the file, throwing if HDF5 reports a failure (the
  /// destructor closes silently).
  void close();

 private:
  H5File(std::string path, hid_t id) : path_(std::move(path)), id_(id) {}

  /// Number of values in one row (product of all but the first axis);
  /// 1 for a 1-D dataset.
  hsize_t row_values(std::string_view dataset) const;
  void read_rows_into(std::string_view dataset, hsize_t row, hsize_t count, hid_t mem_type,
                      void* out, std::size_t n_out) const;
  void write_raw(std::string_view name, const std::vector<hsize_t>& shape, hid_t mem_type,
                 const void* data, std::size_t n);
  H5Id open_attr(std::string_view name, std::string_view object) const;

  std::string path_;
  H5Id id_;
};

}  // namespace memphase::detail
