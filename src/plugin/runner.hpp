#pragma once
// The runner contract: how the engine (engine/scheduler.cpp) and `memphase
// train` drive ONE task of any family, so that checkpoint/resume, stop
// requests and fault points work alike for every family:
//
//   RunControl ctl;
//   ctl.resume = state_of_last_checkpoint;        // or nullopt: from scratch
//   ctl.poll   = [&](std::int64_t epoch) { ... return RunAction::...; };
//   ctl.save   = [&](std::string state) { write the checkpoint atomically };
//   std::optional<TaskResult> r = spec.family->run(spec, &ctl);  // nullopt: stopped
//
// A runner calls poll(epoch) after every optimiser update but the last one
// (epoch = updates done so far, summed over phases). On RunAction::checkpoint
// it calls save() with a self-contained state (parameters, optimiser
// buffers, curves and tables so far, phase), then goes on; on RunAction::stop
// it calls save() and returns nullopt. Resuming from any saved state gives a
// result identical to an uninterrupted run (training is a deterministic
// function of the spec; noise and data order derive from (seed, epoch), so
// no generator state is saved). A state that does not decode (corrupt, or of
// another spec) throws IoError. A runner whose task is too short to need a
// checkpoint (a toy: one gradient descent of milliseconds) never polls.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/result.hpp"

namespace memphase {

enum class RunAction : std::int8_t { go_on = 0, checkpoint = 1, stop = 2 };

struct RunControl {
  std::optional<std::string> resume;                  ///< state from save(), or nullopt
  std::function<RunAction(std::int64_t epoch)> poll;  ///< may be empty: always go_on
  std::function<void(std::string state)> save;        ///< may be empty when poll never asks
  /// Optional: called before poll with the curves so far (progress lines of
  /// `memphase train`); runners without curves do not call it.
  std::function<void(std::int64_t epoch, const Curves& curves)> progress;
};

/// Helper for runners: what poll() says (go_on when ctl or poll is empty),
/// after passing `curves` to ctl->progress when both are set.
inline RunAction poll_control(RunControl* ctl, std::int64_t epoch, const Curves* curves = nullptr) {
  if (!ctl) return RunAction::go_on;
  if (ctl->progress && curves) ctl->progress(epoch, *curves);
  return ctl->poll ? ctl->poll(epoch) : RunAction::go_on;
}

}  // namespace memphase
