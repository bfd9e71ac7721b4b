#include "families/registry.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.hpp"
#include "yaml/yaml_util.hpp"

namespace memphase {

const Family* find_family(std::string_view id) {
  for (const Family* f : families())
    if (f->id() == id) return f;
  return nullptr;
}

const Family* family_of_preset(std::string_view name) {
  for (const Family* f : families())
    if (has_preset(*f, name)) return f;
  return nullptr;
}

std::vector<std::string> preset_names() {
  std::vector<std::string> out;
  for (const Family* f : families())
    for (const Preset& p : f->presets()) out.emplace_back(p.name);
  return out;
}

TaskSpec make_spec(std::string_view name, const std::string& source) {
  if (const Family* f = family_of_preset(name)) return f->make(name);
  const std::vector<std::string> known = preset_names();
  const std::optional<std::string> near = detail::closest_match(name, known);
  throw ConfigError(fmt::format("{}: unknown family '{}'{}; known families: {}", source, name,
                                near ? fmt::format(" (did you mean '{}'?)", *near) : std::string(),
                                detail::join_list(known)));
}

TaskSpec decode_spec(ByteReader& r) {
  const auto first = r.peek<std::int32_t>();
  for (const Family* f : families())
    if (f->owns_encoding(first)) return f->decode(r);
  r.fail("spec of no registered family");
}

std::vector<AxisInfo> all_axes() {
  std::vector<AxisInfo> out;
  for (const Family* f : families())
    for (const AxisInfo& a : f->axes())
      if (std::none_of(out.begin(), out.end(), [&](const AxisInfo& x) { return x.name == a.name; }))
        out.push_back(a);
  return out;
}

const Family* owner_of_section(std::string_view name) {
  const Family* owner = nullptr;
  for (const Family* f : families()) {
    const auto s = f->sections();
    if (std::find(s.begin(), s.end(), name) == s.end()) continue;
    if (owner) return nullptr;  // shared
    owner = f;
  }
  return owner;
}

}  // namespace memphase
