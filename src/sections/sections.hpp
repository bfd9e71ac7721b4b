#pragma once
// The model/task/train sections of a network spec (SPEC §2-3), shared by the
// families shipped before issue 16: the rate RNN reads all of them; the toy
// (task.delay, task.response, train.lr), the ghost networks and the WCRNNs
// (model.n, train.*) read some and carry the rest unchanged, because their
// canonical encoding and canonical YAML (task keys and config hashes: a
// contract) have always held all three. A new family may reuse them.
//
// Here: the records, their YAML keys and range rules, their canonical text
// and encoding, and the grid axes and /grid columns they provide.
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/spec.hpp"
#include "plugin/family.hpp"
#include "plugin/schema.hpp"
#include "yaml/rules.hpp"
#include "yaml/yaml_util.hpp"

namespace memphase {

/// Read-out nonlinearity: sigmoid (DCDT) or linear (no-memory task).
enum class Readout : std::int8_t { sigmoid = 0, linear = 1 };

/// Loss: weighted MSE of SPEC §3.2 or plain MSE (all weights 1).
enum class LossKind : std::int8_t { weighted_mse = 0, mse = 1 };

/// Optimiser of a family that trains by backpropagation (train.optimizer):
/// PyTorch's SGD (momentum, weight decay; SPEC §3.3) or Adam.
enum class Optimizer : std::int8_t { sgd = 0, adam = 1 };

/// Which trial structure to build.
///  dcdt      : cue, delay, response, optional post period (SPEC §3.1);
///  no_memory : cue, then a response window with the cue as target at every
///              step, delay 0 (SPEC §3.6).
enum class TaskKind : std::int8_t { dcdt = 0, no_memory = 1 };

/// Leaky rate RNN of SPEC §2. Times in ms.
struct ModelConfig {
  int n = 100;                    ///< hidden units N
  double dt = 5.0;                ///< integration step (ms)
  double tau = 10.0;              ///< membrane time constant (ms); alpha = dt/tau
  double noise_sigma = 0.001;     ///< std of eps_t inside the tanh
  double init_state_sigma = 0.1;  ///< r_0 = tanh(init_state_sigma * g); 0 gives r_0 = 0
  Readout readout = Readout::sigmoid;

  double alpha() const { return dt / tau; }
};

/// Trial layout (SPEC §3.1, §3.6). Durations in ms; step counts are
/// floor(duration/dt) in double precision.
struct TaskConfig {
  TaskKind kind = TaskKind::dcdt;
  double cue = 30.0;       ///< cue period (6 steps at dt = 5)
  double delay = 0.0;      ///< delay period
  double response = 50.0;  ///< response period (no-memory: the response length d)
  double post = 0.0;       ///< post-response period (30 in dcdt-post)
  int reps = 64;           ///< copies of each of the 2 trial types; batch = 2*reps
  LossKind loss = LossKind::weighted_mse;
};

/// Optimiser and schedule (SPEC §3.3). PyTorch semantics: torch.optim.SGD
/// (default) or torch.optim.Adam (sections/adam.hpp; momentum is then not
/// used, weight_decay is Adam's L2 term added to the gradient).
struct TrainConfig {
  double lr = 0.1;
  double momentum = 0.9;
  double weight_decay = 1e-7;
  Optimizer optimizer = Optimizer::sgd;
  double adam_beta1 = 0.9;    ///< torch.optim.Adam betas[0]
  double adam_beta2 = 0.999;  ///< torch.optim.Adam betas[1]
  double adam_eps = 1e-8;     ///< torch.optim.Adam eps
  /// Explicit epoch count; 0 means "use the formula" max(floor, coeff/lr).
  std::int64_t epochs = 0;
  double epochs_coeff = 30.0;    ///< 30 (no post) or 100 (post), SPEC §3.3
  std::int64_t epochs_min = 1000;
  /// Abort (status aborted) once loss exceeds this; <= 0 disables.
  double abort_loss = 0.0;
  /// Keep every k-th epoch of the curves in the output files (classification
  /// always uses every epoch).
  int record_every = 1;
  std::uint64_t seed = 0;  ///< network seed: initial weights depend on it ONLY

  /// Number of epochs actually run: explicit, or the SPEC §3.3 formula
  /// int(max(epochs_min, epochs_coeff / lr)).
  std::int64_t resolved_epochs() const;
};

/// The three sections.
struct Sections {
  ModelConfig model;
  TaskConfig task;
  TrainConfig train;
};

/// Base of the configuration of a family that uses the sections: the seed
/// and the curve stride live in train. `Derived` is the final record
/// (CRTP, for clone()).
template <class Derived>
class SectionsConfig : public FamilyConfig, public Sections {
 public:
  std::unique_ptr<FamilyConfig> clone() const override {
    return std::make_unique<Derived>(static_cast<const Derived&>(*this));
  }
  std::uint64_t seed() const override { return train.seed; }
  void set_seed(std::uint64_t s) override { train.seed = s; }
  int record_every() const override { return train.record_every; }
  void set_record_every(int k) override { train.record_every = k; }
};

/// The encoding of the sections (model, task, train, field by field). A spec
/// encoding ends with it; its first int32 is model.n (>= 1). The optimiser
/// (issue 16, after the task keys were pinned) is written only when it is not
/// the default SGD: then an optimiser block follows the train fields,
/// [kOptimizerTag u64][optimizer i8][adam_beta1, adam_beta2, adam_eps f64],
/// so that every SGD spec keeps its bytes (its task key). The tag is a
/// negative int64, which no field that follows a spec in a record (epochs
/// planned) can be.
void encode_sections(ByteWriter& w, const Sections& s);
inline constexpr std::uint64_t kOptimizerTag = 0xC0DE'4F50'5431'0000ULL;
/// Reads them back; `model_n` is the first int32, already read.
void decode_sections(ByteReader& r, Sections& s, std::int32_t model_n);

/// Every key path of the sections ("model.n", ...), in canonical order,
/// followed by `own` (a family's own section's key paths).
std::vector<std::string> section_key_paths(std::vector<std::string> own = {});

/// The spec of family `f` whose record C (a SectionsConfig) has its defaults
/// and then `apply(record, preset)`: Family::make of the families that use
/// the sections.
template <class C>
TaskSpec make_sections_spec(const Family* f, std::string_view preset, void (*apply)(C&, std::string_view)) {
  auto c = std::make_unique<C>();
  apply(*c, preset);
  return TaskSpec(f, std::move(c));
}
/// Reads the sections of `top` into `s` (absent keys keep their value);
/// unknown keys are reported with suggestions among `elsewhere` (full key
/// paths) besides the section's own keys.
void read_sections(detail::MapReader& top, Sections& s, detail::Diagnostics& diag,
                   std::span<const std::string> elsewhere);
/// Range and consistency rules of the sections. `trial_layout`: the family
/// builds the delayed-cue trial of SPEC §3 from them and uses the epoch
/// formula of SPEC §3.3 (response >= dt, the trial fits in an int, coeff/lr
/// fits in 64 bits).
void check_sections(const Sections& s, detail::Rules& r, bool trial_layout);
/// Plain gradient descent (no momentum, no weight decay) for `who` ("a toy");
/// `optimizer`: also refuse train.optimizer other than sgd (a family that
/// does not train by backpropagation).
void require_plain_sgd(const Sections& s, detail::Rules& r, std::string_view who, bool optimizer = false);
/// Canonical YAML of the sections (every key, fixed order and formatting).
std::string sections_yaml(const Sections& s);

/// The grid axes of the sections, in the order they are listed in messages.
namespace axis {
inline constexpr AxisInfo lr{"lr", "train.lr"};
inline constexpr AxisInfo delay{"delay", "task.delay"};
inline constexpr AxisInfo response{"response", "task.response"};
inline constexpr AxisInfo post{"post", "task.post"};
inline constexpr AxisInfo tau{"tau", "model.tau"};
inline constexpr AxisInfo n{"n", "model.n", true};
inline constexpr AxisInfo reps{"reps", "task.reps", true};
inline constexpr AxisInfo noise_sigma{"noise_sigma", "model.noise_sigma"};
inline constexpr AxisInfo init_state_sigma{"init_state_sigma", "model.init_state_sigma"};
inline constexpr AxisInfo momentum{"momentum", "train.momentum"};
inline constexpr AxisInfo weight_decay{"weight_decay", "train.weight_decay"};
inline constexpr AxisInfo epochs{"epochs", "train.epochs", true};
}  // namespace axis

/// Sets the field of a sections axis (lr, delay, response, post, tau, n, reps,
/// noise_sigma, init_state_sigma, momentum, weight_decay, epochs); false if
/// `name` is not one of them.
bool set_section_axis(Sections& s, std::string_view name, double v);

/// The /grid columns every shipped family writes (lr, delay, seed, response,
/// post, tau, n, reps, noise_sigma), read from and written to the sections
/// that `view` / `get` return for a spec; `response` overrides the value of
/// the response column (the toy's effective T_r).
std::vector<GridColumn> section_grid_columns(std::function<const Sections&(const TaskSpec&)> view,
                                             std::function<Sections&(TaskSpec&)> get,
                                             std::function<double(const TaskSpec&)> response = {});

}  // namespace memphase
