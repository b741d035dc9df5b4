// The ISA verifier: checks a Program against the rules of docs/isa.md ("Verifier rules") for one
// chip (partitions and start rules, memory bounds, matmul limits, engine <-> memory and
// instruction <-> engine legality, dtypes, free sizes, semaphores). Every finding names the
// instruction (index, line, mnemonic) and says the fix.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "trnsim/base/error.h"
#include "trnsim/hw/chip_spec.h"
#include "trnsim/isa/program.h"

namespace trnsim::isa {

struct Diagnostic {
  int32_t index = -1;    // instruction index in program order; -1 for the program's declarations
  int32_t line = 0;      // assembly line (0 if built in code)
  std::string mnemonic;  // empty for declarations
  ErrorKind kind = ErrorKind::kVerify;  // kVerify, or kCapacity for bounds and overflows
  std::string message;
  std::string hint;
  // "program P: instruction #3 (line 12, nc_matmul)" or "program P: tensor declarations".
  std::string where(const Program& program) const;
};

// All findings, in program order (declarations first).
std::vector<Diagnostic> check(const Program& program, const hw::ChipSpec& chip);
// Throws the first finding as trnsim::Error(kind, where, message, hint); returns if there is none.
void verify(const Program& program, const hw::ChipSpec& chip);

}  // namespace trnsim::isa
