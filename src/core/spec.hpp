#pragma once
// What defines one task: the family that owns it (src/families/<id>/, behind
// the interface of plugin/family.hpp) and that family's configuration, which
// the engine never looks into. A TaskSpec is a value: copying it copies the
// configuration.
//
// The engine needs five things of any configuration, and only these:
//   * its canonical encoding (the task key is the XXH64 of those bytes: a
//     contract, see tests/unit/config/compat_keys_test.cpp);
//   * the network seed (a campaign's `seeds` set it, task by task);
//   * the curve stride record_every (a campaign's output.record_every sets it;
//     journals and campaign.h5 keep every record_every-th curve point);
//   * the snapshot interval of SPEC §3.8 (output.snapshots), for the
//     families that have the PSD classifier.
// Everything else (parsing, checking, grid axes, planned epochs, cost,
// running, output schema, report) is asked of the family.
#include <cstdint>
#include <memory>
#include <typeinfo>

namespace memphase {

class Family;  // plugin/family.hpp
class ByteWriter;

/// The family-owned configuration of a task. Each family derives its own
/// record from this (families/<id>/config.hpp) and reads it back with
/// TaskSpec::as<>.
class FamilyConfig {
 public:
  virtual ~FamilyConfig() = default;
  virtual std::unique_ptr<FamilyConfig> clone() const = 0;
  /// Canonical encoding: fixed field order, little-endian PODs (core/bytes.hpp).
  /// Its XXH64 is the task key: never change the bytes of an existing family.
  virtual void encode(ByteWriter& w) const = 0;
  /// Network seed: the initial weights (and every random stream of the task)
  /// derive from it and from nothing else.
  virtual std::uint64_t seed() const = 0;
  virtual void set_seed(std::uint64_t seed) = 0;
  /// Keep every k-th epoch of the curves in journals and output files.
  virtual int record_every() const = 0;
  virtual void set_record_every(int k) = 0;
  /// Mechanism snapshots every k epochs (SPEC §3.8; a campaign's
  /// output.snapshots; 0: off). Not part of the encoding: snapshots do not
  /// change the training, only add tables to the result (the campaign's
  /// canonical text carries k > 0, so its config hash does change). A family
  /// without the PSD classifier keeps the defaults: set_snapshots(k > 0)
  /// returns false and the campaign refuses the key.
  virtual int snapshots() const { return 0; }
  virtual bool set_snapshots(int k) { return k == 0; }
};

/// One task: a family and its configuration.
struct TaskSpec {
  const Family* family = nullptr;  ///< owner of `config`; nullptr for an empty spec
  std::unique_ptr<FamilyConfig> config;

  TaskSpec() = default;
  TaskSpec(const Family* f, std::unique_ptr<FamilyConfig> c) : family(f), config(std::move(c)) {}
  TaskSpec(const TaskSpec& o) : family(o.family), config(o.config ? o.config->clone() : nullptr) {}
  TaskSpec(TaskSpec&&) noexcept = default;
  TaskSpec& operator=(const TaskSpec& o) {
    if (this != &o) {
      family = o.family;
      config = o.config ? o.config->clone() : nullptr;
    }
    return *this;
  }
  TaskSpec& operator=(TaskSpec&&) noexcept = default;

  bool empty() const { return config == nullptr; }

  /// The family's own configuration record (checked: throws std::bad_cast
  /// for a spec of another family).
  template <class C>
  const C& as() const {
    return dynamic_cast<const C&>(*config);
  }
  template <class C>
  C& as() {
    return dynamic_cast<C&>(*config);
  }

  std::uint64_t seed() const { return config->seed(); }
  int record_every() const { return config->record_every(); }

  /// Same family and the same canonical encoding (hence the same task key).
  bool operator==(const TaskSpec& o) const;
};

}  // namespace memphase
