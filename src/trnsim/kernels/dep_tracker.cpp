#include "trnsim/kernels/dep_tracker.h"

#include <algorithm>

namespace trnsim::kernels {
namespace {

struct Extent {
  int64_t lo = 0, hi = 0;  // inclusive element offsets relative to the start
  void add(int64_t size, int64_t stride) {
    if (size <= 1) return;
    const int64_t span = (size - 1) * stride;
    if (span < 0) lo += span; else hi += span;
  }
};

}  // namespace

Region region_of(const isa::AccessPattern& ap, const std::vector<isa::HbmTensor>& tensors) {
  const int64_t es = numerics::dtype_size(ap.dtype);
  Region r;
  r.space = ap.space;
  if (ap.space != isa::MemSpace::kHbm) {
    Extent e;
    for (int i = 0; i < ap.num_free; ++i) e.add(ap.free[i].size, ap.free[i].stride);
    r.r0 = ap.partition_start;
    r.r1 = ap.partition_start + ap.partitions;
    r.b0 = ap.offset + e.lo * es;
    r.b1 = ap.offset + (e.hi + 1) * es;
    return r;
  }
  r.tensor = ap.tensor;
  const auto& t = tensors.at(ap.tensor);
  const int64_t tes = numerics::dtype_size(t.dtype);
  const int64_t row_bytes = std::max<int64_t>(tes * (t.shape.empty() ? 1 : t.shape.back()), 1);
  // Split the dimensions into those that step whole rows and those that move within a row.
  Extent rows, cols;
  auto classify = [&](int64_t size, int64_t stride) {
    const int64_t bstride = stride * es;
    if (bstride % row_bytes == 0) rows.add(size, bstride / row_bytes); else cols.add(size, bstride);
  };
  classify(ap.partitions, ap.partition_stride);
  for (int i = 0; i < ap.num_free; ++i) classify(ap.free[i].size, ap.free[i].stride);
  const int64_t row0 = ap.offset / row_bytes, col0 = ap.offset % row_bytes;
  const int64_t c_lo = col0 + cols.lo, c_hi = col0 + cols.hi + es;
  if (c_lo >= 0 && c_hi <= row_bytes) {
    r.r0 = row0 + rows.lo;
    r.r1 = row0 + rows.hi + 1;
    r.b0 = c_lo;
    r.b1 = c_hi;
  } else {  // the pattern wraps rows: take whole rows
    r.r0 = (ap.offset + rows.lo * row_bytes + cols.lo) / row_bytes;
    r.r1 = (ap.offset + rows.hi * row_bytes + cols.hi + es - 1) / row_bytes + 1;
    r.b0 = 0;
    r.b1 = row_bytes;
  }
  return r;
}

DepTracker::DepTracker(int num_streams)
    : num_streams_(num_streams), known_(num_streams, std::vector<int64_t>(num_streams, 0)) {}

std::pair<int64_t, int64_t> DepTracker::buckets(const Region& r) {
  if (r.space == isa::MemSpace::kHbm) return {r.r0 / 64, std::max(r.r0, r.r1 - 1) / 64};
  return {r.b0 / 4096, std::max(r.b0, r.b1 - 1) / 4096};
}

std::vector<isa::Wait> DepTracker::add(int stream, int64_t ordinal, const std::vector<Access>& accesses) {
  std::vector<int64_t> need(num_streams_, 0);
  auto scan = [&](const std::vector<Record>& list, const Region& region) {
    for (const Record& rec : list) {
      if (rec.stream != stream && rec.ordinal > need[rec.stream] && rec.region.overlaps(region)) {
        need[rec.stream] = rec.ordinal;
      }
    }
  };
  for (const Access& a : accesses) {
    const auto [first, last] = buckets(a.region);
    const int space = static_cast<int>(a.region.space);
    for (auto it = records_.lower_bound({space, a.region.tensor, first});
         it != records_.end() && it->first <= Key{space, a.region.tensor, last}; ++it) {
      scan(it->second.writes, a.region);            // read-after-write, write-after-write
      if (a.write) scan(it->second.reads, a.region);  // write-after-read
    }
  }
  std::vector<isa::Wait> waits;
  for (int s = 0; s < num_streams_; ++s) {
    if (need[s] > known_[stream][s]) {
      waits.push_back({s, need[s]});
      known_[stream][s] = need[s];
    }
  }
  for (const Access& a : accesses) {
    // A write covering a record supersedes it: whoever conflicts with the old record conflicts
    // with this write, and waiting for this write implies the old access finished. A read only
    // supersedes an older read of its own stream. A covered record lies inside the access's
    // buckets, so erasing there removes every copy of it.
    auto covered = [&](const Record& rec) { return a.region.covers(rec.region); };
    const auto [first, last] = buckets(a.region);
    for (int64_t b = first; b <= last; ++b) {
      Records& recs = records_[{static_cast<int>(a.region.space), a.region.tensor, b}];
      if (a.write) {
        std::erase_if(recs.writes, covered);
        std::erase_if(recs.reads, covered);
        recs.writes.push_back({a.region, stream, ordinal, true});
      } else {
        std::erase_if(recs.reads, [&](const Record& rec) { return rec.stream == stream && covered(rec); });
        recs.reads.push_back({a.region, stream, ordinal, false});
      }
    }
  }
  return waits;
}

void DepTracker::note_wait(int stream, int sem_stream, int64_t value) {
  if (sem_stream >= 0 && sem_stream < num_streams_) {
    known_[stream][sem_stream] = std::max(known_[stream][sem_stream], value);
  }
}

size_t DepTracker::live_records() const {
  size_t n = 0;
  for (const auto& [k, v] : records_) n += v.reads.size() + v.writes.size();
  return n;
}

}  // namespace trnsim::kernels
