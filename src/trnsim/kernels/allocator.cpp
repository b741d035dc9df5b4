#include "trnsim/kernels/allocator.h"

#include <algorithm>

#include "trnsim/base/error.h"
#include "trnsim/base/units.h"

namespace trnsim::kernels {

OnChipAllocator::OnChipAllocator(isa::MemSpace space, int64_t partition_bytes, int64_t align)
    : space_(space), capacity_(partition_bytes), align_(std::max<int64_t>(align, 1)) {
  if (capacity_ > 0) free_[0] = capacity_;
}

int64_t OnChipAllocator::allocate(int64_t bytes, const std::string& what) {
  const int64_t need = std::max<int64_t>(align_, (bytes + align_ - 1) / align_ * align_);
  for (auto it = free_.begin(); it != free_.end(); ++it) {
    const auto [start, end] = *it;
    if (end - start < need) continue;
    free_.erase(it);
    if (start + need < end) free_[start + need] = end;
    used_[start] = start + need;
    peak_ = std::max(peak_, start + need);
    return start;
  }
  const char* mem = space_ == isa::MemSpace::kPsum ? "PSUM" : "SBUF";
  throw Error(ErrorKind::kCapacity, std::string("tile ") + what,
              std::string(mem) + " allocation of " + format_bytes(need) + " per partition does not fit: " +
                  format_bytes(free_bytes()) + " free of " + format_bytes(capacity_) + ", largest free block " +
                  format_bytes(largest_free()),
              "release tiles that are no longer needed, use fewer buffers, or tile the data smaller");
}

void OnChipAllocator::release(int64_t offset) {
  auto it = used_.find(offset);
  if (it == used_.end()) return;
  int64_t start = it->first, end = it->second;
  used_.erase(it);
  auto next = free_.lower_bound(start);
  if (next != free_.end() && next->first == end) {
    end = next->second;
    next = free_.erase(next);
  }
  if (next != free_.begin()) {
    auto prev = std::prev(next);
    if (prev->second == start) {
      start = prev->first;
      free_.erase(prev);
    }
  }
  free_[start] = end;
}

int64_t OnChipAllocator::free_bytes() const {
  int64_t n = 0;
  for (const auto& [s, e] : free_) n += e - s;
  return n;
}

int64_t OnChipAllocator::largest_free() const {
  int64_t n = 0;
  for (const auto& [s, e] : free_) n = std::max(n, e - s);
  return n;
}

}  // namespace trnsim::kernels
