// The profile summary of a core simulation: per-engine busy fractions, MFU, HBM traffic and
// bandwidth utilisation, SBUF / PSUM peak use; as text for people and as JSON for tools.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "trnsim/core/simulator.h"
#include "trnsim/hw/chip_spec.h"

namespace trnsim::io {

nlohmann::json run_result_json(const hw::ChipSpec& chip, const core::RunResult& r);
std::string format_run_summary(const hw::ChipSpec& chip, const core::RunResult& r);

}  // namespace trnsim::io
