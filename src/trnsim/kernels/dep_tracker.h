// Automatic synchronisation between instruction streams, as the Neuron compiler inserts
// semaphores. Each stream (compute engine or DMA queue) owns one semaphore that counts its
// completed instructions; streams complete in order, so "instruction #n of stream s is done" is
// "semaphore s >= n". For every access of a new instruction the tracker finds earlier conflicting
// accesses on other streams (read-after-write, write-after-read, write-after-write) and returns the
// largest ordinal to wait for per stream.
//
// Regions are boxes: (memory, HBM tensor) x rows-or-partitions x bytes. On chip the byte range is
// per partition; in HBM a tensor is a 2-D matrix (rows x row bytes), so column blocks of a
// row-major tensor stay disjoint. Boxes over-approximate strided patterns, never under.
// Records that a newer access makes redundant are pruned, so live records stay few.
#pragma once

#include <cstdint>
#include <map>
#include <tuple>
#include <vector>

#include "trnsim/isa/instruction.h"
#include "trnsim/isa/program.h"

namespace trnsim::kernels {

struct Region {
  isa::MemSpace space = isa::MemSpace::kSbuf;
  int32_t tensor = -1;
  int64_t r0 = 0, r1 = 0;  // partitions (on chip) or tensor rows (HBM)
  int64_t b0 = 0, b1 = 0;  // bytes within a partition / row
  bool overlaps(const Region& o) const { return r0 < o.r1 && o.r0 < r1 && b0 < o.b1 && o.b0 < b1; }
  bool covers(const Region& o) const { return r0 <= o.r0 && o.r1 <= r1 && b0 <= o.b0 && o.b1 <= b1; }
};

// The box an access pattern touches. `tensors` gives HBM row lengths.
Region region_of(const isa::AccessPattern& ap, const std::vector<isa::HbmTensor>& tensors);

struct Access {
  Region region;
  bool write = false;
};

class DepTracker {
 public:
  explicit DepTracker(int num_streams);

  // The waits instruction number `ordinal` (1-based) of `stream` needs before it may touch
  // `accesses`; then records those accesses. Waits already implied by an earlier wait of the same
  // stream are dropped.
  std::vector<isa::Wait> add(int stream, int64_t ordinal, const std::vector<Access>& accesses);
  // Records that `stream` has waited for `sem_stream` to reach `value` (explicit sem_wait).
  void note_wait(int stream, int sem_stream, int64_t value);
  size_t live_records() const;

 private:
  struct Record {
    Region region;
    int32_t stream;
    int64_t ordinal;
    bool write;
  };
  // Records are kept apart by kind and by place, so an access scans only what could conflict:
  // reads conflict only with writes (an input tensor's many reads never scan each other), and
  // each record sits in every bucket of the range it spans (on chip: 4 KiB of a partition's
  // bytes; in HBM: 64 rows), so disjoint tiles of a big kernel are never compared.
  struct Records {
    std::vector<Record> reads, writes;
  };
  using Key = std::tuple<int, int32_t, int64_t>;  // (space, tensor, bucket)
  static std::pair<int64_t, int64_t> buckets(const Region& r);  // [first, last]
  int num_streams_;
  std::map<Key, Records> records_;
  std::vector<std::vector<int64_t>> known_;  // known_[s][t]: s has waited for t >= value
};

}  // namespace trnsim::kernels
