#include "trnsim/isa/verifier.h"

#include "trnsim/isa/assembly_printer.h"
#include "trnsim/isa/verifier_context.h"

namespace trnsim::isa {
namespace detail {
namespace {

template <typename... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};

enum EngineMask : unsigned {
  kT = 1u << static_cast<unsigned>(EngineKind::kTensor),
  kV = 1u << static_cast<unsigned>(EngineKind::kVector),
  kS = 1u << static_cast<unsigned>(EngineKind::kScalar),
  kG = 1u << static_cast<unsigned>(EngineKind::kGpSimd),
  kD = 1u << static_cast<unsigned>(EngineKind::kDma),
};

// Which engines run which instruction (hardware-facts.md 3.2, NISA).
unsigned engines_for(const Body& b) {
  return std::visit(
      Overloaded{
          [](const DmaCopy&) -> unsigned { return kD; },
          [](const DmaTranspose&) -> unsigned { return kD; },
          [](const Matmul&) -> unsigned { return kT; },
          [](const Transpose&) -> unsigned { return kT | kV; },
          [](const Activation&) -> unsigned { return kS; },
          [](const TensorTensor&) -> unsigned { return kV | kG; },
          [](const TensorScalar&) -> unsigned { return kV | kS | kG; },
          [](const ScalarTensorTensor&) -> unsigned { return kV; },
          [](const TensorReduce&) -> unsigned { return kV; },
          [](const TensorCopy&) -> unsigned { return kV | kS | kG; },
          [](const Memset&) -> unsigned { return kV | kG; },
          [](const Iota&) -> unsigned { return kG; },
          [](const AffineSelect&) -> unsigned { return kG; },
          [](const BnStats&) -> unsigned { return kV; },
          [](const BnAggr&) -> unsigned { return kV; },
          [](const Reciprocal&) -> unsigned { return kV; },
          [](const Random&) -> unsigned { return kV | kG; },
          [](const Dropout&) -> unsigned { return kV; },
          [](const SemSignal&) -> unsigned { return kT | kV | kS | kG | kD; },
          [](const SemWait&) -> unsigned { return kT | kV | kS | kG | kD; },
          [](const Barrier&) -> unsigned { return kT | kV | kS | kG | kD; },
      },
      b);
}

std::string engine_list(unsigned mask) {
  static const char* kNames[] = {"tensor", "vector", "scalar", "gpsimd", "dma.qN"};
  std::string s;
  for (unsigned k = 0; k < 5; ++k) {
    if (mask & (1u << k)) s += (s.empty() ? "" : " or ") + std::string(kNames[k]);
  }
  return s;
}

void check_sem(const VerifyContext& c, int64_t sem, const char* what) {
  if (sem < 0 || sem >= c.program.num_semaphores) {
    c.fail(std::string(what) + " uses semaphore s" + std::to_string(sem) + " but the program declares " +
               std::to_string(c.program.num_semaphores) + " (s0..s" +
               std::to_string(c.program.num_semaphores - 1) + ")",
           "raise 'semaphores N' to at least " + std::to_string(sem + 1) + " or use a declared semaphore");
  }
}

// The program's HBM tensors must fit in the chip's HBM.
void check_hbm_capacity(const Program& p, const hw::ChipSpec& chip, std::vector<Diagnostic>& out) {
  int64_t total = 0;
  for (const HbmTensor& t : p.tensors) total += t.bytes();
  if (chip.hbm_capacity.v > 0 && total > chip.hbm_capacity.v) {
    out.push_back({-1, 0, "", ErrorKind::kCapacity,
                   "the HBM tensors take " + format_bytes(total) + ", more than the " +
                       format_bytes(chip.hbm_capacity.v) + " of HBM on a " + chip.name + " chip",
                   "use smaller tensors or split the work into several programs"});
  }
}

void check_declarations(const Program& p, std::vector<Diagnostic>& out) {
  auto fail = [&](std::string m, std::string h) {
    out.push_back({-1, 0, "", ErrorKind::kVerify, std::move(m), std::move(h)});
  };
  if (p.name.empty()) fail("the program has no name", "give it one ('program NAME')");
  if (p.num_semaphores < 0) fail("negative semaphore count", "declare 0 or more semaphores");
  for (size_t i = 0; i < p.tensors.size(); ++i) {
    const HbmTensor& t = p.tensors[i];
    if (t.name.empty()) fail("tensor #" + std::to_string(i) + " has no name", "name every HBM tensor");
    if (t.shape.empty()) fail("tensor '" + t.name + "' has no shape", "give it at least one dimension");
    for (int64_t d : t.shape) {
      if (d <= 0) fail("tensor '" + t.name + "' has a dimension of " + std::to_string(d), "use positive sizes");
    }
    for (size_t j = 0; j < i; ++j) {
      if (p.tensors[j].name == t.name) fail("tensor '" + t.name + "' declared twice", "rename one of them");
    }
  }
}

}  // namespace

std::string VerifyContext::name(const char* role, const AccessPattern& ap) const {
  return std::string(role) + " " + print_access_pattern(program, ap);
}

std::vector<Operand> operands_of(const Instruction& inst) {
  std::vector<Operand> ops;
  auto add = [&](const char* role, const AccessPattern& ap, bool write, bool i32, bool fp8) {
    ops.push_back({role, &ap, write, i32, fp8});
  };
  auto scalar = [&](const char* role, const ScalarOperand& s) {
    if (s.is_ap) add(role, s.ap, false, true, false);
  };
  std::visit(
      Overloaded{
          [&](const DmaCopy& b) { add("dst", b.dst, true, true, true); add("src", b.src, false, true, true); },
          [&](const DmaTranspose& b) { add("dst", b.dst, true, true, true); add("src", b.src, false, true, true); },
          [&](const Matmul& b) {
            add("dst", b.dst, true, false, false);
            add("stationary", b.stationary, false, false, true);
            add("moving", b.moving, false, false, true);
          },
          [&](const Transpose& b) { add("dst", b.dst, true, true, true); add("src", b.src, false, true, true); },
          [&](const Activation& b) {
            add("dst", b.dst, true, false, true);
            add("src", b.src, false, false, false);
            scalar("scale", b.scale);
            if (b.bias) add("bias", *b.bias, false, false, false);
            if (b.reduce_dst) add("reduce", *b.reduce_dst, true, false, false);
          },
          [&](const TensorTensor& b) {
            add("dst", b.dst, true, true, true); add("a", b.a, false, true, false); add("b", b.b, false, true, false);
          },
          [&](const TensorScalar& b) {
            add("dst", b.dst, true, true, true); add("src", b.src, false, true, false);
            scalar("s0", b.s0); scalar("s1", b.s1);
          },
          [&](const ScalarTensorTensor& b) {
            add("dst", b.dst, true, true, true); add("a", b.a, false, true, false); add("b", b.b, false, true, false);
            scalar("scalar", b.scalar);
          },
          [&](const TensorReduce& b) { add("dst", b.dst, true, true, true); add("src", b.src, false, true, false); },
          [&](const TensorCopy& b) { add("dst", b.dst, true, true, true); add("src", b.src, false, true, true); },
          [&](const Memset& b) { add("dst", b.dst, true, true, true); },
          [&](const Iota& b) { add("dst", b.dst, true, true, true); },
          [&](const AffineSelect& b) { add("dst", b.dst, true, true, true); add("src", b.src, false, true, false); },
          [&](const BnStats& b) { add("dst", b.dst, true, false, false); add("src", b.src, false, false, false); },
          [&](const BnAggr& b) { add("dst", b.dst, true, false, false); add("src", b.src, false, false, false); },
          [&](const Reciprocal& b) { add("dst", b.dst, true, false, true); add("src", b.src, false, false, false); },
          [&](const Random& b) { add("dst", b.dst, true, false, true); },
          [&](const Dropout& b) { add("dst", b.dst, true, false, true); add("src", b.src, false, false, false); },
          [](const SemSignal&) {},
          [](const SemWait&) {},
          [](const Barrier&) {},
      },
      inst.body);
  return ops;
}

void check_engine_and_sync(const VerifyContext& c) {
  const EngineId& e = c.inst.engine;
  unsigned mask = engines_for(c.inst.body);
  if (!(mask & (1u << static_cast<unsigned>(e.kind)))) {
    c.fail(c.mnemonic + " runs only on " + engine_list(mask) + ", not on " + std::string(engine_name(e.kind)),
           "put it on " + engine_list(mask) + " (write '" + engine_list(mask & -mask) + " " + c.mnemonic + " ...')");
  }
  if (e.kind == EngineKind::kDma && (e.queue < 0 || e.queue >= c.chip.dma.queues_per_core)) {
    c.fail("DMA queue " + std::to_string(e.queue) + " does not exist; the core has " +
               std::to_string(c.chip.dma.queues_per_core) + " queues (dma.q0..dma.q" +
               std::to_string(c.chip.dma.queues_per_core - 1) + ")",
           "use a queue below " + std::to_string(c.chip.dma.queues_per_core));
  }
  for (const Wait& w : c.inst.waits) check_sem(c, w.sem, "wait");
  if (c.inst.signal != -1) check_sem(c, c.inst.signal, "signal");
  if (const auto* s = std::get_if<SemSignal>(&c.inst.body)) check_sem(c, s->sem, "sem_signal");
  if (const auto* s = std::get_if<SemWait>(&c.inst.body)) check_sem(c, s->sem, "sem_wait");
}

}  // namespace detail

std::string Diagnostic::where(const Program& program) const {
  std::string s = "program " + program.name + ": ";
  if (index < 0) return s + "declarations";
  s += "instruction #" + std::to_string(index) + " (";
  if (line > 0) s += "line " + std::to_string(line) + ", ";
  return s + mnemonic + ")";
}

std::vector<Diagnostic> check(const Program& program, const hw::ChipSpec& chip) {
  std::vector<Diagnostic> out;
  detail::check_declarations(program, out);
  detail::check_hbm_capacity(program, chip, out);
  for (size_t i = 0; i < program.instructions.size(); ++i) {
    const Instruction& inst = program.instructions[i];
    detail::VerifyContext c{program, chip, inst, static_cast<int32_t>(i), std::string(mnemonic(inst)), out};
    detail::check_engine_and_sync(c);
    bool ok = true;
    for (const detail::Operand& op : detail::operands_of(inst)) ok = detail::check_operand(c, op) && ok;
    if (ok) detail::check_body(c);
  }
  return out;
}

void verify(const Program& program, const hw::ChipSpec& chip) {
  auto diags = check(program, chip);
  if (diags.empty()) return;
  const Diagnostic& d = diags.front();
  throw Error(d.kind, d.where(program), d.message, d.hint);
}

}  // namespace trnsim::isa
