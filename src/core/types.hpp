#pragma once
// Basic numeric types and the outcome codes shared by every module.
#include <Eigen/Core>
#include <cstdint>
#include <string_view>

namespace memphase {

/// Column-major dynamic matrix / vector of scalar S.
template <class S>
using Mat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;
template <class S>
using Vec = Eigen::Matrix<S, Eigen::Dynamic, 1>;

/// Class of a trained network, SPEC §3.5. The integer values are the codes
/// written to every output file.
enum class NetClass : std::int8_t { fail = 0, lc = 1, sp = 2, unstable = 3 };

/// How a training run ended.
///  done     : all epochs ran;
///  diverged : a NaN/Inf loss stopped it (a recorded outcome, not an error);
///  aborted  : the loss exceeded the configured abort threshold (no-memory
///             task, SPEC §3.6: loss > 100 is recorded as failed).
enum class Status : std::int8_t { done = 0, diverged = 1, aborted = 2 };

std::string_view to_string(NetClass c);
std::string_view to_string(Status s);

}  // namespace memphase
