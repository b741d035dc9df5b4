#include "trnsim/isa/asm_fields.h"

#include <utility>

namespace trnsim::isa::detail {
namespace {

using K = FieldKind;

const std::vector<std::pair<std::string_view, std::vector<FieldSpec>>>& table() {
  static const std::vector<std::pair<std::string_view, std::vector<FieldSpec>>> t = {
      {"dma_copy", {{"dst", K::kAp, true}, {"src", K::kAp, true}}},
      {"dma_transpose", {{"dst", K::kAp, true}, {"src", K::kAp, true}}},
      {"nc_matmul", {{"dst", K::kAp, true}, {"stationary", K::kAp, true}, {"moving", K::kAp, true},
                     {"accumulate", K::kBool, false}, {"double_row", K::kBool, false}}},
      {"nc_transpose", {{"dst", K::kAp, true}, {"src", K::kAp, true}}},
      {"activation", {{"dst", K::kAp, true}, {"src", K::kAp, true}, {"func", K::kAct, true},
                      {"scale", K::kScalar, false}, {"bias", K::kAp, false}}},
      {"activation_reduce", {{"dst", K::kAp, true}, {"src", K::kAp, true}, {"func", K::kAct, true},
                             {"scale", K::kScalar, false}, {"bias", K::kAp, false},
                             {"reduce", K::kAp, true}}},
      {"tensor_tensor", {{"dst", K::kAp, true}, {"a", K::kAp, true}, {"b", K::kAp, true},
                         {"op", K::kAlu, true}}},
      {"tensor_scalar", {{"dst", K::kAp, true}, {"src", K::kAp, true}, {"op0", K::kAlu, true},
                         {"s0", K::kScalar, true}, {"op1", K::kAlu, false}, {"s1", K::kScalar, false}}},
      {"scalar_tensor_tensor", {{"dst", K::kAp, true}, {"a", K::kAp, true}, {"b", K::kAp, true},
                                {"op0", K::kAlu, true}, {"scalar", K::kScalar, true},
                                {"op1", K::kAlu, true}}},
      {"tensor_reduce", {{"dst", K::kAp, true}, {"src", K::kAp, true}, {"op", K::kAlu, true},
                         {"negate", K::kBool, false}}},
      {"tensor_copy", {{"dst", K::kAp, true}, {"src", K::kAp, true}}},
      {"memset", {{"dst", K::kAp, true}, {"value", K::kReal, true}}},
      {"iota", {{"dst", K::kAp, true}, {"expr", K::kExpr, true}}},
      {"affine_select", {{"dst", K::kAp, true}, {"src", K::kAp, true}, {"expr", K::kExpr, true},
                         {"cmp", K::kAlu, true}, {"fill", K::kReal, true}}},
      {"bn_stats", {{"dst", K::kAp, true}, {"src", K::kAp, true}}},
      {"bn_aggr", {{"dst", K::kAp, true}, {"src", K::kAp, true}}},
      {"reciprocal", {{"dst", K::kAp, true}, {"src", K::kAp, true}}},
      {"random", {{"dst", K::kAp, true}}},
      {"dropout", {{"dst", K::kAp, true}, {"src", K::kAp, true}, {"prob", K::kReal, true}}},
      {"sem_signal", {{"sem", K::kSem, true}, {"add", K::kInt, false}}},
      {"sem_wait", {{"sem", K::kSem, true}, {"value", K::kInt, true}}},
      {"barrier", {}},
  };
  return t;
}

const char* kAluList =
    "bypass, add, subtract, multiply, divide, max, min, pow, abs_max, is_equal, not_equal, is_ge, "
    "is_gt, is_le, is_lt";
const char* kActList =
    "identity, copy, exp, gelu_tanh, gelu_erf, silu, relu, tanh, sigmoid, rsqrt, sqrt, square, "
    "reciprocal, log, abs";

const FieldValue* find(const FieldMap& f, std::string_view k) {
  auto it = f.find(k);
  return it == f.end() ? nullptr : &it->second;
}
AccessPattern ap(const FieldMap& f, std::string_view k) { return find(f, k)->ap; }
std::optional<AccessPattern> opt_ap(const FieldMap& f, std::string_view k) {
  const FieldValue* v = find(f, k);
  return v ? std::optional<AccessPattern>(v->ap) : std::nullopt;
}
AluOp alu(const FieldMap& f, std::string_view k, AluOp dflt) {
  const FieldValue* v = find(f, k);
  return v ? v->alu : dflt;
}
ScalarOperand scalar(const FieldMap& f, std::string_view k, float dflt) {
  const FieldValue* v = find(f, k);
  return v ? v->scalar : ScalarOperand{false, dflt, {}};
}
float real(const FieldMap& f, std::string_view k) { return find(f, k)->real; }
bool flag(const FieldMap& f, std::string_view k) {
  const FieldValue* v = find(f, k);
  return v && v->flag;
}

}  // namespace

const std::vector<FieldSpec>* fields_of(std::string_view mnemonic) {
  for (const auto& [m, fields] : table()) {
    if (m == mnemonic) return &fields;
  }
  return nullptr;
}

std::string all_mnemonics() {
  std::string s;
  for (const auto& [m, fields] : table()) s += (s.empty() ? "" : ", ") + std::string(m);
  return s;
}

FieldValue parse_field_value(Cursor& c, FieldKind kind, const Program& program) {
  FieldValue v;
  v.kind = kind;
  v.at = c.peek();
  switch (kind) {
    case K::kAp: v.ap = parse_access_pattern(c, program); break;
    case K::kScalar:
      if (c.is("sbuf") || c.is("psum") || c.is("hbm")) {
        v.scalar.is_ap = true;
        v.scalar.ap = parse_access_pattern(c, program);
      } else {
        v.scalar.imm = c.real("a scalar (a number or a per-partition [P,1] access pattern)");
      }
      break;
    case K::kReal: v.real = c.real("a number"); break;
    case K::kInt: v.integer = c.integer("an integer"); break;
    case K::kAlu: {
      std::string name = c.ident("an ALU operation", std::string("use one of ") + kAluList);
      auto op = parse_alu_op(name);
      if (!op) c.fail(v.at, "unknown ALU operation '" + name + "'", std::string("use one of ") + kAluList);
      v.alu = *op;
      break;
    }
    case K::kAct: {
      std::string name = c.ident("an activation function", std::string("use one of ") + kActList);
      auto f = parse_act_func(name);
      if (!f) c.fail(v.at, "unknown activation function '" + name + "'", std::string("use one of ") + kActList);
      v.act = *f;
      break;
    }
    case K::kBool: {
      std::string name = c.ident("true or false", "write true or false");
      if (name != "true" && name != "false") c.fail(v.at, "expected true or false, found '" + name + "'", "write true or false");
      v.flag = name == "true";
      break;
    }
    case K::kExpr: v.expr = parse_affine_expr(c); break;
    case K::kSem: v.integer = c.semaphore("a semaphore"); break;
  }
  return v;
}

Body build_body(std::string_view m, const FieldMap& f) {
  if (m == "dma_copy") return DmaCopy{ap(f, "dst"), ap(f, "src")};
  if (m == "dma_transpose") return DmaTranspose{ap(f, "dst"), ap(f, "src")};
  if (m == "nc_matmul") {
    return Matmul{ap(f, "dst"), ap(f, "stationary"), ap(f, "moving"), flag(f, "accumulate"),
                  flag(f, "double_row")};
  }
  if (m == "nc_transpose") return Transpose{ap(f, "dst"), ap(f, "src")};
  if (m == "activation" || m == "activation_reduce") {
    return Activation{ap(f, "dst"), ap(f, "src"), find(f, "func")->act, scalar(f, "scale", 1.0f),
                      opt_ap(f, "bias"), opt_ap(f, "reduce")};
  }
  if (m == "tensor_tensor") return TensorTensor{ap(f, "dst"), ap(f, "a"), ap(f, "b"), alu(f, "op", AluOp::kAdd)};
  if (m == "tensor_scalar") {
    return TensorScalar{ap(f, "dst"), ap(f, "src"), alu(f, "op0", AluOp::kMultiply), scalar(f, "s0", 0.0f),
                        alu(f, "op1", AluOp::kBypass), scalar(f, "s1", 0.0f)};
  }
  if (m == "scalar_tensor_tensor") {
    return ScalarTensorTensor{ap(f, "dst"), ap(f, "a"), ap(f, "b"), alu(f, "op0", AluOp::kMultiply),
                              scalar(f, "scalar", 0.0f), alu(f, "op1", AluOp::kAdd)};
  }
  if (m == "tensor_reduce") return TensorReduce{ap(f, "dst"), ap(f, "src"), alu(f, "op", AluOp::kAdd), flag(f, "negate")};
  if (m == "tensor_copy") return TensorCopy{ap(f, "dst"), ap(f, "src")};
  if (m == "memset") return Memset{ap(f, "dst"), real(f, "value")};
  if (m == "iota") return Iota{ap(f, "dst"), find(f, "expr")->expr};
  if (m == "affine_select") {
    return AffineSelect{ap(f, "dst"), ap(f, "src"), find(f, "expr")->expr, alu(f, "cmp", AluOp::kIsGe), real(f, "fill")};
  }
  if (m == "bn_stats") return BnStats{ap(f, "dst"), ap(f, "src")};
  if (m == "bn_aggr") return BnAggr{ap(f, "dst"), ap(f, "src")};
  if (m == "reciprocal") return Reciprocal{ap(f, "dst"), ap(f, "src")};
  if (m == "random") return Random{ap(f, "dst")};
  if (m == "dropout") return Dropout{ap(f, "dst"), ap(f, "src"), real(f, "prob")};
  if (m == "sem_signal") {
    const FieldValue* add = find(f, "add");
    return SemSignal{static_cast<int32_t>(find(f, "sem")->integer), add ? static_cast<int32_t>(add->integer) : 1};
  }
  if (m == "sem_wait") return SemWait{static_cast<int32_t>(find(f, "sem")->integer), find(f, "value")->integer};
  return Barrier{};
}

}  // namespace trnsim::isa::detail
