// Shared by the ISA tests: a trn2-like chip built by hand, and field-by-field Program equality
// (the instruction structs carry no operator==).
#pragma once

#include <string>

#include "trnsim/hw/chip_spec.h"
#include "trnsim/isa/program.h"

namespace trnsim::isa::testing {

// NC-v3 (trn2) figures from hardware-facts.md 1.2-1.4.
hw::ChipSpec trn2_like();
// Empty when equal, else a description of the first difference.
std::string diff_programs(const Program& a, const Program& b);
std::string read_text_file(const std::string& path);
std::string asm_data_dir();

}  // namespace trnsim::isa::testing
