#include "io/h5.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.hpp"

namespace memphase::detail {

namespace {

struct StackEntry {
  std::string desc;
  hid_t minor;
};

herr_t collect_entry(unsigned /*n*/, const H5E_error2_t* e, void* data) {
  static_cast<std::vector<StackEntry>*>(data)->push_back({e->desc ? e->desc : "", e->min_num});
  return 0;
}

/// One line, single spaces (HDF5 puts a newline inside some descriptions).
std::string one_line(std::string s) {
  std::replace_if(
      s.begin(), s.end(), [](char c) { return c == '\n' || c == '\r' || c == '\t'; }, ' ');
  std::string out;
  for (char c : s)
    if (c != ' ' || (!out.empty() && out.back() != ' ')) out += c;
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string shape_string(const std::vector<hsize_t>& dims) {
  return fmt::format("({})", fmt::join(dims, ", "));
}

const char* class_name(H5T_class_t c) {
  switch (c) {
    case H5T_INTEGER:
      return "integer";
    case H5T_FLOAT:
      return "float";
    case H5T_STRING:
      return "string";
    default:
      return "non-numeric";
  }
}

/// "attribute X" for the root, "attribute X of /obj" otherwise.
std::string attr_label(std::string_view name, std::string_view object) {
  return object == "/" ? fmt::format("attribute {}", name)
                       : fmt::format("attribute {} of {}", name, object);
}

hsize_t product(std::vector<hsize_t>::const_iterator b, std::vector<hsize_t>::const_iterator e) {
  hsize_t p = 1;
  for (; b != e; ++b) p *= *b;
  return p;
}

/// Number of elements of an attribute's dataspace (1 for a scalar).
hssize_t attr_points(const std::string& path, const H5Id& a, const std::string& label) {
  const H5Id space(H5Aget_space(a.get()));
  if (space.get() < 0) h5_fail(path, "get the dataspace of", label);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n < 0) h5_fail(path, "get the size of", label);
  return n;
}

}  // namespace

void h5_quiet() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

std::string h5_error_message() {
  std::vector<StackEntry> stack;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect_entry, &stack);
  std::string minor;
  if (!stack.empty()) {
    char buf[256] = {};
    H5E_type_t type;
    if (H5Eget_msg(stack.back().minor, &type, buf, sizeof buf) > 0) minor = buf;
  }
  H5Eclear2(H5E_DEFAULT);
  if (stack.empty()) return {};
  std::string msg = one_line(stack.front().desc);
  const std::string inner = one_line(stack.back().desc);
  if (inner.starts_with(msg))
    msg = inner;  // "unable to open file" + "unable to open file: name = ..."
  else if (stack.size() > 1)
    msg += ": " + inner;
  if (!minor.empty()) msg += " [" + minor + "]";
  return msg;
}

void h5_fail(std::string_view file, std::string_view what, std::string_view object) {
  const std::string h5 = h5_error_message();
  std::string msg = fmt::format("{}: cannot {}", file, what);
  if (!object.empty()) msg += fmt::format(" {}", object);
  if (!h5.empty()) msg += fmt::format(" (HDF5: {})", h5);
  throw IoError(msg);
}

// ------------------------------------------------------------------- H5Id

H5Id& H5Id::operator=(H5Id&& o) noexcept {
  if (this != &o) {
    reset();
    id_ = o.id_;
    o.id_ = H5I_INVALID_HID;
  }
  return *this;
}

hid_t H5Id::release() noexcept {
  const hid_t id = id_;
  id_ = H5I_INVALID_HID;
  return id;
}

void H5Id::reset() noexcept {
  if (id_ < 0) return;
  const hid_t id = release();
  if (H5Iis_valid(id) <= 0) return;
  switch (H5Iget_type(id)) {
    case H5I_FILE:
      H5Fclose(id);
      break;
    case H5I_GROUP:
      H5Gclose(id);
      break;
    case H5I_DATASET:
      H5Dclose(id);
      break;
    case H5I_DATASPACE:
      H5Sclose(id);
      break;
    case H5I_DATATYPE:
      H5Tclose(id);
      break;
    case H5I_ATTR:
      H5Aclose(id);
      break;
    case H5I_GENPROP_LST:
      H5Pclose(id);
      break;
    default:
      H5Idec_ref(id);
      break;
  }
}

// ----------------------------------------------------------------- H5File

H5File H5File::open_read(const std::string& path) {
  h5_quiet();
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) h5_fail(path, "open the file for reading");
  return H5File(path, id);
}

H5File H5File::open_rw(const std::string& path) {
  h5_quiet();
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  if (id < 0) h5_fail(path, "open the file for writing");
  return H5File(path, id);
}

H5File H5File::create(const std::string& path) {
  h5_quiet();
  const hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (id < 0) h5_fail(path, "create the file");
  return H5File(path, id);
}

bool H5File::exists(std::string_view object) const {
  std::string prefix;
  std::size_t pos = 0;
  while (pos < object.size()) {
    const std::size_t next = std::min(object.find('/', pos + 1), object.size());
    prefix += object.substr(pos, next - pos);
    pos = next;
    if (prefix == "/") continue;
    const htri_t e = H5Lexists(id(), prefix.c_str(), H5P_DEFAULT);
    if (e < 0) h5_fail(path_, "look up", prefix);
    if (e == 0) return false;
  }
  return true;
}

std::vector<std::string> H5File::list(std::string_view group) const {
  std::vector<std::string> out;
  if (!exists(group)) return out;
  const std::string g(group);
  auto cb = [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
    static_cast<std::vector<std::string>*>(data)->emplace_back(name);
    return 0;
  };
  if (H5Literate_by_name(id(), g.c_str(), H5_INDEX_NAME, H5_ITER_INC, nullptr, cb, &out, H5P_DEFAULT) < 0)
    h5_fail(path_, "list group", g);
  return out;
}

bool H5File::has_attr(std::string_view name, std::string_view object) const {
  const std::string obj(object), nm(name);
  const htri_t e = H5Aexists_by_name(id(), obj.c_str(), nm.c_str(), H5P_DEFAULT);
  if (e < 0) h5_fail(path_, "look up", attr_label(name, object));
  return e > 0;
}

std::vector<hsize_t> H5File::shape(std::string_view dataset) const {
  const std::string name(dataset);
  const H5Id d(H5Dopen2(id(), name.c_str(), H5P_DEFAULT));
  if (d.get() < 0) h5_fail(path_, "open dataset", name);
  const H5Id space(H5Dget_space(d.get()));
  if (space.get() < 0) h5_fail(path_, "get the dataspace of", name);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) h5_fail(path_, "get the rank of", name);
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank > 0 && H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0)
    h5_fail(path_, "get the shape of", name);
  return dims;
}

hsize_t H5File::row_values(std::string_view dataset) const {
  const std::vector<hsize_t> dims = shape(dataset);
  if (dims.empty())
    throw IoError(
        fmt::format("{}: {} is a scalar, expected an array with a task axis", path_, dataset));
  return product(dims.begin() + 1, dims.end());
}

void H5File::read_rows_into(std::string_view dataset, hsize_t row, hsize_t count, hid_t mem_type,
                            void* out, std::size_t n_out) const {
  const std::string name(dataset);
  const H5Id d(H5Dopen2(id(), name.c_str(), H5P_DEFAULT));
  if (d.get() < 0) h5_fail(path_, "open dataset", name);
  {
    const H5Id file_type(H5Dget_type(d.get()));
    if (file_type.get() < 0) h5_fail(path_, "get the type of", name);
    const H5T_class_t fc = H5Tget_class(file_type.get()), mc = H5Tget_class(mem_type);
    if (fc != mc)
      throw IoError(fmt::format("{}: {} holds {} values, expected {}", path_, name, class_name(fc),
                                class_name(mc)));
  }
  const H5Id space(H5Dget_space(d.get()));
  if (space.get() < 0) h5_fail(path_, "get the dataspace of", name);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) h5_fail(path_, "get the rank of", name);
  if (rank == 0)
    throw IoError(
        fmt::format("{}: {} is a scalar, expected an array with a task axis", path_, name));
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0)
    h5_fail(path_, "get the shape of", name);
  if (row > dims[0] || count > dims[0] - row)
    throw IoError(fmt::format("{}: {} has shape {}, cannot read rows [{}, {})", path_, name,
                              shape_string(dims), row, row + count));
  const hsize_t per_row = product(dims.begin() + 1, dims.end());
  if (per_row * count != n_out)
    throw IoError(fmt::format("{}: {} has shape {}, {} rows do not fit a buffer of {} values",
                              path_, name, shape_string(dims), count, n_out));
  if (n_out == 0) return;
  std::vector<hsize_t> start(dims.size(), 0), cnt = dims;
  start[0] = row;
  cnt[0] = count;
  if (H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start.data(), nullptr, cnt.data(), nullptr) <
      0)
    h5_fail(path_, "select rows of", name);
  const hsize_t n = n_out;
  const H5Id mem(H5Screate_simple(1, &n, nullptr));
  if (mem.get() < 0) h5_fail(path_, "create a memory dataspace for", name);
  if (H5Dread(d.get(), mem_type, mem.get(), space.get(), H5P_DEFAULT, out) < 0)
    h5_fail(path_, "read", name);
}

void H5File::create_group(std::string_view name) {
  const std::string nm(name);
  const H5Id g(H5Gcreate2(id(), nm.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  if (g.get() < 0) h5_fail(path_, "create group", nm);
}

void H5File::write_raw(std::string_view name, const std::vector<hsize_t>& shape, hid_t mem_type,
                       const void* data, std::size_t n) {
  const std::string nm(name);
  if (product(shape.begin(), shape.end()) != n)
    throw IoError(fmt::format("{}: cannot write {}: {} values do not fill shape {}", path_, nm, n,
                              shape_string(shape)));
  const H5Id space(shape.empty()
                       ? H5Screate(H5S_SCALAR)
                       : H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr));
  if (space.get() < 0) h5_fail(path_, "create a dataspace for", nm);
  const H5Id d(
      H5Dcreate2(id(), nm.c_str(), mem_type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  if (d.get() < 0) h5_fail(path_, "create dataset", nm);
  if (n > 0 && H5Dwrite(d.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
    h5_fail(path_, "write", nm);
}

void H5File::remove(std::string_view name) {
  const std::string nm(name);
  if (H5Ldelete(id(), nm.c_str(), H5P_DEFAULT) < 0) h5_fail(path_, "remove", nm);
}

H5Id H5File::open_attr(std::string_view name, std::string_view object) const {
  const std::string obj(object), nm(name);
  H5Id a(H5Aopen_by_name(id(), obj.c_str(), nm.c_str(), H5P_DEFAULT, H5P_DEFAULT));
  if (a.get() < 0) h5_fail(path_, "open", attr_label(name, object));
  return a;
}

std::string H5File::read_attr_string(std::string_view name, std::string_view object) const {
  const std::string label = attr_label(name, object);
  const H5Id a = open_attr(name, object);
  const H5Id file_type(H5Aget_type(a.get()));
  if (file_type.get() < 0) h5_fail(path_, "get the type of", label);
  if (H5Tget_class(file_type.get()) != H5T_STRING)
    throw IoError(fmt::format("{}: {} is not a string", path_, label));
  if (attr_points(path_, a, label) != 1)
    throw IoError(fmt::format("{}: {} is not a single string", path_, label));
  const H5Id mem_type(H5Tcopy(H5T_C_S1));
  if (mem_type.get() < 0) h5_fail(path_, "copy a string type for", label);
  const htri_t vlen = H5Tis_variable_str(file_type.get());
  if (vlen < 0) h5_fail(path_, "inspect the type of", label);
  if (H5Tset_cset(mem_type.get(), H5Tget_cset(file_type.get())) < 0)
    h5_fail(path_, "set the charset for", label);
  if (vlen > 0) {
    if (H5Tset_size(mem_type.get(), H5T_VARIABLE) < 0)
      h5_fail(path_, "set a string size for", label);
    char* p = nullptr;
    if (H5Aread(a.get(), mem_type.get(), &p) < 0) h5_fail(path_, "read", label);
    std::string s = p ? p : "";
    H5free_memory(p);
    return s;
  }
  const std::size_t size = H5Tget_size(file_type.get());
  if (size == 0) h5_fail(path_, "get the string size of", label);
  if (H5Tset_size(mem_type.get(), size) < 0) h5_fail(path_, "set a string size for", label);
  std::string s(size, '\0');
  if (H5Aread(a.get(), mem_type.get(), s.data()) < 0) h5_fail(path_, "read", label);
  s.resize(std::min(s.find('\0'), s.size()));
  return s;
}

std::int64_t H5File::read_attr_int(std::string_view name, std::string_view object) const {
  const std::string label = attr_label(name, object);
  const H5Id a = open_attr(name, object);
  const H5Id file_type(H5Aget_type(a.get()));
  if (file_type.get() < 0) h5_fail(path_, "get the type of", label);
  if (H5Tget_class(file_type.get()) != H5T_INTEGER)
    throw IoError(fmt::format("{}: {} is not an integer", path_, label));
  if (attr_points(path_, a, label) != 1)
    throw IoError(fmt::format("{}: {} is not a single integer", path_, label));
  std::int64_t v = 0;
  if (H5Aread(a.get(), H5T_NATIVE_INT64, &v) < 0) h5_fail(path_, "read", label);
  return v;
}

void H5File::write_attr(std::string_view name, const std::string& value, std::string_view object) {
  const std::string obj(object), nm(name), label = attr_label(name, object);
  if (has_attr(name, object) && H5Adelete_by_name(id(), obj.c_str(), nm.c_str(), H5P_DEFAULT) < 0)
    h5_fail(path_, "replace", label);
  // Variable-length UTF-8, so that h5py returns str rather than bytes.
  const H5Id type(H5Tcopy(H5T_C_S1));
  if (type.get() < 0 || H5Tset_size(type.get(), H5T_VARIABLE) < 0 ||
      H5Tset_cset(type.get(), H5T_CSET_UTF8) < 0)
    h5_fail(path_, "make a string type for", label);
  const H5Id space(H5Screate(H5S_SCALAR));
  if (space.get() < 0) h5_fail(path_, "create a dataspace for", label);
  const H5Id a(H5Acreate_by_name(id(), obj.c_str(), nm.c_str(), type.get(), space.get(),
                                 H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  if (a.get() < 0) h5_fail(path_, "create", label);
  const char* p = value.c_str();
  if (H5Awrite(a.get(), type.get(), &p) < 0) h5_fail(path_, "write", label);
}

void H5File::write_attr(std::string_view name, std::int64_t value, std::string_view object) {
  const std::string obj(object), nm(name), label = attr_label(name, object);
  if (has_attr(name, object) && H5Adelete_by_name(id(), obj.c_str(), nm.c_str(), H5P_DEFAULT) < 0)
    h5_fail(path_, "replace", label);
  const H5Id space(H5Screate(H5S_SCALAR));
  if (space.get() < 0) h5_fail(path_, "create a dataspace for", label);
  const H5Id a(H5Acreate_by_name(id(), obj.c_str(), nm.c_str(), H5T_NATIVE_INT64, space.get(),
                                 H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  if (a.get() < 0) h5_fail(path_, "create", label);
  if (H5Awrite(a.get(), H5T_NATIVE_INT64, &value) < 0) h5_fail(path_, "write", label);
}

void H5File::close() {
  if (id_.get() < 0) return;
  if (H5Fflush(id_.get(), H5F_SCOPE_LOCAL) < 0) h5_fail(path_, "flush the file");
  if (H5Fclose(id_.release()) < 0) h5_fail(path_, "close the file");
}

}  // namespace memphase::detail
