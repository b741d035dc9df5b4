// The chip schema: every ChipSpec field is declared here once, with its unit and limits, and the
// cross-field checks that keep a what-if chip physically sensible.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "trnsim/base/error.h"
#include "trnsim/hw/chip_loader.h"

namespace trnsim::hw {
namespace {

constexpr int64_t kMaxCycles = 1000000;

// The text of the value just read, for messages.
std::string last_text(const ConfigReader& r) { return r.log()->empty() ? "" : r.log()->back().value; }

void require(bool ok, ConfigReader& r, const std::string& key, const std::string& message,
             const std::string& hint) {
  if (!ok) throw input_error(r.node(key).location(), message, hint);
}

Frequency clock(ConfigReader& r) {
  Frequency f = r.frequency("clock");
  require(f.hz > 0 && f.hz <= 20'000'000'000LL, r, "clock", "clock " + last_text(r) + " is out of range",
          "use a clock above 0 and at most 20GHz, e.g. 1.4GHz");
  return f;
}

Bandwidth positive_bandwidth(ConfigReader& r, const std::string& key) {
  Bandwidth b = r.bandwidth(key);
  require(b.bytes_per_s > 0, r, key, "bandwidth " + last_text(r) + " must be above zero", "write e.g. 23GB/s");
  return b;
}

Bytes positive_bytes(ConfigReader& r, const std::string& key, int64_t max) {
  Bytes b = r.bytes(key);
  require(b.v > 0 && b.v <= max, r, key, "size " + last_text(r) + " is out of range",
          "use a size above 0 and at most " + format_bytes(max));
  return b;
}

TensorEngineSpec read_tensor(ConfigReader r) {
  TensorEngineSpec t;
  reject_unknown_keys(r.self(), {"clock", "rows", "cols", "moving_fmax", "min_ii_cycles", "fp32_ii_factor",
                           "ls_cycles_per_col", "fp8_double_row", "transpose_ii_cycles"});
  t.clock = clock(r);
  t.rows = static_cast<int>(r.integer("rows", 1, 128));
  t.cols = static_cast<int>(r.integer("cols", 1, 128));
  t.moving_fmax = static_cast<int>(r.integer("moving_fmax", 1, 65536));
  t.min_ii_cycles = static_cast<int>(r.integer("min_ii_cycles", 1, kMaxCycles));
  t.fp32_ii_factor = static_cast<int>(r.integer("fp32_ii_factor", 1, 64));
  t.ls_cycles_per_col = r.number("ls_cycles_per_col", 0.0, 64.0);
  t.fp8_double_row = r.boolean("fp8_double_row");
  t.transpose_ii_cycles = static_cast<int>(r.integer("transpose_ii_cycles", 1, kMaxCycles));
  r.finish();
  return t;
}

VectorEngineSpec read_vector(ConfigReader r) {
  VectorEngineSpec v;
  reject_unknown_keys(r.self(), {"clock", "min_ii_cycles", "static_overhead_cycles", "perf_mode_factor"});
  v.clock = clock(r);
  v.min_ii_cycles = static_cast<int>(r.integer("min_ii_cycles", 0, kMaxCycles));
  v.static_overhead_cycles = static_cast<int>(r.integer("static_overhead_cycles", 0, kMaxCycles));
  v.perf_mode_factor = r.number("perf_mode_factor", 1.0, 16.0);
  r.finish();
  return v;
}

ScalarEngineSpec read_scalar(ConfigReader r) {
  ScalarEngineSpec s;
  reject_unknown_keys(r.self(), {"clock", "min_ii_cycles", "static_overhead_cycles", "accumulate_readout_cycles"});
  s.clock = clock(r);
  s.min_ii_cycles = static_cast<int>(r.integer("min_ii_cycles", 0, kMaxCycles));
  s.static_overhead_cycles = static_cast<int>(r.integer("static_overhead_cycles", 0, kMaxCycles));
  s.accumulate_readout_cycles = static_cast<int>(r.integer("accumulate_readout_cycles", 0, kMaxCycles));
  r.finish();
  return s;
}

GpSimdEngineSpec read_gpsimd(ConfigReader r) {
  GpSimdEngineSpec g;
  reject_unknown_keys(r.self(), {"clock", "min_ii_cycles", "start_cycles"});
  g.clock = clock(r);
  g.min_ii_cycles = static_cast<int>(r.integer("min_ii_cycles", 0, kMaxCycles));
  g.start_cycles = static_cast<int>(r.integer("start_cycles", 0, kMaxCycles));
  r.finish();
  return g;
}

OnChipMemorySpec read_memory(ConfigReader r) {
  OnChipMemorySpec m;
  reject_unknown_keys(r.self(), {"partitions", "partition_bytes", "banks"});
  m.partitions = static_cast<int>(r.integer("partitions", 1, 128));
  m.partition_bytes = positive_bytes(r, "partition_bytes", int64_t{1} << 30).v;
  m.banks = static_cast<int>(r.integer("banks", 1, 64));
  require(m.partition_bytes % m.banks == 0, r, "banks",
          std::to_string(m.partition_bytes) + " bytes per partition do not split into " +
              std::to_string(m.banks) + " equal banks",
          "make partition_bytes a multiple of banks");
  r.finish();
  return m;
}

DmaSpec read_dma(ConfigReader r) {
  DmaSpec d;
  reject_unknown_keys(r.self(), {"queues_per_core", "queue_bandwidth", "fixed_cost", "has_transpose",
                           "transpose_hbm_efficiency", "transpose_sbuf_efficiency"});
  d.queues_per_core = static_cast<int>(r.integer("queues_per_core", 1, 256));
  d.queue_bandwidth = positive_bandwidth(r, "queue_bandwidth");
  d.fixed_cost = r.time("fixed_cost");
  require(d.fixed_cost <= Time::us(1000), r, "fixed_cost", "fixed cost " + last_text(r) + " is out of range",
          "use a duration of at most 1ms, e.g. 1300ns");
  d.has_transpose = r.boolean("has_transpose");
  d.transpose_hbm_efficiency = r.number("transpose_hbm_efficiency", 0.0, 1.0);
  d.transpose_sbuf_efficiency = r.number("transpose_sbuf_efficiency", 0.0, 1.0);
  if (d.has_transpose) {
    require(d.transpose_hbm_efficiency > 0, r, "transpose_hbm_efficiency",
            "must be above zero when has_transpose is true", "give the fraction of the DMA rate, e.g. 0.9");
    require(d.transpose_sbuf_efficiency > 0, r, "transpose_sbuf_efficiency",
            "must be above zero when has_transpose is true", "give the fraction of the DMA rate, e.g. 0.5");
  }
  r.finish();
  return d;
}

// A label, not a figure: no source needed.
std::string label(ConfigReader& r, const std::string& key) {
  const ConfigNode& n = r.node(key);
  if (!n.is_scalar() || n.scalar().empty()) {
    throw input_error(n.location(), "must be a single non-empty text", "write '" + key + ": <text>'");
  }
  return n.scalar();
}

}  // namespace

ChipSpec chip_from_config(const ConfigNode& root, const ChipLoadOptions& options) {
  ConfigReader r(root);
  r.require_sources(options.require_sources);
  ChipSpec c;
  reject_unknown_keys(root, {"name", "description", "neuron_core", "cores_per_chip", "tensor", "vector", "scalar",
                       "gpsimd", "sbuf", "psum", "hbm_capacity", "hbm_bandwidth", "dma",
                       "published_bf16_tflops_per_chip", "published_fp8_tflops_per_chip"});
  c.name = label(r, "name");
  c.description = label(r, "description");
  c.neuron_core = r.str("neuron_core");
  c.cores_per_chip = static_cast<int>(r.integer("cores_per_chip", 1, 64));
  c.tensor = read_tensor(r.child("tensor"));
  c.vector = read_vector(r.child("vector"));
  c.scalar = read_scalar(r.child("scalar"));
  c.gpsimd = read_gpsimd(r.child("gpsimd"));
  c.sbuf = read_memory(r.child("sbuf"));
  c.psum = read_memory(r.child("psum"));
  c.hbm_capacity = positive_bytes(r, "hbm_capacity", int64_t{1} << 50);
  c.hbm_bandwidth = positive_bandwidth(r, "hbm_bandwidth");
  c.dma = read_dma(r.child("dma"));
  c.published_bf16_tflops_per_chip = r.number("published_bf16_tflops_per_chip", 0.0, 1e6);
  c.published_fp8_tflops_per_chip = r.number("published_fp8_tflops_per_chip", 0.0, 1e6);
  r.finish();

  // Cross-field checks: the array reads its K rows from SBUF partitions and writes its M columns to
  // PSUM partitions, and a full moving tile of fp32 results must fit one PSUM partition.
  require(c.psum.partitions == c.sbuf.partitions, r, "psum",
          "psum has " + std::to_string(c.psum.partitions) + " partitions but sbuf has " +
              std::to_string(c.sbuf.partitions),
          "give psum.partitions and sbuf.partitions the same value");
  require(c.tensor.rows <= c.sbuf.partitions, r, "tensor",
          "tensor.rows (" + std::to_string(c.tensor.rows) + ") exceeds sbuf.partitions (" +
              std::to_string(c.sbuf.partitions) + ")",
          "lower tensor.rows or raise sbuf.partitions");
  require(c.tensor.cols <= c.psum.partitions, r, "tensor",
          "tensor.cols (" + std::to_string(c.tensor.cols) + ") exceeds psum.partitions (" +
              std::to_string(c.psum.partitions) + ")",
          "lower tensor.cols or raise psum.partitions");
  require(int64_t{c.tensor.moving_fmax} * 4 <= c.psum.partition_bytes, r, "tensor",
          "tensor.moving_fmax (" + std::to_string(c.tensor.moving_fmax) +
              " fp32 results) does not fit one PSUM partition (" + format_bytes(c.psum.partition_bytes) + ")",
          "lower tensor.moving_fmax or raise psum.partition_bytes");
  c.params = *r.log();
  return c;
}

}  // namespace trnsim::hw
