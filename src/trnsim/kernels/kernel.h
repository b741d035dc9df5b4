// The kernel library: each kernel builds an isa::Program for given parameters and carries what it
// takes to check it (a plain C++ reference and a tolerance) and to judge its speed (FLOPs, the
// minimum HBM traffic). Kernels register in kernels/registry.cpp; each lives in its own .cpp.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "trnsim/hw/chip_spec.h"
#include "trnsim/isa/program.h"

namespace trnsim::kernels {

// One declared option of a kernel.
struct ParamSpec {
  std::string name;
  bool is_int = true;
  int64_t int_default = 0;
  std::string str_default;
  std::string doc;
};

// Named options given to a kernel; values are checked against the kernel's ParamSpecs.
class KernelParams {
 public:
  KernelParams() = default;
  KernelParams& set(const std::string& key, int64_t v);
  KernelParams& set(const std::string& key, const std::string& v);
  KernelParams& set(const std::string& key, const char* v) { return set(key, std::string(v)); }
  // Parses "key=value" (an integer when it parses as one).
  KernelParams& set_text(const std::string& assignment);
  const std::map<std::string, std::string>& values() const { return values_; }

 private:
  std::map<std::string, std::string> values_;
};

// The options of one kernel after validation: every declared option has a value.
class ResolvedParams {
 public:
  ResolvedParams(const std::string& kernel, const std::vector<ParamSpec>& specs, const KernelParams& given);
  int64_t i(const std::string& key) const;
  const std::string& s(const std::string& key) const;
  isa::DType dtype(const std::string& key) const;  // a string option naming a dtype
  const std::string& kernel() const { return kernel_; }

 private:
  std::string kernel_;
  std::map<std::string, int64_t> ints_;
  std::map<std::string, std::string> strs_;
};

// Tensors by name, as fp32 values in row-major order.
using TensorMap = std::map<std::string, std::vector<float>>;

struct Tolerance {
  double abs = 0, rel = 0;  // |got - want| <= abs + rel * |want|
};

struct BuiltKernel {
  isa::Program program;
  double flops = 0;           // useful floating-point work (2 x MACs for matmuls)
  int64_t min_hbm_bytes = 0;  // every input read once and every output written once
  // Expected outputs (by tensor name) from the inputs, computed in plain fp32 / double loops.
  // Inputs are given as the values the kernel sees (already rounded to their dtype).
  std::function<TensorMap(const TensorMap&)> reference;
  // Per output tensor (one value when all outputs share it).
  std::map<std::string, Tolerance> tolerance;
  std::string notes;  // the tiling chosen, for reports
};

struct KernelInfo {
  std::string name;
  std::string doc;
  std::vector<ParamSpec> params;
  std::function<BuiltKernel(const ResolvedParams&, const hw::ChipSpec&)> build;
};

const std::vector<KernelInfo>& kernel_registry();
// Throws Error(kInput) for an unknown kernel or option, or an illegal shape, naming the fix.
BuiltKernel build_kernel(const std::string& name, const KernelParams& params, const hw::ChipSpec& chip);

// Useful matmul FLOPs of one attention head of the attention_fwd / attention_bwd kernels: q k^T and
// p v (2 x 2 x d per score) over the scores computed (the causal triangle, diagonal included); the
// backward's five matmuls are 2.5x the forward's two.
double attention_head_flops(int64_t seq, int64_t head_dim, bool causal, bool backward);

// Fills the inputs of `program` with deterministic pseudo-random values in [-range, range] rounded
// to each tensor's dtype (for tests and `trnsim kernel run`).
TensorMap random_inputs(const isa::Program& program, uint64_t seed, float range = 1.0f);

}  // namespace trnsim::kernels
