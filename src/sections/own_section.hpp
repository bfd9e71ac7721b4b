#pragma once
// A family's own YAML section (the section only its family reads) as one
// list of fields. The section's record S names its section and lists its
// fields once, in the order of its canonical YAML, which is also the order of
// its canonical encoding:
//
//   struct MineConfig {
//     static constexpr std::string_view kSection = "mine";
//     MineKind kind = MineKind::none;
//     int rank = 1;
//     ...
//     static void fields(auto& s, auto& v) {   // s: a MineConfig, const or not
//       v.choice("kind", s.kind, kMineKindNames);
//       v("rank", s.rank);
//       ...
//     }
//   };
//
// and the functions below read it from YAML, write its canonical YAML,
// encode and decode it, list its key paths and set the field of a grid axis,
// each by visiting that list. A field is a double, int, std::int64_t,
// std::uint64_t or std::string (v(key, field)), or an enumeration with its
// names (v.choice(key, field, names)).
//   YAML text: "  <key>: <value>\n" after "<section>:\n"; doubles by
//     format_double, integers and strings as they are, enumerations by name.
//   Encoding: each field by ByteWriter::put of its own type (strings by
//     put_string). v.choice's optional fourth argument makes the decoder
//     fail with that reason when the value read is not one of the names.
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/bytes.hpp"
#include "yaml/rules.hpp"
#include "yaml/yaml_util.hpp"

namespace memphase {

namespace own_section_detail {

template <class T>
inline constexpr bool kPlainField = std::is_same_v<T, double> || std::is_same_v<T, int> ||
                                    std::is_same_v<T, std::int64_t> || std::is_same_v<T, std::uint64_t> ||
                                    std::is_same_v<T, std::string>;

template <class E>
using Names = detail::Choices<std::type_identity_t<E>>;

struct Reader {
  detail::MapReader& m;
  template <class T>
  void operator()(std::string_view key, T& f) {
    static_assert(kPlainField<T>);
    m.read(key, f);
  }
  template <class E>
  void choice(std::string_view key, E& f, Names<E> names, const char* = nullptr) {
    m.read_choice(key, f, names);
  }
};

struct YamlWriter {
  std::back_insert_iterator<std::string> it;
  template <class T>
  void operator()(std::string_view key, const T& f) {
    static_assert(kPlainField<T>);
    if constexpr (std::is_same_v<T, double>)
      fmt::format_to(it, "  {}: {}\n", key, detail::format_double(f));
    else
      fmt::format_to(it, "  {}: {}\n", key, f);
  }
  template <class E>
  void choice(std::string_view key, const E& f, Names<E> names, const char* = nullptr) {
    fmt::format_to(it, "  {}: {}\n", key, detail::name_of(f, names));
  }
};

struct Encoder {
  ByteWriter& w;
  template <class T>
  void operator()(std::string_view, const T& f) {
    static_assert(kPlainField<T>);
    if constexpr (std::is_same_v<T, std::string>)
      w.put_string(f);
    else
      w.put(f);
  }
  template <class E>
  void choice(std::string_view, const E& f, Names<E>, const char* = nullptr) {
    w.put(f);
  }
};

struct Decoder {
  ByteReader& r;
  template <class T>
  void operator()(std::string_view, T& f) {
    static_assert(kPlainField<T>);
    if constexpr (std::is_same_v<T, std::string>)
      f = r.get_string();
    else
      f = r.get<T>();
  }
  template <class E>
  void choice(std::string_view, E& f, Names<E> names, const char* corrupt = nullptr) {
    f = r.get<E>();
    if (corrupt != nullptr && std::none_of(names.begin(), names.end(), [&f](const auto& n) { return n.second == f; }))
      r.fail(corrupt);
  }
};

struct KeyPaths {
  std::string_view section;
  std::vector<std::string>& out;
  template <class T>
  void operator()(std::string_view key, const T&) {
    out.push_back(detail::join_key(section, key));
  }
  template <class E>
  void choice(std::string_view key, const E&, Names<E>, const char* = nullptr) {
    out.push_back(detail::join_key(section, key));
  }
};

/// Sets field `key` to a grid value: integers by static_cast (the value
/// arrives integral), enumerations by the value's index.
struct AxisSetter {
  std::string_view key;
  double value;
  bool set = false;
  template <class T>
  void operator()(std::string_view k, T& f) {
    if constexpr (std::is_arithmetic_v<T>) {
      if (k != key) return;
      f = static_cast<T>(value);
      set = true;
    }
  }
  template <class E>
  void choice(std::string_view k, E& f, Names<E>, const char* = nullptr) {
    if (k != key) return;
    f = static_cast<E>(static_cast<int>(value));
    set = true;
  }
};

}  // namespace own_section_detail

/// Reads the fields of S from `m` (the MapReader of S's section; absent keys
/// keep their value). The caller finishes `m`.
template <class S>
void read_own_section(detail::MapReader& m, S& s) {
  own_section_detail::Reader v{m};
  S::fields(s, v);
}

/// Canonical YAML of the section: "<section>:\n" and a line a field.
template <class S>
std::string own_section_yaml(const S& s) {
  std::string out = fmt::format("{}:\n", S::kSection);
  own_section_detail::YamlWriter v{std::back_inserter(out)};
  S::fields(s, v);
  return out;
}

/// Encodes the fields of S in order.
template <class S>
void encode_own_section(ByteWriter& w, const S& s) {
  own_section_detail::Encoder v{w};
  S::fields(s, v);
}

/// Decodes what encode_own_section wrote (IoError on malformed input).
template <class S>
void decode_own_section(ByteReader& r, S& s) {
  own_section_detail::Decoder v{r};
  S::fields(s, v);
}

/// Key paths of the section's fields ("mine.kind", ...), in order.
template <class S>
std::vector<std::string> own_section_key_paths() {
  std::vector<std::string> out;
  own_section_detail::KeyPaths v{S::kSection, out};
  const S s{};
  S::fields(s, v);
  return out;
}

/// Sets the field at key path `path` ("mine.rank") to a grid value; false
/// if `path` is not a number or enumeration field of S.
template <class S>
bool set_own_section_field(S& s, std::string_view path, double value) {
  if (path.size() <= S::kSection.size() || !path.starts_with(S::kSection) || path[S::kSection.size()] != '.')
    return false;
  own_section_detail::AxisSetter v{path.substr(S::kSection.size() + 1), value};
  S::fields(s, v);
  return v.set;
}

}  // namespace memphase
