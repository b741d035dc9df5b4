#include "trnsim/isa/assembly_printer.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace trnsim::isa {
namespace {

template <typename... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};

std::string engine_text(const EngineId& e) {
  if (e.kind == EngineKind::kDma) return "dma.q" + std::to_string(e.queue);
  return std::string(engine_name(e.kind));
}

std::string role_text(TensorRole r) {
  switch (r) {
    case TensorRole::kInput: return "input";
    case TensorRole::kOutput: return "output";
    case TensorRole::kScratch: return "scratch";
  }
  return "?";
}

std::string scalar_text(const Program& p, const ScalarOperand& s) {
  return s.is_ap ? print_access_pattern(p, s.ap) : format_float(s.imm);
}

std::string term(int64_t c, const char* var) {
  if (c == 0) return {};
  return (c < 0 ? "-" + std::to_string(-static_cast<uint64_t>(c)) : "+" + std::to_string(c)) + "*" + var;
}

std::string expr_text(const AffineExpr& e) {
  std::string s = std::to_string(e.base) + term(e.channel_multiplier, "p");
  static const char* kVars[] = {"i0", "i1", "i2", "i3"};
  for (int k = 0; k < kMaxFreeDims; ++k) s += term(e.coef[k], kVars[k]);
  return s;
}

class Line {
 public:
  explicit Line(const Program& p) : p_(p) {}
  void ap(const char* k, const AccessPattern& a) { kv(k, print_access_pattern(p_, a)); }
  void kv(const char* k, const std::string& v) { s_ += std::string(" ") + k + "=" + v; }
  void flag(const char* k, bool v) { if (v) kv(k, "true"); }
  std::string s_;

 private:
  const Program& p_;
};

}  // namespace

std::string format_float(float v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  char buf[48];
  for (int prec = 1; prec <= 9; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, static_cast<double>(v));
    if (std::strtof(buf, nullptr) == v && std::signbit(std::strtof(buf, nullptr)) == std::signbit(v)) break;
  }
  return buf;
}

std::string print_access_pattern(const Program& p, const AccessPattern& ap) {
  std::string s;
  if (ap.space == MemSpace::kHbm) {
    bool known = ap.tensor >= 0 && ap.tensor < static_cast<int32_t>(p.tensors.size());
    s = "hbm:" + (known ? p.tensors[ap.tensor].name : "?" + std::to_string(ap.tensor));
  } else {
    s = ap.space == MemSpace::kSbuf ? "sbuf[" : "psum[";
    s += std::to_string(ap.partition_start) + ":" +
         std::to_string(static_cast<int64_t>(ap.partition_start) + ap.partitions) + "]";
  }
  s += "@" + std::to_string(ap.offset) + ":" + std::string(numerics::dtype_name(ap.dtype)) + "(";
  if (ap.space == MemSpace::kHbm) {
    s += std::to_string(ap.partitions) + ":" + std::to_string(ap.partition_stride) + ",";
  }
  for (int i = 0; i < ap.num_free && i < kMaxFreeDims; ++i) {
    if (i) s += ",";
    s += std::to_string(ap.free[i].size) + ":" + std::to_string(ap.free[i].stride);
  }
  return s + ")";
}

std::string print_instruction(const Program& p, const Instruction& inst) {
  Line l(p);
  std::visit(
      Overloaded{
          [&](const DmaCopy& b) { l.ap("dst", b.dst); l.ap("src", b.src); },
          [&](const DmaTranspose& b) { l.ap("dst", b.dst); l.ap("src", b.src); },
          [&](const Matmul& b) {
            l.ap("dst", b.dst); l.ap("stationary", b.stationary); l.ap("moving", b.moving);
            l.flag("accumulate", b.accumulate); l.flag("double_row", b.double_row);
          },
          [&](const Transpose& b) { l.ap("dst", b.dst); l.ap("src", b.src); },
          [&](const Activation& b) {
            l.ap("dst", b.dst); l.ap("src", b.src);
            l.kv("func", std::string(act_func_name(b.func)));
            l.kv("scale", scalar_text(p, b.scale));
            if (b.bias) l.ap("bias", *b.bias);
            if (b.reduce_dst) l.ap("reduce", *b.reduce_dst);
          },
          [&](const TensorTensor& b) {
            l.ap("dst", b.dst); l.ap("a", b.a); l.ap("b", b.b); l.kv("op", std::string(alu_op_name(b.op)));
          },
          [&](const TensorScalar& b) {
            l.ap("dst", b.dst); l.ap("src", b.src);
            l.kv("op0", std::string(alu_op_name(b.op0))); l.kv("s0", scalar_text(p, b.s0));
            l.kv("op1", std::string(alu_op_name(b.op1))); l.kv("s1", scalar_text(p, b.s1));
          },
          [&](const ScalarTensorTensor& b) {
            l.ap("dst", b.dst); l.ap("a", b.a); l.ap("b", b.b);
            l.kv("op0", std::string(alu_op_name(b.op0))); l.kv("scalar", scalar_text(p, b.scalar));
            l.kv("op1", std::string(alu_op_name(b.op1)));
          },
          [&](const TensorReduce& b) {
            l.ap("dst", b.dst); l.ap("src", b.src); l.kv("op", std::string(alu_op_name(b.op)));
            l.flag("negate", b.negate);
          },
          [&](const TensorCopy& b) { l.ap("dst", b.dst); l.ap("src", b.src); },
          [&](const Memset& b) { l.ap("dst", b.dst); l.kv("value", format_float(b.value)); },
          [&](const Iota& b) { l.ap("dst", b.dst); l.kv("expr", expr_text(b.expr)); },
          [&](const AffineSelect& b) {
            l.ap("dst", b.dst); l.ap("src", b.src); l.kv("expr", expr_text(b.expr));
            l.kv("cmp", std::string(alu_op_name(b.cmp))); l.kv("fill", format_float(b.fill));
          },
          [&](const BnStats& b) { l.ap("dst", b.dst); l.ap("src", b.src); },
          [&](const BnAggr& b) { l.ap("dst", b.dst); l.ap("src", b.src); },
          [&](const Reciprocal& b) { l.ap("dst", b.dst); l.ap("src", b.src); },
          [&](const Random& b) { l.ap("dst", b.dst); },
          [&](const Dropout& b) { l.ap("dst", b.dst); l.ap("src", b.src); l.kv("prob", format_float(b.prob)); },
          [&](const SemSignal& b) { l.kv("sem", "s" + std::to_string(b.sem)); l.kv("add", std::to_string(b.add)); },
          [&](const SemWait& b) { l.kv("sem", "s" + std::to_string(b.sem)); l.kv("value", std::to_string(b.value)); },
          [&](const Barrier&) {},
      },
      inst.body);
  for (const Wait& w : inst.waits) l.kv("wait", "s" + std::to_string(w.sem) + ">=" + std::to_string(w.value));
  if (inst.signal >= 0) l.kv("signal", "s" + std::to_string(inst.signal));
  return engine_text(inst.engine) + " " + std::string(mnemonic(inst)) + l.s_;
}

std::string print_assembly(const Program& p) {
  std::string s = "program " + p.name + "\n";
  for (const HbmTensor& t : p.tensors) {
    s += role_text(t.role) + " " + t.name + " " + std::string(numerics::dtype_name(t.dtype)) + "[";
    for (size_t i = 0; i < t.shape.size(); ++i) s += (i ? "," : "") + std::to_string(t.shape[i]);
    s += "]\n";
  }
  s += "semaphores " + std::to_string(p.num_semaphores) + "\n";
  if (!p.instructions.empty()) s += "\n";
  for (const Instruction& inst : p.instructions) s += print_instruction(p, inst) + "\n";
  return s;
}

}  // namespace trnsim::isa
