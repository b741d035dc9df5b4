#include "isa_test_support.h"

#include <cstring>
#include <fstream>
#include <sstream>

namespace trnsim::isa::testing {
namespace {

template <typename... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};

bool same_float(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }
bool same_scalar(const ScalarOperand& a, const ScalarOperand& b) {
  return a.is_ap == b.is_ap && (a.is_ap ? a.ap == b.ap : same_float(a.imm, b.imm));
}

// Compares bodies of the same alternative field by field.
bool same_body(const Body& x, const Body& y) {
  if (x.index() != y.index()) return false;
  return std::visit(
      Overloaded{
          [&](const DmaCopy& a) { auto& b = std::get<DmaCopy>(y); return a.dst == b.dst && a.src == b.src; },
          [&](const DmaTranspose& a) { auto& b = std::get<DmaTranspose>(y); return a.dst == b.dst && a.src == b.src; },
          [&](const Matmul& a) {
            auto& b = std::get<Matmul>(y);
            return a.dst == b.dst && a.stationary == b.stationary && a.moving == b.moving &&
                   a.accumulate == b.accumulate && a.double_row == b.double_row;
          },
          [&](const Transpose& a) { auto& b = std::get<Transpose>(y); return a.dst == b.dst && a.src == b.src; },
          [&](const Activation& a) {
            auto& b = std::get<Activation>(y);
            return a.dst == b.dst && a.src == b.src && a.func == b.func && same_scalar(a.scale, b.scale) &&
                   a.bias == b.bias && a.reduce_dst == b.reduce_dst;
          },
          [&](const TensorTensor& a) {
            auto& b = std::get<TensorTensor>(y);
            return a.dst == b.dst && a.a == b.a && a.b == b.b && a.op == b.op;
          },
          [&](const TensorScalar& a) {
            auto& b = std::get<TensorScalar>(y);
            return a.dst == b.dst && a.src == b.src && a.op0 == b.op0 && same_scalar(a.s0, b.s0) && a.op1 == b.op1 &&
                   same_scalar(a.s1, b.s1);
          },
          [&](const ScalarTensorTensor& a) {
            auto& b = std::get<ScalarTensorTensor>(y);
            return a.dst == b.dst && a.a == b.a && a.b == b.b && a.op0 == b.op0 &&
                   same_scalar(a.scalar, b.scalar) && a.op1 == b.op1;
          },
          [&](const TensorReduce& a) {
            auto& b = std::get<TensorReduce>(y);
            return a.dst == b.dst && a.src == b.src && a.op == b.op && a.negate == b.negate;
          },
          [&](const TensorCopy& a) { auto& b = std::get<TensorCopy>(y); return a.dst == b.dst && a.src == b.src; },
          [&](const Memset& a) { auto& b = std::get<Memset>(y); return a.dst == b.dst && same_float(a.value, b.value); },
          [&](const Iota& a) { auto& b = std::get<Iota>(y); return a.dst == b.dst && a.expr == b.expr; },
          [&](const AffineSelect& a) {
            auto& b = std::get<AffineSelect>(y);
            return a.dst == b.dst && a.src == b.src && a.expr == b.expr && a.cmp == b.cmp && same_float(a.fill, b.fill);
          },
          [&](const BnStats& a) { auto& b = std::get<BnStats>(y); return a.dst == b.dst && a.src == b.src; },
          [&](const BnAggr& a) { auto& b = std::get<BnAggr>(y); return a.dst == b.dst && a.src == b.src; },
          [&](const Reciprocal& a) { auto& b = std::get<Reciprocal>(y); return a.dst == b.dst && a.src == b.src; },
          [&](const Random& a) { return a.dst == std::get<Random>(y).dst; },
          [&](const Dropout& a) {
            auto& b = std::get<Dropout>(y);
            return a.dst == b.dst && a.src == b.src && same_float(a.prob, b.prob);
          },
          [&](const SemSignal& a) { auto& b = std::get<SemSignal>(y); return a.sem == b.sem && a.add == b.add; },
          [&](const SemWait& a) { auto& b = std::get<SemWait>(y); return a.sem == b.sem && a.value == b.value; },
          [&](const Barrier&) { return true; },
      },
      x);
}

}  // namespace

hw::ChipSpec trn2_like() {
  hw::ChipSpec c;
  c.name = "trn2-test";
  c.neuron_core = "NC-v3";
  c.cores_per_chip = 8;
  c.tensor.clock = {2'400'000'000};
  c.tensor.fp8_double_row = true;
  c.vector.clock = {960'000'000};
  c.scalar.clock = {1'200'000'000};
  c.gpsimd.clock = {1'200'000'000};
  c.sbuf = {128, 224 * 1024, 1};
  c.psum = {128, 16 * 1024, 8};
  c.hbm_capacity = Bytes{96LL << 30};
  c.dma.queues_per_core = 16;
  c.dma.has_transpose = true;
  return c;
}

std::string diff_programs(const Program& a, const Program& b) {
  if (a.name != b.name) return "name";
  if (a.num_semaphores != b.num_semaphores) return "num_semaphores";
  if (a.tensors.size() != b.tensors.size()) return "tensor count";
  for (size_t i = 0; i < a.tensors.size(); ++i) {
    const auto &x = a.tensors[i], &y = b.tensors[i];
    if (x.name != y.name || x.dtype != y.dtype || x.shape != y.shape || x.role != y.role) {
      return "tensor #" + std::to_string(i);
    }
  }
  if (a.instructions.size() != b.instructions.size()) return "instruction count";
  for (size_t i = 0; i < a.instructions.size(); ++i) {
    const auto &x = a.instructions[i], &y = b.instructions[i];
    if (!(x.engine == y.engine) || x.waits != y.waits || x.signal != y.signal || !same_body(x.body, y.body)) {
      return "instruction #" + std::to_string(i);
    }
  }
  return {};
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string asm_data_dir() { return std::string(TRNSIM_SOURCE_DIR) + "/tests/data/asm"; }

}  // namespace trnsim::isa::testing
