// Loading a chip description: a preset name (configs/hw/<name>.yaml) or a user YAML file, read
// strictly (unknown keys, missing keys, bad units, impossible values and figures without a source
// are errors naming the file, line and key).
#pragma once

#include <string>
#include <vector>

#include "trnsim/base/config.h"
#include "trnsim/base/presets.h"
#include "trnsim/hw/chip_spec.h"

namespace trnsim::hw {

struct ChipLoadOptions {
  // Every figure must carry a `source`. Presets always do; a what-if user file may opt out
  // (`trnsim hw show --allow-unsourced`), and then its report shows the figures as unsourced.
  bool require_sources = true;
};

// `name_or_path`: a preset name (trn1, inf2, trn2, trn3) looked up in config_dir()/hw, or a path
// (anything ending in .yaml / .yml or containing '/'). Throws trnsim::Error (kInput).
ChipSpec load_chip(const std::string& name_or_path, const ChipLoadOptions& options = {});

// Builds a chip from an already-parsed tree (sweeps and programmatic front ends edit the tree).
ChipSpec chip_from_config(const ConfigNode& root, const ChipLoadOptions& options = {});

// Preset names found in config_dir()/hw, sorted.
std::vector<std::string> list_chip_presets();

// Where presets live (base/presets.h); kept here too for the layers that look chips up.
using trnsim::config_dir;

}  // namespace trnsim::hw
