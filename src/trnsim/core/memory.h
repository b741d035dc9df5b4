// The memories of one NeuronCore (SBUF, PSUM) and the HBM image of a program's tensors.
// In timing-only mode no bytes are allocated: the same objects carry sizes only.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "trnsim/isa/program.h"

namespace trnsim::core {

// partitions x partition_bytes of byte-addressed storage, partition-major.
class OnChipMemory {
 public:
  OnChipMemory(int partitions, int64_t partition_bytes, bool allocate);
  int partitions() const { return partitions_; }
  int64_t partition_bytes() const { return partition_bytes_; }
  bool allocated() const { return data_ != nullptr; }
  uint8_t* at(int partition, int64_t offset) {
    return data_.get() + static_cast<size_t>(partition) * partition_bytes_ + offset;
  }
  const uint8_t* at(int partition, int64_t offset) const {
    return data_.get() + static_cast<size_t>(partition) * partition_bytes_ + offset;
  }

 private:
  int partitions_;
  int64_t partition_bytes_;
  // Zeroed lazily by the OS (calloc): only the pages a program touches cost anything, which
  // matters because SBUF is tens of MiB and most kernels use a fraction of it.
  struct Free {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  std::unique_ptr<uint8_t[], Free> data_;
};

// One byte buffer per HBM tensor of a program, in the tensor's own dtype, row-major.
class HbmImage {
 public:
  HbmImage(const isa::Program& program, bool allocate);
  bool allocated() const { return allocated_; }
  std::vector<uint8_t>& bytes(int tensor) { return buffers_[tensor]; }
  const std::vector<uint8_t>& bytes(int tensor) const { return buffers_[tensor]; }
  // Element-wise fill / read through fp32 (round-to-nearest-even on the way in).
  void write_f32(int tensor, const std::vector<float>& values);
  std::vector<float> read_f32(int tensor) const;
  const isa::HbmTensor& info(int tensor) const { return tensors_[tensor]; }
  int count() const { return static_cast<int>(tensors_.size()); }

 private:
  std::vector<isa::HbmTensor> tensors_;
  std::vector<std::vector<uint8_t>> buffers_;
  bool allocated_;
};

}  // namespace trnsim::core
