#pragma once
// Minimal little-endian binary encoding for checkpoints and journal records:
// PODs, strings, vectors and Eigen matrices (shape + data). The reader checks
// every length against the remaining bytes and throws IoError on truncation,
// so a corrupt record never reads out of bounds.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/error.hpp"
#include "core/params.hpp"
#include "core/result.hpp"
#include "core/spec.hpp"

namespace memphase {

class ByteWriter {
 public:
  template <class T>
    requires std::is_trivially_copyable_v<T>
  void put(const T& v) {
    const auto* p = reinterpret_cast<const char*>(&v);
    buf_.append(p, sizeof(T));
  }
  void put_bytes(const void* p, std::size_t n) { buf_.append(static_cast<const char*>(p), n); }
  void put_string(std::string_view s) {
    put<std::uint64_t>(s.size());
    buf_.append(s.data(), s.size());
  }
  template <class T>
  void put_vector(const std::vector<T>& v) {
    put<std::uint64_t>(v.size());
    put_bytes(v.data(), v.size() * sizeof(T));
  }
  template <class Derived>
  void put_matrix(const Eigen::PlainObjectBase<Derived>& m) {
    put<std::int64_t>(m.rows());
    put<std::int64_t>(m.cols());
    put_bytes(m.data(), static_cast<std::size_t>(m.size()) * sizeof(typename Derived::Scalar));
  }
  const std::string& str() const { return buf_; }
  std::string take() { return std::move(buf_); }

 private:
  std::string buf_;
};

class ByteReader {
 public:
  /// `what` names the source in error messages (a path).
  ByteReader(std::string_view data, std::string what) : data_(data), what_(std::move(what)) {}

  template <class T>
    requires std::is_trivially_copyable_v<T>
  T get() {
    T v;
    std::memcpy(&v, need(sizeof(T)), sizeof(T));
    return v;
  }
  std::string get_string() {
    const auto n = get<std::uint64_t>();
    const char* p = need(n);
    return std::string(p, n);
  }
  template <class T>
  std::vector<T> get_vector() {
    const auto n = get<std::uint64_t>();
    if (n > remaining() / sizeof(T)) fail("vector length");
    std::vector<T> v(n);
    if (n > 0) std::memcpy(v.data(), need(n * sizeof(T)), n * sizeof(T));
    return v;
  }
  template <class M>
  void get_matrix(M& m) {
    const auto r = get<std::int64_t>(), c = get<std::int64_t>();
    if (r < 0 || c < 0 || (r > 0 && static_cast<std::uint64_t>(c) >
                                        remaining() / sizeof(typename M::Scalar) / static_cast<std::uint64_t>(r)))
      fail("matrix shape");
    m.resize(r, c);
    const std::size_t n = static_cast<std::size_t>(r * c) * sizeof(typename M::Scalar);
    std::memcpy(m.data(), need(n), n);
  }
  /// The next T without consuming it.
  template <class T>
    requires std::is_trivially_copyable_v<T>
  T peek() const {
    if (sizeof(T) > remaining()) fail("truncated");
    T v;
    std::memcpy(&v, data_.data() + pos_, sizeof(T));
    return v;
  }
  std::size_t remaining() const { return data_.size() - pos_; }
  bool done() const { return pos_ == data_.size(); }
  /// Throws IoError "<what>: corrupt record (<why> at byte <pos>)".
  [[noreturn]] void fail(const char* why) const {
    throw IoError(what_ + ": corrupt record (" + why + " at byte " + std::to_string(pos_) + ")");
  }

 private:
  const char* need(std::size_t n) {
    if (n > remaining()) fail("truncated");
    const char* p = data_.data() + pos_;
    pos_ += n;
    return p;
  }
  std::string_view data_;
  std::size_t pos_ = 0;
  std::string what_;
};

/// Encoders for the shared records (field order is the format; bump the
/// version constant in the container when it changes).
/// A spec: its family's canonical encoding (FamilyConfig::encode).
void put(ByteWriter& w, const TaskSpec& s);
/// Decodes a spec whose family is known from its encoding alone: the family
/// registry's decode_spec (families/registry.hpp), or one family's own
/// decoder. Throws IoError on malformed input.
using SpecDecoder = TaskSpec (*)(ByteReader&);
void put(ByteWriter& w, const Params<float>& p);
void get(ByteReader& r, Params<float>& p);
void put(ByteWriter& w, const Curves& c);
void get(ByteReader& r, Curves& c);
/// A TaskResult as it is (dense curves, or thinned ones with their block).
void put(ByteWriter& w, const TaskResult& t);
/// Decodes both: records with dense curves (all records written before
/// thinning existed) and thinned records (t.sampling says which epochs);
/// the spec at its head through `spec`.
void get(ByteReader& r, TaskResult& t, SpecDecoder spec);
/// A TaskResult as committed to a journal: its curves thinned to the points a
/// campaign file keeps (committed_sampling in core/result.hpp), so a record
/// is about record_every times smaller and gathers to the same campaign.h5.
/// Byte-identical to put() when that drops no entry (record_every 1; toys,
/// which have no curves; runs short enough that every epoch is kept).
void put_committed(ByteWriter& w, const TaskResult& t);

}  // namespace memphase
