#pragma once
#include <string>

namespace memphase {

/// Current UTC time as "YYYY-MM-DDTHH:MM:SSZ" (provenance, manifests).
std::string utc_now_iso();

}  // namespace memphase
