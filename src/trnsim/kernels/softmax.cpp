// softmax over the rows of X[R, C]. Per tile of 128 rows (rows on partitions, a whole row per
// partition): load; Vector: negated row max; Scalar: exp(x - max) in place with the row sums
// accumulated (activation_reduce); Vector: 1/sum and the in-place multiply; store. Three rotating
// tiles let load, compute and store of neighbouring tiles overlap; loads use DMA queues 0..Q/2-1
// and stores the rest, so a store waiting for compute never blocks the next load in its queue.
#include <cmath>

#include "trnsim/kernels/builder.h"
#include "trnsim/kernels/library.h"

namespace trnsim::kernels {
namespace {

BuiltKernel build_softmax(const ResolvedParams& p, const hw::ChipSpec& chip) {
  const int64_t rows = p.i("rows"), cols = p.i("cols");
  const DType dt = p.dtype("dtype");
  require(rows > 0 && cols > 0, "softmax", "rows and cols must be positive", "e.g. rows=4096 cols=4096");
  require(dt == DType::kBF16 || dt == DType::kF16 || dt == DType::kF32, "softmax",
          "dtype " + std::string(numerics::dtype_name(dt)) + " is not supported", "use dtype=bf16, f16 or f32");
  const int64_t es = numerics::dtype_size(dt);
  // Rotating buffers: as many as fit up to 6, so loads run several tiles ahead of the stores.
  const int64_t nbuf = std::min<int64_t>(6, (chip.sbuf.partition_bytes - 1024) / (cols * es + 64));
  require(nbuf >= 2, "softmax",
          "a row of " + std::to_string(cols) + " elements does not fit twice in one SBUF partition",
          "use at most " + std::to_string((chip.sbuf.partition_bytes - 1024) / (2 * es) - 64) + " columns");
  KernelBuilder b(chip, "softmax");
  const HbmTensor X = b.input("x", dt, {rows, cols});
  const HbmTensor Y = b.output("y", dt, {rows, cols});
  const int32_t P = chip.sbuf.partitions;
  std::vector<Tile> xs, stats, negmax;
  for (int64_t i = 0; i < nbuf; ++i) {
    xs.push_back(b.sbuf("x" + std::to_string(i), dt, P, cols));
    stats.push_back(b.sbuf("stats" + std::to_string(i), DType::kF32, P, 2));  // sum, 1/sum
    // The max of values of the tile dtype is exact in that dtype, and a 16-bit destination keeps
    // tensor_reduce at its 2-elements-per-cycle rate.
    negmax.push_back(b.sbuf("negmax" + std::to_string(i), dt, P, 1));
  }
  const int half = std::max(1, b.dma_queues() / 2);
  const DmaQueues loads{0, half}, stores{half, b.dma_queues() - half};
  const int64_t tiles = ceil_div(rows, P);
  auto load = [&](int64_t t) {
    const int32_t rr = static_cast<int32_t>(std::min<int64_t>(P, rows - t * P));
    b.dma_copy(xs[t % nbuf].ap(0, rr, 0, cols), X.rows_view(t * P, rr, 0, cols), loads);
  };
  auto rows_of = [&](int64_t t) { return static_cast<int32_t>(std::min<int64_t>(P, rows - t * P)); };
  auto row_max = [&](int64_t t) {
    b.tensor_reduce(negmax[t % nbuf].col(0, rows_of(t)), xs[t % nbuf].ap(0, rows_of(t), 0, cols), AluOp::kMax,
                    /*negate=*/true);
  };
  for (int64_t t = 0; t < std::min(tiles, nbuf - 1); ++t) load(t);
  if (tiles > 0) row_max(0);
  for (int64_t t = 0; t < tiles; ++t) {
    if (t + nbuf - 1 < tiles) load(t + nbuf - 1);
    const int32_t rr = rows_of(t);
    const Tile& s = stats[t % nbuf];
    const AccessPattern xa = xs[t % nbuf].ap(0, rr, 0, cols);
    b.activation_reduce(xa, xa, ActFunc::kExp, s.col(0, rr), negmax[t % nbuf].col(0, rr));
    // Software pipelining: Vector takes the next tile's max while Scalar computes this tile's exp
    // (each engine runs its instructions in program order).
    if (t + 1 < tiles) row_max(t + 1);
    b.reciprocal(s.col(1, rr), s.col(0, rr));
    b.tensor_scalar(xa, xa, AluOp::kMultiply, per_partition(s.col(1, rr)));
    b.dma_copy(Y.rows_view(t * P, rr, 0, cols), xa, stores);
  }
  BuiltKernel k;
  k.program = b.finish();
  k.flops = 5.0 * rows * cols;  // max, subtract, exp, sum, multiply per element
  k.min_hbm_bytes = 2 * rows * cols * es;
  k.reference = [rows, cols](const TensorMap& in) {
    const auto& x = in.at("x");
    std::vector<float> y(x.size());
    for (int64_t r = 0; r < rows; ++r) {
      const float* xr = &x[r * cols];
      double mx = xr[0], sum = 0;
      for (int64_t c = 0; c < cols; ++c) mx = std::max<double>(mx, xr[c]);
      for (int64_t c = 0; c < cols; ++c) sum += std::exp(xr[c] - mx);
      for (int64_t c = 0; c < cols; ++c) y[r * cols + c] = static_cast<float>(std::exp(xr[c] - mx) / sum);
    }
    return TensorMap{{"y", std::move(y)}};
  };
  // The exponentials are rounded to the tile dtype before the multiply, then the result again:
  // two roundings of 2^-9 (bf16) or 2^-12 (f16) relative each.
  const double rel = dt == DType::kF32 ? 1e-5 : (dt == DType::kF16 ? 2e-3 : 1.6e-2);
  k.tolerance["y"] = Tolerance{1e-7, rel};
  k.notes = std::to_string(tiles) + " tiles of 128 rows, " + std::to_string(nbuf) + " rotating buffers";
  return k;
}

}  // namespace

KernelInfo softmax_kernel() {
  return {"softmax",
          "y = softmax(x) over each row of x[rows, cols]",
          {{"rows", true, 4096, "", "rows of x"},
           {"cols", true, 4096, "", "columns of x (the softmax axis)"},
           {"dtype", false, 0, "bf16", "dtype of x and y: bf16, f16 or f32"}},
          build_softmax};
}

}  // namespace trnsim::kernels
