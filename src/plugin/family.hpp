#pragma once
// The interface of a model family (issue 16). A family is a plugin: one
// folder src/families/<id>/ holding its configuration, canonical encoding,
// runner, output schema, report and benchmarks, registered through the list
// that CMake generates from the folders (families/registry.hpp). The engine
// (scheduler, run directory, gather, status, plan), the campaign parser and
// the report drive every family through this interface and never name one.
//
// Words: a *family* is the plugin (rate_rnn, toy, ghost, wcrnn); a *preset*
// is a named configuration of a family (dcdt-nopost, toy-ghost, ...), which
// is what a campaign file's `family:` key names.
//
// A family is a stateless singleton (`const Family& family()` in its header);
// every method is const and thread-safe.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/spec.hpp"
#include "plugin/bench.hpp"
#include "plugin/report.hpp"
#include "plugin/runner.hpp"
#include "plugin/schema.hpp"
#include "yaml/yaml_util.hpp"

namespace memphase {

/// A named configuration of a family: what `family:` of a campaign names.
struct Preset {
  std::string_view name;
  std::string_view summary;  ///< one line, for --help texts
};

/// One sweepable grid axis: its name under `grid`, the key path of the field
/// it sets ("train.lr"), whether its values must be integers, and for a
/// categorical axis the names of its values (value i is choices[i]; written
/// by name in canonical text).
struct AxisInfo {
  std::string_view name;
  std::string_view field;
  bool integral = false;
  std::span<const std::string_view> choices = {};
};

/// Estimated peak memory of one task: the bytes, the terms that make them up
/// (for messages), and the key path that drives them most, with its value.
struct MemoryEstimate {
  double bytes = 0.0;
  std::string breakdown;  ///< "BPTT buffers 100 units x 128 trials x 96 steps: 4.72 MiB; ..."
  std::string key;        ///< key path, e.g. "task.delay"
  std::string value;      ///< its value, e.g. "1e+09"
};

class Family {
 public:
  virtual ~Family() = default;

  // ------------------------------------------------------------ identity
  /// The folder name under src/families/ ("rate_rnn").
  virtual std::string_view id() const = 0;
  /// Its presets, in the order listed in messages.
  virtual std::span<const Preset> presets() const = 0;
  /// The spec of `preset` (its defaults). An empty name gives the family's
  /// bare defaults (every field at its record's default), used for a train
  /// file that names no preset but one of this family's own sections.
  virtual TaskSpec make(std::string_view preset) const = 0;

  // ------------------------------------------------------------ configuration
  /// Top-level YAML sections it reads: model, task, train and its own, if any.
  virtual std::span<const std::string_view> sections() const = 0;
  /// Every key path of those sections, in canonical order ("model.n", ...).
  virtual std::vector<std::string> key_paths() const = 0;
  /// Reads its sections of `top` into `spec` (absent keys keep their
  /// value), remembering each value's location under its key path.
  virtual void read(detail::MapReader& top, TaskSpec& spec, detail::Diagnostics& diag) const = 0;
  /// Range and consistency rules, each failure recorded at its key path:
  /// "train.lr must be > 0 (got -0.1)".
  virtual void check(const TaskSpec& spec, detail::Diagnostics& diag) const = 0;
  /// The message for key `path` of one of this family's own sections (those
  /// no other family reads) found in a file of another family, where it would
  /// be ignored: "<section>.<key> is only used by the <family> families (...)
  /// (got 2)".
  virtual std::string foreign_key_message(std::string_view path, std::string_view value) const = 0;
  /// Canonical YAML of a spec (every key, fixed order and formatting): the
  /// provenance of an output file, hashed into its config hash, and the
  /// source of a campaign's canonical text. A contract, like the encoding.
  virtual std::string to_yaml(const TaskSpec& spec) const = 0;
  /// Whether a canonical encoding starting with the int32 `first` is this
  /// family's (journal records carry the encoding, not the family).
  virtual bool owns_encoding(std::int32_t first) const = 0;
  /// Decodes FamilyConfig::encode's bytes (IoError on malformed input).
  virtual TaskSpec decode(ByteReader& r) const = 0;

  // ------------------------------------------------------------ grid
  /// Every axis the family's presets may sweep, in the order listed in messages.
  virtual std::span<const AxisInfo> axes() const = 0;
  /// Why a campaign of `preset` (base spec `base`) cannot sweep `axis`,
  /// written at `path` ("grid.delay"): the complete message, or nullopt if
  /// it can. The default refuses the axes not in axes():
  ///   "grid.rank cannot be swept in family 'dcdt-nopost' (this family does
  ///    not use ghost.rank; axes of this family: lr, delay, ...)".
  virtual std::optional<std::string> refuse_axis(const TaskSpec& base, const AxisInfo& axis,
                                                 std::string_view path, std::string_view preset) const;
  /// Sets the field of `axis` (an axis of axes(); integers arrive integral).
  virtual void set_axis(TaskSpec& spec, std::string_view axis, double value) const = 0;

  // ------------------------------------------------------------ planning
  /// Epochs (optimiser updates, GD steps) the task is planned to run: the
  /// /tasks/epochs_planned column.
  virtual std::int64_t planned_epochs(const TaskSpec& spec) const = 0;
  /// Epochs between which its runner polls, for the dispatch-latency model
  /// of `plan` (seconds per epoch = task seconds / poll_epochs).
  virtual std::int64_t poll_epochs(const TaskSpec& spec) const { return planned_epochs(spec); }
  /// Cost of the task in GEMM-equivalent floating-point operations (the
  /// scheduler orders tasks by it; seconds = cost / effective GFLOP/s).
  virtual double cost(const TaskSpec& spec) const = 0;
  /// Peak memory of the task's working set; `text` false may leave the
  /// breakdown empty (called for every task of a plan).
  virtual MemoryEstimate memory(const TaskSpec& spec, bool text) const = 0;

  // ------------------------------------------------------------ running
  /// Runs or resumes one task (plugin/runner.hpp); nullopt when ctl asked it
  /// to stop (after saving its state). Never throws for a valid spec, except
  /// IoError for a resume state that does not decode and for missing data.
  virtual std::optional<TaskResult> run(const TaskSpec& spec, RunControl* ctl) const = 0;
  /// A checkpoint payload of format 1 (written by memphase up to release
  /// f4f7089, before one checkpoint format existed) as this family's runner
  /// state and the epoch it was taken at; nullopt (with *why) if it does not
  /// decode. The default reads format 1's runner checkpoints: [epoch i64]
  /// [state: u64 length + bytes].
  virtual std::optional<std::string> legacy_checkpoint(std::string_view payload, std::int64_t* epoch,
                                                       std::string* why) const;
  /// Why `memphase train` refuses this preset (nullopt: it trains it).
  virtual std::optional<std::string> refuse_train(const TaskSpec& spec) const;
  /// `memphase train`: a line logged before training (empty: none).
  virtual std::string train_banner(const TaskSpec& spec) const;
  /// `memphase train`: the result line printed after it ("status=done ...").
  virtual std::string train_summary(const TaskResult& r) const;

  // ------------------------------------------------------------ output
  virtual const OutputSchema& schema() const = 0;

  // ------------------------------------------------------------ report
  /// `memphase analyze`: the family's part of the report, from the loaded
  /// outcomes: its exponents and boundary fits (scaling.csv/md/tex), its
  /// section (files, summary.json member, printed lines).
  virtual void analyze(const AnalysisInput& in, const AnalyzeOptions& opt, AnalysisReport& r) const = 0;
  /// Why --reclassify / --lyapunov do not apply to its tasks (the message
  /// after "<where>: <flag>: "); nullopt when they do.
  virtual std::optional<std::string> refuse_reanalysis(std::string_view preset) const;
  /// --reclassify: the class of a finished task from its final weights and
  /// every-epoch curves with the current classifier.
  virtual Classification reclassify(const TaskSpec& spec, const TaskResult& r, const ClassifyOptions& o) const;
  /// --lyapunov: the largest Lyapunov exponent of the task's free run.
  virtual double largest_lyapunov(const TaskSpec& spec, const TaskResult& r) const;
  /// Options of its analysis (`memphase analyze` flags, summary.json
  /// fit_options entries); their values reach analyze() through
  /// AnalyzeOptions::family.
  virtual std::vector<AnalysisOption> analysis_options() const { return {}; }

  // ------------------------------------------------------------ bench
  /// Units of work `memphase bench` times (plugin/bench.hpp).
  virtual std::vector<BenchUnit> bench_units(const BenchOptions& opt) const { return {}; }
  /// JSON fields of `memphase bench` computed from the measured seconds per
  /// unit (by name); appended to the line in registry order.
  virtual void bench_fields(const BenchOptions& opt, const BenchTimes& seconds, BenchFields& out) const {}
};

/// Every preset name of `f`.
std::vector<std::string> preset_names(const Family& f);
/// Whether `preset` is one of f's presets.
bool has_preset(const Family& f, std::string_view preset);

}  // namespace memphase
