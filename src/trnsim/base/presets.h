// Where the project's presets (configs/) live, and which presets a folder of them holds.
#pragma once

#include <string>
#include <vector>

namespace trnsim {

// $TRNSIM_CONFIG_DIR if set, else a `configs` directory next to the running executable or next
// to its parent directory, else <source tree>/configs.
std::string config_dir();

// True when `s` names a file (ends in .yaml / .yml or contains '/') rather than a preset.
bool looks_like_path(const std::string& s);

// The names (file stems) of the .yaml presets in config_dir()/<subdir>, sorted.
std::vector<std::string> preset_names(const std::string& subdir);

// Of the presets `names` in config_dir()/<subdir>, the one whose top-level `accelerators` list
// holds the longest prefix of `accelerator` (case and punctuation ignored: "H100-SXM" matches
// "h100"); empty when none does. Calibrations and energy tables are found this way.
std::string preset_for_accelerator(const std::string& subdir, const std::vector<std::string>& names,
                                   const std::string& accelerator);

}  // namespace trnsim
