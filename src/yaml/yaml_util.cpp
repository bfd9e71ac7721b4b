#include "yaml/yaml_util.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "core/error.hpp"

namespace memphase::detail {

namespace {

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Largest integer below which every integer is exactly representable in a double.
constexpr double max_exact_integer = 9007199254740992.0;  // 2^53

// Integral double in [lo, hi] (both within +-2^53).
std::optional<double> integral_double(std::string_view text) {
  const std::optional<double> d = parse_double(text);
  if (!d || !std::isfinite(*d) || *d != std::trunc(*d) || std::fabs(*d) > max_exact_integer) {
    return std::nullopt;
  }
  return *d;
}

}  // namespace

// ------------------------------------------------------------------ positions

Location location_of(const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0) return {};
  return {mark.line + 1, mark.column + 1};
}

Location location_of(const YAML::Node& node) {
  if (!node.IsDefined()) return {};
  return location_of(node.Mark());
}

// ------------------------------------------------------------------ errors

Diagnostics::Diagnostics(std::string source) : source_(std::move(source)) {}

std::string Diagnostics::where(Location at) const {
  if (!at.known()) return source_;
  return fmt::format("{}:{}:{}", source_, at.line, at.column);
}

void Diagnostics::error(Location at, std::string text) { errors_.push_back({at, std::move(text)}); }

void Diagnostics::error_at_key(std::string_view path, std::string text) {
  error(location(path), std::move(text));
  mark_failed(path);
}

void Diagnostics::throw_if_errors() const {
  if (errors_.empty()) return;
  std::vector<Entry> sorted = errors_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const Entry& a, const Entry& b) {
    if (a.at.known() != b.at.known()) return a.at.known();
    if (!a.at.known()) return false;
    return std::pair(a.at.line, a.at.column) < std::pair(b.at.line, b.at.column);
  });
  std::string msg;
  const std::size_t listed = std::min(sorted.size(), max_listed);
  for (std::size_t i = 0; i < listed; ++i) {
    if (i > 0) msg += '\n';
    msg += fmt::format("{}: {}", where(sorted[i].at), sorted[i].text);
  }
  if (sorted.size() > listed) {
    msg += fmt::format("\n{}: ... and {} more errors", source_, sorted.size() - listed);
  }
  throw ConfigError(msg);
}

void Diagnostics::set_location(const std::string& path, Location at) { locations_[path] = at; }

Location Diagnostics::location(std::string_view path) const {
  const auto it = locations_.find(path);
  return it == locations_.end() ? Location{} : it->second;
}

void Diagnostics::mark_failed(std::string_view path) { failed_.emplace(path); }

bool Diagnostics::failed(std::string_view path) const { return failed_.contains(path); }

YAML::Node load_yaml(const std::string& text, const std::string& source) {
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    Diagnostics d(source);
    d.error(location_of(e.mark), fmt::format("malformed YAML: {}", e.msg));
    d.throw_if_errors();
  }
  if (docs.size() > 1) {
    Diagnostics d(source);
    d.error(location_of(docs[1]),
            fmt::format("expected one YAML document, found {} (a line '---' starts a new one)",
                        docs.size()));
    d.throw_if_errors();
  }
  return docs.empty() ? YAML::Node() : docs.front();
}

// ------------------------------------------------------------------ text helpers

std::string join_key(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return fmt::format("{}.{}", parent, key);
}

std::string index_key(std::string_view parent, std::size_t index) {
  return fmt::format("{}[{}]", parent, index);
}

std::size_t edit_distance(std::string_view a_in, std::string_view b_in) {
  const std::string a = lowered(a_in), b = lowered(b_in);
  const std::size_t n = a.size(), m = b.size();
  // d[i][j]: distance between a[0,i) and b[0,j).
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

std::optional<std::string> closest_match(std::string_view word,
                                         std::span<const std::string> candidates) {
  std::optional<std::string> best;
  std::size_t best_d = 3;
  for (const std::string& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_d && d < word.size()) {
      best = c;
      best_d = d;
    }
  }
  return best;
}

std::string join_list(std::span<const std::string> items, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += sep;
    out += items[i];
  }
  return out;
}

std::string format_double(double v) {
  if (std::isnan(v)) return ".nan";
  if (std::isinf(v)) return v > 0 ? ".inf" : "-.inf";
  std::string s = fmt::format("{}", v);  // shortest text that round-trips
  const std::size_t e = s.find_first_of("eE");
  if (s.find('.') == std::string::npos) {
    if (e == std::string::npos) {
      s += ".0";
    } else {
      s.insert(e, ".0");
    }
  }
  return s;
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return fmt::format("'{}'", node.Scalar());
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a sequence";
    case YAML::NodeType::Null:
      return "an empty value";
    case YAML::NodeType::Undefined:
      break;
  }
  return "nothing";
}

// ------------------------------------------------------------------ scalar parsing

std::optional<double> parse_double(std::string_view text) {
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  const std::string low = lowered(s);
  if (low == ".inf" || low == "inf" || low == "infinity") {
    return negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  }
  if (low == ".nan" || low == "nan") return std::numeric_limits<double>::quiet_NaN();
  // Decimal or scientific literal only: a digit, or '.' followed by a digit.
  if (!(is_digit(s.front()) || (s.front() == '.' && s.size() > 1 && is_digit(s[1])))) {
    return std::nullopt;
  }
  double v = 0.0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ptr != s.data() + s.size()) return std::nullopt;
  if (ec == std::errc::result_out_of_range) {
    // Overflow to +-inf or underflow to 0: let strtod pick the limit value.
    v = std::strtod(std::string(s).c_str(), nullptr);
  } else if (ec != std::errc()) {
    return std::nullopt;
  }
  return negative ? -v : v;
}

std::optional<std::int64_t> parse_int64(std::string_view text) {
  std::string_view s = text;
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  const std::string_view digits = !s.empty() && s.front() == '-' ? s.substr(1) : s;
  if (!digits.empty() && std::all_of(digits.begin(), digits.end(), is_digit)) {
    std::int64_t v = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && ptr == s.data() + s.size()) return v;
    return std::nullopt;  // out of range
  }
  if (const std::optional<double> d = integral_double(text)) return static_cast<std::int64_t>(*d);
  return std::nullopt;
}

std::optional<std::uint64_t> parse_uint64(std::string_view text) {
  std::string_view s = text;
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (!s.empty() && std::all_of(s.begin(), s.end(), is_digit)) {
    std::uint64_t v = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && ptr == s.data() + s.size()) return v;
    return std::nullopt;
  }
  if (const std::optional<double> d = integral_double(text); d && *d >= 0.0) {
    return static_cast<std::uint64_t>(*d);
  }
  return std::nullopt;
}

// ------------------------------------------------------------------ map reading

MapReader::MapReader(const YAML::Node& node, std::string path, Diagnostics& diag)
    : path_(std::move(path)), diag_(diag) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsMap()) {
    is_map_ = false;
    diag_.error(location_of(node),
                fmt::format("{} must be a map of keys (got {})",
                            path_.empty() ? std::string("the top level") : path_, describe(node)));
    diag_.mark_failed(path_);
    return;
  }
  for (const auto& kv : node) {
    const YAML::Node& k = kv.first;
    if (!k.IsScalar()) {
      diag_.error(
          location_of(k),
          fmt::format("keys{} must be plain names (got {})",
                      path_.empty() ? std::string() : fmt::format(" of '{}'", path_), describe(k)));
      continue;
    }
    const std::string& name = k.Scalar();
    if (const Item* first = item(name)) {
      const Location at = location_of(first->key_node);
      diag_.error(location_of(k), at.known()
                                      ? fmt::format("duplicate key '{}' (first given at line {})",
                                                    key_path(name), at.line)
                                      : fmt::format("duplicate key '{}'", key_path(name)));
      continue;
    }
    items_.push_back({name, k, kv.second});
  }
}

const MapReader::Item* MapReader::item(std::string_view key) const {
  for (const Item& it : items_) {
    if (it.key == key) return &it;
  }
  return nullptr;
}

void MapReader::declare(std::string_view key) {
  if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.emplace_back(key);
}

bool MapReader::has(std::string_view key) {
  declare(key);
  return item(key) != nullptr;
}

YAML::Node MapReader::find(std::string_view key) {
  declare(key);
  const Item* it = item(key);
  return it ? it->value : YAML::Node(YAML::NodeType::Undefined);
}

Location MapReader::location(std::string_view key) const {
  const Item* it = item(key);
  if (!it) return {};
  // yaml-cpp places an empty value at the next token; point at the key instead.
  return it->value.IsNull() ? location_of(it->key_node) : location_of(it->value);
}

std::vector<std::string> MapReader::keys() const {
  std::vector<std::string> out;
  out.reserve(items_.size());
  for (const Item& it : items_) out.push_back(it.key);
  return out;
}

void MapReader::type_error(const Item& it, std::string_view expected) {
  const std::string path = key_path(it.key);
  diag_.error_at_key(path,
                     fmt::format("{} must be {} (got {})", path, expected, describe(it.value)));
}

std::optional<std::string> MapReader::scalar_of(const Item& it, std::string_view expected) {
  diag_.set_location(key_path(it.key), location(it.key));
  if (!it.value.IsScalar()) {
    type_error(it, expected);
    return std::nullopt;
  }
  return it.value.Scalar();
}

bool MapReader::read(std::string_view key, double& out) {
  declare(key);
  const Item* it = item(key);
  if (!it) return false;
  const std::optional<std::string> text = scalar_of(*it, "a number");
  if (!text) return false;
  const std::optional<double> v = parse_double(*text);
  if (!v) {
    type_error(*it, "a number");
    return false;
  }
  out = *v;
  return true;
}

std::optional<std::int64_t> MapReader::integer_of(std::string_view key, std::int64_t lo,
                                                  std::int64_t hi) {
  declare(key);
  const Item* it = item(key);
  if (!it) return std::nullopt;
  const std::optional<std::string> text = scalar_of(*it, "an integer");
  if (!text) return std::nullopt;
  const std::optional<std::int64_t> v = parse_int64(*text);
  if (v && *v >= lo && *v <= hi) return v;
  const std::optional<double> d = parse_double(*text);
  const bool integral = v || (d && std::isfinite(*d) && *d == std::trunc(*d));
  type_error(*it, integral ? fmt::format("an integer between {} and {}", lo, hi) : "an integer");
  return std::nullopt;
}

bool MapReader::read(std::string_view key, std::int64_t& out) {
  const std::optional<std::int64_t> v = integer_of(key, std::numeric_limits<std::int64_t>::min(),
                                                   std::numeric_limits<std::int64_t>::max());
  if (v) out = *v;
  return v.has_value();
}

bool MapReader::read(std::string_view key, int& out) {
  const std::optional<std::int64_t> v =
      integer_of(key, std::numeric_limits<int>::min(), std::numeric_limits<int>::max());
  if (v) out = static_cast<int>(*v);
  return v.has_value();
}

bool MapReader::read(std::string_view key, std::uint64_t& out) {
  declare(key);
  const Item* it = item(key);
  if (!it) return false;
  const std::optional<std::string> text = scalar_of(*it, "a non-negative integer");
  if (!text) return false;
  if (const std::optional<std::int64_t> s = parse_int64(*text); s && *s < 0) {
    const std::string path = key_path(key);
    diag_.error_at_key(path, fmt::format("{} must be >= 0 (got {})", path, *s));
    return false;
  }
  const std::optional<std::uint64_t> v = parse_uint64(*text);
  if (!v) {
    type_error(*it, "a non-negative integer");
    return false;
  }
  out = *v;
  return true;
}

bool MapReader::read(std::string_view key, bool& out) {
  declare(key);
  const Item* it = item(key);
  if (!it) return false;
  const std::optional<std::string> text = scalar_of(*it, "true or false");
  if (!text) return false;
  const std::string low = lowered(*text);
  if (low == "true" || low == "yes" || low == "on") {
    out = true;
  } else if (low == "false" || low == "no" || low == "off") {
    out = false;
  } else {
    type_error(*it, "true or false");
    return false;
  }
  return true;
}

bool MapReader::read(std::string_view key, std::string& out) {
  declare(key);
  const Item* it = item(key);
  if (!it) return false;
  const std::optional<std::string> text = scalar_of(*it, "a string");
  if (!text) return false;
  out = *text;
  return true;
}

std::optional<std::size_t> MapReader::read_choice_index(std::string_view key,
                                                        std::span<const std::string> names) {
  declare(key);
  const Item* it = item(key);
  if (!it) return std::nullopt;
  const std::string expected = fmt::format("one of {}", join_list(names));
  const std::optional<std::string> text = scalar_of(*it, expected);
  if (!text) return std::nullopt;
  const auto pos = std::find(names.begin(), names.end(), *text);
  if (pos != names.end()) return static_cast<std::size_t>(pos - names.begin());
  const std::string path = key_path(key);
  const std::optional<std::string> near = closest_match(*text, names);
  diag_.error_at_key(path, near ? fmt::format("{} must be {} (got '{}'; did you mean '{}'?)", path,
                                              expected, *text, *near)
                                : fmt::format("{} must be {} (got '{}')", path, expected, *text));
  return std::nullopt;
}

void MapReader::finish(std::span<const std::string> elsewhere) {
  for (const Item& it : items_) {
    if (std::find(known_.begin(), known_.end(), it.key) != known_.end()) continue;
    std::string hint;
    if (const std::optional<std::string> sib = closest_match(it.key, known_)) {
      hint = fmt::format(" (did you mean '{}'?)", key_path(*sib));
    } else {
      // Same name in another section? Compare by the last path component.
      std::vector<std::string> leaves;
      leaves.reserve(elsewhere.size());
      for (const std::string& p : elsewhere) {
        const std::size_t dot = p.rfind('.');
        leaves.push_back(dot == std::string::npos ? p : p.substr(dot + 1));
      }
      if (const std::optional<std::string> leaf = closest_match(it.key, leaves)) {
        const auto i = static_cast<std::size_t>(std::find(leaves.begin(), leaves.end(), *leaf) -
                                                leaves.begin());
        hint = fmt::format(" (did you mean '{}'?)", elsewhere[i]);
      } else if (!known_.empty()) {
        hint = fmt::format(" (known keys{}: {})",
                           path_.empty() ? std::string() : fmt::format(" of '{}'", path_),
                           join_list(known_));
      }
    }
    diag_.error(location_of(it.key_node),
                fmt::format("unknown key '{}'{}", key_path(it.key), hint));
  }
}

std::string read_text_file(const std::string& path, std::string_view kind) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw IoError(fmt::format("cannot read {} '{}': it is a directory", kind, path));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(fmt::format("cannot read {} '{}': {}", kind, path, std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw IoError(fmt::format("cannot read {} '{}': read error", kind, path));
  return text.str();
}

}  // namespace memphase::detail
