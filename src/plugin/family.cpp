#include "plugin/family.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.hpp"

namespace memphase {

std::vector<std::string> preset_names(const Family& f) {
  std::vector<std::string> out;
  for (const Preset& p : f.presets()) out.emplace_back(p.name);
  return out;
}

bool has_preset(const Family& f, std::string_view preset) {
  const auto p = f.presets();
  return std::any_of(p.begin(), p.end(), [&](const Preset& x) { return x.name == preset; });
}

std::optional<std::string> Family::refuse_axis(const TaskSpec&, const AxisInfo& axis, std::string_view path,
                                               std::string_view preset) const {
  const auto mine = axes();
  if (std::any_of(mine.begin(), mine.end(), [&](const AxisInfo& a) { return a.name == axis.name; }))
    return std::nullopt;
  std::vector<std::string> allowed;
  for (const AxisInfo& a : mine) allowed.emplace_back(a.name);
  return fmt::format("{} cannot be swept in family '{}' (this family does not use {}; axes of this family: {})",
                     path, preset, axis.field, detail::join_list(allowed));
}

std::optional<std::string> Family::legacy_checkpoint(std::string_view payload, std::int64_t* epoch,
                                                     std::string* why) const {
  try {
    ByteReader r(payload, "checkpoint");
    const auto e = r.get<std::int64_t>();
    std::string state = r.get_string();
    if (!r.done()) r.fail("trailing bytes");
    if (epoch) *epoch = e;
    return state;
  } catch (const Error& e) {
    if (why) *why = e.what();
    return std::nullopt;
  }
}

std::optional<std::string> Family::refuse_train(const TaskSpec&) const { return std::nullopt; }

std::string Family::train_banner(const TaskSpec&) const { return {}; }

std::string Family::train_summary(const TaskResult& r) const {
  std::string o = fmt::format("status={} learned={} epochs={} time={:.2f}s", to_string(r.status), r.cls.learned,
                              r.epochs_run, r.train_seconds);
  for (const auto& [k, v] : r.extras.metrics) o += fmt::format(" {}={:.6g}", k, v);
  return o;
}

std::optional<std::string> Family::refuse_reanalysis(std::string_view preset) const {
  return fmt::format("family {} has no PSD classes to recompute", preset);
}

Classification Family::reclassify(const TaskSpec&, const TaskResult& r, const ClassifyOptions&) const {
  return r.cls;
}

double Family::largest_lyapunov(const TaskSpec&, const TaskResult&) const {
  return std::numeric_limits<double>::quiet_NaN();
}

}  // namespace memphase
