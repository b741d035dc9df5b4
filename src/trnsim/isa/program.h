// A program for one NeuronCore: the HBM tensors it uses and its instructions in program order.
// Each engine (and each DMA queue) runs its own instructions in the order they appear here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "trnsim/isa/instruction.h"

namespace trnsim::isa {

enum class TensorRole : uint8_t { kInput, kOutput, kScratch };

struct HbmTensor {
  std::string name;
  DType dtype = DType::kBF16;
  std::vector<int64_t> shape;
  TensorRole role = TensorRole::kInput;
  int64_t elems() const {
    int64_t n = 1;
    for (auto d : shape) n *= d;
    return n;
  }
  int64_t bytes() const { return elems() * numerics::dtype_size(dtype); }
};

struct Program {
  std::string name;
  std::vector<HbmTensor> tensors;
  std::vector<Instruction> instructions;
  int32_t num_semaphores = 0;
  int32_t find_tensor(const std::string& n) const {
    for (size_t i = 0; i < tensors.size(); ++i) {
      if (tensors[i].name == n) return static_cast<int32_t>(i);
    }
    return -1;
  }
};

}  // namespace trnsim::isa
