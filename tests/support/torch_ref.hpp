#pragma once
// C++ side of tests/support/torch_ref.py (test-only): writes a problem as
// text, runs the PyTorch reference with /usr/bin/python3, reads its tensors
// back. A test skips (GTEST_SKIP) when python3-torch is missing.
#include <fmt/format.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>

#include "core/types.hpp"

namespace memphase::test {

class TorchRef {
 public:
  void scalar(const std::string& name, const std::string& value) {
    text_ += name + " " + value + "\n";
  }
  void scalar(const std::string& name, double value) {
    scalar(name, fmt::format("{:.17g}", value));
  }
  /// A tensor, written row-major with %.9g (exact for float32 values).
  template <class M>
  void tensor(const std::string& name, const M& m) {
    text_ += fmt::format("tensor {} {} {}", name, m.rows(), m.cols());
    for (Eigen::Index i = 0; i < m.rows(); ++i)
      for (Eigen::Index j = 0; j < m.cols(); ++j)
        text_ += fmt::format(" {:.9g}", static_cast<double>(m(i, j)));
    text_ += "\n";
  }

  /// Runs `torch_ref.py cmd`; nullopt when torch is missing (*why says so).
  /// Throws std::runtime_error on any other failure.
  std::optional<std::map<std::string, Mat<double>>> run(const std::string& cmd,
                                                        std::string* why) const {
    const std::string dir = ::testing::TempDir();
    const std::string in = dir + "/torch_ref_" + cmd + ".in",
                      out = dir + "/torch_ref_" + cmd + ".out";
    std::ofstream(in) << text_;
    const std::string line = fmt::format("/usr/bin/python3 {}/tests/support/torch_ref.py {} {} {}",
                                         MEMPHASE_SOURCE_DIR, cmd, in, out);
    const int rc = std::system(line.c_str());
    if (rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 77) {
      *why = "python3-torch is not installed (scripts/setup.sh installs it)";
      return std::nullopt;
    }
    if (rc != 0) throw std::runtime_error("failed: " + line);
    std::map<std::string, Mat<double>> res;
    std::ifstream f(out);
    std::string l;
    while (std::getline(f, l)) {
      std::istringstream s(l);
      std::string tag, name;
      Eigen::Index r = 0, c = 0;
      s >> tag >> name >> r >> c;
      Mat<double> m(r, c);
      for (Eigen::Index i = 0; i < r; ++i)
        for (Eigen::Index j = 0; j < c; ++j) s >> m(i, j);
      res[name] = m;
    }
    return res;
  }

 private:
  std::string text_;
};

/// max_i |a_i - b_i| / max(|b_i|, floor): the relative error with an
/// absolute floor for entries near zero.
template <class A, class B>
double rel_error(const A& a, const B& b, double floor = 1e-3) {
  double e = 0.0;
  for (Eigen::Index i = 0; i < a.rows(); ++i)
    for (Eigen::Index j = 0; j < a.cols(); ++j) {
      const double x = static_cast<double>(a(i, j)), y = static_cast<double>(b(i, j));
      e = std::max(e, std::abs(x - y) / std::max(std::abs(y), floor));
    }
  return e;
}

}  // namespace memphase::test
