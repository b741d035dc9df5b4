// gelu (tanh approximation) and silu, element by element over X[R, C]. The tensor is treated as a
// flat array spread over all 128 partitions (so a few long rows still use every lane): tiles of
// 128 x F consecutive-element runs, then a 128 x q tile and a last [r, 1] tile for the remainder.
// Scalar computes in place; loads and stores use separate halves of the DMA queues.
#include <cmath>

#include "trnsim/kernels/builder.h"
#include "trnsim/kernels/library.h"

namespace trnsim::kernels {
namespace {

constexpr int64_t kFree = 2048;  // elements per partition per tile

double gelu_tanh(double x) {
  const double c = std::sqrt(2.0 / M_PI);
  return 0.5 * x * (1.0 + std::tanh(c * (x + 0.044715 * x * x * x)));
}
double silu(double x) { return x / (1.0 + std::exp(-x)); }

BuiltKernel build_elementwise(const ResolvedParams& p, const hw::ChipSpec& chip, const std::string& name,
                              ActFunc f, double (*fn)(double)) {
  const int64_t rows = p.i("rows"), cols = p.i("cols");
  const DType dt = p.dtype("dtype");
  require(rows > 0 && cols > 0, name, "rows and cols must be positive", "e.g. rows=4096 cols=4096");
  require(numerics::is_float(dt), name, "dtype must be a float type", "use dtype=bf16, f16, f32 or fp8e4m3");
  KernelBuilder b(chip, name);
  const HbmTensor X = b.input("x", dt, {rows, cols});
  const HbmTensor Y = b.output("y", dt, {rows, cols});
  const int32_t P = chip.sbuf.partitions;
  std::vector<Tile> bufs;
  for (int i = 0; i < 3; ++i) bufs.push_back(b.sbuf("x" + std::to_string(i), dt, P, kFree));
  const int half = std::max(1, b.dma_queues() / 2);
  const DmaQueues loads{0, half}, stores{half, b.dma_queues() - half};
  const int64_t total = rows * cols;
  int64_t at = 0, t = 0;
  while (at < total) {
    const int64_t left = total - at;
    int32_t parts = P;
    int64_t per = std::min(kFree, left / P);
    if (per == 0) {
      parts = static_cast<int32_t>(left);
      per = 1;
    }
    const AccessPattern x = bufs[t % 3].ap(0, parts, 0, per);
    b.dma_copy(x, X.flat_view(at, parts, per), loads);
    b.activation(x, x, f);
    b.dma_copy(Y.flat_view(at, parts, per), x, stores);
    at += parts * per;
    ++t;
  }
  BuiltKernel k;
  k.program = b.finish();
  k.flops = (f == ActFunc::kGeluTanh ? 8.0 : 4.0) * total;  // ops of the formula per element
  k.min_hbm_bytes = 2 * total * numerics::dtype_size(dt);
  k.reference = [fn](const TensorMap& in) {
    const auto& x = in.at("x");
    std::vector<float> y(x.size());
    for (size_t i = 0; i < x.size(); ++i) y[i] = static_cast<float>(fn(x[i]));
    return TensorMap{{"y", std::move(y)}};
  };
  // One output rounding plus the engine's function approximation (documented in docs/kernels.md).
  const double rel = dt == DType::kF32 ? 1e-5 : dt == DType::kF16 ? 2e-3 : numerics::is_fp8(dt) ? 1.3e-1 : 8e-3;
  k.tolerance["y"] = Tolerance{1e-5, rel};
  return k;
}

std::vector<ParamSpec> elementwise_params() {
  return {{"rows", true, 4096, "", "rows of x"},
          {"cols", true, 4096, "", "columns of x"},
          {"dtype", false, 0, "bf16", "dtype of x and y"}};
}

}  // namespace

KernelInfo gelu_kernel() {
  return {"gelu", "y = gelu(x), tanh approximation", elementwise_params(),
          [](const ResolvedParams& p, const hw::ChipSpec& c) {
            return build_elementwise(p, c, "gelu", ActFunc::kGeluTanh, gelu_tanh);
          }};
}

KernelInfo silu_kernel() {
  return {"silu", "y = x * sigmoid(x)", elementwise_params(),
          [](const ResolvedParams& p, const hw::ChipSpec& c) {
            return build_elementwise(p, c, "silu", ActFunc::kSilu, silu);
          }};
}

}  // namespace trnsim::kernels
