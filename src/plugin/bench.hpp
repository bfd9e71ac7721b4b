#pragma once
// `memphase bench` (app/cmd_bench.cpp) times the units of work the families
// declare, each in BenchOptions::rounds interleaved rounds (the fastest
// kept), and prints one JSON line: the fields the families compute from the
// measured times, and for every unit with a cost-model time its measured /
// modelled ratio (the check of the cost model of plan and status).
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace memphase {

struct BenchOptions {
  int n = 100;
  int batch = 128;
  double delay = 200.0;
  double min_time = 1.0;  ///< seconds per benchmark
  /// Each benchmark runs in `rounds` interleaved slices of min_time/rounds
  /// seconds and reports its fastest slice (1 = one plain measurement).
  int rounds = 5;
};

/// One unit of work to time: one epoch, one optimiser update, one GEMM. The
/// closure owns its state (weights, buffers) and may change it.
struct BenchUnit {
  std::string name;          ///< unique over all families
  std::function<void()> run;
  bool microseconds = false;  ///< display unit of the benchmark (else ms)
  /// Cost-model flops of one unit (Family::cost; > 0: the JSON line gets <name>_ms and
  /// <name>_measured_over_cost_model).
  double model_cost = 0.0;
};

/// Seconds per unit, by unit name (the fastest round).
using BenchTimes = std::map<std::string, double>;
/// JSON fields of the line: key and the value's JSON text.
using BenchFields = std::vector<std::pair<std::string, std::string>>;

}  // namespace memphase
