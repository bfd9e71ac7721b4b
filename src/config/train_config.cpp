#include "config/train_config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "config/spec_sections.hpp"
#include "core/error.hpp"
#include "families/registry.hpp"
#include "yaml/yaml_util.hpp"

namespace memphase {

namespace detail {

TaskSpec default_spec() { return families().front()->make(families().front()->presets().front().name); }

TaskSpec preset_or_default(std::string_view name, Location at, Diagnostics& diag) {
  if (const Family* f = family_of_preset(name)) return f->make(name);
  const std::vector<std::string> known = preset_names();
  const std::optional<std::string> near = closest_match(name, known);
  diag.error(at, fmt::format("unknown family '{}'{}; known families: {}", name,
                             near ? fmt::format(" (did you mean '{}'?)", *near) : std::string(),
                             join_list(known)));
  diag.mark_failed("family");
  return default_spec();
}

std::vector<std::string> all_key_paths() {
  std::vector<std::string> out;
  for (const Family* f : families())
    for (std::string& k : f->key_paths())
      if (std::find(out.begin(), out.end(), k) == out.end()) out.push_back(std::move(k));
  return out;
}

void read_spec(MapReader& top, TaskSpec& spec, Diagnostics& diag) {
  // Every family's sections are top-level keys of the file format (listed in
  // "known keys" messages), whichever family the file names.
  for (const Family* f : families())
    for (std::string_view name : f->sections()) top.declare(name);
  spec.family->read(top, spec, diag);
  // Sections of other families would be ignored silently: refuse their keys.
  const auto mine = spec.family->sections();
  const std::vector<std::string> all = all_key_paths();
  for (const std::string& name : top.keys()) {
    if (std::find(mine.begin(), mine.end(), name) != mine.end()) continue;
    const Family* owner = owner_of_section(name);
    if (!owner) continue;  // not a section: the caller's finish() reports it
    const std::vector<std::string> theirs = owner->key_paths();
    MapReader sec(top.section(name), name, diag);
    for (const std::string& key : sec.keys()) {
      const std::string path = join_key(name, key);
      if (std::find(theirs.begin(), theirs.end(), path) == theirs.end()) continue;
      const YAML::Node v = sec.find(key);
      diag.error(sec.location(key), owner->foreign_key_message(path, v.IsScalar() ? v.Scalar() : describe(v)));
      diag.mark_failed(path);
    }
    sec.finish(all);
  }
}

void check_spec(const TaskSpec& spec, Diagnostics& diag) { spec.family->check(spec, diag); }

}  // namespace detail

TaskSpec parse_train_config(const std::string& yaml_text, const std::string& source) {
  detail::Diagnostics diag(source);
  const YAML::Node root = detail::load_yaml(yaml_text, source);
  detail::MapReader top(root, "", diag);
  std::string family;
  TaskSpec spec;
  if (top.read("family", family)) {
    spec = detail::preset_or_default(family, top.location("family"), diag);
  } else {
    // No preset: the family whose own section the file has (the canonical
    // text of a spec, to_yaml, names none), else the default preset.
    std::set<const Family*> owners;
    for (const std::string& k : top.keys())
      if (const Family* f = owner_of_section(k)) owners.insert(f);
    spec = owners.size() == 1 ? (*owners.begin())->make("") : detail::default_spec();
  }
  detail::read_spec(top, spec, diag);
  top.finish(detail::all_key_paths());
  detail::check_spec(spec, diag);
  diag.throw_if_errors();
  return spec;
}

TaskSpec load_train_config(const std::string& path) {
  return parse_train_config(detail::read_text_file(path, "config file"), path);
}

void validate(const TaskSpec& spec, const std::string& source) {
  detail::Diagnostics diag(source);
  detail::check_spec(spec, diag);
  diag.throw_if_errors();
}

std::string to_yaml(const TaskSpec& spec) { return spec.family->to_yaml(spec); }

TaskSpec preset_spec(const std::string& family, const std::string& source) { return make_spec(family, source); }

}  // namespace memphase
