// What `trnsim hw show` prints: every figure of a chip with its source, plus the figures derived
// from them (peaks, totals, DMA rates), as text or as JSON.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "trnsim/hw/chip_spec.h"

namespace trnsim::hw {

struct ChipDerived {
  double core_bf16_tflops = 0;  // 2 x rows x cols x TensorE clock
  double chip_bf16_tflops = 0;  // cores x the above
  double core_fp8_tflops = 0;   // x2 with double-row FP8
  double chip_fp8_tflops = 0;
  int64_t sbuf_core_bytes = 0;
  int64_t sbuf_chip_bytes = 0;
  int64_t psum_core_bytes = 0;
  int64_t psum_chip_bytes = 0;
  int64_t psum_bank_bytes = 0;
  double core_dma_gb_per_s = 0;  // queues x queue bandwidth
  double chip_dma_gb_per_s = 0;
  double hbm_gb_per_s_per_core = 0;
};

ChipDerived derive(const ChipSpec& chip);
std::string chip_report_text(const ChipSpec& chip);
nlohmann::json chip_report_json(const ChipSpec& chip);

}  // namespace trnsim::hw
