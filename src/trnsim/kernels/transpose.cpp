// transpose: Y[C, R] = X[R, C]^T (2-D).
// method=dma (default when the chip has DMA transpose and the dtype is 2 or 4 bytes): each block of
//   128 columns x up to 2048 rows goes HBM -> SBUF through dma_transpose and back out by dma_copy.
// method=pe: 128-row blocks are loaded as rows; TensorE transposes 128 x 128 pieces into PSUM
//   (fp32, exact), Vector / Scalar copy them to SBUF in the output dtype, and DMA stores them.
#include "trnsim/kernels/builder.h"
#include "trnsim/kernels/library.h"

namespace trnsim::kernels {
namespace {

constexpr int64_t kRowBlock = 2048;

BuiltKernel build_transpose(const ResolvedParams& p, const hw::ChipSpec& chip) {
  const int64_t rows = p.i("rows"), cols = p.i("cols");
  const DType dt = p.dtype("dtype");
  const std::string method_opt = p.s("method");
  require(rows > 0 && cols > 0, "transpose", "rows and cols must be positive", "e.g. rows=1024 cols=1024");
  require(method_opt == "auto" || method_opt == "dma" || method_opt == "pe", "transpose",
          "method '" + method_opt + "' is unknown", "use method=auto, dma or pe");
  const bool dma_ok = chip.dma.has_transpose && numerics::dtype_size(dt) >= 2;
  require(method_opt != "dma" || dma_ok, "transpose",
          "method=dma needs a chip with DMA transpose and a 2- or 4-byte dtype", "use method=pe");
  const bool use_dma = method_opt == "dma" || (method_opt == "auto" && dma_ok);
  const int64_t es = numerics::dtype_size(dt);
  KernelBuilder b(chip, "transpose");
  const HbmTensor X = b.input("x", dt, {rows, cols});
  const HbmTensor Y = b.output("y", dt, {cols, rows});
  const int64_t P = chip.sbuf.partitions;
  const int half = std::max(1, b.dma_queues() / 2);
  const DmaQueues loads{0, half}, stores{half, b.dma_queues() - half};
  if (use_dma) {
    std::vector<Tile> bufs;
    for (int i = 0; i < 3; ++i) bufs.push_back(b.sbuf("xt" + std::to_string(i), dt, P, std::min(rows, kRowBlock)));
    int64_t t = 0;
    for (int64_t c0 = 0; c0 < cols; c0 += P) {
      const int32_t cw = static_cast<int32_t>(std::min(P, cols - c0));
      for (int64_t r0 = 0; r0 < rows; r0 += kRowBlock, ++t) {
        const int64_t rw = std::min(kRowBlock, rows - r0);
        const AccessPattern tile = bufs[t % 3].ap(0, cw, 0, rw);
        b.dma_transpose(tile, X.rows_view(r0, rw, c0, cw), loads);
        b.dma_copy(Y.rows_view(c0, cw, r0, rw), tile, stores);
      }
    }
  } else {
    require(2 * cols * es + 8 * P * es + 1024 <= chip.sbuf.partition_bytes, "transpose",
            "rows of " + std::to_string(cols) + " elements do not fit twice in an SBUF partition",
            "transpose column blocks of the matrix separately");
    std::vector<Tile> xr, outs, ps;
    for (int i = 0; i < 2; ++i) {
      xr.push_back(b.sbuf("x_rows" + std::to_string(i), dt, P, cols));
      ps.push_back(b.psum("t_ps" + std::to_string(i), P, 4 * P));
    }
    for (int i = 0; i < 8; ++i) outs.push_back(b.sbuf("y" + std::to_string(i), dt, P, P));
    int64_t t = 0;
    for (int64_t r0 = 0, rb = 0; r0 < rows; r0 += P, ++rb) {
      const int32_t rr = static_cast<int32_t>(std::min(P, rows - r0));
      b.dma_copy(xr[rb % 2].ap(0, rr, 0, cols), X.rows_view(r0, rr, 0, cols), loads);
      for (int64_t c0 = 0; c0 < cols; c0 += P, ++t) {
        const int32_t cw = static_cast<int32_t>(std::min(P, cols - c0));
        const AccessPattern slot = ps[(t / 4) % 2].ap(0, cw, (t % 4) * P, rr);
        b.transpose(slot, xr[rb % 2].ap(0, rr, c0, cw));
        const AccessPattern out = outs[t % 8].ap(0, cw, 0, rr);
        b.tensor_copy(out, slot, on(t % 2 ? EngineKind::kScalar : EngineKind::kVector));
        b.dma_copy(Y.rows_view(c0, cw, r0, rr), out, stores);
      }
    }
  }
  BuiltKernel k;
  k.program = b.finish();
  k.flops = 0;
  k.min_hbm_bytes = 2 * rows * cols * es;
  k.reference = [rows, cols](const TensorMap& in) {
    const auto& x = in.at("x");
    std::vector<float> y(x.size());
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < cols; ++c) y[c * rows + r] = x[r * cols + c];
    }
    return TensorMap{{"y", std::move(y)}};
  };
  k.tolerance["y"] = Tolerance{0, 0};  // data movement only: bit exact
  k.notes = use_dma ? "dma_transpose" : "TensorE transpose";
  return k;
}

}  // namespace

KernelInfo transpose_kernel() {
  return {"transpose",
          "y[cols, rows] = x[rows, cols]^T",
          {{"rows", true, 1024, "", "rows of x"},
           {"cols", true, 1024, "", "columns of x"},
           {"dtype", false, 0, "bf16", "dtype of x and y"},
           {"method", false, 0, "auto", "auto, dma (dma_transpose) or pe (TensorE transpose)"}},
          build_transpose};
}

}  // namespace trnsim::kernels
