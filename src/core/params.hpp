#pragma once
// Trainable parameters of the leaky rate RNN (SPEC §2). Shapes for N hidden
// units, 2 inputs, 2 outputs:
//   W_in: N×2, W_rec: N×N, W_out: 2×N, b_in: N, b_rec: N, b_out: 2.
// Column-major Eigen storage; a batch of states is an N×B matrix.
#include <array>
#include <cstddef>

#include "core/types.hpp"

namespace memphase {

template <class S>
struct Params {
  Mat<S> W_in, W_rec, W_out;
  Vec<S> b_in, b_rec, b_out;

  /// Zero-filled parameters of the right shapes.
  static Params zeros(int n, int n_in = 2, int n_out = 2) {
    Params p;
    p.W_in = Mat<S>::Zero(n, n_in);
    p.W_rec = Mat<S>::Zero(n, n);
    p.W_out = Mat<S>::Zero(n_out, n);
    p.b_in = Vec<S>::Zero(n);
    p.b_rec = Vec<S>::Zero(n);
    p.b_out = Vec<S>::Zero(n_out);
    return p;
  }

  int n() const { return static_cast<int>(W_rec.rows()); }

  /// Canonical order of the tensors: W_in, W_rec, W_out, b_in, b_rec, b_out.
  static constexpr std::array<const char*, 6> names = {"W_in", "W_rec", "W_out",
                                                       "b_in", "b_rec", "b_out"};

  /// Calls f(name, Eigen::Map-able dense object) for every tensor, in the
  /// canonical order. Used by the optimiser, serialisers and gradient checks.
  template <class F>
  void for_each(F&& f) {
    f(names[0], W_in); f(names[1], W_rec); f(names[2], W_out);
    f(names[3], b_in); f(names[4], b_rec); f(names[5], b_out);
  }
  template <class F>
  void for_each(F&& f) const {
    f(names[0], W_in); f(names[1], W_rec); f(names[2], W_out);
    f(names[3], b_in); f(names[4], b_rec); f(names[5], b_out);
  }
  /// Calls f(a_i, b_i) on matching tensors of two parameter sets.
  template <class F>
  void zip(Params& o, F&& f) {
    f(W_in, o.W_in); f(W_rec, o.W_rec); f(W_out, o.W_out);
    f(b_in, o.b_in); f(b_rec, o.b_rec); f(b_out, o.b_out);
  }

  template <class T>
  Params<T> cast() const {
    Params<T> p;
    p.W_in = W_in.template cast<T>(); p.W_rec = W_rec.template cast<T>();
    p.W_out = W_out.template cast<T>(); p.b_in = b_in.template cast<T>();
    p.b_rec = b_rec.template cast<T>(); p.b_out = b_out.template cast<T>();
    return p;
  }

  std::size_t size() const {
    return static_cast<std::size_t>(W_in.size() + W_rec.size() + W_out.size() + b_in.size() +
                                    b_rec.size() + b_out.size());
  }

  bool operator==(const Params& o) const {
    return W_in == o.W_in && W_rec == o.W_rec && W_out == o.W_out && b_in == o.b_in &&
           b_rec == o.b_rec && b_out == o.b_out;
  }
};

}  // namespace memphase
