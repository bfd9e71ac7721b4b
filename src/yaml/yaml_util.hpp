#pragma once
// Reading YAML configuration files (train and campaign files) with precise
// error messages. Every message names the source file, the position when
// yaml-cpp knows it (1-based line:column), the key path and the bad value:
//   "run.yaml:4:7: train.lr must be a number (got 'abc')"
//   "run.yaml:2:3: unknown key 'model.tua' (did you mean 'model.tau'?)"
// Errors are collected in a Diagnostics object so that one run reports every
// mistake of a file at once, in source order, as a single ConfigError.
//
// Typical use (this is how parse_train_config is written):
//   detail::Diagnostics diag(source);
//   YAML::Node root = detail::load_yaml(text, source);   // throws if malformed
//   detail::MapReader top(root, "", diag);
//   top.read("name", name);                              // typed, optional keys
//   detail::MapReader model(top.section("model"), "model", diag);
//   model.read("n", spec.model.n);
//   model.finish();                                      // unknown keys
//   top.finish();
//   diag.throw_if_errors();
#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>


namespace memphase::detail {

// ------------------------------------------------------------------ positions

/// A 1-based position in the source text; line 0 means "unknown" (values that
/// came from defaults, the command line, or a spec built in code).
struct Location {
  int line = 0;
  int column = 0;
  bool known() const { return line > 0; }
};

/// Position of a yaml-cpp mark (0-based) as a 1-based Location; unknown for
/// a null mark.
Location location_of(const YAML::Mark& mark);
/// Position where `node` starts in the source (unknown for undefined nodes).
Location location_of(const YAML::Node& node);

// ------------------------------------------------------------------ errors

/// Collects the errors of one source (a file name, "command line", ...).
/// Also remembers where each key path was written, so that range checks run
/// after parsing can still point at the line of the offending value.
class Diagnostics {
 public:
  /// At most this many errors are listed in the thrown message.
  static constexpr std::size_t max_listed = 20;

  explicit Diagnostics(std::string source);

  const std::string& source() const { return source_; }

  /// Message prefix: "<source>:<line>:<col>" or "<source>" when unknown.
  std::string where(Location at) const;

  /// Records one error; `text` is the message without the prefix, e.g.
  /// "train.lr must be > 0 (got -0.1)".
  void error(Location at, std::string text);

  /// Records an error about key path `path` at the remembered location of
  /// that path (if any) and marks the path as failed.
  void error_at_key(std::string_view path, std::string text);

  bool has_errors() const { return !errors_.empty(); }
  std::size_t error_count() const { return errors_.size(); }

  /// Throws one ConfigError whose message lists every recorded error, one
  /// per line, sorted by position (errors without a position last, in the
  /// order recorded); nothing if there is none.
  void throw_if_errors() const;

  /// Remembers that the value of `path` (e.g. "train.lr") is written at `at`.
  void set_location(const std::string& path, Location at);
  /// Position remembered for `path`; unknown if none.
  Location location(std::string_view path) const;

  /// Marks `path` as already reported, so that later checks involving it
  /// (e.g. cross-field range rules) are skipped instead of cascading.
  void mark_failed(std::string_view path);
  bool failed(std::string_view path) const;

 private:
  struct Entry {
    Location at;
    std::string text;
  };
  std::string source_;
  std::vector<Entry> errors_;
  std::map<std::string, Location, std::less<>> locations_;
  std::set<std::string, std::less<>> failed_;
};

/// Parses `text` as exactly one YAML document. Malformed YAML throws
/// ConfigError "<source>:<line>:<col>: malformed YAML: <yaml-cpp message>";
/// several documents ("---") throw too. Empty text gives a Null node.
YAML::Node load_yaml(const std::string& text, const std::string& source);

// ------------------------------------------------------------------ text helpers

/// Key path of a child: join_key("model", "tau") == "model.tau",
/// join_key("", "model") == "model".
std::string join_key(std::string_view parent, std::string_view key);
/// Key path of a sequence element: index_key("grid.lr", 2) == "grid.lr[2]".
std::string index_key(std::string_view parent, std::size_t index);

/// Optimal-string-alignment edit distance (insert, delete, substitute and
/// swap of two adjacent characters each cost 1), ASCII case-insensitive.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// Candidate closest to `word` by edit_distance, if that distance is <= 2 and
/// smaller than the length of `word` (so "x" never suggests "n"). Ties go to
/// the earlier candidate.
std::optional<std::string> closest_match(std::string_view word,
                                         std::span<const std::string> candidates);

/// "a, b, c".
std::string join_list(std::span<const std::string> items, std::string_view sep = ", ");

/// Canonical text of a double for YAML output: the shortest representation
/// that reads back bitwise-identical, always with a '.' so that every YAML
/// parser (including YAML 1.1 ones such as PyYAML) reads it as a float:
/// 5 -> "5.0", 1e-7 -> "1.0e-07", 0.1 -> "0.1"; NaN/Inf -> ".nan", ".inf", "-.inf".
std::string format_double(double v);

/// How a node looks in a message: a scalar as 'text' (quoted), otherwise
/// "a map", "a sequence", "an empty value".
std::string describe(const YAML::Node& node);

// ------------------------------------------------------------------ scalar parsing

/// Strict number grammar (independent of yaml-cpp's stream conversions, which
/// read "010" as octal and "0x10" as hex). A double is a decimal or
/// scientific literal with an optional sign, or one of .inf -.inf .nan (any
/// case; "inf"/"nan" too): non-finite values parse and are left to the range
/// checks. nullopt if the text is not a number.
std::optional<double> parse_double(std::string_view text);
/// A signed 64-bit integer in decimal; an integral number written as a
/// double ("1e3", "64.0") is accepted when exactly representable (|v| <= 2^53).
std::optional<std::int64_t> parse_int64(std::string_view text);
/// As parse_int64, for non-negative values up to 2^64 - 1.
std::optional<std::uint64_t> parse_uint64(std::string_view text);

// ------------------------------------------------------------------ map reading

/// Reads the keys of one YAML map. Every key the caller asks for (read,
/// section, find, declare) is "known"; finish() reports the keys of the map
/// that nobody asked for. On construction it reports a node that is not a
/// map, keys that are not plain scalars and duplicate keys (yaml-cpp keeps
/// both silently). An absent or empty (null) node is an empty map.
///
/// read() leaves `out` untouched when the key is absent or its value is bad
/// (the error is recorded in the Diagnostics), remembers the value's
/// location under the key path, and returns true only if a value was stored.
class MapReader {
 public:
  /// `path` is the key path of the map itself ("" at the top level), used in
  /// messages.
  MapReader(const YAML::Node& node, std::string path, Diagnostics& diag);

  const std::string& path() const { return path_; }
  /// True when the node is a map (or absent / empty).
  bool is_map() const { return is_map_; }
  /// Whether `key` is present (and marks it known).
  bool has(std::string_view key);
  /// Value node of `key` (marks it known); an undefined node if absent.
  YAML::Node find(std::string_view key);
  /// Position of the value of `key` (of the key itself when the value is
  /// empty); unknown if absent.
  Location location(std::string_view key) const;
  /// Declares `key` as known without reading it.
  void declare(std::string_view key);
  /// Keys present in the map, in file order (first occurrence only).
  std::vector<std::string> keys() const;

  /// Value node of a sub-section, for a nested MapReader (same as find).
  YAML::Node section(std::string_view key) { return find(key); }

  bool read(std::string_view key, double& out);
  bool read(std::string_view key, int& out);
  bool read(std::string_view key, std::int64_t& out);
  bool read(std::string_view key, std::uint64_t& out);
  /// true/false (also yes/no/on/off, any case, as YAML 1.1 allows).
  bool read(std::string_view key, bool& out);
  /// Any scalar.
  bool read(std::string_view key, std::string& out);

  /// An enumeration: the value must be one of `choices` (name -> value);
  /// otherwise "<path> must be one of a, b (got 'x'; did you mean 'a'?)".
  template <class E>
  bool read_choice(std::string_view key, E& out,
                   std::span<const std::pair<std::string_view, E>> choices) {
    std::vector<std::string> names;
    for (const auto& c : choices) names.emplace_back(c.first);
    const std::optional<std::size_t> i = read_choice_index(key, names);
    if (!i) return false;
    out = choices[*i].second;
    return true;
  }
  /// Index into `names` of the value of `key`; nullopt if absent or invalid.
  std::optional<std::size_t> read_choice_index(std::string_view key,
                                               std::span<const std::string> names);

  /// Reports every key nobody asked for: "unknown key '<path>'" plus
  /// " (did you mean '<path>'?)" for the closest known sibling, else for the
  /// closest entry of `elsewhere` (full key paths of other sections, compared
  /// by their last component: "train.delay" suggests "task.delay"), else
  /// " (known keys: ...)". Call it after all reads.
  void finish(std::span<const std::string> elsewhere = {});

 private:
  struct Item {
    std::string key;
    YAML::Node key_node;
    YAML::Node value;
  };
  const Item* item(std::string_view key) const;
  std::string key_path(std::string_view key) const { return join_key(path_, key); }
  /// The scalar text of a present key's value, or nullopt after recording a
  /// type error naming `expected` ("a number", "an integer", ...).
  std::optional<std::string> scalar_of(const Item& it, std::string_view expected);
  void type_error(const Item& it, std::string_view expected);
  /// Integer value of `key` in [lo, hi]; nullopt (error recorded) otherwise.
  std::optional<std::int64_t> integer_of(std::string_view key, std::int64_t lo, std::int64_t hi);

  std::string path_;
  Diagnostics& diag_;
  bool is_map_ = true;
  std::vector<Item> items_;
  std::vector<std::string> known_;
};

/// Whole text of a file; IoError "cannot read <kind> '<path>': <reason>"
/// (a directory, a missing or unreadable file).
std::string read_text_file(const std::string& path, std::string_view kind);

}  // namespace memphase::detail
