// Roofline cost model for GPUs and TPUs: every op takes
//   overhead + max(flops / (peak x eff_compute(shape)), bytes / (hbm_bw x mem_eff))
// with the efficiency curves of cost/roofline_params.h, calibrated per family in configs/cost/.
#include <algorithm>

#include "trnsim/base/error.h"
#include "trnsim/cost/models.h"
#include "trnsim/cost/roofline_params.h"

namespace trnsim::cost {
namespace {

// Backward work relative to forward (docs/cost.md): matmuls compute dgrad and wgrad (2x FLOPs,
// two kernels); flash attention recomputes the scores (5 matmuls against 2: 2.5x FLOPs); every op
// reads its output gradient and input and writes the input gradient (model::backward_bytes).
constexpr double kMatmulBwdFlops = 2.0;
constexpr double kAttnBwdFlops = 2.5;

class RooflineModel : public OpCostModel {
 public:
  // `params` has an attention_flash2 curve when `attention` is kFlash2 (make_roofline_model checks).
  RooflineModel(const hw::AcceleratorSpec& accel, RooflineParams params, Precision precision, AttentionKernel attention)
      : params_(std::move(params)),
        attention_(attention == AttentionKernel::kFlash2 ? *params_.attention_flash2 : params_.attention),
        fp8_((precision == Precision::kFp8 && accel.peak_fp8_flops > 0) ||
             (precision == Precision::kInt8 && accel.peak_int8_ops > 0)),
        peak_(matrix_peak(accel, precision)),
        peak16_(matrix_peak(accel, precision == Precision::kFp32 || precision == Precision::kFp16 ? precision
                                                                                                  : Precision::kBf16)),
        bandwidth_(accel.hbm_bandwidth.bytes_per_s * params_.mem_eff),
        name_("roofline/" + params_.name + "/" + precision_name(precision) +
              (attention == AttentionKernel::kFlash2 ? "/flash2" : "")) {
    if (accel.hbm_bandwidth.bytes_per_s <= 0) {
      throw input_error("accelerator '" + accel.name + "'", "has no HBM bandwidth", "set hbm_bandwidth in its preset");
    }
    // Vector units do not speed up with fp8 matrix peaks: their rate follows the bf16 peak.
    vector_peak_ = matrix_peak(accel, Precision::kBf16) * params_.vector_peak_fraction;
  }

  Time forward(const model::Op& op) override { return cost(op, false); }
  Time backward(const model::Op& op) override { return cost(op, true); }
  Time memory_bound(double bytes) override {
    return params_.op_overhead + Time::from_seconds(bytes / bandwidth_);
  }
  double overlap_slowdown() const override { return params_.overlap_slowdown; }
  std::string name() const override { return name_; }

 private:
  Time cost(const model::Op& op, bool bwd) const {
    // A backward pass reads and computes twice the forward's; a frozen matmul's only once (no wgrad).
    const bool twice = bwd && !(op.frozen && op.kind == model::OpKind::kMatmul);
    const double bytes = twice ? model::backward_bytes(op) : op.bytes;
    double flops = op.flops, rate = vector_peak_;
    int kernels = 1;
    // Ops the framework leaves in 16 bits run at the 16-bit peak whatever the plan's precision.
    const bool low = fp8_ && op.in_matmul_precision;
    const double peak = op.in_matmul_precision ? peak_ : peak16_;
    switch (op.kind) {
      case model::OpKind::kMatmul:
        rate = peak * params_.sustained_fraction;
        if (!bwd) {
          rate *= matmul_efficiency(params_, op.m, op.n, op.k, low);
        } else {
          // The input gradient (m x k, inner n) and the weight gradient (k x n, inner m), each at
          // its own shape; frozen weights take only the first. The rate is their harmonic blend.
          const double dgrad = 1.0 / matmul_efficiency(params_, op.m, op.k, op.n, low);
          const double wgrad = twice ? 1.0 / matmul_efficiency(params_, op.k, op.n, op.m, low) : 0.0;
          if (twice) flops *= kMatmulBwdFlops, kernels = 2;
          rate *= (twice ? 2.0 : 1.0) / (dgrad + wgrad);
        }
        break;
      case model::OpKind::kAttention:
        // Attention shape: m = query length, n = key length, k = head dim.
        rate = peak * attention_efficiency(attention_, op.m, op.n, op.k, bwd) * params_.sustained_fraction;
        if (bwd) flops *= kAttnBwdFlops;
        break;
      default:  // element-wise, norm, embedding, loss: vector units, memory bound in practice
        if (bwd) flops *= 2.0;
        break;
    }
    const double compute_s = flops > 0 && rate > 0 ? flops / rate : 0.0;
    const double memory_s = bytes / bandwidth_;
    Time t = Time::ps(params_.op_overhead.ps() * kernels) + Time::from_seconds(std::max(compute_s, memory_s));
    if (low && op.kind == model::OpKind::kMatmul) t += quantize(op, bwd);
    return t;
  }

  // 8-bit matmuls need their operands scaled and cast from bf16 first (amax, then cast): a
  // memory-bound pass reading 2 and writing 1 byte per element. Forward casts the input and the
  // weight; backward the output gradient and the transposed input (for the weight gradient, none
  // when frozen) and weight copies.
  Time quantize(const model::Op& op, bool bwd) const {
    const double mk = static_cast<double>(op.m) * op.k * op.batch, kn = static_cast<double>(op.k) * op.n;
    const double mn = static_cast<double>(op.m) * op.n * op.batch;
    const double elems = bwd ? mn + (op.frozen ? 0.0 : mk) + kn : mk + kn;
    return params_.op_overhead + Time::from_seconds(elems * 3.0 / bandwidth_);
  }

  RooflineParams params_;
  AttentionCurve attention_;
  bool fp8_;
  double peak_, peak16_, bandwidth_, vector_peak_ = 0;
  std::string name_;
};

}  // namespace

const char* attention_kernel_name(AttentionKernel k) { return k == AttentionKernel::kFlash2 ? "flash2" : "fused"; }

const char* precision_name(Precision p) {
  switch (p) {
    case Precision::kBf16: return "bf16";
    case Precision::kFp16: return "fp16";
    case Precision::kFp8: return "fp8";
    case Precision::kFp32: return "fp32";
    case Precision::kInt8: return "int8";
  }
  return "?";
}

double matrix_peak(const hw::AcceleratorSpec& a, Precision p) {
  double peak = a.peak_bf16_flops;
  if (p == Precision::kFp16 && a.peak_fp16_flops > 0) peak = a.peak_fp16_flops;
  if (p == Precision::kFp8 && a.peak_fp8_flops > 0) peak = a.peak_fp8_flops;
  if (p == Precision::kInt8 && a.peak_int8_ops > 0) peak = a.peak_int8_ops;
  if (p == Precision::kFp32) peak = a.peak_fp32_flops;
  if (peak <= 0) {
    throw input_error("accelerator '" + a.name + "'", std::string("has no ") + precision_name(p) + " peak FLOP/s",
                      "set its peak in the accelerator preset, or pick another precision");
  }
  return peak;
}

std::unique_ptr<OpCostModel> make_roofline_model(const hw::SystemSpec& system, const CostOptions& opts) {
  RooflineParams params = opts.calibration.empty() ? roofline_params_for(system.accel.name)
                                                   : load_roofline_params(opts.calibration);
  if (opts.attention == AttentionKernel::kFlash2 && !params.attention_flash2) {
      throw input_error("attention kernel 'flash2'", "has no calibration in cost preset '" + params.name + "'",
                        "use attention_kernel: fused, or add an attention_flash2 block to configs/cost/" +
                          params.name + ".yaml");
  }
  return std::make_unique<RooflineModel>(system.accel, std::move(params), opts.precision, opts.attention);
}

}  // namespace trnsim::cost
