#include "trnsim/hw/chip_loader.h"
#include "trnsim/base/presets.h"
#include "trnsim/base/text.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "trnsim/base/error.h"

namespace trnsim::hw {
namespace fs = std::filesystem;
std::vector<std::string> list_chip_presets() { return preset_names("hw"); }

ChipSpec load_chip(const std::string& name_or_path, const ChipLoadOptions& options) {
  if (looks_like_path(name_or_path)) {
    return chip_from_config(ConfigNode::load_yaml_file(name_or_path), options);
  }
  std::vector<std::string> presets = list_chip_presets();
  if (std::find(presets.begin(), presets.end(), name_or_path) == presets.end()) {
    std::string hint = presets.empty()
                           ? "no presets found in " + config_dir() + "/hw; set TRNSIM_CONFIG_DIR to the configs directory"
                           : "use one of: " + join(presets) + ", or a path to a chip .yaml file";
    throw input_error("chip '" + name_or_path + "'", "is not a known chip preset", hint);
  }
  std::string path = config_dir() + "/hw/" + name_or_path + ".yaml";
  // Presets are the project's published data: they always carry sources.
  ChipSpec chip = chip_from_config(ConfigNode::load_yaml_file(path), ChipLoadOptions{.require_sources = true});
  if (chip.name != name_or_path) {
    throw input_error(path, "preset declares name '" + chip.name + "'",
                      "set 'name: " + name_or_path + "' to match the file name");
  }
  return chip;
}

}  // namespace trnsim::hw
