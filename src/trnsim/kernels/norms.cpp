// rmsnorm and layernorm over the rows of X[R, C], with gamma (and beta) [C] from HBM broadcast to
// every partition once, in the tile dtype. Per 128-row tile (rows on partitions), rotating over up
// to 6 buffers, loads on half the DMA queues and stores on the other half:
//   rmsnorm:   Scalar square-and-sum of tile t+1 (scale 1/sqrt(C) folds the mean in); Vector
//              (ms+eps)^-1/2 and (x * rstd) * gamma of tile t in one scalar_tensor_tensor.
//   layernorm: Vector bn_stats per 512-column chunk, bn_aggr, rstd and -mean*rstd of tile t+1;
//              Scalar x*rstd - mean*rstd of tile t; GpSimd * gamma and most of + beta, Vector the
//              rest of + beta (see docs/kernels.md for the balance).
#include <algorithm>
#include <cmath>

#include "trnsim/kernels/builder.h"
#include "trnsim/kernels/library.h"

namespace trnsim::kernels {
namespace {

constexpr int64_t kBnStatsFmax = 512;  // bn_stats free-size limit (hardware-facts 3.1)

struct NormShape {
  int64_t rows, cols;
  DType dt;
  double eps;
};

// fixed_bytes_per_col: bytes per partition per column of the tiles other than the rotating x
// buffers (gamma, beta, scratch); at least two x buffers must fit beside them.
NormShape norm_shape(const ResolvedParams& p, const hw::ChipSpec& chip, int64_t fixed_bytes_per_col) {
  NormShape s{p.i("rows"), p.i("cols"), p.dtype("dtype"), parse_double_option(p, "eps")};
  require(s.rows > 0 && s.cols > 0, p.kernel(), "rows and cols must be positive", "e.g. rows=4096 cols=4096");
  require(s.dt == DType::kBF16 || s.dt == DType::kF16 || s.dt == DType::kF32, p.kernel(),
          "dtype " + std::string(numerics::dtype_name(s.dt)) + " is not supported", "use dtype=bf16, f16 or f32");
  const int64_t need = (fixed_bytes_per_col + 2 * numerics::dtype_size(s.dt)) * s.cols + 1024 + 128;
  require(need <= chip.sbuf.partition_bytes, p.kernel(),
          "rows of " + std::to_string(s.cols) + " elements do not fit in one SBUF partition with their buffers",
          "use fewer columns");
  return s;
}

// Rotating x buffers: as many as fit (up to 6) after `fixed` bytes per partition, so loads run
// several tiles ahead of the stores.
int64_t norm_buffers(const hw::ChipSpec& chip, int64_t fixed_bytes, int64_t per_buffer) {
  return std::clamp<int64_t>((chip.sbuf.partition_bytes - 1024 - fixed_bytes) / per_buffer, 2, 6);
}

double norm_tolerance(DType dt) { return dt == DType::kF32 ? 1e-4 : (dt == DType::kF16 ? 4e-3 : 2.4e-2); }

BuiltKernel build_rmsnorm(const ResolvedParams& p, const hw::ChipSpec& chip) {
  const NormShape s = norm_shape(p, chip, 2 * numerics::dtype_size(p.dtype("dtype")));
  KernelBuilder b(chip, "rmsnorm");
  const HbmTensor X = b.input("x", s.dt, {s.rows, s.cols});
  const HbmTensor G = b.input("gamma", s.dt, {s.cols});
  const HbmTensor Y = b.output("y", s.dt, {s.rows, s.cols});
  const int32_t P = chip.sbuf.partitions;
  const int64_t es = numerics::dtype_size(s.dt);
  // gamma stays in the tile dtype (exact: it comes from HBM in that dtype), so the Vector
  // (x * rstd) * gamma pass has only 16-bit operands and runs at 1 element per cycle, not 2.
  const Tile gamma = b.sbuf("gamma", s.dt, P, s.cols);
  // The squares are thrown away; a 16-bit junk tile keeps Scalar's write stream cheap.
  const Tile junk = b.sbuf("squares", s.dt, P, s.cols);
  b.dma_copy(gamma.ap(), G.broadcast_row(P, 0, s.cols));
  const int64_t nbuf = norm_buffers(chip, 2 * s.cols * es, s.cols * es + 64);
  std::vector<Tile> xs, st;
  for (int64_t i = 0; i < nbuf; ++i) {
    xs.push_back(b.sbuf("x" + std::to_string(i), s.dt, P, s.cols));
    st.push_back(b.sbuf("ms" + std::to_string(i), DType::kF32, P, 2));  // mean square, rstd
  }
  const int half = std::max(1, b.dma_queues() / 2);
  const DmaQueues loads{0, half}, stores{half, b.dma_queues() - half};
  const float inv_sqrt_c = static_cast<float>(1.0 / std::sqrt(static_cast<double>(s.cols)));
  const int64_t tiles = ceil_div(s.rows, P);
  auto rows_of = [&](int64_t t) { return static_cast<int32_t>(std::min<int64_t>(P, s.rows - t * P)); };
  auto load = [&](int64_t t) {
    b.dma_copy(xs[t % nbuf].ap(0, rows_of(t), 0, s.cols), X.rows_view(t * P, rows_of(t), 0, s.cols), loads);
  };
  // Scalar: mean square of tile t (scale 1/sqrt(C) folds the mean in).
  auto mean_square = [&](int64_t t) {
    const int32_t rr = rows_of(t);
    b.activation_reduce(junk.ap(0, rr, 0, s.cols), xs[t % nbuf].ap(0, rr, 0, s.cols), ActFunc::kSquare,
                        st[t % nbuf].col(0, rr), {}, imm(inv_sqrt_c));
  };
  for (int64_t t = 0; t < std::min(tiles, nbuf - 1); ++t) load(t);
  if (tiles > 0) mean_square(0);
  for (int64_t t = 0; t < tiles; ++t) {
    if (t + nbuf - 1 < tiles) load(t + nbuf - 1);
    const int32_t rr = rows_of(t);
    const AccessPattern x = xs[t % nbuf].ap(0, rr, 0, s.cols);
    const Tile& m = st[t % nbuf];
    // Software pipelining: Scalar squares the next tile while Vector scales this one.
    if (t + 1 < tiles) mean_square(t + 1);
    b.tensor_scalar(m.col(1, rr), m.col(0, rr), AluOp::kAdd, imm(static_cast<float>(s.eps)), AluOp::kPow, imm(-0.5f));
    b.scalar_tensor_tensor(x, x, AluOp::kMultiply, per_partition(m.col(1, rr)), AluOp::kMultiply,
                           gamma.ap(0, rr, 0, s.cols));
    DmaQueues q = stores;
    if (t == tiles - 1) q = DmaQueues{0, 0, true, true};  // the last store: every queue, lowest latency
    b.dma_copy(Y.rows_view(t * P, rr, 0, s.cols), x, q);
  }
  BuiltKernel k;
  k.program = b.finish();
  k.flops = 4.0 * s.rows * s.cols;  // square, sum, two multiplies
  k.min_hbm_bytes = (2 * s.rows * s.cols + s.cols) * es;
  const NormShape sh = s;
  k.reference = [sh](const TensorMap& in) {
    const auto& x = in.at("x");
    const auto& g = in.at("gamma");
    std::vector<float> y(x.size());
    for (int64_t r = 0; r < sh.rows; ++r) {
      double ss = 0;
      for (int64_t c = 0; c < sh.cols; ++c) ss += double(x[r * sh.cols + c]) * x[r * sh.cols + c];
      const double rstd = 1.0 / std::sqrt(ss / sh.cols + sh.eps);
      for (int64_t c = 0; c < sh.cols; ++c) y[r * sh.cols + c] = static_cast<float>(x[r * sh.cols + c] * rstd * g[c]);
    }
    return TensorMap{{"y", std::move(y)}};
  };
  k.tolerance["y"] = Tolerance{1e-3, norm_tolerance(s.dt)};
  return k;
}

BuiltKernel build_layernorm(const ResolvedParams& p, const hw::ChipSpec& chip) {
  const NormShape s = norm_shape(p, chip, 2 * numerics::dtype_size(p.dtype("dtype")));
  KernelBuilder b(chip, "layernorm");
  const HbmTensor X = b.input("x", s.dt, {s.rows, s.cols});
  const HbmTensor G = b.input("gamma", s.dt, {s.cols});
  const HbmTensor Bt = b.input("beta", s.dt, {s.cols});
  const HbmTensor Y = b.output("y", s.dt, {s.rows, s.cols});
  const int32_t P = chip.sbuf.partitions;
  const int64_t es = numerics::dtype_size(s.dt);
  // gamma and beta stay in the tile dtype (exact), so their passes have 16-bit operands only.
  const Tile gamma = b.sbuf("gamma", s.dt, P, s.cols);
  const Tile beta = b.sbuf("beta", s.dt, P, s.cols);
  b.dma_copy(gamma.ap(), G.broadcast_row(P, 0, s.cols));
  b.dma_copy(beta.ap(), Bt.broadcast_row(P, 0, s.cols));
  const int64_t chunks = ceil_div(s.cols, kBnStatsFmax);
  const int64_t nbuf = norm_buffers(chip, 2 * s.cols * es, s.cols * es + 12 * chunks + 64);
  std::vector<Tile> xs, stats, mv;
  for (int64_t i = 0; i < nbuf; ++i) {
    xs.push_back(b.sbuf("x" + std::to_string(i), s.dt, P, s.cols));
    stats.push_back(b.sbuf("bn" + std::to_string(i), DType::kF32, P, 3 * chunks));
    mv.push_back(b.sbuf("mv" + std::to_string(i), DType::kF32, P, 4));  // mean, var, rstd, -mean*rstd
  }
  const int half = std::max(1, b.dma_queues() / 2);
  const DmaQueues loads{0, half}, stores{half, b.dma_queues() - half};
  const int64_t tiles = ceil_div(s.rows, P);
  auto rows_of = [&](int64_t t) { return static_cast<int32_t>(std::min<int64_t>(P, s.rows - t * P)); };
  auto load = [&](int64_t t) {
    b.dma_copy(xs[t % nbuf].ap(0, rows_of(t), 0, s.cols), X.rows_view(t * P, rows_of(t), 0, s.cols), loads);
  };
  // Vector: mean and variance (bn_stats per 512 columns, bn_aggr), rstd and -mean*rstd.
  auto moments = [&](int64_t t) {
    const int32_t rr = rows_of(t);
    const Tile& m = mv[t % nbuf];
    for (int64_t c = 0; c < chunks; ++c) {
      const int64_t w = std::min(kBnStatsFmax, s.cols - c * kBnStatsFmax);
      b.bn_stats(stats[t % nbuf].ap(0, rr, 3 * c, 3), xs[t % nbuf].ap(0, rr, c * kBnStatsFmax, w));
    }
    b.bn_aggr(m.ap(0, rr, 0, 2), stats[t % nbuf].ap(0, rr, 0, 3 * chunks));
    b.tensor_scalar(m.col(2, rr), m.col(1, rr), AluOp::kAdd, imm(static_cast<float>(s.eps)), AluOp::kPow, imm(-0.5f));
    b.tensor_scalar(m.col(3, rr), m.col(0, rr), AluOp::kMultiply, per_partition(m.col(2, rr)), AluOp::kMultiply,
                    imm(-1.0f));
  };
  // The beta add is split: GpSimd (1.2 GHz) takes the first columns after its gamma pass, Vector
  // (0.96 GHz, already busy with the moments) the rest, so neither outlasts a tile's DMA time.
  const int64_t vec_cols = std::min<int64_t>(s.cols, s.cols / 5);
  const int64_t gp_cols = s.cols - vec_cols;
  for (int64_t t = 0; t < std::min(tiles, nbuf - 1); ++t) load(t);
  if (tiles > 0) moments(0);
  for (int64_t t = 0; t < tiles; ++t) {
    if (t + nbuf - 1 < tiles) load(t + nbuf - 1);
    const int32_t rr = rows_of(t);
    const Tile& xt = xs[t % nbuf];
    const Tile& m = mv[t % nbuf];
    const AccessPattern x = xt.ap(0, rr, 0, s.cols);
    // Scalar: x = x * rstd - mean * rstd, in place.
    b.activation(x, x, ActFunc::kIdentity, m.col(3, rr), per_partition(m.col(2, rr)));
    // Software pipelining: Vector takes the next tile's moments while the others finish this one.
    if (t + 1 < tiles) moments(t + 1);
    const EngineId gp = on(EngineKind::kGpSimd);
    b.tensor_tensor(x, x, gamma.ap(0, rr, 0, s.cols), AluOp::kMultiply, gp);
    if (gp_cols > 0) {
      b.tensor_tensor(xt.ap(0, rr, 0, gp_cols), xt.ap(0, rr, 0, gp_cols), beta.ap(0, rr, 0, gp_cols), AluOp::kAdd, gp);
    }
    if (vec_cols > 0) {
      b.tensor_tensor(xt.ap(0, rr, gp_cols, vec_cols), xt.ap(0, rr, gp_cols, vec_cols),
                      beta.ap(0, rr, gp_cols, vec_cols), AluOp::kAdd);
    }
    DmaQueues q = stores;
    if (t == tiles - 1) q = DmaQueues{0, 0, true, true};  // the last store: every queue, lowest latency
    b.dma_copy(Y.rows_view(t * P, rr, 0, s.cols), x, q);
  }
  BuiltKernel k;
  k.program = b.finish();
  k.flops = 8.0 * s.rows * s.cols;  // mean, variance (2), normalise (2), scale, shift, ~1 more
  k.min_hbm_bytes = (2 * s.rows * s.cols + 2 * s.cols) * es;
  const NormShape sh = s;
  k.reference = [sh](const TensorMap& in) {
    const auto& x = in.at("x");
    const auto& g = in.at("gamma");
    const auto& be = in.at("beta");
    std::vector<float> y(x.size());
    for (int64_t r = 0; r < sh.rows; ++r) {
      double sum = 0, sq = 0;
      for (int64_t c = 0; c < sh.cols; ++c) sum += x[r * sh.cols + c];
      const double mean = sum / sh.cols;
      for (int64_t c = 0; c < sh.cols; ++c) sq += (x[r * sh.cols + c] - mean) * (x[r * sh.cols + c] - mean);
      const double rstd = 1.0 / std::sqrt(sq / sh.cols + sh.eps);
      for (int64_t c = 0; c < sh.cols; ++c) {
        y[r * sh.cols + c] = static_cast<float>((x[r * sh.cols + c] - mean) * rstd * g[c] + be[c]);
      }
    }
    return TensorMap{{"y", std::move(y)}};
  };
  // x-hat and x-hat * gamma are rounded to the tile dtype before beta is added (16-bit passes run
  // at twice the rate), so where beta cancels x-hat * gamma the error is absolute: three roundings
  // of 2^-9 (bf16) / 2^-12 (f16) of values up to ~2.
  const double abs_tol = s.dt == DType::kBF16 ? 2e-2 : (s.dt == DType::kF16 ? 4e-3 : 2e-3);
  k.tolerance["y"] = Tolerance{abs_tol, norm_tolerance(s.dt)};
  return k;
}

std::vector<ParamSpec> norm_params() {
  return {{"rows", true, 4096, "", "rows of x"},
          {"cols", true, 4096, "", "columns of x (the normalised axis)"},
          {"dtype", false, 0, "bf16", "dtype of x, gamma, beta and y: bf16, f16 or f32"},
          {"eps", false, 0, "1e-5", "added to the mean square / variance"}};
}

}  // namespace

KernelInfo rmsnorm_kernel() {
  return {"rmsnorm", "y = x / sqrt(mean(x^2) + eps) * gamma over each row", norm_params(), build_rmsnorm};
}

KernelInfo layernorm_kernel() {
  return {"layernorm", "y = (x - mean) / sqrt(var + eps) * gamma + beta over each row", norm_params(),
          build_layernorm};
}

}  // namespace trnsim::kernels
