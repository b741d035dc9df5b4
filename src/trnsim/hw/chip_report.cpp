#include "trnsim/hw/chip_report.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace trnsim::hw {
namespace {

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string origin(const ParamInfo& p) {
  std::string s = p.source.empty() ? "(unsourced)" : p.source;
  if (!p.note.empty()) s += " -- " + p.note;
  return s;
}

}  // namespace

ChipDerived derive(const ChipSpec& c) {
  ChipDerived d;
  d.core_bf16_tflops = c.core_peak_flops() * 1e-12;
  d.chip_bf16_tflops = d.core_bf16_tflops * c.cores_per_chip;
  d.core_fp8_tflops = d.core_bf16_tflops * (c.tensor.fp8_double_row ? 2 : 1);
  d.chip_fp8_tflops = d.core_fp8_tflops * c.cores_per_chip;
  d.sbuf_core_bytes = c.sbuf.total_bytes();
  d.sbuf_chip_bytes = d.sbuf_core_bytes * c.cores_per_chip;
  d.psum_core_bytes = c.psum.total_bytes();
  d.psum_chip_bytes = d.psum_core_bytes * c.cores_per_chip;
  d.psum_bank_bytes = c.psum.bank_bytes();
  d.core_dma_gb_per_s = c.dma.queues_per_core * c.dma.queue_bandwidth.gb_per_s();
  d.chip_dma_gb_per_s = d.core_dma_gb_per_s * c.cores_per_chip;
  d.hbm_gb_per_s_per_core = c.cores_per_chip > 0 ? c.hbm_bandwidth.gb_per_s() / c.cores_per_chip : 0;
  return d;
}

std::string chip_report_text(const ChipSpec& c) {
  std::ostringstream out;
  out << c.name << ": " << c.description << "\n\n";
  size_t w_path = 9, w_value = 5;
  for (const auto& p : c.params) {
    w_path = std::max(w_path, p.path.size());
    w_value = std::max(w_value, p.value.size());
  }
  auto row = [&](const std::string& a, const std::string& b, const std::string& rest) {
    out << "  " << a << std::string(w_path - std::min(w_path, a.size()) + 2, ' ') << b
        << std::string(w_value - std::min(w_value, b.size()) + 2, ' ') << rest << "\n";
  };
  row("parameter", "value", "source / note");
  row(std::string(w_path, '-'), std::string(w_value, '-'), std::string(13, '-'));
  for (const auto& p : c.params) row(p.path, p.value, origin(p));

  ChipDerived d = derive(c);
  auto pct = [](double ours, double published) {
    return published > 0 ? " (published " + fixed(published, 0) + ", ours is " + fixed(100.0 * ours / published, 1) + "%)"
                         : std::string();
  };
  out << "\nderived\n";
  out << "  TensorE bf16 peak per core   " << fixed(d.core_bf16_tflops, 1) << " TFLOPS  (2 x "
      << c.tensor.rows << " x " << c.tensor.cols << " x " << fixed(c.tensor.clock.ghz(), 3) << " GHz)\n";
  out << "  TensorE bf16 peak per chip   " << fixed(d.chip_bf16_tflops, 1) << " TFLOPS  (" << c.cores_per_chip
      << " cores)" << pct(d.chip_bf16_tflops, c.published_bf16_tflops_per_chip) << "\n";
  out << "  TensorE fp8 peak per chip    " << fixed(d.chip_fp8_tflops, 1) << " TFLOPS"
      << pct(d.chip_fp8_tflops, c.published_fp8_tflops_per_chip) << "\n";
  out << "  SBUF per core / chip         " << format_bytes(d.sbuf_core_bytes) << " / " << format_bytes(d.sbuf_chip_bytes) << "\n";
  out << "  PSUM per core / chip         " << format_bytes(d.psum_core_bytes) << " / " << format_bytes(d.psum_chip_bytes)
      << "  (bank " << format_bytes(d.psum_bank_bytes) << ")\n";
  out << "  DMA per core / chip          " << fixed(d.core_dma_gb_per_s, 1) << " / " << fixed(d.chip_dma_gb_per_s, 1)
      << " GB/s  (" << c.dma.queues_per_core << " queues x " << fixed(c.dma.queue_bandwidth.gb_per_s(), 1) << " GB/s)\n";
  out << "  HBM bandwidth per core       " << fixed(d.hbm_gb_per_s_per_core, 1) << " GB/s  (chip "
      << fixed(c.hbm_bandwidth.gb_per_s(), 1) << " GB/s shared by " << c.cores_per_chip << " cores)\n";
  return out.str();
}

nlohmann::json chip_report_json(const ChipSpec& c) {
  nlohmann::json params = nlohmann::json::array();
  for (const auto& p : c.params) {
    params.push_back({{"path", p.path}, {"value", p.value}, {"source", p.source}, {"note", p.note}});
  }
  ChipDerived d = derive(c);
  return {
      {"name", c.name},
      {"description", c.description},
      {"neuron_core", c.neuron_core},
      {"cores_per_chip", c.cores_per_chip},
      {"params", params},
      {"derived",
       {{"core_bf16_tflops", d.core_bf16_tflops},
        {"chip_bf16_tflops", d.chip_bf16_tflops},
        {"core_fp8_tflops", d.core_fp8_tflops},
        {"chip_fp8_tflops", d.chip_fp8_tflops},
        {"published_bf16_tflops_per_chip", c.published_bf16_tflops_per_chip},
        {"published_fp8_tflops_per_chip", c.published_fp8_tflops_per_chip},
        {"sbuf_core_bytes", d.sbuf_core_bytes},
        {"sbuf_chip_bytes", d.sbuf_chip_bytes},
        {"psum_core_bytes", d.psum_core_bytes},
        {"psum_chip_bytes", d.psum_chip_bytes},
        {"psum_bank_bytes", d.psum_bank_bytes},
        {"core_dma_gb_per_s", d.core_dma_gb_per_s},
        {"chip_dma_gb_per_s", d.chip_dma_gb_per_s},
        {"hbm_capacity_bytes", c.hbm_capacity.v},
        {"hbm_gb_per_s", c.hbm_bandwidth.gb_per_s()},
        {"hbm_gb_per_s_per_core", d.hbm_gb_per_s_per_core}}},
  };
}

}  // namespace trnsim::hw
