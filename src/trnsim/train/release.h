// Software releases (configs/releases/<name>.yaml): how fast a framework release's attention
// kernels run against the release the hardware calibration (configs/cost/) was fitted on. A run's
// free-text `training.framework` selects the file whose `match` strings it contains, as framework
// files are selected (longest match wins); a run naming no known release runs at the calibration's
// rate.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace trnsim::train {

struct SoftwareRelease {
  std::string name;
  std::vector<std::string> match;
  // Attention kernels' rate as a fraction of the calibrated one (cost::CostOptions::attention_rate).
  double attention_rate = 1.0;
};

// One release file. Throws Error(kInput) naming the file and key when it is malformed.
SoftwareRelease load_release(const std::string& path);

// The release whose `match` string `framework` contains, the longest winning; none when no file matches.
std::optional<SoftwareRelease> release_for(const std::string& framework);

}  // namespace trnsim::train
