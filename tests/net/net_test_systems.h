// Hand-built systems for the network tests (the presets live on another branch).
#pragma once

#include "trnsim/hw/system_spec.h"

namespace trnsim::testing {

// 8 x H100 SXM per node: NVSwitch 450 GB/s per GPU per direction, one 400 Gb/s NIC per GPU.
inline hw::SystemSpec h100_nodes(int nodes) {
  hw::SystemSpec s;
  s.name = "test-h100";
  s.accel.name = "h100-sxm";
  s.accel.family = hw::AcceleratorFamily::kGpu;
  s.accel.hbm_bandwidth = parse_bandwidth("3.35TB/s");
  s.count = 8 * nodes;
  s.per_node = 8;
  s.scale_up = {hw::ScaleUpKind::kNvSwitch, parse_bandwidth("450GB/s"), Time::us(1), {}};
  s.scale_out = {hw::ScaleOutKind::kIbFatTree, parse_bandwidth("400Gbps"), Time::us(5), true};
  return s;
}

// trn2.48xlarge: 16 chips in a 4 x 4 NeuronLink torus, 4 links x 128 GB/s per direction,
// one 200 Gb/s EFA NIC per chip; LNC=2 gives 4 logical cores (ranks) per chip.
inline hw::SystemSpec trn2_nodes(int nodes) {
  hw::SystemSpec s;
  s.name = "test-trn2";
  s.accel.name = "trn2";
  s.accel.family = hw::AcceleratorFamily::kTrainium;
  s.accel.hbm_bandwidth = parse_bandwidth("2.9TB/s");
  s.accel.cores_per_chip = 8;
  s.accel.physical_cores_per_logical = 2;
  s.count = 16 * nodes;
  s.per_node = 16;
  s.scale_up = {hw::ScaleUpKind::kNeuronLinkTorus2d, parse_bandwidth("512GB/s"), Time::ns(1500), {4, 4}};
  s.scale_out = {hw::ScaleOutKind::kEfa, parse_bandwidth("200Gbps"), Time::us(15), false};
  return s;
}

// A TPU v5e-like pod: 256 chips in a 16 x 16 ICI torus, 200 GB/s per direction per chip.
inline hw::SystemSpec tpu_pod() {
  hw::SystemSpec s;
  s.name = "test-tpu";
  s.accel.name = "tpu-v5e";
  s.accel.family = hw::AcceleratorFamily::kTpu;
  s.accel.hbm_bandwidth = parse_bandwidth("819GB/s");
  s.count = 256;
  s.per_node = 256;
  s.scale_up = {hw::ScaleUpKind::kTorus2d, parse_bandwidth("200GB/s"), Time::us(1), {16, 16}};
  s.scale_out = {hw::ScaleOutKind::kDcn, parse_bandwidth("50Gbps"), Time::us(10), false};
  return s;
}

}  // namespace trnsim::testing
