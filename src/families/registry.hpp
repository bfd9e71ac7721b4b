#pragma once
// The registered families: the list CMake generates from the folders
// src/families/<id>/ (src/families/CMakeLists.txt; each folder's
// CMakeLists.txt registers its family with memphase_family(<id> ORDER <n>
// ...)). A family is found by its id or by one of its presets; a spec
// encoding (a journal record's head) by its leading int32. The engine, the
// campaign parser and the report reach families only through here and
// plugin/family.hpp.
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "plugin/family.hpp"

namespace memphase {

/// Every registered family, in ORDER (the order presets are listed in).
std::span<const Family* const> families();

/// The family with this id, or nullptr.
const Family* find_family(std::string_view id);

/// The family owning preset `name`, or nullptr.
const Family* family_of_preset(std::string_view name);

/// Every preset of every family, in registry order (for messages).
std::vector<std::string> preset_names();

/// The spec of preset `name` (its defaults). ConfigError naming `source` for
/// an unknown name: "unknown family 'x' (did you mean 'y'?); known families: ...".
TaskSpec make_spec(std::string_view name, const std::string& source);

/// Decodes a spec encoding of any registered family (a SpecDecoder): the
/// family whose owns_encoding() claims the leading int32. IoError when none
/// does or the bytes do not decode.
TaskSpec decode_spec(ByteReader& r);

/// Every axis of every family, the first definition of each name, in
/// registry order (the grid parser's vocabulary).
std::vector<AxisInfo> all_axes();

/// The family owning top-level section `name` alone (no other family reads
/// it), or nullptr: "toy" -> toy.
const Family* owner_of_section(std::string_view name);

}  // namespace memphase
