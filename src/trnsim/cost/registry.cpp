// The cost models by name, and the choice by accelerator family.
#include "trnsim/base/error.h"
#include "trnsim/cost/models.h"

namespace trnsim::cost {

const std::vector<CostModelInfo>& cost_model_registry() {
  static const std::vector<CostModelInfo> models = {
      {"roofline", "GPU / TPU: roofline with calibrated size-dependent efficiency (configs/cost/<family>.yaml)",
       make_roofline_model},
      {"neuron", "Trainium: matmuls simulated as gemm kernels on the NeuronCore model, cached per shape",
       make_neuron_model},
  };
  return models;
}

std::unique_ptr<OpCostModel> make_cost_model(const hw::SystemSpec& system, const CostOptions& opts) {
  std::string name = opts.model;
  if (name.empty()) name = system.accel.family == hw::AcceleratorFamily::kTrainium ? "neuron" : "roofline";
  std::string known;
  for (const auto& info : cost_model_registry()) {
    if (info.name == name) return info.make(system, opts);
    known += (known.empty() ? "" : ", ") + info.name;
  }
  throw input_error("cost model '" + name + "'", "is not a known cost model", "use one of: " + known);
}

}  // namespace trnsim::cost
