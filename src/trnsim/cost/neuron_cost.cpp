#include "trnsim/cost/neuron_cost.h"

#include <algorithm>
#include <memory>

#include "trnsim/base/error.h"
#include "trnsim/core/simulator.h"
#include "trnsim/cost/models.h"
#include "trnsim/hw/chip_loader.h"
#include "trnsim/kernels/kernel.h"
#include "trnsim/kernels/runner.h"

namespace trnsim::cost {
namespace {

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Splits `extent` into the fewest equal blocks of at most `max_block`: {count, block}.
std::pair<int64_t, int64_t> blocks(int64_t extent, int64_t max_block) {
  const int64_t count = ceil_div(extent, max_block);
  return {count, ceil_div(extent, count)};
}

}  // namespace

NeuronParams load_neuron_params(const std::string& name_or_path) {
  const bool is_path = name_or_path.find('/') != std::string::npos || name_or_path.find(".yaml") != std::string::npos;
  const std::string path = is_path ? name_or_path : hw::config_dir() + "/cost/" + name_or_path + ".yaml";
  const ConfigNode root = ConfigNode::load_yaml_file(path);
  auto log = std::make_shared<std::vector<ParamInfo>>();
  ConfigReader r(root, log);
  r.str("name");
  if (r.choice("model", {"roofline", "neuron"}) != "neuron") {
    throw input_error(path, "is not a neuron calibration", "use configs/cost/trainium.yaml or a copy of it");
  }
  r.require_sources(true);
  NeuronParams p;
  p.attn_fwd_eff = r.number("attn_fwd_eff", 0.01, 1.0);
  p.attn_bwd_eff = r.number("attn_bwd_eff", 0.01, 1.0);
  p.mem_eff = r.number("mem_eff", 0.05, 1.0);
  p.op_overhead = r.time("op_overhead");
  p.block_mn = r.integer("block_mn", 128, 65536);
  p.block_k = r.integer("block_k", 128, 65536);
  r.finish();
  for (const auto& info : *log) {
    if (info.path != "name" && info.path != "model") p.params.push_back(info);
  }
  return p;
}

NeuronCostModel::NeuronCostModel(const hw::AcceleratorSpec& accel, hw::ChipSpec chip, NeuronParams params,
                                 const CostOptions& opts)
    : chip_(std::move(chip)), params_(std::move(params)), precision_(opts.precision),
      fingerprint_(chip_fingerprint(chip_)), lnc_(std::max(1, accel.physical_cores_per_logical)),
      cache_(opts.cache_file) {
  switch (precision_) {
    case Precision::kFp8: dtype_ = "fp8e4m3"; break;
    case Precision::kFp16: dtype_ = "f16"; break;
    default: dtype_ = "bf16"; break;  // fp32: bf16 kernels slowed by the fp32 factor (gemm_time)
  }
  if (lnc_ > chip_.cores_per_chip) {
    throw input_error("accelerator '" + accel.name + "'",
                      "has " + std::to_string(lnc_) + " physical cores per logical core but chip '" + chip_.name +
                          "' has " + std::to_string(chip_.cores_per_chip),
                      "set physical_cores_per_logical to at most cores_per_chip");
  }
}

std::string NeuronCostModel::name() const {
  return "neuron/" + chip_.name + "/lnc" + std::to_string(lnc_) + "/" + precision_name(precision_);
}

double NeuronCostModel::logical_core_peak(bool sixteen_bit) const {
  double peak = lnc_ * chip_.core_peak_flops();
  if (precision_ == Precision::kFp8 && chip_.tensor.fp8_double_row && !sixteen_bit) peak *= 2;
  if (precision_ == Precision::kFp32) peak /= chip_.tensor.fp32_ii_factor;
  return peak;
}

std::optional<Time> NeuronCostModel::cached(const std::string& key) {
  auto t = cache_.find(key);
  if (t) ++cache_hits_;
  return t;
}

Time NeuronCostModel::simulate(const std::string& key, const kernels::BuiltKernel& kernel) {
  core::SimOptions so;
  so.mode = core::Mode::kTiming;
  so.active_cores = chip_.cores_per_chip;  // every core of the chip runs its own rank's kernel
  const Time t = kernels::run_kernel(kernel, chip_, so).result.time;
  ++simulations_;
  cache_.put(key, t);
  return t;
}

Time NeuronCostModel::block_time(int64_t m, int64_t n, int64_t k, const std::string& dtype) {
  const std::string key = fingerprint_ + "/gemm/" + dtype + "/" + std::to_string(m) + "x" + std::to_string(n) + "x" +
                          std::to_string(k) + "/cores" + std::to_string(chip_.cores_per_chip);
  if (auto t = cached(key)) return *t;
  kernels::KernelParams kp;
  kp.set("m", m).set("n", n).set("k", k).set("dtype", dtype);
  kernels::BuiltKernel kernel;
  try {
    kernel = kernels::build_kernel("gemm", kp, chip_);
  } catch (const Error& e) {
    // K too deep for the B panel in SBUF: two half-K products summed (the sum is a small
    // element-wise pass, left out).
    if (e.kind() != ErrorKind::kInput || k <= 2 * chip_.tensor.rows) throw;
    const int64_t half = ceil_div(k, 2);
    Time t = Time::ps(2 * block_time(m, n, half, dtype).ps());
    cache_.put(key, t);
    return t;
  }
  return simulate(key, kernel);
}

Time NeuronCostModel::gemm_time(int64_t m, int64_t n, int64_t k, bool sixteen_bit) {
  if (m <= 0 || n <= 0 || k <= 0) return Time::ps(0);
  // The physical cores of a logical core each take a slice of N (of M when N is too narrow to cut).
  if (n >= lnc_ * chip_.tensor.cols) {
    n = ceil_div(n, lnc_);
  } else {
    m = ceil_div(m, lnc_);
  }
  const auto [bm_count, bm] = blocks(m, params_.block_mn);
  const auto [bn_count, bn] = blocks(n, params_.block_mn);
  const auto [bk_count, bk] = blocks(k, params_.block_k);
  const std::string dtype = sixteen_bit && precision_ == Precision::kFp8 ? "bf16" : dtype_;
  int64_t ps = block_time(bm, bn, bk, dtype).ps() * bm_count * bn_count * bk_count;
  if (precision_ == Precision::kFp32) ps *= chip_.tensor.fp32_ii_factor;
  return Time::ps(ps);
}

Time NeuronCostModel::matmul(const model::Op& op, bool bwd) {
  const int64_t batch = std::max<int64_t>(1, op.batch);
  const bool b16 = !op.in_matmul_precision;
  if (!bwd) return params_.op_overhead + Time::ps(gemm_time(op.m, op.n, op.k, b16).ps() * batch);
  // dgrad: dY[m x n] @ W^T[n x k]; wgrad: X^T[k x m] @ dY[m x n]; each its own kernel. Frozen
  // weights take no wgrad.
  const int64_t dgrad = gemm_time(op.m, op.k, op.n, b16).ps();
  if (op.frozen) return Time::ps(params_.op_overhead.ps() + dgrad * batch);
  const int64_t ps = dgrad + gemm_time(op.k, op.n, op.m, b16).ps();
  return Time::ps(2 * params_.op_overhead.ps() + ps * batch);
}

Time NeuronCostModel::streaming(double flops, double bytes) const {
  const double share = chip_.hbm_bandwidth.bytes_per_s * lnc_ / chip_.cores_per_chip;
  const double dma = lnc_ * chip_.dma.queues_per_core * chip_.dma.queue_bandwidth.bytes_per_s;
  const double bw = std::min(share, dma) * params_.mem_eff;
  // VectorE: one element per partition per cycle.
  const double vector_rate = lnc_ * static_cast<double>(chip_.sbuf.partitions) * chip_.vector.clock.hz;
  return Time::from_seconds(std::max(bytes / bw, flops / vector_rate));
}

Time NeuronCostModel::flash_head(const std::string& kernel, int64_t seq, int64_t head_dim) {
  const std::string key = fingerprint_ + "/" + kernel + "/causal/" + std::to_string(seq) + "x" +
                          std::to_string(head_dim) + "/cores" + std::to_string(chip_.cores_per_chip);
  if (auto t = cached(key)) return *t;
  kernels::KernelParams kp;
  kp.set("seq", seq).set("head_dim", head_dim).set("causal", int64_t{1}).set("dtype", "bf16");
  return simulate(key, kernels::build_kernel(kernel, kp, chip_));
}

Time NeuronCostModel::attention(const model::Op& op, bool bwd) {
  const Time mem = streaming(0, op.bytes * (bwd ? 2.0 : 1.0));
  if (op.flash && op.k > 0 && op.n > 0) {
    // The flash kernel of one causal head at the op's key length (at most kFlashSeq: longer
    // sequences run at the same rate) and head size (at most TensorE's rows), scaled by FLOPs; the
    // physical cores of a logical core take a share of the heads each.
    constexpr int64_t kFlashSeq = 8192;
    const int64_t seq = std::min(op.n, kFlashSeq), d = std::min<int64_t>(op.k, chip_.tensor.rows);
    double s = flash_head(bwd ? "attention_bwd" : "attention_fwd", seq, d).seconds() * op.flops *
               (bwd ? 2.5 : 1.0) / kernels::attention_head_flops(seq, d, true, bwd) / lnc_;
    if (precision_ == Precision::kFp32) s *= chip_.tensor.fp32_ii_factor;
    return params_.op_overhead + max(Time::from_seconds(s), mem);
  }
  const double flops = op.flops * (bwd ? 2.5 : 1.0);
  const double tensor_s = flops / (logical_core_peak(!op.in_matmul_precision) * (bwd ? params_.attn_bwd_eff : params_.attn_fwd_eff));
  // ScalarE computes one exp per score element and partition lane per cycle (backward recomputes
  // them once); scores = forward FLOPs / (4 x head_dim), which keeps causal masking's halving.
  const double scores = op.k > 0 ? op.flops / (4.0 * op.k) : 0.0;
  const double exp_s = scores / (lnc_ * static_cast<double>(chip_.sbuf.partitions) * chip_.scalar.clock.hz);
  return params_.op_overhead + max(Time::from_seconds(std::max(tensor_s, exp_s)), mem);
}

Time NeuronCostModel::forward(const model::Op& op) {
  switch (op.kind) {
    case model::OpKind::kMatmul: return matmul(op, false);
    case model::OpKind::kAttention: return attention(op, false);
    default: return params_.op_overhead + streaming(op.flops, op.bytes);
  }
}

Time NeuronCostModel::backward(const model::Op& op) {
  switch (op.kind) {
    case model::OpKind::kMatmul: return matmul(op, true);
    case model::OpKind::kAttention: return attention(op, true);
    default: return params_.op_overhead + streaming(2 * op.flops, model::backward_bytes(op));
  }
}

Time NeuronCostModel::memory_bound(double bytes) { return params_.op_overhead + streaming(0, bytes); }

std::unique_ptr<OpCostModel> make_neuron_model(const hw::SystemSpec& system, const CostOptions& opts) {
  if (system.accel.chip.empty()) {
    throw input_error("accelerator '" + system.accel.name + "'", "names no chip preset for the NeuronCore model",
                      "set 'chip:' (e.g. trn2) in the accelerator preset, or use the roofline model");
  }
  if (opts.attention == AttentionKernel::kFlash2) {
    throw input_error("attention kernel 'flash2'", "is a GPU kernel; the NeuronCore model times attention on the chip",
                      "use attention_kernel: fused (or auto) on " + system.accel.name);
  }
  return std::make_unique<NeuronCostModel>(system.accel,
                                           system.accel.chip_override ? *system.accel.chip_override
                                                                      : hw::load_chip(system.accel.chip),
                                           load_neuron_params(opts.calibration.empty() ? "trainium" : opts.calibration),
                                           opts);
}

}  // namespace trnsim::cost
