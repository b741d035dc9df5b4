// Program -> canonical text assembly (docs/isa.md). parse_assembly(print_assembly(p)) equals p
// field by field, and print_assembly(parse_assembly(t)) == t for canonically printed t.
#pragma once

#include <string>

#include "trnsim/isa/program.h"

namespace trnsim::isa {

std::string print_assembly(const Program& program);
// One instruction as its canonical line, without the newline: "tensor nc_matmul dst=... signal=s1".
std::string print_instruction(const Program& program, const Instruction& inst);
// One operand: "sbuf[0:128]@0:bf16(512:1)" or "hbm:x@0:bf16(128:512,512:1)".
std::string print_access_pattern(const Program& program, const AccessPattern& ap);
// A float that reads back to the same value: the shortest %.Ng that round-trips, inf, -inf, nan.
std::string format_float(float v);

}  // namespace trnsim::isa
