#pragma once
// The single error hierarchy of memphase. Messages say where, what and the bad
// value, e.g. "campaigns/x.yaml: train.lr[2] must be > 0 (got -0.1)".
#include <stdexcept>
#include <string>

namespace memphase {

/// Base of every error memphase throws on purpose.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Invalid configuration: YAML, CLI flags, or values out of range.
class ConfigError : public Error {
 public:
  using Error::Error;
};

/// File-system or HDF5 failure (names the path and the operation).
class IoError : public Error {
 public:
  using Error::Error;
};

/// Campaign-level inconsistency (manifest mismatch, lock held, ...).
class CampaignError : public Error {
 public:
  using Error::Error;
};

}  // namespace memphase
