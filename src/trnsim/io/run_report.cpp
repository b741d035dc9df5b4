#include "trnsim/io/run_report.h"

#include <algorithm>
#include <cstdio>

namespace trnsim::io {

nlohmann::json run_result_json(const hw::ChipSpec& chip, const core::RunResult& r) {
  nlohmann::json engines = nlohmann::json::object();
  nlohmann::json detail = nlohmann::json::array();
  for (const auto& e : r.engines) {
    engines[e.name] = e.busy_fraction;
    detail.push_back({{"name", e.name}, {"busy_fraction", e.busy_fraction}, {"busy_s", e.busy.seconds()},
                      {"instructions", e.instructions}});
  }
  const double secs = r.time.seconds();
  return {
      {"chip", chip.name},
      {"time_s", secs},
      {"time_ps", r.time.ps()},
      {"flops", r.matmul_flops},
      {"mfu", r.mfu},
      {"instructions", r.instructions},
      {"sim_wall_s", r.sim_wall_s},
      {"sim_instructions_per_s", r.sim_wall_s > 0 ? r.instructions / r.sim_wall_s : 0.0},
      {"engines", engines},
      {"engine_detail", detail},
      {"hbm_read_bytes", r.hbm_read_bytes},
      {"hbm_write_bytes", r.hbm_write_bytes},
      {"hbm_bandwidth_bytes_per_s", secs > 0 ? (r.hbm_read_bytes + r.hbm_write_bytes) / secs : 0.0},
      {"hbm_bandwidth_utilization", r.hbm_bandwidth_utilization},
      {"sbuf_peak_bytes_per_partition", r.sbuf_peak_bytes},
      {"sbuf_capacity_bytes_per_partition", chip.sbuf.partition_bytes},
      {"psum_peak_bytes_per_partition", r.psum_peak_bytes},
      {"psum_capacity_bytes_per_partition", chip.psum.partition_bytes},
  };
}

std::string format_run_summary(const hw::ChipSpec& chip, const core::RunResult& r) {
  std::string s;
  char buf[256];
  const double secs = r.time.seconds();
  std::snprintf(buf, sizeof buf, "simulated time   %s  (%lld instructions, simulated in %.3f s)\n",
                format_time(r.time).c_str(), static_cast<long long>(r.instructions), r.sim_wall_s);
  s += buf;
  std::snprintf(buf, sizeof buf, "TensorE          %.3f TFLOP/s of %.1f peak  ->  MFU %.1f%%\n",
                secs > 0 ? r.matmul_flops / secs * 1e-12 : 0.0, chip.core_peak_flops() * 1e-12, 100 * r.mfu);
  s += buf;
  std::snprintf(buf, sizeof buf, "HBM              %s read, %s written, %.1f GB/s (%.1f%% of available)\n",
                format_bytes(r.hbm_read_bytes).c_str(), format_bytes(r.hbm_write_bytes).c_str(),
                secs > 0 ? (r.hbm_read_bytes + r.hbm_write_bytes) / secs * 1e-9 : 0.0,
                100 * r.hbm_bandwidth_utilization);
  s += buf;
  std::snprintf(buf, sizeof buf, "SBUF peak        %s of %s per partition;  PSUM peak %s of %s\n",
                format_bytes(r.sbuf_peak_bytes).c_str(), format_bytes(chip.sbuf.partition_bytes).c_str(),
                format_bytes(r.psum_peak_bytes).c_str(), format_bytes(chip.psum.partition_bytes).c_str());
  s += buf;
  s += "engine busy      ";
  double dma_sum = 0, dma_max = 0;
  int dma_n = 0;
  for (const auto& e : r.engines) {
    if (e.name.rfind("dma.", 0) == 0) {
      dma_sum += e.busy_fraction;
      dma_max = std::max(dma_max, e.busy_fraction);
      ++dma_n;
      continue;
    }
    std::snprintf(buf, sizeof buf, "%s %.1f%%  ", e.name.c_str(), 100 * e.busy_fraction);
    s += buf;
  }
  if (dma_n > 0) {
    std::snprintf(buf, sizeof buf, "dma (%d queues) mean %.1f%% max %.1f%%", dma_n, 100 * dma_sum / dma_n, 100 * dma_max);
    s += buf;
  }
  s += "\n";
  return s;
}

}  // namespace trnsim::io
