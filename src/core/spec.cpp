#include "core/spec.hpp"

#include "core/bytes.hpp"

namespace memphase {

bool TaskSpec::operator==(const TaskSpec& o) const {
  if (family != o.family || empty() != o.empty()) return false;
  if (empty()) return true;
  ByteWriter a, b;
  config->encode(a);
  o.config->encode(b);
  return a.str() == b.str();
}

}  // namespace memphase
