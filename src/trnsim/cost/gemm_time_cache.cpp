#include "trnsim/cost/gemm_time_cache.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "trnsim/base/error.h"

namespace trnsim::cost {

GemmTimeCache::GemmTimeCache(std::string file) : file_(std::move(file)) {
  if (file_.empty()) return;
  std::ifstream in(file_);
  if (!in) return;  // first run: the file appears with the first entry
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    const size_t tab = line.find('\t');
    int64_t ps = -1;
    if (tab != std::string::npos) {
      std::istringstream num(line.substr(tab + 1));
      num >> ps;
    }
    if (tab == std::string::npos || ps < 0) {
      throw input_error(file_ + ":" + std::to_string(line_no), "is not a 'key<TAB>picoseconds' cache line",
                        "delete the cache file; it is rebuilt by simulation");
    }
    times_[line.substr(0, tab)] = Time::ps(ps);
  }
}

std::optional<Time> GemmTimeCache::find(const std::string& key) const {
  auto it = times_.find(key);
  if (it == times_.end()) return std::nullopt;
  return it->second;
}

void GemmTimeCache::put(const std::string& key, Time t) {
  times_[key] = t;
  if (file_.empty()) return;
  std::ofstream out(file_, std::ios::app);
  if (!out) {
    throw input_error(file_, "cannot be written", "choose a writable cache_file, or leave it empty");
  }
  out << key << '\t' << t.ps() << '\n';
}

std::string chip_fingerprint(const hw::ChipSpec& chip) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a 64
  auto mix = [&](const std::string& s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;
  };
  mix(chip.name);
  for (const auto& p : chip.params) mix(p.path + "=" + p.value);
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return chip.name + "@" + std::string(buf, 8);
}

}  // namespace trnsim::cost
