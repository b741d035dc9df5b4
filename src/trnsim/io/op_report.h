// The op profile of a step (train::op_profile) for people (a table per part) and tools (JSON).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "trnsim/train/op_profile.h"

namespace trnsim::io {

// One row per op: its shape, GFLOP and MB on the rank, forward and backward milliseconds, the
// forward's achieved TFLOP/s and the op's share of its part's time; a total per part.
std::string format_op_profile(const std::vector<train::OpTiming>& ops);
// [{part, op, kind, m, n, k, batch, flops, bytes, bwd_bytes, fwd_s, bwd_s}]
nlohmann::json op_profile_json(const std::vector<train::OpTiming>& ops);

}  // namespace trnsim::io
