#include "delayed_cue/snapshots.hpp"

#include <fmt/format.h>

#include <cmath>
#include <deque>
#include <limits>

#include "delayed_cue/classify.hpp"

namespace memphase {

namespace {

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();
/// "MPSN": the snapshot block of a runner checkpoint.
constexpr std::uint32_t kSnapshotTag = 0x4E53504DU;

bool usable(float v) { return std::isfinite(v) && v > 0.0f; }

}  // namespace

std::vector<LossJump> detect_loss_jumps(std::span<const float> loss, const LossJumpRule& rule) {
  std::vector<LossJump> out;
  const auto n = static_cast<std::int64_t>(loss.size());
  const std::int64_t W = std::max(1, rule.window);
  if (n < 2) return out;
  // m[t] = min of the usable losses in (t, t + W] by a sliding-window minimum
  // (deque of indices with increasing values), scanned from the end.
  std::vector<double> m(static_cast<std::size_t>(n), std::numeric_limits<double>::infinity());
  std::deque<std::int64_t> q;
  for (std::int64_t t = n - 2; t >= 0; --t) {
    const std::int64_t in = t + 1;  // enters the window (t, t + W]
    if (usable(loss[in])) {
      while (!q.empty() && loss[q.back()] >= loss[in]) q.pop_back();
      q.push_back(in);
    }
    while (!q.empty() && q.front() > t + W) q.pop_front();
    if (!q.empty()) m[t] = loss[q.front()];
  }
  const auto flagged = [&](std::int64_t t) {
    return usable(loss[t]) && std::isfinite(m[t]) && static_cast<double>(loss[t]) >= rule.factor * m[t];
  };
  for (std::int64_t t = 0; t < n - 1;) {
    if (!flagged(t)) {
      ++t;
      continue;
    }
    LossJump j;
    j.start = t;
    while (t < n - 1 && flagged(t)) {
      j.ratio = std::max(j.ratio, static_cast<double>(loss[t]) / m[t]);
      ++t;
    }
    j.end = std::min(n - 1, (t - 1) + W);
    const double target = static_cast<double>(loss[j.start]) / rule.factor;
    j.epoch = j.end;
    for (std::int64_t s = j.start + 1; s <= std::min(n - 1, j.start + W); ++s)
      if (usable(loss[s]) && static_cast<double>(loss[s]) <= target) {
        j.epoch = s;
        break;
      }
    out.push_back(j);
  }
  return out;
}

Rng SnapshotRecorder::stream(std::uint64_t seed, std::int64_t epoch) {
  return Rng(seed, fmt::format("snapshot:{}", epoch));
}

void SnapshotRecorder::take(std::int64_t epoch, const Curves& curves,
                            const std::function<Mat<double>(Rng&)>& free_run, const ClassifyOptions& o) {
  if (!on() || epoch < 1 || static_cast<std::int64_t>(curves.size()) < epoch) return;
  if (!rows_.empty() && rows_.back().epoch >= epoch) return;
  const auto e = static_cast<std::size_t>(epoch - 1);
  SnapshotRow row;
  row.epoch = epoch;
  row.loss = curves.loss[e];
  row.accuracy = curves.accuracy[e];
  row.reliability = curves.reliability[e];
  row.rho = nan_v;
  row.net_class = NetClass::fail;
  if (row.accuracy > o.learn_threshold && row.reliability > o.learn_threshold && std::isfinite(row.loss)) {
    Rng rng = stream(seed_, epoch);
    row.rho = psd_ratio(free_run(rng), o.psd_radius2);
    // A NaN rho fails "rho < threshold": SP, as in the final classifier.
    row.net_class = row.rho < o.psd_lc_threshold ? NetClass::lc : NetClass::sp;
  }
  rows_.push_back(row);
}

void SnapshotRecorder::put(ByteWriter& w) const {
  w.put(kSnapshotTag);
  w.put<std::uint64_t>(rows_.size());
  for (const SnapshotRow& r : rows_) {
    w.put(r.epoch);
    w.put(r.net_class);
    w.put(r.rho);
    w.put(r.loss);
    w.put(r.accuracy);
    w.put(r.reliability);
  }
}

void SnapshotRecorder::get(ByteReader& r) {
  if (r.remaining() < sizeof(kSnapshotTag) || r.get<std::uint32_t>() != kSnapshotTag) r.fail("snapshot block");
  const auto n = r.get<std::uint64_t>();
  if (n > r.remaining()) r.fail("snapshot count");
  rows_.clear();
  for (std::uint64_t i = 0; i < n; ++i) {
    SnapshotRow x;
    x.epoch = r.get<std::int64_t>();
    x.net_class = r.get<NetClass>();
    x.rho = r.get<double>();
    x.loss = r.get<double>();
    x.accuracy = r.get<double>();
    x.reliability = r.get<double>();
    if (x.epoch < 1 || (!rows_.empty() && x.epoch <= rows_.back().epoch)) r.fail("snapshot epochs");
    rows_.push_back(x);
  }
}

void SnapshotRecorder::finish(std::span<const float> loss, Extras& x, const LossJumpRule& rule) const {
  if (!on()) return;
  Table snaps{std::string(snapshot_names::snapshots),
              {"epoch", "class", "rho", "loss", "accuracy", "reliability"},
              {}};
  for (const SnapshotRow& r : rows_)
    snaps.add_row({static_cast<double>(r.epoch), static_cast<double>(static_cast<int>(r.net_class)), r.rho, r.loss,
                   r.accuracy, r.reliability});
  Table jumps{std::string(snapshot_names::loss_jumps), {"epoch", "start", "end", "ratio"}, {}};
  for (const LossJump& j : detect_loss_jumps(loss, rule))
    jumps.add_row({static_cast<double>(j.epoch), static_cast<double>(j.start), static_cast<double>(j.end), j.ratio});
  x.tables.push_back(std::move(snaps));
  x.tables.push_back(std::move(jumps));
  x.set(std::string(snapshot_names::every), every_);
  x.set(std::string(snapshot_names::jump_window), rule.window);
  x.set(std::string(snapshot_names::jump_factor), rule.factor);
}

std::vector<SnapshotRow> snapshot_rows(const Table* t) {
  std::vector<SnapshotRow> out;
  if (!t || t->columns.size() < 6) return out;
  const std::size_t nc = t->columns.size();
  for (std::size_t i = 0; i < t->rows(); ++i) {
    const double* d = t->data.data() + i * nc;
    SnapshotRow r;
    r.epoch = static_cast<std::int64_t>(d[0]);
    r.net_class = static_cast<NetClass>(static_cast<int>(d[1]));
    r.rho = d[2];
    r.loss = d[3];
    r.accuracy = d[4];
    r.reliability = d[5];
    out.push_back(r);
  }
  return out;
}

namespace {

bool is_mechanism(NetClass c) { return c == NetClass::lc || c == NetClass::sp; }

struct Run {
  NetClass cls;
  std::int64_t first_epoch;
  int length;
};

std::vector<Run> learned_runs(std::span<const SnapshotRow> rows) {
  std::vector<Run> runs;
  for (const SnapshotRow& r : rows) {
    if (!is_mechanism(r.net_class)) continue;
    if (!runs.empty() && runs.back().cls == r.net_class)
      ++runs.back().length;
    else
      runs.push_back({r.net_class, r.epoch, 1});
  }
  return runs;
}

std::vector<MechanismSwitch> changes(const std::vector<Run>& runs) {
  std::vector<MechanismSwitch> out;
  for (std::size_t i = 1; i < runs.size(); ++i)
    if (runs[i].cls != runs[i - 1].cls) out.push_back({runs[i].first_epoch, runs[i - 1].cls, runs[i].cls});
  return out;
}

}  // namespace

std::vector<MechanismSwitch> raw_switches(std::span<const SnapshotRow> rows) { return changes(learned_runs(rows)); }

std::vector<MechanismSwitch> debounced_switches(std::span<const SnapshotRow> rows, int persist) {
  std::vector<Run> kept;
  for (const Run& r : learned_runs(rows)) {
    if (r.length < persist) continue;
    if (!kept.empty() && kept.back().cls == r.cls)
      kept.back().length += r.length;  // merged across a dropped flicker
    else
      kept.push_back(r);
  }
  return changes(kept);
}

}  // namespace memphase
