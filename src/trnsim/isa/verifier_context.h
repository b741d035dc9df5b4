// Internal to the verifier: the per-instruction context, the operand list every instruction
// exposes, and the rule groups (operand rules in verifier_operands.cpp, instruction rules in
// verifier_rules.cpp).
#pragma once

#include <string>
#include <vector>

#include "trnsim/isa/verifier.h"

namespace trnsim::isa::detail {

struct VerifyContext {
  const Program& program;
  const hw::ChipSpec& chip;
  const Instruction& inst;
  int32_t index;
  std::string mnemonic;
  std::vector<Diagnostic>& out;

  void fail(ErrorKind kind, std::string message, std::string hint) const {
    out.push_back({index, inst.line, mnemonic, kind, std::move(message), std::move(hint)});
  }
  void fail(std::string message, std::string hint) const {
    fail(ErrorKind::kVerify, std::move(message), std::move(hint));
  }
  // "dst sbuf[0:128]@0:f32(512:1)"
  std::string name(const char* role, const AccessPattern& ap) const;
};

struct Operand {
  const char* role;
  const AccessPattern* ap;
  bool write;
  bool i32_ok;  // an int32 value means something here
  bool fp8_ok;  // fp8 may be read (matmul, copies) or written (a cast on output)
};

std::vector<Operand> operands_of(const Instruction& inst);
// Shape, partitions, start rules, bounds, memory for the engine, dtype and free-size limits.
// Returns false when the operand is malformed so that shape relations are not checked.
bool check_operand(const VerifyContext& c, const Operand& op);
// The engine runs this instruction, the queue exists, semaphores exist.
void check_engine_and_sync(const VerifyContext& c);
// Relations between operands and the per-instruction limits (matmul, transpose, bn_stats ...).
void check_body(const VerifyContext& c);

// Shared helpers.
int64_t free_elems_saturated(const AccessPattern& ap);
bool same_shape(const AccessPattern& a, const AccessPattern& b);
std::string shape_text(const AccessPattern& ap);  // "[128 x 512]"

}  // namespace trnsim::isa::detail
