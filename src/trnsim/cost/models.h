// The cost model implementations, one per .cpp; cost/registry.cpp lists them. Internal to cost/.
#pragma once

#include <memory>

#include "trnsim/cost/op_cost.h"

namespace trnsim::cost {

std::unique_ptr<OpCostModel> make_roofline_model(const hw::SystemSpec& system, const CostOptions& opts);
std::unique_ptr<OpCostModel> make_neuron_model(const hw::SystemSpec& system, const CostOptions& opts);

}  // namespace trnsim::cost
