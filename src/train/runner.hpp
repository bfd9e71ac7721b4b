#pragma once
// Resumable training of the models other than the rate RNN (ghost networks of
// SPEC §5, WCRNNs of SPEC §6). The campaign engine drives every such task
// through this one interface, so checkpoint/resume, stop requests and fault
// points work for them exactly as for the rate RNN (campaign/scheduler.cpp):
//
//   RunControl ctl;
//   ctl.resume = bytes_of_last_checkpoint;       // or nullopt: from scratch
//   ctl.poll   = [&](std::int64_t epoch) { ... return RunAction::...; };
//   ctl.save   = [&](std::string bytes) { write the checkpoint atomically };
//   std::optional<TaskResult> r = run_model_task(spec, &ctl);  // nullopt: stopped
//
// A runner calls poll(epoch) after every optimiser update (epoch = updates
// done so far, summed over phases). On RunAction::checkpoint it calls save()
// with a self-contained state (parameters, optimiser buffers, curves and
// tables so far, phase), then goes on; on RunAction::stop it calls save() and
// returns nullopt. Resuming from any saved state gives a result identical to
// an uninterrupted run (training is a deterministic function of the spec; the
// data order derives from (seed, update index), so no RNG state is needed).
// A state that does not decode (corrupt, or of another spec) throws IoError.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "core/spec.hpp"

namespace memphase {

enum class RunAction : std::int8_t { go_on = 0, checkpoint = 1, stop = 2 };

struct RunControl {
  std::optional<std::string> resume;                    ///< state from save(), or nullopt
  std::function<RunAction(std::int64_t epoch)> poll;    ///< may be empty: always go_on
  std::function<void(std::string state)> save;          ///< may be empty when poll never asks
};

/// Helper for runners: what poll() says (go_on when ctl or poll is empty).
inline RunAction poll_control(RunControl* ctl, std::int64_t epoch) {
  return ctl && ctl->poll ? ctl->poll(epoch) : RunAction::go_on;
}

}  // namespace memphase
