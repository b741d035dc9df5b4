// Text assembly -> Program. The syntax is documented in docs/isa.md; print_assembly
// (isa/assembly_printer.h) writes the canonical form that parses back to the same Program.
#pragma once

#include <string>

#include "trnsim/isa/program.h"

namespace trnsim::isa {

// Parses a whole program. Throws trnsim::Error(kInput) with where = "SOURCE:LINE:COL", a message
// naming what was expected and a hint with the fix. Only syntax and names are checked here; the
// ISA rules (shapes, memories, engines) are the verifier's (isa/verifier.h).
Program parse_assembly(const std::string& text, const std::string& source_name);

}  // namespace trnsim::isa
