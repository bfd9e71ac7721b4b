// Test-only: memphase's SPEC §3.7 curve fits on curves read from a CSV, for
// the cross-check against scipy's curve_fit (fit_crosscheck.py).
//   input:  a header "x,<x_1>,...,<x_n>", then rows "<id>,<model>,<f_1>,...,<f_n>"
//           with model exp_saturation (failure fraction) or logistic (SP fraction)
//   output: "<id>,<model>,<status>,<t0>,<rate>,<sse>" per row (17 significant digits)
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "stats/fit.hpp"

namespace {
std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string c;
  while (std::getline(ss, c, ',')) out.push_back(c);
  return out;
}
}  // namespace

int main() {
  using namespace memphase;
  std::string line;
  std::vector<double> x;
  while (std::getline(std::cin, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto c = cells(line);
    if (c.at(0) == "x") {
      x.clear();
      for (std::size_t i = 1; i < c.size(); ++i) x.push_back(std::stod(c[i]));
      continue;
    }
    std::vector<double> f;
    for (std::size_t i = 2; i < c.size(); ++i) f.push_back(std::stod(c[i]));
    CurveFitOptions o;
    o.skip_below = 0.0;  // the cross-check compares optima; the skip rule is tested elsewhere
    const CurveFit r = c.at(1) == "logistic" ? fit_logistic(x, f, o) : fit_exp_saturation(x, f, o);
    std::printf("%s,%s,%s,%.17g,%.17g,%.17g\n", c[0].c_str(), c[1].c_str(), to_string(r.status), r.t0, r.rate,
                r.sse);
  }
  return 0;
}
