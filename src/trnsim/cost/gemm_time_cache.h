// Simulated GEMM times by (chip fingerprint, shape, dtype, active cores), in memory and optionally
// in a small text file shared by later runs (one "key<TAB>picoseconds" line per entry, appended as
// entries are found, so a run that stops early keeps what it simulated).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "trnsim/base/units.h"
#include "trnsim/hw/chip_spec.h"

namespace trnsim::cost {

class GemmTimeCache {
 public:
  // `file` empty: memory only. An unreadable or malformed file is an error naming the line.
  explicit GemmTimeCache(std::string file = {});
  std::optional<Time> find(const std::string& key) const;
  void put(const std::string& key, Time t);
  size_t size() const { return times_.size(); }

 private:
  std::string file_;
  std::map<std::string, Time> times_;
};

// A short hash of every figure of the chip (as written), so an edited what-if chip never reads
// times simulated for the preset of the same name.
std::string chip_fingerprint(const hw::ChipSpec& chip);

}  // namespace trnsim::cost
