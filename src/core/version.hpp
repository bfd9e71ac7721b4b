#pragma once
// Code version baked in at configure time (git describe, dirty flag, build
// type). Written as provenance into every output file and run manifest.
#include <string_view>

namespace memphase {

struct CodeVersion {
  std::string_view git_describe;  ///< `git describe --always --tags`, or "unknown"
  bool dirty;                     ///< uncommitted changes when configured
  std::string_view build_type;    ///< CMAKE_BUILD_TYPE
  std::string_view compiler;      ///< compiler id and version
};

/// The version of this binary.
const CodeVersion& code_version();

/// "v0.1-3-gabc123[+dirty] (Release, GNU 12.2.0)".
std::string_view code_version_string();

}  // namespace memphase
