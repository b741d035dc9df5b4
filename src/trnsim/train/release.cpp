#include "trnsim/train/release.h"

#include "trnsim/base/config.h"
#include "trnsim/train/framework.h"

namespace trnsim::train {

SoftwareRelease load_release(const std::string& path) {
  const ConfigNode root = ConfigNode::load_yaml_file(path);
  ConfigReader r(root);
  SoftwareRelease s;
  s.name = r.str("name");
  s.match = r.str_list("match");
  r.require_sources(true);  // name and match are identifiers; the rate is a fitted figure
  s.attention_rate = r.number("attention_rate", 0.05, 2.0);
  r.finish();
  return s;
}

std::optional<SoftwareRelease> release_for(const std::string& framework) {
  return matching_file(framework, "releases", &load_release);
}

}  // namespace trnsim::train
