#pragma once
// Base of a family whose configuration is a SectionsConfig (sections.hpp)
// with at most one own section (own_section.hpp): the members of the Family
// interface that every such family writes the same way, from static members
// of the family class `Derived` (CRTP):
//
//   kId            the folder name                       -> id()
//   kPresets[]     its presets                           -> presets()
//   kAxes[]        its grid axes                         -> axes()
//   apply_preset   static void (C&, std::string_view)    -> make()
//   kOwn           optional: pointer to C's own-section member (&Config::mine),
//                  a record with kSection and fields()   -> sections(), key_paths(),
//                                                           read(), to_yaml(), set_axis()
//   kTag           optional: the leading int32 of its encoding
//                                                        -> owns_encoding(), decode()
//   kOwnEncoded    optional, default true: whether the own section follows
//                  kTag in the encoding (C::encode writes the same bytes:
//                  kTag, encode_own_section, encode_sections)
//
// A family without kTag (its encoding is the sections alone) overrides
// owns_encoding() and decode(). Everything else (check, foreign_key_message,
// cost, memory, run, schema, analyze, ...) stays the family's.
#include <fmt/format.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/bytes.hpp"
#include "core/spec.hpp"
#include "plugin/family.hpp"
#include "sections/own_section.hpp"
#include "sections/sections.hpp"
#include "yaml/yaml_util.hpp"

namespace memphase {

template <class Derived, class C>
class SectionsFamily : public Family {
 public:
  std::string_view id() const override { return Derived::kId; }
  std::span<const Preset> presets() const override { return Derived::kPresets; }
  TaskSpec make(std::string_view preset) const override {
    return make_sections_spec<C>(this, preset, &Derived::apply_preset);
  }

  std::span<const std::string_view> sections() const override {
    if constexpr (has_own()) {
      static constexpr std::string_view s[] = {"model", "task", "train", Own<Derived>::kSection};
      return s;
    } else {
      static constexpr std::string_view s[] = {"model", "task", "train"};
      return s;
    }
  }
  std::vector<std::string> key_paths() const override {
    if constexpr (has_own())
      return section_key_paths(own_section_key_paths<Own<Derived>>());
    else
      return section_key_paths();
  }
  void read(detail::MapReader& top, TaskSpec& spec, detail::Diagnostics& diag) const override {
    C& c = spec.as<C>();
    const std::vector<std::string> all = key_paths();
    read_sections(top, c, diag, all);
    if constexpr (has_own()) {
      constexpr std::string_view name = Own<Derived>::kSection;
      detail::MapReader own(top.section(name), std::string(name), diag);
      read_own_section(own, c.*Derived::kOwn);
      own.finish(all);
    }
  }
  std::string to_yaml(const TaskSpec& spec) const override {
    const C& c = spec.as<C>();
    std::string out = sections_yaml(c);
    if constexpr (has_own()) out += own_section_yaml(c.*Derived::kOwn);
    return out;
  }
  bool owns_encoding(std::int32_t first) const override {
    if constexpr (has_tag()) {
      return first == Derived::kTag;
    } else {
      static_assert(!std::is_same_v<decltype(&Derived::owns_encoding), decltype(&SectionsFamily::owns_encoding)>,
                    "a family without kTag overrides owns_encoding() and decode()");
      return false;
    }
  }
  TaskSpec decode(ByteReader& r) const override {
    if constexpr (has_tag()) {
      if (r.get<std::int32_t>() != Derived::kTag) r.fail(fmt::format("{} spec tag", Derived::kId).c_str());
      auto c = std::make_unique<C>();
      if constexpr (has_own() && own_encoded()) decode_own_section(r, (*c).*Derived::kOwn);
      decode_sections(r, *c, r.get<std::int32_t>());
      return TaskSpec(this, std::move(c));
    } else {
      static_assert(!std::is_same_v<decltype(&Derived::decode), decltype(&SectionsFamily::decode)>,
                    "a family without kTag overrides owns_encoding() and decode()");
      r.fail("spec without a family tag");
    }
  }

  std::span<const AxisInfo> axes() const override { return Derived::kAxes; }
  /// An axis whose field is in the own section sets that field; any other,
  /// its sections field.
  void set_axis(TaskSpec& spec, std::string_view axis, double value) const override {
    C& c = spec.as<C>();
    if constexpr (has_own()) {
      for (const AxisInfo& a : axes())
        if (a.name == axis && set_own_section_field(c.*Derived::kOwn, a.field, value)) return;
    }
    set_section_axis(c, axis, value);
  }

 private:
  template <class M>
  struct MemberType;
  template <class T, class K>
  struct MemberType<T K::*> {
    using type = T;
  };
  /// The record of the own section (D = Derived: named only where it is complete).
  template <class D>
  using Own = typename MemberType<std::remove_cv_t<decltype(D::kOwn)>>::type;

  static constexpr bool has_own() { return requires { Derived::kOwn; }; }
  static constexpr bool has_tag() { return requires { Derived::kTag; }; }
  static constexpr bool own_encoded() {
    if constexpr (requires { Derived::kOwnEncoded; })
      return Derived::kOwnEncoded;
    else
      return true;
  }
};

}  // namespace memphase
