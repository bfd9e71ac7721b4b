#pragma once
// Range rules for the check() of a family's configuration, with the messages
// every family uses: "train.lr must be > 0 (got -0.1)", and enumeration
// names for reading and writing YAML.
#include <fmt/format.h>

#include <cmath>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "yaml/yaml_util.hpp"

namespace memphase::detail {

/// Names of an enumeration's values, for MapReader::read_choice and name_of.
template <class E>
using Choices = std::span<const std::pair<std::string_view, E>>;

/// The name of `value` among `choices`; its number if it has none (an
/// out-of-range enum then fails to parse back).
template <class E>
std::string name_of(E value, Choices<std::type_identity_t<E>> choices) {
  for (const auto& [name, v] : choices) {
    if (v == value) return std::string(name);
  }
  return fmt::format("{}", static_cast<int>(value));
}

/// Range rules of a check(). Each returns whether the value passed, so that
/// cross-field rules run only on values that are valid on their own.
class Rules {
 public:
  explicit Rules(Diagnostics& diag) : diag_(diag) {}

  /// A double that must be finite and satisfy `ok`; `rule` reads "> 0".
  template <class Pred>
  bool number(std::string_view path, double v, Pred ok, std::string_view rule) {
    if (diag_.failed(path)) return false;
    if (!std::isfinite(v)) return fail(path, fmt::format("{} must be finite (got {})", path, v));
    if (!ok(v)) return fail(path, fmt::format("{} must be {} (got {})", path, rule, v));
    return true;
  }

  /// An integer that must satisfy `ok`.
  template <class Int, class Pred>
  bool integer(std::string_view path, Int v, Pred ok, std::string_view rule) {
    if (diag_.failed(path)) return false;
    if (!ok(v)) return fail(path, fmt::format("{} must be {} (got {})", path, rule, v));
    return true;
  }

  /// Whether `path` already has an error.
  bool failed(std::string_view path) const { return diag_.failed(path); }

  /// Records `text` at the location of `path`; returns false.
  bool fail(std::string_view path, std::string text) {
    diag_.error_at_key(path, std::move(text));
    return false;
  }

  Diagnostics& diagnostics() { return diag_; }

 private:
  Diagnostics& diag_;
};

inline constexpr auto positive = [](auto v) { return v > 0; };
inline constexpr auto non_negative = [](auto v) { return v >= 0; };
inline constexpr auto at_least_one = [](auto v) { return v >= 1; };

}  // namespace memphase::detail
