// Accelerator presets (configs/accelerators/<name>.yaml): the per-chip figures the cluster layers
// need (peaks, HBM, power) and, for Trainium, the chip preset and how AWS counts ranks.
#include <algorithm>
#include <filesystem>
#include <system_error>

#include "trnsim/base/error.h"
#include "trnsim/base/presets.h"
#include "trnsim/base/text.h"
#include "trnsim/hw/chip_loader.h"
#include "trnsim/hw/system_spec.h"

namespace trnsim::hw {
namespace fs = std::filesystem;
namespace {

constexpr double kTera = 1e12;

}  // namespace

AcceleratorSpec accelerator_from_config(const ConfigNode& root, bool require_sources) {
  ConfigReader r(root);
  AcceleratorSpec a;
  // Names and choices are not measurements: only the figures below must carry sources.
  a.name = r.str("name");
  r.str("description", "");
  std::string family = r.choice("family", {"trainium", "gpu", "tpu"});
  a.family = family == "trainium" ? AcceleratorFamily::kTrainium
             : family == "tpu"    ? AcceleratorFamily::kTpu
                                  : AcceleratorFamily::kGpu;
  a.default_system = r.str("default_system", "");
  r.require_sources(require_sources);
  a.peak_bf16_flops = r.number("peak_bf16_tflops", 1e-3, 1e6) * kTera;
  a.peak_fp16_flops = r.number("peak_fp16_tflops", 0, 1e6) * kTera;
  a.peak_fp8_flops = r.number("peak_fp8_tflops", 0, 1e6) * kTera;
  a.peak_fp32_flops = r.number("peak_fp32_tflops", 0, 1e6) * kTera;
  // Optional: only accelerators whose int8 matmul rate matters to a preset state it.
  a.peak_int8_ops = r.absent("peak_int8_tops") ? 0.0 : r.number("peak_int8_tops", 0, 1e6) * kTera;
  a.hbm_capacity = r.bytes("hbm_capacity");
  a.hbm_bandwidth = r.bandwidth("hbm_bandwidth");
  a.tdp_w = r.number("tdp_w", 1, 1e5);
  a.idle_w = r.number("idle_w", 0, 1e5);
  auto fail = [&](const std::string& key, const std::string& message, const std::string& hint) {
    throw input_error(r.node(key).location(), message, hint);
  };
  if (a.peak_bf16_flops <= 0) fail("peak_bf16_tflops", "must be positive", "give the dense bf16 peak in TFLOP/s");
  if (a.hbm_capacity.v <= 0) fail("hbm_capacity", "must be positive", "write a size such as 80GB");
  if (a.hbm_bandwidth.bytes_per_s <= 0) fail("hbm_bandwidth", "must be positive", "write a rate such as 3.35TB/s");
  // Rates far outside any hardware make the simulated times overflow or vanish.
  auto realistic_rate = [&](const std::string& key, double bytes_per_s) {
    if (bytes_per_s < 1e6 || bytes_per_s > 1e17) {
      fail(key, "is " + format_bytes(bytes_per_s) + "/s, outside 1 MB/s to 100 PB/s", "write the real figure, such as 3.35TB/s");
    }
  };
  realistic_rate("hbm_bandwidth", a.hbm_bandwidth.bytes_per_s);
  if (a.idle_w > a.tdp_w) fail("idle_w", "is above tdp_w", "idle power must not exceed the full-load power");
  // Optional: where a preset states it, training plans may offload activations to host memory.
  if (!r.absent("host_link_bw")) {
    a.host_link_bw = r.bandwidth("host_link_bw");
    realistic_rate("host_link_bw", a.host_link_bw.bytes_per_s);
  }
  // Optional: where an accelerator's 8-bit GEMMs need a transposed weight copy.
  if (!r.absent("fp8_transpose_copy")) a.fp8_transpose_copy = r.boolean("fp8_transpose_copy");

  if (a.family == AcceleratorFamily::kTrainium) {
    r.require_sources(false);
    a.chip = r.str("chip");
    r.require_sources(require_sources);
    a.cores_per_chip = static_cast<int>(r.integer("cores_per_chip", 1, 64));
    a.physical_cores_per_logical = static_cast<int>(r.integer("physical_cores_per_logical", 1, 64));
    if (a.cores_per_chip % a.physical_cores_per_logical != 0) {
      fail("physical_cores_per_logical", "does not divide cores_per_chip (" + std::to_string(a.cores_per_chip) + ")",
           "use a divisor of cores_per_chip (AWS LNC is 1 or 2)");
    }
    if (!r.absent("collective_engine_bw")) {
      a.collective_engine_bw = r.bandwidth("collective_engine_bw");
      realistic_rate("collective_engine_bw", a.collective_engine_bw.bytes_per_s);
    }
    // The chip preset is the single truth for the core count; a disagreement is a data error.
    ChipSpec chip = load_chip(a.chip);
    if (chip.cores_per_chip != a.cores_per_chip) {
      fail("cores_per_chip", "is " + std::to_string(a.cores_per_chip) + " but chip '" + a.chip + "' has " +
                                 std::to_string(chip.cores_per_chip),
           "set cores_per_chip: " + std::to_string(chip.cores_per_chip));
    }
  } else {
    for (const char* key : {"chip", "cores_per_chip", "physical_cores_per_logical", "collective_engine_bw"}) {
      if (r.has(key)) fail(key, std::string("'") + key + "' applies to Trainium accelerators only", "remove it");
    }
  }
  r.finish();
  a.params = *r.log();
  return a;
}

std::vector<std::string> list_accelerator_presets() { return preset_names("accelerators"); }

AcceleratorSpec load_accelerator(const std::string& name_or_path) {
  // A user's what-if file may leave figures unsourced; the project's presets may not.
  if (looks_like_path(name_or_path)) return accelerator_from_config(ConfigNode::load_yaml_file(name_or_path), false);
  std::vector<std::string> presets = list_accelerator_presets();
  if (std::find(presets.begin(), presets.end(), name_or_path) == presets.end()) {
    throw input_error("accelerator '" + name_or_path + "'", "is not a known accelerator",
                      presets.empty() ? "no presets in " + config_dir() + "/accelerators; set TRNSIM_CONFIG_DIR"
                                      : "use one of: " + join(presets) + ", or a path to an accelerator .yaml file");
  }
  std::string path = config_dir() + "/accelerators/" + name_or_path + ".yaml";
  AcceleratorSpec a = accelerator_from_config(ConfigNode::load_yaml_file(path), true);
  if (a.name != name_or_path) {
    throw input_error(path, "preset declares name '" + a.name + "'", "set 'name: " + name_or_path + "' to match the file name");
  }
  return a;
}

const char* to_string(AcceleratorFamily family) {
  switch (family) {
    case AcceleratorFamily::kTrainium: return "trainium";
    case AcceleratorFamily::kTpu: return "tpu";
    case AcceleratorFamily::kGpu: break;
  }
  return "gpu";
}

}  // namespace trnsim::hw
