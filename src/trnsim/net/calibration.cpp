#include "trnsim/net/calibration.h"

namespace trnsim::net {
namespace {

// nccl-tests on 8 x H100 SXM (NVIDIA/nccl-tests#212, S. Jeaugey): line rate 450 GB/s, NCCL's
// effective NVLink bandwidth ~370 GB/s with protocol overhead (ring busbw); NVLS all-reduce peaks
// at busbw ~480 GB/s, algbw ~275 GB/s.
constexpr double kNvlinkEfficiency = 370.0 / 450.0;
constexpr double kNvlsOverhead = 370.0 / 275.0;
// Assumptions (U): no published NeuronLink busbw; EFA / IB figures from typical nccl-tests runs.
constexpr double kNeuronLinkEfficiency = 0.80;
constexpr double kIbEfficiency = 0.90;
constexpr double kEfaEfficiency = 0.80;

bool has_nvls(const hw::SystemSpec& s) {
  if (s.accel.family != hw::AcceleratorFamily::kGpu) return false;
  if (s.scale_up.kind != hw::ScaleUpKind::kNvSwitch && s.scale_up.kind != hw::ScaleUpKind::kNvl72) return false;
  // NVLink SHARP arrived with third-generation NVSwitch (Hopper); A100 systems lack it.
  return s.accel.name.find("a100") == std::string::npos && s.accel.name.find("v100") == std::string::npos;
}

}  // namespace

Calibration calibration_for(const hw::SystemSpec& s) {
  Calibration c;
  bool neuron = s.scale_up.kind == hw::ScaleUpKind::kNeuronLinkTorus2d ||
                s.scale_up.kind == hw::ScaleUpKind::kNeuronLinkTorus3d ||
                s.scale_up.kind == hw::ScaleUpKind::kNeuronSwitch;
  c.scale_up_efficiency = neuron ? kNeuronLinkEfficiency
                          : s.accel.family == hw::AcceleratorFamily::kTpu ? kNeuronLinkEfficiency
                                                                           : kNvlinkEfficiency;
  c.scale_out_efficiency = s.scale_out.kind == hw::ScaleOutKind::kEfa ? kEfaEfficiency : kIbEfficiency;
  c.nvls = has_nvls(s);
  c.nvls_overhead = kNvlsOverhead;
  // Defaults where the system leaves latencies out: NeuronLink ~1-2 us per hop (RTINTRA), EFA
  // ~15 us host to host (RTCOLL); NVSwitch and IB ~1 us / ~5 us (assumptions, U).
  Time up_default = neuron ? Time::ns(1500) : Time::us(1);
  Time out_default = s.scale_out.kind == hw::ScaleOutKind::kEfa ? Time::us(15) : Time::us(5);
  c.hop_latency = s.scale_up.hop_latency.ps() > 0 ? s.scale_up.hop_latency : up_default;
  c.scale_out_latency = s.scale_out.latency.ps() > 0 ? s.scale_out.latency : out_default;
  return c;
}

}  // namespace trnsim::net
