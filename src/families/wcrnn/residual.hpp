#pragma once
// The fixed residual matrix R of a WCRNN (SPEC §6; wcrnn.hpp make_residual):
// its kind and parameters, a plain record of the family's configuration.
#include <cstdint>

namespace memphase {

enum class ResidualKind : std::int8_t {
  homogeneous = 0,         ///< R = r I
  rotational = 1,          ///< R = r blockdiag(Rot(φ))
  heterogeneous_diag = 2,  ///< R = diag(r_i), r_i ~ U(r_lo, r_hi) per unit
  heterogeneous_rot = 3,   ///< R = blockdiag(r_i Rot(φ_i)), r_i ~ U(r_lo, r_hi),
                           ///< φ_i ~ U(phi_lo, phi_hi) per 2×2 block
  zero = 4,                ///< R = 0 (Elman baseline, with γ = 1)
};

/// Description of the fixed residual matrix. r, phi are used by homogeneous
/// and rotational; the ranges by the heterogeneous kinds (φ in radians).
struct ResidualSpec {
  ResidualKind kind = ResidualKind::homogeneous;
  double r = 1.0;
  double phi = 0.0;
  double r_lo = 0.9, r_hi = 1.0;
  double phi_lo = 0.0, phi_hi = 0.0;
  bool operator==(const ResidualSpec&) const = default;
};

}  // namespace memphase
