// The cost model implementations, one per .cpp; cost/registry.cpp lists them. Internal to cost/.
#pragma once

#include <memory>

#include "trnsim/cost/op_cost.h"

namespace trnsim::cost {

std::unique_ptr<OpCostModel> make_roofline_model(const hw::SystemSpec& system, const CostOptions& opts);
std::unique_ptr<OpCostModel> make_neuron_model(const hw::SystemSpec& system, const CostOptions& opts);

// Dense matrix peak of one accelerator at `p` (fp8 and fp16 fall back to bf16 where the
// accelerator lists no such peak). Throws when the accelerator lists no peak at all.
double matrix_peak(const hw::AcceleratorSpec& accel, Precision p);
const char* precision_name(Precision p);

}  // namespace trnsim::cost
