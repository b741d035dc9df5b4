// Megatron-Core's pipeline layout (`pipeline_model_parallel_layout`, training key `pp_layout`):
// a string of model chunks in model order, separated by '|', where 'E' is the input embedding,
// 't' a transformer layer, 'm' a multi-token prediction module and 'L' the output head and loss;
// 'X*n' repeats a symbol and '(...)*n' a group, e.g. DeepSeek-V3's "Et|(tt|)*30mL" on 32 chunks.
#pragma once

#include <string>
#include <vector>

#include "trnsim/model/model_spec.h"
#include "trnsim/train/plan.h"

namespace trnsim::train {

// The chunks `text` describes for model `m` on pp x virtual_stages chunks. Throws Error(kInput)
// at `where` naming what is wrong (an unknown symbol, a count that differs from the model's, the
// embedding or head in the wrong chunk) and the fix.
std::vector<ChunkLayers> parse_pipeline_layout(const std::string& text, const model::ModelSpec& m, int pp,
                                               int virtual_stages, const std::string& where);

}  // namespace trnsim::train
