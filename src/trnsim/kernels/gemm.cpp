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

// A run of K rows consumed by one matmul: h rows on partitions, or with double_row (fp8 on chips
// that have it) 2h rows, K row k0 + r*h + p in partition p of row pair r.
struct KSeg {
  int64_t k0, h;
  bool dbl;
};

struct GemmPlan {
  int64_t m, n, k;
  DType in, out;
  int64_t kp, mb, chunk;  // K per matmul, M per block, N per matmul (one PSUM bank)
  int64_t kt;             // k-tiles (segments of K, one matmul each)
  std::vector<KSeg> segs;
  int64_t rpk;            // row pairs per k-tile in the tile layouts: 2 with double_row, else 1
  int64_t width;          // B panel width W
  int64_t banks_per_block, groups, na;
  int64_t step;           // row blocks computed together (k-outer across them)
  int64_t b_buffers;      // B panels in SBUF (2: the next panel loads during this one)
  bool dma_t;             // A^T by dma_transpose (else TensorE transposes)
  int64_t tbanks;         // PSUM banks for TensorE transposes
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
  // fp8 double-row: K = 2 x 128 per matmul at the bf16 rate (docs/isa.md rule 13). A last run of
  // 129..255 rows is split evenly over the two row pairs (plus one single row when odd), so no
  // matmul computes padding.
  const bool dbl = numerics::is_fp8(g.in) && chip.tensor.fp8_double_row;
  int64_t k0 = 0;
  while (dbl && g.k - k0 > g.kp) {
    const int64_t h = std::min(g.kp, (g.k - k0) / 2);
    g.segs.push_back({k0, h, true});
    k0 += 2 * h;
  }
  for (; k0 < g.k; k0 += g.kp) g.segs.push_back({k0, std::min(g.kp, g.k - k0), false});
  g.kt = static_cast<int64_t>(g.segs.size());
  g.rpk = dbl ? 2 : 1;
  g.dma_t = chip.dma.has_transpose && numerics::dtype_size(g.in) >= 2;
  const int64_t banks = chip.psum.banks - (g.dma_t ? 0 : 2);  // at least 2 banks for TensorE transposes
  const int64_t es = numerics::dtype_size(g.in), oes = numerics::dtype_size(g.out);
  const int64_t mblocks = ceil_div(g.m, g.mb);
  const int64_t budget = chip.sbuf.partition_bytes - 1024;  // headroom for alignment
  const int64_t natural = g.dma_t ? 0 : 3 * g.k * es;        // row-major A blocks awaiting transposes
  const int64_t per_a = g.kt * g.rpk * g.mb * es;
  for (int64_t nb = std::min<int64_t>(4, banks / 2); nb >= 1; --nb) {
    g.banks_per_block = std::min<int64_t>(nb, ceil_div(g.n, g.chunk));
    g.width = std::min<int64_t>(nb * g.chunk, g.n);
    const int64_t fixed = g.kt * g.rpk * g.width * es + 2 * g.width * oes + natural;
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
  // fp8 takes it too: its A^T comes from TensorE transposes, which a resident A^T does only once.
  if ((g.dma_t || dbl) && g.n > narrow &&
      mblocks * per_a + 2 * g.kt * g.rpk * narrow * es + 2 * narrow * oes + natural <= budget) {
    g.width = narrow;
    g.banks_per_block = 1;
    g.na = mblocks;
    g.b_buffers = 2;
  }
  // A resident A^T with one-bank blocks needs few accumulation groups: give TensorE transposes 4
  // banks, so a block's 32+ transposes run ahead of their PSUM -> SBUF copies.
  g.tbanks = g.dma_t ? 0 : 2;
  if (!g.dma_t && g.b_buffers == 2) g.tbanks = 4;
  g.groups = (chip.psum.banks - g.tbanks) / g.banks_per_block;
  // Two row blocks per step when PSUM holds two steps of them: each B k-tile then feeds twice the
  // matmuls, so the first step (which waits for the whole B panel) is no longer DMA-bound.
  g.step = g.dma_t && g.groups >= 4 && g.na >= 2 ? 2 : 1;
  return g;
}

// A contiguous [P, nr*n] pattern seen as [P, nr, n] (row pair outermost) when nr == 2.
AccessPattern row_pairs(AccessPattern ap, int64_t nr, int64_t n) {
  if (nr == 2) {
    ap.num_free = 2;
    ap.free[0] = {2, n};
    ap.free[1] = {n, 1};
  }
  return ap;
}

void build_program(const GemmPlan& g, KernelBuilder& b) {
  const HbmTensor A = b.input("a", g.in, {g.m, g.k});
  const HbmTensor B = b.input("b", g.in, {g.k, g.n});
  const HbmTensor C = b.output("c", g.out, {g.m, g.n});
  const int64_t mblocks = ceil_div(g.m, g.mb), panels = ceil_div(g.n, g.width);
  const bool a_resident = g.na == mblocks;
  std::vector<Tile> bpanels;
  for (int64_t i = 0; i < g.b_buffers; ++i) {
    bpanels.push_back(b.sbuf("b_panel" + std::to_string(i), g.in, static_cast<int32_t>(g.kp), g.kt * g.rpk * g.width));
  }
  std::vector<Tile> at, outs, ps, anat, pst;
  for (int64_t i = 0; i < g.na; ++i) at.push_back(b.sbuf("a_t" + std::to_string(i), g.in, g.kp, g.kt * g.rpk * g.mb));
  for (int i = 0; i < 2; ++i) outs.push_back(b.sbuf("c_out" + std::to_string(i), g.out, g.mb, g.width));
  for (int64_t i = 0; i < g.groups; ++i) ps.push_back(b.psum("acc" + std::to_string(i), g.mb, g.banks_per_block * g.chunk));
  if (!g.dma_t) {
    for (int i = 0; i < 3; ++i) anat.push_back(b.sbuf("a_rows" + std::to_string(i), g.in, g.mb, g.k));
    for (int64_t i = 0; i < g.tbanks; ++i) {
      pst.push_back(b.psum("a_tp" + std::to_string(i), g.kp, 4 * g.mb));
    }
  }
  auto rows = [&](int64_t mbk) { return std::min(g.mb, g.m - mbk * g.mb); };
  auto krows = [&](int64_t kt) { return g.segs[kt].h; };
  auto pairs = [&](int64_t kt) -> int64_t { return g.segs[kt].dbl ? 2 : 1; };
  int64_t tcount = 0;
  // A^T of block `mbk`, k-tile kt, into its buffer.
  auto load_at = [&](int64_t mbk, int64_t kt, DmaQueues q = {}) {
    const Tile& t = at[mbk % g.na];
    const int64_t mr = rows(mbk), kr = krows(kt);
    b.dma_transpose(t.ap(0, kr, kt * g.mb, mr), A.rows_view(mbk * g.mb, mr, g.segs[kt].k0, kr), q);
  };
  auto load_rows = [&](int64_t mbk) {
    b.dma_copy(anat[mbk % 3].ap(0, rows(mbk), 0, g.k), A.rows_view(mbk * g.mb, rows(mbk), 0, g.k));
  };
  // TensorE transposes 128 x 128 pieces of A into PSUM; Vector and Scalar copy them to the A^T
  // buffer. Up to 4 pieces that fill one PSUM bank and land side by side in A^T share one copy
  // (a copy's fixed cost is about a piece's worth of elements, so single copies fall behind).
  struct PendingCopy {
    int64_t slot0 = 0, n = 0, dst_col = 0, kr = 0, mbk = 0;
    const Tile* psum = nullptr;
  } pend;
  int64_t copies = 0;
  auto flush = [&]() {
    if (pend.n == 0) return;
    const int64_t mr = rows(pend.mbk), w = (pend.n - 1) * g.mb + mr;
    // Scalar's clock is faster and Vector also evicts results: Scalar takes 2 copies in 3.
    b.tensor_copy(at[pend.mbk % g.na].ap(0, pend.kr, pend.dst_col, w), pend.psum->ap(0, pend.kr, pend.slot0 * g.mb, w),
                  on(copies % 3 == 1 ? EngineKind::kVector : EngineKind::kScalar));
    ++copies;
    pend.n = 0;
  };
  auto pe_transpose_kt = [&](int64_t mbk, int64_t kt) {
    const int64_t mr = rows(mbk);
    {
      const int64_t kr = krows(kt);
      // Row pair r of a double-row k-tile sits at column r * mr: the stationary's (2:M, M:1) layout.
      for (int64_t r = 0; r < pairs(kt); ++r, ++tcount) {
        const Tile& p = pst[(tcount / 4) % g.tbanks];
        const int64_t slot = tcount % 4, dst_col = kt * g.rpk * g.mb + r * mr;
        if (pend.n > 0 && (slot == 0 || mr != g.mb || kr != pend.kr || dst_col != pend.dst_col + pend.n * g.mb)) {
          flush();
        }
        b.transpose(p.ap(0, kr, slot * g.mb, mr), anat[mbk % 3].ap(0, mr, g.segs[kt].k0 + r * kr, kr));
        if (pend.n == 0) pend = PendingCopy{slot, 0, dst_col, kr, mbk, &p};
        ++pend.n;
      }
    }
  };
  auto pe_transpose = [&](int64_t mbk) {
    for (int64_t kt = 0; kt < g.kt; ++kt) pe_transpose_kt(mbk, kt);
    flush();
  };
  // Double-row layout of B k-tile kt: chunk c (one matmul's N columns) at column
  // kt*2W + c*2*chunk, its row pairs side by side, [P, 2, N]: the moving's (2:N, N:1). One DMA
  // covers all full chunks (the HBM side walks chunk, row pair, column), one more the last chunk.
  auto load_b_pairs = [&](const Tile& bp, int64_t kt, int64_t n0, int64_t w) {
    const KSeg& sg = g.segs[kt];
    const int64_t nr = pairs(kt), full = w / g.chunk, tail = w - full * g.chunk;
    auto one = [&](int64_t c0, int64_t nch, int64_t cw) {
      AccessPattern dst = bp.ap(0, static_cast<int32_t>(sg.h), kt * 2 * g.width + c0 * 2 * g.chunk, nch * 2 * cw);
      dst.num_free = 2;
      dst.free[0] = {nch, 2 * cw};
      dst.free[1] = {nr * cw, 1};
      AccessPattern src = B.rows_view(sg.k0, sg.h, n0 + c0 * g.chunk, cw);
      src.num_free = 3;
      src.free[0] = {nch, cw};
      src.free[1] = {nr, sg.h * g.n};
      src.free[2] = {cw, 1};
      b.dma_copy(dst, src);
    };
    if (full > 0) one(0, full, g.chunk);
    if (tail > 0) one(full, 1, tail);
  };
  auto load_b = [&](int64_t np, bool with_first_a) {
    const int64_t n0 = np * g.width, w = std::min(g.width, g.n - n0);
    const Tile& bp = bpanels[np % g.b_buffers];
    // B k-tiles interleaved with the first step's A^T blocks, so the first matmuls start early.
    for (int64_t kt = 0; kt < g.kt; ++kt) {
      const DmaQueues q{};
      if (g.rpk == 1) {
        b.dma_copy(bp.ap(0, krows(kt), kt * g.width, w), B.rows_view(g.segs[kt].k0, krows(kt), n0, w), q);
      } else {
        load_b_pairs(bp, kt, n0, w);
      }
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
      // Row blocks load two ahead: block i+1's transposes run among block i's matmuls.
      load_rows(0);
      if (mblocks > 1) load_rows(1);
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
      } else if (load_a && mbk + 2 < mblocks) {
        load_rows(mbk + 2);
      }
      // The next B panel follows this panel's A^T loads in the DMA queues (and precedes its stores).
      if (mbk == 0 && g.b_buffers > 1 && np + 1 < panels) load_b(np + 1, false);
      for (int64_t kt = 0; kt < g.kt; ++kt) {
        const int64_t kr = krows(kt);
        for (int64_t j = 0; j < nblk; ++j) {
          const int64_t mr = rows(mbk + j), nr = pairs(kt);
          const AccessPattern stat = row_pairs(at[(mbk + j) % g.na].ap(0, kr, kt * g.rpk * g.mb, nr * mr), nr, mr);
          const Tile& acc = ps[(block + j) % g.groups];
          for (int64_t c = 0; c < chunks; ++c) {
            const int64_t cw = std::min(g.chunk, w - c * g.chunk);
            const AccessPattern mov =
                row_pairs(bpanel.ap(0, kr, kt * g.rpk * g.width + c * g.rpk * g.chunk, nr * cw), nr, cw);
            b.matmul(acc.ap(0, mr, c * g.chunk, cw), stat, mov, kt > 0, nr == 2);
          }
        }
        // TensorE transposes the next block's k-tile kt right after this block's: the copies to
        // SBUF drain while the matmuls run, and a transpose never waits on that block's row load
        // ahead of useful work.
        if (!g.dma_t && next_a) pe_transpose_kt(mbk + 1, kt);
      }
      if (!g.dma_t && next_a) flush();
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
  const bool dbl = g.rpk == 2;
  k.notes = std::string(dbl ? "fp8 double_row (K=256 per matmul), " : "") + std::to_string(g.b_buffers) + " B panel(s) " + std::to_string(g.k) + "x" + std::to_string(g.width) + ", " +
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
