// First-fit allocation of per-partition byte ranges in SBUF or PSUM. Every tile spans its
// partitions at the same byte range, so one free list of [offset, end) ranges serves a memory.
// PSUM allocations are bank-aligned and rounded up to whole banks, so that an accumulation group
// never straddles two banks.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "trnsim/isa/access_pattern.h"

namespace trnsim::kernels {

class OnChipAllocator {
 public:
  // `align`: offsets and sizes are multiples of it (PSUM: the bank size).
  OnChipAllocator(isa::MemSpace space, int64_t partition_bytes, int64_t align);

  // Returns the byte offset of a new range of `bytes` per partition. Throws Error(kCapacity)
  // naming `what`, the request and what is free when it does not fit.
  int64_t allocate(int64_t bytes, const std::string& what);
  // Gives back the range that starts at `offset`.
  void release(int64_t offset);

  int64_t free_bytes() const;
  int64_t largest_free() const;
  int64_t peak() const { return peak_; }

 private:
  isa::MemSpace space_;
  int64_t capacity_, align_;
  std::map<int64_t, int64_t> free_;  // offset -> end
  std::map<int64_t, int64_t> used_;  // offset -> end
  int64_t peak_ = 0;
};

}  // namespace trnsim::kernels
