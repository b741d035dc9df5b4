// nc_matmul: dst[m, n] (+)= sum_k stationary[k, m] * moving[k, n], accumulated in fp32.
//
// This is the hot path of functional simulation. Per instruction both operands are converted to
// fp32 once and packed into call-owned buffers: stationary as blocks of MR rows of A = S^T laid
// out [k][MR], moving as panels of NB columns laid out [k][NB] (zero-padded). A register-blocked
// micro-kernel then keeps an MR x NB block of the result in vector registers across all of K.
//
// Every path (AVX-512, AVX2, portable) computes each result element as the same chain
// c = fma(a[m][k], b[k][n], c) for k = 0, 1, ..., K-1, starting from 0 (overwrite) or from the
// PSUM value (accumulate): one rounding per multiply-add. Results are therefore bit-identical
// across hosts, and differ from a separate multiply-then-add by at most an ulp per step.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

#include "trnsim/core/functional_ap.h"
#include "trnsim/numerics/convert.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define TRNSIM_MATMUL_X86 1
#endif

namespace trnsim::core::detail {
namespace {

// One micro-kernel: c[MR rows, row stride ldc][NB] += a_block[k][MR] x b_panel[k][NB].
using MicroKernel = void (*)(int64_t k, const float* a, const float* b, float* c, int64_t ldc);

struct KernelChoice {
  int mr, nb;
  MicroKernel fn;
};

void micro_portable(int64_t kk, const float* a, const float* b, float* c, int64_t ldc) {
  constexpr int kMr = 4, kNb = 16;
  float acc[kMr][kNb];
  for (int r = 0; r < kMr; ++r) std::memcpy(acc[r], c + r * ldc, sizeof acc[r]);
  for (int64_t k = 0; k < kk; ++k) {
    for (int r = 0; r < kMr; ++r) {
      const float ar = a[k * kMr + r];
      for (int j = 0; j < kNb; ++j) acc[r][j] = std::fma(ar, b[k * kNb + j], acc[r][j]);
    }
  }
  for (int r = 0; r < kMr; ++r) std::memcpy(c + r * ldc, acc[r], sizeof acc[r]);
}

#ifdef TRNSIM_MATMUL_X86
// 4 rows x 16 columns: 8 independent accumulators hide the FMA latency in 16 ymm registers.
__attribute__((target("avx2,fma"))) void micro_avx2(int64_t kk, const float* a, const float* b, float* c,
                                                     int64_t ldc) {
  constexpr int kMr = 4;
  __m256 acc[kMr][2];
#pragma GCC unroll 4
  for (int r = 0; r < kMr; ++r) {
    acc[r][0] = _mm256_loadu_ps(c + r * ldc);
    acc[r][1] = _mm256_loadu_ps(c + r * ldc + 8);
  }
  for (int64_t k = 0; k < kk; ++k) {
    const __m256 b0 = _mm256_loadu_ps(b + k * 16), b1 = _mm256_loadu_ps(b + k * 16 + 8);
#pragma GCC unroll 4
    for (int r = 0; r < kMr; ++r) {
      const __m256 ar = _mm256_broadcast_ss(a + k * kMr + r);
      acc[r][0] = _mm256_fmadd_ps(ar, b0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(ar, b1, acc[r][1]);
    }
  }
#pragma GCC unroll 4
  for (int r = 0; r < kMr; ++r) {
    _mm256_storeu_ps(c + r * ldc, acc[r][0]);
    _mm256_storeu_ps(c + r * ldc + 8, acc[r][1]);
  }
}

// 8 rows x 32 columns: 16 accumulators of the 32 zmm registers.
__attribute__((target("avx512f,avx2,fma"))) void micro_avx512(int64_t kk, const float* a, const float* b,
                                                               float* c, int64_t ldc) {
  constexpr int kMr = 8;
  __m512 acc[kMr][2];
#pragma GCC unroll 8
  for (int r = 0; r < kMr; ++r) {
    acc[r][0] = _mm512_loadu_ps(c + r * ldc);
    acc[r][1] = _mm512_loadu_ps(c + r * ldc + 16);
  }
  for (int64_t k = 0; k < kk; ++k) {
    const __m512 b0 = _mm512_loadu_ps(b + k * 32), b1 = _mm512_loadu_ps(b + k * 32 + 16);
#pragma GCC unroll 8
    for (int r = 0; r < kMr; ++r) {
      const __m512 ar = _mm512_set1_ps(a[k * kMr + r]);
      acc[r][0] = _mm512_fmadd_ps(ar, b0, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(ar, b1, acc[r][1]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < kMr; ++r) {
    _mm512_storeu_ps(c + r * ldc, acc[r][0]);
    _mm512_storeu_ps(c + r * ldc + 16, acc[r][1]);
  }
}
#endif

KernelChoice choose_kernel() {
#ifdef TRNSIM_MATMUL_X86
  if (__builtin_cpu_supports("avx512f")) return {8, 32, micro_avx512};
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return {4, 16, micro_avx2};
#endif
  return {4, 16, micro_portable};
}

int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

// Both operands in fp32, packed for the micro-kernel, from K rows [k0, k1):
//  a[(mb * K + k) * MR + r] = stationary[k][mb * MR + r]   (A = S^T in blocks of MR rows)
//  panels[(j0 / NB) * K * NB + k * NB + j] = moving[k][j0 + j]   (panels of NB columns)
// zero-padded past M and N. Each row is converted once, as a whole run (load_f32's fast path);
// rows are independent, so the packing is split over threads like the multiply.
void pack_rows(const isa::Matmul& in, CoreState& s, int mr, int nb, int64_t k0, int64_t k1, float* a, float* panels) {
  const int64_t kk = in.stationary.partitions, m = in.stationary.free_elems(), n = in.moving.free_elems();
  std::vector<float> row(static_cast<size_t>(std::max(m, n)));
  for (int64_t k = k0; k < k1; ++k) {
    read_row(in.stationary, s, k, row.data());
    for (int64_t i = 0; i < round_up(m, mr); ++i) a[((i / mr) * kk + k) * mr + i % mr] = i < m ? row[i] : 0.0f;
    read_row(in.moving, s, k, row.data());
    for (int64_t j0 = 0; j0 < n; j0 += nb) {
      const int64_t w = std::min<int64_t>(nb, n - j0);
      float* dst = panels + j0 * kk + k * nb;
      std::memcpy(dst, row.data() + j0, sizeof(float) * w);
      std::fill(dst + w, dst + nb, 0.0f);
    }
  }
}

// The result can be accumulated in place when it is an fp32 PSUM/SBUF tile made of whole blocks.
bool in_place(const isa::Matmul& in, const KernelChoice& kc, const CoreState& s) {
  const isa::AccessPattern& d = in.dst;
  const OnChipMemory& mem = d.space == isa::MemSpace::kPsum ? s.psum : s.sbuf;
  return d.space != isa::MemSpace::kHbm && d.dtype == numerics::DType::kF32 && d.contiguous() &&
         mem.partition_bytes() % 4 == 0 && d.partitions % kc.mr == 0 && d.free_elems() % kc.nb == 0;
}

}  // namespace

// The half `r` (0 or 1) of a double-row operand: its free pattern without the outer row-pair dim.
isa::AccessPattern row_half(const isa::AccessPattern& ap, int r) {
  isa::AccessPattern h = ap;
  h.offset += r * ap.free[0].stride * numerics::dtype_size(ap.dtype);
  h.num_free = ap.num_free - 1;
  for (int i = 0; i < h.num_free; ++i) h.free[i] = ap.free[i + 1];
  return h;
}

void exec_matmul(const isa::Matmul& in, CoreState& s) {
  if (in.double_row) {
    // K = 2P: two passes over the row pairs, the second accumulating onto the first.
    isa::Matmul half = in;
    half.double_row = false;
    for (int r = 0; r < 2; ++r) {
      half.stationary = row_half(in.stationary, r);
      half.moving = row_half(in.moving, r);
      half.accumulate = r == 0 ? in.accumulate : true;
      exec_matmul(half, s);
    }
    return;
  }
  const KernelChoice kc = choose_kernel();
  const int64_t kk = in.stationary.partitions;
  const int64_t m = in.stationary.free_elems(), n = in.moving.free_elems();
  const int64_t mp = round_up(m, kc.mr), np = round_up(n, kc.nb);
  // Every element is written by pack_rows (padding included): no zero-fill first.
  const auto a = std::make_unique_for_overwrite<float[]>(static_cast<size_t>(mp * kk));
  const auto all_panels = std::make_unique_for_overwrite<float[]>(static_cast<size_t>(np * kk));
  auto pack = [&](int64_t k0, int64_t k1) { pack_rows(in, s, kc.mr, kc.nb, k0, k1, a.get(), all_panels.get()); };
  if (s.pool && s.pool->size() > 1) s.pool->parallel_for(kk, pack);
  else pack(0, kk);

  float* c = nullptr;
  int64_t ldc = np;
  std::vector<float> scratch;
  if (in_place(in, kc, s)) {
    c = reinterpret_cast<float*>(row_base(in.dst, s, 0));
    const OnChipMemory& mem = in.dst.space == isa::MemSpace::kPsum ? s.psum : s.sbuf;
    ldc = mem.partition_bytes() / 4;
    if (!in.accumulate) {
      for (int64_t i = 0; i < m; ++i) std::memset(c + i * ldc, 0, sizeof(float) * n);
    }
  } else {
    scratch.assign(static_cast<size_t>(mp * np), 0.0f);
    c = scratch.data();
    if (in.accumulate) {
      for (int64_t i = 0; i < m; ++i) read_row(in.dst, s, i, c + i * np);
    }
  }
  // Row blocks in parallel: every thread owns whole result rows, so the result does not depend
  // on the number of threads.
  auto rows = [&](int64_t b0, int64_t b1) {
    for (int64_t j0 = 0; j0 < np; j0 += kc.nb) {
      for (int64_t i0 = b0 * kc.mr; i0 < b1 * kc.mr; i0 += kc.mr) {
        kc.fn(kk, a.get() + i0 * kk, all_panels.get() + j0 * kk, c + i0 * ldc + j0, ldc);
      }
    }
  };
  const int64_t blocks = mp / kc.mr;
  if (s.pool && s.pool->size() > 1) s.pool->parallel_for(blocks, rows);
  else rows(0, blocks);
  if (!scratch.empty()) {
    for (int64_t i = 0; i < m; ++i) write_row(in.dst, s, i, scratch.data() + i * np);
  }
}

}  // namespace trnsim::core::detail
