#include "config/campaign.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <optional>
#include <sstream>
#include <unordered_set>
#include <utility>

#include "config/spec_sections.hpp"
#include "config/train_config.hpp"
#include "families/registry.hpp"
#include "yaml/yaml_util.hpp"
#include "core/bytes.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"

namespace memphase {

namespace detail {

namespace {

/// a*b + c rounded twice, never fused into an FMA (GCC contracts a*b + c at
/// -O3 -march=native even in ISO mode, which changes the last bit and breaks
/// bitwise agreement with numpy).
double mul_add_unfused(double a, double b, double c) {
  volatile double p = a * b;
  return p + c;
}

}  // namespace

std::vector<double> linspace(double a, double b, std::int64_t n) {
  std::vector<double> v;
  if (n <= 0) return v;
  v.resize(static_cast<std::size_t>(n));
  if (n == 1) {
    v[0] = a;
    return v;
  }
  // numpy.linspace (endpoint=True): y = arange(n) * step + start, y[-1] = stop;
  // when step underflows to 0 it scales by delta after dividing instead.
  const double div = static_cast<double>(n - 1);
  const double delta = b - a;
  const double step = delta / div;
  for (std::int64_t i = 0; i < n; ++i) {
    const double x = static_cast<double>(i);
    v[static_cast<std::size_t>(i)] =
        step == 0.0 ? mul_add_unfused(x / div, delta, a) : mul_add_unfused(x, step, a);
  }
  v.back() = b;
  return v;
}

std::vector<double> logspace(double a, double b, std::int64_t n) {
  std::vector<double> v = linspace(a, b, n);
  for (double& x : v) x = std::pow(10.0, x);
  return v;
}

std::vector<double> range_inclusive(double start, double stop, double step) {
  std::vector<double> v;
  if (!(step > 0.0) || !std::isfinite(start) || !std::isfinite(stop) || !std::isfinite(step)) {
    return v;
  }
  const double tol = 1e-9 * std::max({std::fabs(start), std::fabs(stop), std::fabs(step)});
  if (start > stop + tol) return v;
  // Number of values: floor((stop - start) / step) + 1, allowing the last one
  // to overshoot stop by the tolerance.
  const double steps = (stop - start) / step;
  auto count = static_cast<std::int64_t>(std::floor(steps)) + 1;
  if (mul_add_unfused(static_cast<double>(count), step, start) <= stop + tol) ++count;
  v.reserve(static_cast<std::size_t>(count));
  for (std::int64_t i = 0; i < count; ++i) {
    double x = mul_add_unfused(static_cast<double>(i), step, start);
    if (x > stop + tol) break;
    if (std::fabs(x - stop) <= tol) x = stop;  // lands on stop: take it exactly
    v.push_back(x);
  }
  return v;
}

namespace {

/// Every axis any family can sweep (the registry's vocabulary).
const std::vector<AxisInfo>& known_axes() {
  static const std::vector<AxisInfo> axes = all_axes();
  return axes;
}

/// The known axis named `axis`, or nullptr.
const AxisInfo* find_axis(std::string_view axis) {
  for (const AxisInfo& a : known_axes()) {
    if (a.name == axis) return &a;
  }
  return nullptr;
}

/// Key path of the field of `axis` ("lr" -> "train.lr"); empty if unknown.
std::string_view axis_field(std::string_view axis) {
  const AxisInfo* a = find_axis(axis);
  return a ? a->field : std::string_view();
}

}  // namespace

namespace {

// ------------------------------------------------------------------ limits

/// Largest number of values one generator may produce, and of tasks in a
/// campaign: a typo such as `n: 1e9` must fail fast, not exhaust memory.
constexpr std::int64_t max_axis_values = 1'000'000;
constexpr std::int64_t max_tasks = 100'000'000;
/// Values closer than this (relative) count as duplicates within an axis.
constexpr double duplicate_rtol = 1e-12;
/// First line of canonical text; bump when its layout changes.
constexpr std::string_view canonical_marker = "memphase_campaign";
constexpr int canonical_version = 1;

/// One expanded axis value and where it was written (the list element, or
/// the generator that produced it).
struct Value {
  double v = 0.0;
  Location at;
};

std::string axis_value_text(std::string_view axis, double v) {
  const AxisInfo* info = find_axis(axis);
  if (info && !info->choices.empty()) {
    const auto i = static_cast<std::size_t>(v);
    if (v >= 0 && i < info->choices.size() && static_cast<double>(i) == v) return std::string(info->choices[i]);
  }
  if (info && info->integral) {
    return fmt::format("{}", static_cast<std::int64_t>(v));
  }
  return format_double(v);
}

/// Strips the "<prefix>: " that Diagnostics puts before each line of a
/// message built with source `prefix` and no locations.
std::string strip_prefix(const std::string& msg, const std::string& prefix) {
  std::istringstream in(msg);
  std::string out;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix + ": ", 0) == 0) line.erase(0, prefix.size() + 2);
    if (!out.empty()) out += "; ";
    out += line;
  }
  return out;
}

/// check_spec on `spec` alone; the messages (without a prefix), or nullopt.
std::optional<std::string> spec_problems(const TaskSpec& spec) {
  static const std::string tag = "\x01";
  Diagnostics tmp(tag);
  check_spec(spec, tmp);
  if (!tmp.has_errors()) return std::nullopt;
  try {
    tmp.throw_if_errors();
  } catch (const ConfigError& e) {
    return strip_prefix(e.what(), tag);
  }
  return std::nullopt;
}

/// The memory check of one spec: "<key> makes one task need about ... (got
/// <value>)" when its estimate exceeds the limit, else nullopt (also when the
/// check is disabled). `key` receives the key path it blames.
std::optional<std::string> memory_problem(const TaskSpec& spec, const MemoryCheck& m, std::string* key = nullptr) {
  if (!m.active()) return std::nullopt;
  const MemoryEstimate e = m.estimate(spec);
  if (e.bytes <= m.limit_bytes) return std::nullopt;
  if (key) *key = e.key;
  return fmt::format("{} makes one task need about {} of memory ({}), more than the {} allowed per task ({}) "
                     "(got {})",
                     e.key, format_bytes(e.bytes), e.breakdown, format_bytes(m.limit_bytes), m.limit_text, e.value);
}

// ------------------------------------------------------------------ grid axes

class AxisParser {
 public:
  explicit AxisParser(Diagnostics& diag) : diag_(diag) {}

  /// Names accepted for the values of a categorical axis (value = index).
  void set_choices(std::span<const std::string_view> c) { choices_ = c; }

  /// Values of the axis spec `node` (a number, a list of numbers or a
  /// generator map) written at key path `path`; nullopt after recording an
  /// error.
  std::optional<std::vector<Value>> parse(const YAML::Node& node, const std::string& path,
                                          Location at) {
    if (!node.IsDefined() || node.IsNull()) {
      diag_.error(at,
                  fmt::format("{} must have at least one value (got {})", path, describe(node)));
      return std::nullopt;
    }
    if (node.IsScalar()) {
      const std::optional<double> v = number(node, path);
      if (!v) return std::nullopt;
      return std::vector<Value>{{*v, location_of(node)}};
    }
    if (node.IsSequence()) return list(node, path, at);
    return generator(node, path);
  }

 private:
  /// A finite number, or nullopt after recording "<path> must be a number".
  std::optional<double> number(const YAML::Node& node, const std::string& path) {
    if (!choices_.empty()) {
      std::vector<std::string> names(choices_.begin(), choices_.end());
      for (std::size_t i = 0; i < choices_.size(); ++i)
        if (node.IsScalar() && node.Scalar() == choices_[i]) return static_cast<double>(i);
      const std::optional<std::string> near =
          node.IsScalar() ? closest_match(node.Scalar(), names) : std::nullopt;
      diag_.error(location_of(node),
                  fmt::format("{} must be one of {} (got {}{})", path, join_list(names), describe(node),
                              near ? fmt::format("; did you mean '{}'?", *near) : std::string()));
      return std::nullopt;
    }
    const std::optional<double> v =
        node.IsScalar() ? parse_double(node.Scalar()) : std::optional<double>();
    if (!v) {
      diag_.error(location_of(node),
                  fmt::format("{} must be a number (got {})", path, describe(node)));
      return std::nullopt;
    }
    if (!std::isfinite(*v)) {
      diag_.error(location_of(node),
                  fmt::format("{} must be finite (got {})", path, node.Scalar()));
      return std::nullopt;
    }
    return v;
  }

  std::optional<std::vector<Value>> list(const YAML::Node& node, const std::string& path,
                                         Location at) {
    if (node.size() == 0) {
      diag_.error(at, fmt::format("{} must have at least one value (got [])", path));
      return std::nullopt;
    }
    std::vector<Value> out;
    bool ok = true;
    for (std::size_t i = 0; i < node.size(); ++i) {
      const std::optional<double> v = number(node[i], index_key(path, i));
      if (v) out.push_back({*v, location_of(node[i])});
      ok = ok && v.has_value();
    }
    if (!ok) return std::nullopt;
    return out;
  }

  /// [a, b, n] of linspace/logspace, or [start, stop, step] of range.
  std::optional<std::array<double, 3>> triple(const YAML::Node& node, const std::string& path,
                                              std::string_view shape) {
    if (!node.IsSequence() || node.size() != 3) {
      diag_.error(
          location_of(node),
          fmt::format("{} must be a list {} (got {})", path, shape,
                      node.IsSequence() ? fmt::format("{} values", node.size()) : describe(node)));
      return std::nullopt;
    }
    std::array<double, 3> out{};
    bool ok = true;
    for (std::size_t i = 0; i < 3; ++i) {
      const std::optional<double> v = number(node[i], index_key(path, i));
      if (v) out[i] = *v;
      ok = ok && v.has_value();
    }
    if (!ok) return std::nullopt;
    return out;
  }

  std::optional<std::vector<Value>> generator(const YAML::Node& node, const std::string& path) {
    static const std::vector<std::string> kinds = {"linspace", "logspace", "range", "union"};
    MapReader m(node, path, diag_);
    std::vector<std::string> present;
    for (const std::string& k : kinds) {
      if (m.has(k)) present.push_back(k);
    }
    m.declare("take");
    m.finish();
    if (!m.is_map()) return std::nullopt;
    if (present.size() != 1) {
      diag_.error(location_of(node),
                  present.empty()
                      ? fmt::format("{} must be a list of numbers or a map with one of {} "
                                    "(got a map without any)",
                                    path, join_list(kinds))
                      : fmt::format("{} must have exactly one of {} (got {})", path,
                                    join_list(kinds), join_list(present)));
      return std::nullopt;
    }
    const std::string& kind = present.front();
    const std::string gpath = join_key(path, kind);
    const YAML::Node args = m.find(kind);
    const Location at = location_of(node);
    std::vector<Value> out;

    if (kind == "union") {
      if (!args.IsSequence() || args.size() == 0) {
        diag_.error(location_of(args),
                    fmt::format("{} must be a non-empty list of lists or generators (got {})",
                                gpath, args.IsSequence() ? "[]" : describe(args)));
        return std::nullopt;
      }
      bool ok = true;
      for (std::size_t i = 0; i < args.size(); ++i) {
        const std::optional<std::vector<Value>> part =
            parse(args[i], index_key(gpath, i), location_of(args[i]));
        if (part) out.insert(out.end(), part->begin(), part->end());
        ok = ok && part.has_value();
      }
      if (!ok) return std::nullopt;
    } else if (kind == "range") {
      const auto t = triple(args, gpath, "[start, stop, step]");
      if (!t) return std::nullopt;
      const auto [start, stop, step] = *t;
      if (!(step > 0.0)) {
        diag_.error(location_of(args[2]),
                    fmt::format("{} must be > 0 (got {})", index_key(gpath, 2), step));
        return std::nullopt;
      }
      if ((stop - start) / step >= static_cast<double>(max_axis_values)) {
        diag_.error(at, fmt::format("{} gives more than {} values (got [{}, {}, {}])", gpath,
                                    max_axis_values, start, stop, step));
        return std::nullopt;
      }
      for (double v : range_inclusive(start, stop, step)) out.push_back({v, at});
      if (out.empty()) {
        diag_.error(at, fmt::format("{} is empty: start > stop (got [{}, {}, {}])", gpath, start,
                                    stop, step));
        return std::nullopt;
      }
    } else {  // linspace, logspace
      const auto t = triple(args, gpath, "[start, stop, n]");
      if (!t) return std::nullopt;
      const auto [a, b, count] = *t;
      const std::string npath = index_key(gpath, 2);
      if (count != std::trunc(count)) {
        diag_.error(
            location_of(args[2]),
            fmt::format("{} (the number of values) must be an integer (got {})", npath, count));
        return std::nullopt;
      }
      if (count < 2 || count > static_cast<double>(max_axis_values)) {
        diag_.error(location_of(args[2]),
                    fmt::format("{} (the number of values) must be between 2 and {} (got {})",
                                npath, max_axis_values, count));
        return std::nullopt;
      }
      const auto n = static_cast<std::int64_t>(count);
      for (double v : kind == "linspace" ? linspace(a, b, n) : logspace(a, b, n)) {
        if (!std::isfinite(v)) {
          diag_.error(at, fmt::format("{} gives a value that is not finite (got {})", gpath, v));
          return std::nullopt;
        }
        out.push_back({v, at});
      }
    }

    if (m.has("take")) {
      const std::string tpath = join_key(path, "take");
      const YAML::Node tn = m.find("take");
      const std::optional<std::int64_t> k =
          tn.IsScalar() ? parse_int64(tn.Scalar()) : std::optional<std::int64_t>();
      const auto size = static_cast<std::int64_t>(out.size());
      if (!k || *k < 1 || *k > size) {
        diag_.error(location_of(tn),
                    fmt::format("{} must be an integer between 1 and {} (the number of values "
                                "generated) (got {})",
                                tpath, size, k ? fmt::format("{}", *k) : describe(tn)));
        return std::nullopt;
      }
      out.resize(static_cast<std::size_t>(*k));
    }
    return out;
  }

  Diagnostics& diag_;
  std::span<const std::string_view> choices_;
};

// ------------------------------------------------------------------ canonical form

/// Canonical text is flat: one "key: value" per line, keys "a" or "a.b",
/// optionally indexed "a.b[i]". This turns such a document back into the
/// nested form that parse_campaign reads ("a.b[i]" appends to sequence a.b;
/// i must be the next index).
YAML::Node unflatten(const YAML::Node& flat, Diagnostics& diag) {
  YAML::Node out(YAML::NodeType::Map);
  std::map<std::string, std::size_t> lengths;  // sequences built so far
  YAML::Node order_node;
  for (const auto& kv : flat) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
    const Location at = location_of(kv.first);
    if (key == canonical_marker) {
      if (!kv.second.IsScalar() || kv.second.Scalar() != fmt::format("{}", canonical_version)) {
        diag.error(at, fmt::format("{} must be {} (got {})", canonical_marker, canonical_version,
                                   describe(kv.second)));
      }
      continue;
    }
    if (key == "grid_order") {
      order_node.reset(kv.second);
      continue;
    }
    std::string path = key;
    std::optional<std::size_t> index;
    if (const auto lb = path.find('['); lb != std::string::npos && path.back() == ']') {
      const std::optional<std::int64_t> i =
          parse_int64(std::string_view(path).substr(lb + 1, path.size() - lb - 2));
      if (i && *i >= 0) index = static_cast<std::size_t>(*i);
      path.erase(lb);
      if (!index) path.clear();
    }
    const std::size_t dot = path.find('.');
    const std::string head = path.substr(0, dot);
    const std::string leaf = dot == std::string::npos ? std::string() : path.substr(dot + 1);
    if (path.empty() || head.empty() || leaf.find('.') != std::string::npos ||
        (dot != std::string::npos && leaf.empty())) {
      diag.error(at, fmt::format("malformed canonical key '{}'", key));
      continue;
    }
    if (index) {
      std::size_t& len = lengths[path];
      if (*index != len) {
        diag.error(at,
                   fmt::format("canonical key '{}' is out of order (expected index {})", key, len));
        continue;
      }
      ++len;
      if (leaf.empty()) {
        out[head].push_back(kv.second);
      } else {
        out[head][leaf].push_back(kv.second);
      }
    } else if (leaf.empty()) {
      out[head] = kv.second;
    } else {
      out[head][leaf] = kv.second;
    }
  }
  // Axis order is part of the campaign (it fixes task indices): grid_order
  // lists it on one line so that a reordering shows up in a diff.
  if (order_node.IsDefined()) {
    const YAML::Node grid = out["grid"];
    std::vector<std::string> names, have;
    if (order_node.IsSequence()) {
      for (const auto& n : order_node) names.push_back(n.IsScalar() ? n.Scalar() : "");
    }
    if (grid.IsMap()) {
      for (const auto& kv : grid) have.push_back(kv.first.Scalar());
    }
    std::vector<std::string> a = names, b = have;
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    if (a != b || std::adjacent_find(a.begin(), a.end()) != a.end()) {
      diag.error(location_of(order_node),
                 fmt::format("grid_order must list the grid axes [{}] (got [{}])", join_list(have),
                             join_list(names)));
    } else {
      YAML::Node ordered(YAML::NodeType::Map);
      for (const std::string& n : names) ordered[n] = grid[n];
      out["grid"] = ordered;
    }
  }
  return out;
}

/// "section.key: value" lines of the spec's canonical YAML, in its order.
std::vector<std::pair<std::string, std::string>> flat_spec(const TaskSpec& spec) {
  std::vector<std::pair<std::string, std::string>> out;
  const YAML::Node root = YAML::Load(spec.family->to_yaml(spec));
  for (const auto& section : root) {
    for (const auto& kv : section.second) {
      out.emplace_back(join_key(section.first.Scalar(), kv.first.Scalar()), kv.second.Scalar());
    }
  }
  return out;
}

std::string canonical_text(const Campaign& c) {
  std::string out;
  auto line = [&out](std::string_view key, std::string_view value) {
    out += fmt::format("{}: {}\n", key, value);
  };
  line(canonical_marker, fmt::format("{}", canonical_version));
  line("name", c.name);
  line("family", c.family);
  std::vector<std::string> names;
  for (const GridAxis& a : c.axes) names.push_back(a.name);
  line("grid_order", fmt::format("[{}]", join_list(names)));
  std::vector<std::string> swept;
  for (const GridAxis& a : c.axes) {
    swept.emplace_back(axis_field(a.name));
    for (std::size_t i = 0; i < a.values.size(); ++i) {
      line(index_key(join_key("grid", a.name), i), axis_value_text(a.name, a.values[i]));
    }
  }
  for (std::size_t i = 0; i < c.seeds.size(); ++i) {
    line(index_key("seeds", i), fmt::format("{}", c.seeds[i]));
  }
  // The resolved base spec, minus the fields set per task (grid axes, seed)
  // and record_every (written under output).
  swept.emplace_back("train.seed");
  swept.emplace_back("train.record_every");
  for (const auto& [key, value] : flat_spec(c.base)) {
    if (std::find(swept.begin(), swept.end(), key) == swept.end()) line(key, value);
  }
  line("output.record_every", fmt::format("{}", c.output.record_every));
  if (c.output.snapshots > 0) line("output.snapshots", fmt::format("{}", c.output.snapshots));
  std::vector<std::string> weights;
  if (c.output.keep_initial) weights.emplace_back("initial");
  if (c.output.keep_final) weights.emplace_back("final");
  line("output.weights", fmt::format("[{}]", join_list(weights)));
  line("checkpoint.every_epochs", fmt::format("{}", c.checkpoint.every_epochs));
  line("checkpoint.every_seconds", format_double(c.checkpoint.every_seconds));
  return out;
}

/// Campaign names appear unquoted in the canonical text and in file names.
bool name_char(char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
         ch == '-' || ch == '_' || ch == '.';
}

/// The stem of the file name, other characters replaced by '_'.
std::string default_name(const std::string& source) {
  std::string stem = std::filesystem::path(source).stem().string();
  for (char& ch : stem) {
    if (!name_char(ch)) ch = '_';
  }
  return stem.empty() ? std::string("campaign") : stem;
}

// ------------------------------------------------------------------ sections

void read_seeds(MapReader& top, std::vector<std::uint64_t>& seeds, Diagnostics& diag) {
  constexpr std::int64_t max_seeds = 10'000'000;
  if (!top.has("seeds")) {
    diag.error({}, "missing key 'seeds' (a count k for seeds 0..k-1, or a list of seeds)");
    return;
  }
  const YAML::Node n = top.find("seeds");
  const Location at = top.location("seeds");
  if (n.IsScalar()) {
    const std::optional<std::int64_t> k = parse_int64(n.Scalar());
    if (!k) {
      diag.error(at, fmt::format("seeds must be a count or a list of non-negative integers "
                                 "(got {})",
                                 describe(n)));
    } else if (*k < 1) {
      diag.error(at, fmt::format("seeds must be >= 1 (got {})", *k));
    } else if (*k > max_seeds) {
      diag.error(at, fmt::format("seeds must be <= {} (got {})", max_seeds, *k));
    } else {
      seeds.resize(static_cast<std::size_t>(*k));
      std::iota(seeds.begin(), seeds.end(), std::uint64_t{0});
    }
    return;
  }
  if (!n.IsSequence()) {
    diag.error(at, fmt::format("seeds must be a count or a list of non-negative integers (got {})",
                               describe(n)));
    return;
  }
  if (n.size() == 0) {
    diag.error(at, "seeds must list at least one seed (got [])");
    return;
  }
  std::vector<std::uint64_t> out;
  bool ok = true;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const YAML::Node e = n[i];
    const std::string path = index_key("seeds", i);
    const std::optional<std::int64_t> s =
        e.IsScalar() ? parse_int64(e.Scalar()) : std::optional<std::int64_t>();
    const std::optional<std::uint64_t> u =
        e.IsScalar() ? parse_uint64(e.Scalar()) : std::optional<std::uint64_t>();
    if (s && *s < 0) {
      diag.error(location_of(e), fmt::format("{} must be >= 0 (got {})", path, *s));
      ok = false;
    } else if (!u) {
      diag.error(location_of(e),
                 fmt::format("{} must be a non-negative integer (got {})", path, describe(e)));
      ok = false;
    } else {
      const auto dup = std::find(out.begin(), out.end(), *u);
      if (dup != out.end()) {
        diag.error(location_of(e),
                   fmt::format("{} duplicates seeds[{}] (got {})", path, dup - out.begin(), *u));
        ok = false;
      }
      out.push_back(*u);
    }
  }
  if (ok) seeds = std::move(out);
}

void read_output(MapReader& top, OutputPolicy& o, Diagnostics& diag) {
  MapReader m(top.section("output"), "output", diag);
  if (m.read("record_every", o.record_every) && o.record_every < 1) {
    diag.error(m.location("record_every"),
               fmt::format("output.record_every must be >= 1 (got {})", o.record_every));
  }
  if (m.read("snapshots", o.snapshots) && o.snapshots < 0) {
    diag.error(m.location("snapshots"),
               fmt::format("output.snapshots must be >= 0 (0: off) (got {})", o.snapshots));
  }
  if (m.has("weights")) {
    const YAML::Node w = m.find("weights");
    static const std::vector<std::string> names = {"initial", "final"};
    if (!w.IsSequence()) {
      diag.error(m.location("weights"), fmt::format("output.weights must be a list of {} (got {})",
                                                    join_list(names), describe(w)));
    } else {
      bool initial = false, last = false;
      for (std::size_t i = 0; i < w.size(); ++i) {
        const std::string path = index_key("output.weights", i);
        const std::string s = w[i].IsScalar() ? w[i].Scalar() : std::string();
        if (s != "initial" && s != "final") {
          const std::optional<std::string> near = closest_match(s, names);
          diag.error(
              location_of(w[i]),
              fmt::format("{} must be one of {} (got {}{})", path, join_list(names), describe(w[i]),
                          near ? fmt::format("; did you mean '{}'?", *near) : ""));
          continue;
        }
        bool& seen = s == "initial" ? initial : last;
        if (seen) {
          diag.error(location_of(w[i]), fmt::format("{} is listed twice (got '{}')", path, s));
        }
        seen = true;
      }
      o.keep_initial = initial;
      o.keep_final = last;
    }
  }
  m.finish();
}

void read_checkpoint(MapReader& top, CheckpointPolicy& c, Diagnostics& diag) {
  MapReader m(top.section("checkpoint"), "checkpoint", diag);
  if (m.read("every_epochs", c.every_epochs) && c.every_epochs < 0) {
    diag.error(
        m.location("every_epochs"),
        fmt::format("checkpoint.every_epochs must be >= 0 (0: off) (got {})", c.every_epochs));
  }
  if (m.read("every_seconds", c.every_seconds) &&
      !(std::isfinite(c.every_seconds) && c.every_seconds >= 0.0)) {
    diag.error(
        m.location("every_seconds"),
        fmt::format("checkpoint.every_seconds must be >= 0 (0: off) (got {})", c.every_seconds));
  }
  m.finish();
}

/// Keys of the model/task/train sections that a campaign sets elsewhere.
void refuse_spec_keys(MapReader& top, const std::vector<std::string>& swept, Diagnostics& diag) {
  auto check = [&](std::string_view path, std::string_view why) {
    const std::size_t dot = path.find('.');
    const YAML::Node sec = top.find(path.substr(0, dot));  // find() also marks it known
    if (!sec.IsMap()) return;
    const std::string leaf(path.substr(dot + 1));
    for (const auto& kv : sec) {
      if (kv.first.IsScalar() && kv.first.Scalar() == leaf) {
        diag.error(location_of(kv.first),
                   fmt::format("{} cannot be set in a campaign file: {} (got {})", path, why,
                               describe(kv.second)));
      }
    }
  };
  check("train.seed", "list the seeds in the top-level 'seeds'");
  check("train.record_every", "use output.record_every");
  for (const std::string& axis : swept) {
    check(axis_field(axis), fmt::format("it is swept by grid.{}; remove one of the two", axis));
  }
}

}  // namespace

}  // namespace detail

std::uint64_t task_key(const TaskSpec& spec) {
  ByteWriter w;
  put(w, spec);
  return hash64(w.str());
}

Campaign parse_campaign(const std::string& yaml_text, const std::string& source, const MemoryCheck& memory) {
  using namespace detail;
  Diagnostics diag(source);
  const YAML::Node doc = load_yaml(yaml_text, source);
  const bool is_canonical = doc.IsMap() && doc[std::string(canonical_marker)].IsDefined();
  const YAML::Node root = is_canonical ? unflatten(doc, diag) : doc;
  diag.throw_if_errors();
  MapReader top(root, "", diag);
  if (!top.is_map()) diag.throw_if_errors();

  Campaign c;
  c.source = source;
  c.name = default_name(source);
  if (top.read("name", c.name) &&
      (c.name.empty() || !std::all_of(c.name.begin(), c.name.end(), name_char))) {
    diag.error(top.location("name"),
               fmt::format("name must be non-empty and use only letters, digits, '-', '_' and "
                           "'.' (got '{}')",
                           c.name));
  }

  // The preset's defaults first, then its family's sections on top, through
  // the same code as a `memphase train` file.
  const bool has_family = top.read("family", c.family);
  bool family_ok = false;
  if (has_family) {
    c.base = preset_or_default(c.family, top.location("family"), diag);
    family_ok = !diag.failed("family");
  } else {
    c.base = default_spec();
    if (!diag.failed("family"))
      diag.error({}, fmt::format("missing key 'family' (one of {})", join_list(preset_names())));
  }
  const Family& family = *c.base.family;

  // Grid axes (their names first: the sections may not also set them).
  const YAML::Node grid_node = top.find("grid");
  const Location grid_at = top.location("grid");
  MapReader grid(grid_node, "grid", diag);
  std::vector<std::string> axis_names;
  for (const AxisInfo& a : known_axes()) grid.declare(a.name);
  for (const std::string& k : grid.keys()) {
    if (axis_field(k).empty()) continue;  // reported by finish()
    axis_names.push_back(k);
  }
  refuse_spec_keys(top, axis_names, diag);
  read_spec(top, c.base, diag);
  read_output(top, c.output, diag);
  read_checkpoint(top, c.checkpoint, diag);
  c.base.config->set_record_every(c.output.record_every);
  if (c.output.snapshots > 0 && has_family && family_ok && !c.base.config->set_snapshots(c.output.snapshots)) {
    diag.error(top.location("output"),
               fmt::format("output.snapshots is only used by families with the PSD classifier of SPEC §3.5; "
                           "family '{}' has none (got {})",
                           c.family, c.output.snapshots));
  }

  std::vector<std::vector<Value>> axis_values;
  if (!grid_node.IsDefined()) {
    diag.error({}, "missing key 'grid' (a map of axes such as lr: [0.1, 0.01])");
  } else if (grid.is_map() && grid.keys().empty()) {
    diag.error(grid_at, fmt::format("grid must have at least one axis (got {})",
                                    grid_node.IsNull() ? "an empty value" : "an empty map"));
  }
  AxisParser axis_parser(diag);
  for (const std::string& name : axis_names) {
    const std::string path = join_key("grid", name);
    const AxisInfo& info = *find_axis(name);
    axis_parser.set_choices(info.choices);
    std::optional<std::vector<Value>> vals =
        axis_parser.parse(grid.find(name), path, grid.location(name));
    if (!vals) continue;
    if (family_ok) {
      if (const std::optional<std::string> why = family.refuse_axis(c.base, info, path, c.family)) {
        diag.error(grid.location(name), *why);
        continue;
      }
    }
    bool ok = true;
    for (std::size_t i = 0; i < vals->size() && ok; ++i) {
      const Value& v = (*vals)[i];
      if (info.integral && v.v != std::trunc(v.v)) {
        diag.error(v.at, fmt::format("{} must be an integer (got {})", index_key(path, i), v.v));
        ok = false;
      } else if (info.integral && !(v.v >= INT_MIN && v.v <= INT_MAX)) {
        diag.error(v.at, fmt::format("{} must be an integer between {} and {} (got {})",
                                     index_key(path, i), INT_MIN, INT_MAX, v.v));
        ok = false;
      }
      for (std::size_t j = 0; j < i && ok; ++j) {
        const double a = (*vals)[j].v;
        if (std::fabs(a - v.v) <= duplicate_rtol * std::max(std::fabs(a), std::fabs(v.v))) {
          diag.error(v.at, fmt::format("{} duplicates {} (got {})", index_key(path, i),
                                       index_key(path, j), axis_value_text(name, v.v)));
          ok = false;
        }
      }
    }
    if (!ok) continue;
    c.axes.push_back({name, {}});
    for (Value& v : *vals) {
      v.v += 0.0;  // -0.0 -> 0.0: equal values must give equal task keys
      c.axes.back().values.push_back(v.v);
    }
    axis_values.push_back(std::move(*vals));
  }
  read_seeds(top, c.seeds, diag);

  // Unknown keys: suggest top-level keys, grid axes and section keys.
  std::vector<std::string> elsewhere;
  for (const AxisInfo& a : known_axes()) elsewhere.push_back(join_key("grid", a.name));
  for (const std::string& p : all_key_paths()) elsewhere.push_back(p);
  grid.finish(std::vector<std::string>{"seeds"});
  top.finish(elsewhere);
  // The base spec (family + sections), then every value of every axis on its
  // own (only on a valid base, so that its errors are not blamed on the grid),
  // then every combination.
  const bool base_ok = !spec_problems(c.base).has_value();
  if (!base_ok) check_spec(c.base, diag);
  for (std::size_t a = 0; a < c.axes.size() && base_ok; ++a) {
    const std::string path = join_key("grid", c.axes[a].name);
    for (std::size_t i = 0; i < axis_values[a].size(); ++i) {
      TaskSpec s = c.base;
      family.set_axis(s, c.axes[a].name, axis_values[a][i].v);
      if (const std::optional<std::string> why = spec_problems(s)) {
        diag.error(axis_values[a][i].at, fmt::format("{}: {}", index_key(path, i), *why));
        break;  // one message per axis is enough
      }
    }
  }
  diag.throw_if_errors();

  // Memory (only when asked, i.e. by `memphase run`): the base spec at the key
  // that drives it, then every axis value on its own at that value; the
  // combinations are checked per grid cell below.
  if (memory.active()) {
    std::string key;
    if (const std::optional<std::string> why = memory_problem(c.base, memory, &key)) {
      diag.error_at_key(key, *why);
    } else {
      for (std::size_t a = 0; a < c.axes.size(); ++a) {
        const std::string path = join_key("grid", c.axes[a].name);
        for (std::size_t i = 0; i < axis_values[a].size(); ++i) {
          TaskSpec s = c.base;
          family.set_axis(s, c.axes[a].name, axis_values[a][i].v);
          if (const std::optional<std::string> w = memory_problem(s, memory)) {
            diag.error(axis_values[a][i].at, fmt::format("{}: {}", index_key(path, i), *w));
            break;  // one message per axis is enough
          }
        }
      }
    }
    diag.throw_if_errors();
  }

  std::int64_t cells = 1;
  for (const GridAxis& a : c.axes) {
    cells *= static_cast<std::int64_t>(a.values.size());
    if (cells > max_tasks) break;
  }
  if (cells > max_tasks || cells * static_cast<std::int64_t>(c.seeds.size()) > max_tasks) {
    diag.error(grid_at, fmt::format("grid has more than {} tasks", max_tasks));
    diag.throw_if_errors();
  }

  // Cartesian product: axes in file order (first outermost), seeds innermost.
  const std::size_t n_axes = c.axes.size();
  const auto n_seeds = static_cast<std::int64_t>(c.seeds.size());
  c.tasks.reserve(static_cast<std::size_t>(cells * n_seeds));
  std::vector<std::int64_t> idx(n_axes, 0);
  std::unordered_set<std::uint64_t> keys;
  for (std::int64_t cell = 0; cell < cells; ++cell) {
    TaskSpec s = c.base;
    for (std::size_t a = 0; a < n_axes; ++a) {
      family.set_axis(s, c.axes[a].name, c.axes[a].values[static_cast<std::size_t>(idx[a])]);
    }
    // The seed never makes a spec invalid, nor changes its memory: one check
    // per grid cell.
    std::optional<std::string> why = spec_problems(s);
    if (!why) why = memory_problem(s, memory);
    if (why) {
      std::vector<std::string> point;
      for (std::size_t a = 0; a < n_axes; ++a) {
        point.push_back(fmt::format(
            "{}={}", c.axes[a].name,
            axis_value_text(c.axes[a].name, c.axes[a].values[static_cast<std::size_t>(idx[a])])));
      }
      diag.error(grid_at, fmt::format("grid point ({}): {}", join_list(point), *why));
      diag.throw_if_errors();
    }
    for (std::int64_t k = 0; k < n_seeds; ++k) {
      CampaignTask t;
      t.spec = s;
      t.spec.config->set_seed(c.seeds[static_cast<std::size_t>(k)]);
      t.key = task_key(t.spec);
      t.index = static_cast<std::int64_t>(c.tasks.size());
      t.axis_index = idx;
      t.axis_index.push_back(k);
      if (!keys.insert(t.key).second) {
        throw ConfigError(fmt::format("{}: two tasks of the grid have the same key {} (task {})",
                                      source, hex64(t.key), t.index));
      }
      c.tasks.push_back(std::move(t));
    }
    // Odometer step: the last axis varies fastest.
    for (std::size_t a = n_axes; a-- > 0;) {
      if (++idx[a] < static_cast<std::int64_t>(c.axes[a].values.size())) break;
      idx[a] = 0;
    }
  }

  c.canonical = canonical_text(c);
  c.hash = hex64(hash64(c.canonical));
  return c;
}

Campaign load_campaign(const std::string& path, const MemoryCheck& memory) {
  return parse_campaign(detail::read_text_file(path, "campaign file"), path, memory);
}

}  // namespace memphase
