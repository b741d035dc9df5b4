#include "trnsim/base/presets.h"

#include "trnsim/base/config.h"
#include "trnsim/base/text.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#ifndef TRNSIM_SOURCE_DIR
#define TRNSIM_SOURCE_DIR "."
#endif

namespace trnsim {
namespace fs = std::filesystem;
namespace {

bool has_hw_dir(const fs::path& configs) {
  std::error_code ec;
  return fs::is_directory(configs / "hw", ec);
}

}  // namespace

std::string config_dir() {
  if (const char* env = std::getenv("TRNSIM_CONFIG_DIR"); env && *env) return env;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    // An executable in build/ finds the configs of the tree it was built from, an installed one
    // finds configs/ beside bin/.
    for (const fs::path& dir : {exe.parent_path(), exe.parent_path().parent_path()}) {
      if (has_hw_dir(dir / "configs")) return (dir / "configs").string();
    }
  }
  return std::string(TRNSIM_SOURCE_DIR) + "/configs";
}

bool looks_like_path(const std::string& s) {
  return s.ends_with(".yaml") || s.ends_with(".yml") || s.find('/') != std::string::npos;
}

std::vector<std::string> preset_names(const std::string& subdir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fs::path(config_dir()) / subdir, ec)) {
    if (entry.path().extension() == ".yaml") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string preset_for_accelerator(const std::string& subdir, const std::vector<std::string>& names,
                                   const std::string& accelerator) {
  const std::string want = normalise_name(accelerator);
  std::string best;
  size_t best_len = 0;
  for (const auto& name : names) {
    const ConfigNode root = ConfigNode::load_yaml_file(config_dir() + "/" + subdir + "/" + name + ".yaml");
    const ConfigNode* list = root.find("accelerators");
    if (!list || !list->is_list()) continue;
    for (const auto& item : list->items()) {
      const std::string prefix = normalise_name(item.scalar());
      if (!prefix.empty() && want.starts_with(prefix) && prefix.size() > best_len) {
        best = name;
        best_len = prefix.size();
      }
    }
  }
  return best;
}

}  // namespace trnsim
