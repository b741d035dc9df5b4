// Op cost models behind one interface: how long one op of a model takes on one rank of an
// accelerator. Roofline with calibrated, size-dependent efficiency curves for GPU and TPU presets
// (docs/cost.md gives the curves and their sources); for Trainium, the NeuronCore model:
// matmuls are simulated as kernels on the chip simulator (cached per distinct shape).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "trnsim/base/units.h"
#include "trnsim/hw/system_spec.h"
#include "trnsim/model/ops.h"

namespace trnsim::cost {

enum class Precision { kBf16, kFp16, kFp8, kFp32, kInt8 };

// Which flash-attention kernel the framework runs. kFused: the accelerator stack's fastest fused
// kernel (cuDNN fused attention or FlashAttention-3 on Hopper, as Transformer Engine picks;
// FlashAttention-2 on Ampere; the XLA kernels on TPUs). kFlash2: FlashAttention-2, which PyTorch's
// scaled_dot_product_attention runs on Hopper by default (PyTorch 2.5.1 to 2.8).
enum class AttentionKernel { kFused, kFlash2 };
const char* attention_kernel_name(AttentionKernel k);

class OpCostModel {
 public:
  virtual ~OpCostModel() = default;
  // Forward time of `op` on one rank.
  virtual Time forward(const model::Op& op) = 0;
  // Backward time (input gradient + weight gradient) of `op` on one rank.
  virtual Time backward(const model::Op& op) = 0;
  // Time of an element-wise pass over `bytes` of HBM traffic (optimizer step, casts).
  virtual Time memory_bound(double bytes) = 0;
  // Fraction by which compute slows while a collective runs beside it: on GPUs the collective
  // kernels take SMs and memory bandwidth from the compute kernels. 0 where communication has
  // engines of its own.
  virtual double overlap_slowdown() const { return 0.0; }
  virtual std::string name() const = 0;
};

const char* precision_name(Precision p);

// Dense matrix peak of one accelerator at `p` (fp8, int8 and fp16 fall back to bf16 where the
// accelerator lists no such peak). Throws when the accelerator lists no peak at all.
double matrix_peak(const hw::AcceleratorSpec& accel, Precision p);

struct CostOptions {
  Precision precision = Precision::kBf16;
  AttentionKernel attention = AttentionKernel::kFused;
  // Implementation by registered name ("roofline", "neuron"); empty: chosen by accelerator family.
  std::string model;
  // Roofline: calibration preset (configs/cost/<name>.yaml) or a .yaml path; empty: the preset
  // whose `accelerators` list matches the accelerator name.
  std::string calibration;
  // Neuron: file keeping simulated GEMM times across runs, keyed by (chip, shape); empty: memory only.
  std::string cache_file;
  // The rate the software release's attention kernels sustain, as a fraction of the rate the
  // calibration gives (a release older than the calibration's runs slower): attention ops take
  // 1 / attention_rate of the calibrated time. 1: the calibration's own release.
  double attention_rate = 1.0;
};

// One implementation, registered by name in cost/registry.cpp.
struct CostModelInfo {
  std::string name;
  std::string doc;
  std::function<std::unique_ptr<OpCostModel>(const hw::SystemSpec&, const CostOptions&)> make;
};
const std::vector<CostModelInfo>& cost_model_registry();

// The model for one rank of `system` (a GPU, a TPU chip, or a logical NeuronCore).
std::unique_ptr<OpCostModel> make_cost_model(const hw::SystemSpec& system, const CostOptions& opts);

}  // namespace trnsim::cost
