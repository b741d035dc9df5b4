#include "trnsim/hw/system_spec.h"

namespace trnsim::hw {

// The parallel degrees of a Trainium job count logical NeuronCores (AWS publishes them that way);
// GPUs and TPUs count devices.
int SystemSpec::ranks_per_accel() const {
  if (accel.family != AcceleratorFamily::kTrainium) return 1;
  return accel.cores_per_chip / accel.physical_cores_per_logical;
}

int64_t SystemSpec::ranks() const { return count * ranks_per_accel(); }

const char* to_string(ScaleUpKind kind) {
  switch (kind) {
    case ScaleUpKind::kNvSwitch: return "nvswitch";
    case ScaleUpKind::kNvl72: return "nvl72";
    case ScaleUpKind::kTorus2d: return "torus-2d";
    case ScaleUpKind::kTorus3d: return "torus-3d";
    case ScaleUpKind::kNeuronLinkTorus2d: return "neuronlink-torus-2d";
    case ScaleUpKind::kNeuronLinkTorus3d: return "neuronlink-torus-3d";
    case ScaleUpKind::kNeuronSwitch: return "neuronswitch";
  }
  return "?";
}

const char* to_string(ScaleOutKind kind) {
  switch (kind) {
    case ScaleOutKind::kIbFatTree: return "ib-fat-tree";
    case ScaleOutKind::kRoce: return "roce";
    case ScaleOutKind::kEfa: return "efa";
    case ScaleOutKind::kIci: return "ici";
    case ScaleOutKind::kDcn: return "dcn";
  }
  return "?";
}

}  // namespace trnsim::hw
