// gemm: C[M,N] = A[M,K] @ B[K,N], fp32 accumulation in PSUM. Tiling (docs/kernels.md):
// - B is resident in SBUF as a panel of K x W columns (W up to 4 PSUM banks = 2048), k-tile kt
//   (128 rows of B on partitions) at columns [kt*W, kt*W+W).
// - A is streamed as A^T blocks of K x 128 (K on partitions), rotating over NA buffers and
//   prefetched NA-1 blocks ahead; loaded with dma_transpose when the chip has it and the dtype is
//   2 or 4 bytes wide, else loaded as rows and transposed on TensorE through PSUM.
// - Small panels (W <= 1024) compute two row blocks per step, k-tile outermost, so each B k-tile
//   feeds twice the matmuls while the panel is still arriving.
// - Each 128 x W output block accumulates over all of K in W/512 PSUM banks (one accumulation
//   group per bank); blocks alternate between PSUM bank groups, so TensorE runs the next block while
//   Vector and Scalar evict this one to SBUF and the DMA queues store it.
#include <cmath>

#include "trnsim/kernels/builder.h"
#include "trnsim/kernels/library.h"

namespace trnsim::kernels {
namespace {

struct GemmPlan {
  int64_t m, n, k;
  DType in, out;
  int64_t kp, mb, chunk;  // K per matmul, M per block, N per matmul (one PSUM bank)
  int64_t kt;             // k-tiles
  int64_t width;          // B panel width W
  int64_t banks_per_block, groups, na;
  int64_t step;           // row blocks computed together (k-outer across them)
  int64_t b_buffers;      // B panels in SBUF (2: the next panel loads during this one)
  bool dma_t;             // A^T by dma_transpose (else TensorE transposes)
};

GemmPlan plan_gemm(const ResolvedParams& p, const hw::ChipSpec& chip) {
  GemmPlan g{};
  g.m = p.i("m"), g.n = p.i("n"), g.k = p.i("k");
  g.in = p.dtype("dtype"), g.out = p.dtype("out_dtype");
  const std::string name = "gemm";
  require(g.m > 0 && g.n > 0 && g.k > 0, name, "m, n and k must be positive", "e.g. m=1024 n=1024 k=1024");
  require(g.in == DType::kBF16 || g.in == DType::kF16 || numerics::is_fp8(g.in), name,
          "dtype " + std::string(numerics::dtype_name(g.in)) + " is not supported", "use dtype=bf16, f16 or fp8e4m3");
  require(g.out == DType::kBF16 || g.out == DType::kF32, name,
          "out_dtype " + std::string(numerics::dtype_name(g.out)) + " is not supported", "use out_dtype=bf16 or f32");
  g.kp = chip.tensor.rows;
  g.mb = chip.tensor.cols;
  g.chunk = std::min<int64_t>(chip.tensor.moving_fmax, chip.psum.bank_bytes() / 4);
  g.kt = ceil_div(g.k, g.kp);
  g.dma_t = chip.dma.has_transpose && numerics::dtype_size(g.in) >= 2;
  const int64_t banks = chip.psum.banks - (g.dma_t ? 0 : 2);  // 2 banks for TensorE transposes
  const int64_t es = numerics::dtype_size(g.in), oes = numerics::dtype_size(g.out);
  const int64_t mblocks = ceil_div(g.m, g.mb);
  const int64_t budget = chip.sbuf.partition_bytes - 1024;  // headroom for alignment
  const int64_t natural = g.dma_t ? 0 : 2 * g.k * es;        // row-major A blocks awaiting transposes
  const int64_t per_a = g.kt * g.mb * es;
  for (int64_t nb = std::min<int64_t>(4, banks / 2); nb >= 1; --nb) {
    g.banks_per_block = std::min<int64_t>(nb, ceil_div(g.n, g.chunk));
    g.width = std::min<int64_t>(nb * g.chunk, g.n);
    const int64_t fixed = g.kt * g.width * es + 2 * g.width * oes + natural;
    g.na = std::min<int64_t>(mblocks, std::min<int64_t>(8, (budget - fixed) / per_a));
    if (g.na >= std::min<int64_t>(2, mblocks)) break;
    require(nb > 1, name,
            "K=" + std::to_string(g.k) + " is too large: a K x 512 B panel and two A^T blocks do not fit in SBUF",
            "split K into chunks (sum the partial products), or use a chip with more SBUF");
  }
  // Resident mode: when all of A^T and two one-bank-wide B panels fit, keep A^T resident (loaded
  // once) and double-buffer narrow B panels: the first matmuls then wait only for K x 512 of B,
  // and the next panel streams in behind the current one.
  const int64_t narrow = std::min(g.chunk, g.n);
  g.b_buffers = 1;
  if (g.dma_t && g.n > narrow && mblocks * per_a + 2 * g.kt * narrow * es + 2 * narrow * oes <= budget) {
    g.width = narrow;
    g.banks_per_block = 1;
    g.na = mblocks;
    g.b_buffers = 2;
  }
  g.groups = banks / g.banks_per_block;
  // Two row blocks per step when PSUM holds two steps of them: each B k-tile then feeds twice the
  // matmuls, so the first step (which waits for the whole B panel) is no longer DMA-bound.
  g.step = g.dma_t && g.groups >= 4 && g.na >= 2 ? 2 : 1;
  return g;
}

void build_program(const GemmPlan& g, KernelBuilder& b) {
  const HbmTensor A = b.input("a", g.in, {g.m, g.k});
  const HbmTensor B = b.input("b", g.in, {g.k, g.n});
  const HbmTensor C = b.output("c", g.out, {g.m, g.n});
  const int64_t mblocks = ceil_div(g.m, g.mb), panels = ceil_div(g.n, g.width);
  const bool a_resident = g.na == mblocks;
  std::vector<Tile> bpanels;
  for (int64_t i = 0; i < g.b_buffers; ++i) {
    bpanels.push_back(b.sbuf("b_panel" + std::to_string(i), g.in, static_cast<int32_t>(g.kp), g.kt * g.width));
  }
  std::vector<Tile> at, outs, ps, anat, pst;
  for (int64_t i = 0; i < g.na; ++i) at.push_back(b.sbuf("a_t" + std::to_string(i), g.in, g.kp, g.kt * g.mb));
  for (int i = 0; i < 2; ++i) outs.push_back(b.sbuf("c_out" + std::to_string(i), g.out, g.mb, g.width));
  for (int64_t i = 0; i < g.groups; ++i) ps.push_back(b.psum("acc" + std::to_string(i), g.mb, g.banks_per_block * g.chunk));
  if (!g.dma_t) {
    for (int i = 0; i < 2; ++i) {
      anat.push_back(b.sbuf("a_rows" + std::to_string(i), g.in, g.mb, g.k));
      pst.push_back(b.psum("a_tp" + std::to_string(i), g.kp, 4 * g.mb));
    }
  }
  auto rows = [&](int64_t mbk) { return std::min(g.mb, g.m - mbk * g.mb); };
  auto krows = [&](int64_t kt) { return std::min(g.kp, g.k - kt * g.kp); };
  int64_t tcount = 0;
  // A^T of block `mbk`, k-tile kt, into its buffer.
  auto load_at = [&](int64_t mbk, int64_t kt, DmaQueues q = {}) {
    const Tile& t = at[mbk % g.na];
    const int64_t mr = rows(mbk), kr = krows(kt);
    b.dma_transpose(t.ap(0, kr, kt * g.mb, mr), A.rows_view(mbk * g.mb, mr, kt * g.kp, kr), q);
  };
  auto load_rows = [&](int64_t mbk) {
    b.dma_copy(anat[mbk % 2].ap(0, rows(mbk), 0, g.k), A.rows_view(mbk * g.mb, rows(mbk), 0, g.k));
  };
  auto pe_transpose = [&](int64_t mbk) {
    const int64_t mr = rows(mbk);
    for (int64_t kt = 0; kt < g.kt; ++kt, ++tcount) {
      const int64_t kr = krows(kt);
      const Tile& p = pst[(tcount / 4) % 2];
      const AccessPattern tp = p.ap(0, kr, (tcount % 4) * g.mb, mr);
      b.transpose(tp, anat[mbk % 2].ap(0, mr, kt * g.kp, kr));
      b.tensor_copy(at[mbk % g.na].ap(0, kr, kt * g.mb, mr), tp,
                    on(tcount % 2 ? EngineKind::kScalar : EngineKind::kVector));
    }
  };
  auto load_b = [&](int64_t np, bool with_first_a) {
    const int64_t n0 = np * g.width, w = std::min(g.width, g.n - n0);
    const Tile& bp = bpanels[np % g.b_buffers];
    // B k-tiles interleaved with the first step's A^T blocks, so the first matmuls start early.
    for (int64_t kt = 0; kt < g.kt; ++kt) {
      const DmaQueues q{};
      b.dma_copy(bp.ap(0, krows(kt), kt * g.width, w), B.rows_view(kt * g.kp, krows(kt), n0, w), q);
      if (with_first_a) {
        for (int64_t j = 0; j < std::min(g.step, mblocks); ++j) load_at(j, kt, q);
      }
    }
  };
  int64_t block = 0;
  for (int64_t np = 0; np < panels; ++np) {
    const int64_t n0 = np * g.width, w = std::min(g.width, g.n - n0);
    const int64_t chunks = ceil_div(w, g.chunk);
    const bool load_a = np == 0 || !a_resident;
    const Tile& bpanel = bpanels[np % g.b_buffers];
    if (np == 0 || g.b_buffers == 1) load_b(np, load_a && g.dma_t);
    if (load_a && !g.dma_t) {
      load_rows(0);
      pe_transpose(0);
    }
    int64_t issued = load_a ? (g.dma_t ? std::min(g.step, mblocks) : 1) : mblocks;
    int64_t nblk = 1;
    for (int64_t mbk = 0; mbk < mblocks; mbk += nblk, block += nblk) {
      // Only the first step pairs blocks; later blocks go one by one, so the last block's
      // eviction and store overlap no more than one block's work at the end.
      nblk = std::min(np == 0 && mbk == 0 ? g.step : 1, mblocks - mbk);
      const bool next_a = load_a && mbk + 1 < mblocks;
      if (g.dma_t) {
        for (; issued < std::min(mblocks, mbk + g.na); ++issued) {
          for (int64_t kt = 0; kt < g.kt; ++kt) load_at(issued, kt);
        }
      } else if (next_a) {
        load_rows(mbk + 1);
      }
      // The next B panel follows this panel's A^T loads in the DMA queues (and precedes its stores).
      if (mbk == 0 && g.b_buffers > 1 && np + 1 < panels) load_b(np + 1, false);
      for (int64_t kt = 0; kt < g.kt; ++kt) {
        const int64_t kr = krows(kt);
        for (int64_t j = 0; j < nblk; ++j) {
          const AccessPattern stat = at[(mbk + j) % g.na].ap(0, kr, kt * g.mb, rows(mbk + j));
          const Tile& acc = ps[(block + j) % g.groups];
          for (int64_t c = 0; c < chunks; ++c) {
            const int64_t cw = std::min(g.chunk, w - c * g.chunk);
            b.matmul(acc.ap(0, rows(mbk + j), c * g.chunk, cw), stat,
                     bpanel.ap(0, kr, kt * g.width + c * g.chunk, cw), kt > 0);
          }
        }
      }
      // TensorE transposes the next block right after this block's matmuls, so it never waits on
      // that block's row load ahead of useful work.
      if (!g.dma_t && next_a) pe_transpose(mbk + 1);
      for (int64_t j = 0; j < nblk; ++j) {
        const int64_t mr = rows(mbk + j);
        const Tile& acc = ps[(block + j) % g.groups];
        const Tile& out = outs[(block + j) % 2];
        for (int64_t c = 0; c < chunks; ++c) {
          const int64_t cw = std::min(g.chunk, w - c * g.chunk);
          const AccessPattern src = acc.ap(0, mr, c * g.chunk, cw), dst = out.ap(0, mr, c * g.chunk, cw);
          if ((c + j) % 2 == 0) b.tensor_copy(dst, src);
          else b.activation(dst, src, ActFunc::kCopy);
        }
        // Stores are few and end the kernel: spread them over every queue for the lowest latency.
        b.dma_copy(C.rows_view((mbk + j) * g.mb, mr, n0, w), out.ap(0, mr, 0, w), DmaQueues{0, 0, true, true});
      }
    }
  }
}

BuiltKernel build_gemm(const ResolvedParams& p, const hw::ChipSpec& chip) {
  const GemmPlan g = plan_gemm(p, chip);
  KernelBuilder b(chip, "gemm");
  build_program(g, b);
  BuiltKernel k;
  k.program = b.finish();
  k.flops = 2.0 * g.m * g.n * g.k;
  k.min_hbm_bytes = (g.m * g.k + g.k * g.n) * numerics::dtype_size(g.in) + g.m * g.n * numerics::dtype_size(g.out);
  const int64_t m = g.m, n = g.n, kk = g.k;
  k.reference = [m, n, kk](const TensorMap& in) {
    const auto& a = in.at("a");
    const auto& bm = in.at("b");
    std::vector<double> acc(static_cast<size_t>(m * n), 0.0);
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t l = 0; l < kk; ++l) {
        const double av = a[i * kk + l];
        const float* brow = &bm[l * n];
        double* crow = &acc[i * n];
        for (int64_t j = 0; j < n; ++j) crow[j] += av * brow[j];
      }
    }
    return TensorMap{{"c", std::vector<float>(acc.begin(), acc.end())}};
  };
  // Error sources: fp32 accumulation order (~K x 2^-24 relative) and the output rounding
  // (2^-9 relative for bf16). Sums of K products of values in [-1, 1] reach ~sqrt(K)/3.
  const double scale = std::sqrt(static_cast<double>(g.k));
  k.tolerance["c"] = g.out == DType::kF32 ? Tolerance{1e-5 * scale, 1e-5} : Tolerance{4e-3 * scale, 8e-3};
  k.notes = std::to_string(g.b_buffers) + " B panel(s) " + std::to_string(g.kt * g.kp) + "x" + std::to_string(g.width) + ", " +
            std::to_string(g.na) + " A^T buffers (" + (g.dma_t ? "dma_transpose" : "TensorE transpose") + "), " +
            std::to_string(g.groups) + " PSUM groups of " + std::to_string(g.banks_per_block) + " banks";
  return k;
}

}  // namespace

KernelInfo gemm_kernel() {
  return {"gemm",
          "C[M,N] = A[M,K] @ B[K,N]; inputs a, b; output c",
          {{"m", true, 1024, "", "rows of A and C"},
           {"n", true, 1024, "", "columns of B and C"},
           {"k", true, 1024, "", "columns of A, rows of B"},
           {"dtype", false, 0, "bf16", "input dtype: bf16, f16 or fp8e4m3"},
           {"out_dtype", false, 0, "bf16", "output dtype: bf16 or f32"}},
          build_gemm};
}

}  // namespace trnsim::kernels
