// attention_fwd: one head of flash attention, o = softmax(scale * q k^T [+ causal mask]) v, and the
// log-sum-exp of every query row (kept for the backward pass). Inputs in the layouts a NeuronCore
// flash kernel takes them: q_t and k_t as [head_dim, seq] (head_dim on partitions, the contraction
// axis of q k^T), v as [seq, head_dim] (keys on partitions, the contraction axis of p v).
//
// Per query tile of 128 rows (queries on partitions), key blocks of up to 1024 (two PSUM banks of
// fp32 scores), skipping blocks wholly above the diagonal when causal:
//   TensorE  scores[128, 1024] = q_t tile^T @ k_t block, two matmuls  (K = head_dim)
//   Vector   diagonal block only: scores -> SBUF; GpSimd masks keys after the query to -inf
//   Vector   block row max; GpSimd running max m and -scale * m
//   Scalar   p = exp(scale * s - scale * m) in bf16, with its row sums; alpha = exp(scale * (m_old - m))
//   TensorE  p^T by 128 x 128 transposes into one PSUM bank; one copy to SBUF (Scalar 2 in 3, Vector 1)
//   TensorE  o_blk[128, d] = sum over 128-key pieces p^T piece^T @ v piece
//   GpSimd   l = l * alpha + row sums; Vector o_acc = o_acc * alpha + o_blk
// Finally o = o_acc / l (Scalar) and lse = scale * m + ln l. Each engine runs its instructions in
// program order, so the stages of consecutive blocks are emitted interleaved (the main loop below).
// q_t, k_t and v stay resident in SBUF, loaded in order of first use. docs/kernels.md.
#include <cmath>

#include "trnsim/kernels/builder.h"
#include "trnsim/kernels/library.h"

namespace trnsim::kernels {
namespace {

constexpr float kMasked = -3.0e38f;

// Plain attention of one head in double precision: o[seq, d] and lse[seq].
TensorMap attention_reference(const AttnShape& s, const TensorMap& in) {
  const auto& qt = in.at("q_t");
  const auto& kt = in.at("k_t");
  const auto& v = in.at("v");
  std::vector<float> o(static_cast<size_t>(s.seq * s.d)), lse(static_cast<size_t>(s.seq));
  std::vector<double> sc(static_cast<size_t>(s.seq));
  for (int64_t q = 0; q < s.seq; ++q) {
    const int64_t keys = s.causal ? q + 1 : s.seq;
    double mx = -1e300;
    for (int64_t k = 0; k < keys; ++k) {
      double acc = 0;
      for (int64_t j = 0; j < s.d; ++j) acc += static_cast<double>(qt[j * s.seq + q]) * kt[j * s.seq + k];
      sc[k] = acc * s.scale;
      mx = std::max(mx, sc[k]);
    }
    double sum = 0;
    for (int64_t k = 0; k < keys; ++k) sum += (sc[k] = std::exp(sc[k] - mx));
    for (int64_t j = 0; j < s.d; ++j) {
      double acc = 0;
      for (int64_t k = 0; k < keys; ++k) acc += sc[k] * v[k * s.d + j];
      o[q * s.d + j] = static_cast<float>(acc / sum);
    }
    lse[q] = static_cast<float>(mx + std::log(sum));
  }
  return TensorMap{{"o", std::move(o)}, {"lse", std::move(lse)}};
}

BuiltKernel build_attention_fwd(const ResolvedParams& p, const hw::ChipSpec& chip) {
  const int64_t es = numerics::dtype_size(p.dtype("dtype"));
  const int32_t P = chip.sbuf.partitions;
  // Per partition: q_t and k_t rows (seq each) and v by 128-key pieces (seq / 128 x head_dim).
  const AttnShape s = attention_shape(p, chip, 3 * es);
  const int64_t S = s.seq, d = s.d;
  // Key blocks of two PSUM banks of fp32 scores (two matmuls): the per-block work on [128, 1] and
  // [128, d] operands is spread over 1024 keys.
  const int64_t bank = std::min<int64_t>(chip.tensor.moving_fmax, chip.psum.bank_bytes() / 4);
  const int64_t blk = 2 * bank;
  KernelBuilder b(chip, "attention_fwd");
  const HbmTensor Qt = b.input("q_t", s.dt, {d, S});
  const HbmTensor Kt = b.input("k_t", s.dt, {d, S});
  const HbmTensor V = b.input("v", s.dt, {S, d});
  const HbmTensor O = b.output("o", s.dt, {S, d});
  const HbmTensor L = b.output("lse", DType::kF32, {S, 1});
  const int64_t tiles = ceil_div(S, P);
  const Tile qt = b.sbuf("q_t", s.dt, static_cast<int32_t>(d), S);
  const Tile kt = b.sbuf("k_t", s.dt, static_cast<int32_t>(d), S);
  const Tile vs = b.sbuf("v", s.dt, P, tiles * d);
  // Up to three blocks are in flight (the main loop below): what one stage writes and a later one
  // reads rotates over three slots, or two where the stages are adjacent.
  std::vector<Tile> sc_ps, pt_ps, o_ps, p_sb, pt_sb, s_sb, o_acc, slot, qst, o_out;
  for (int i = 0; i < 3; ++i) {
    const std::string n = std::to_string(i);
    p_sb.push_back(b.sbuf("p" + n, s.dt, P, blk));
    s_sb.push_back(b.sbuf("masked" + n, DType::kF32, P, blk));
    slot.push_back(b.sbuf("block_stats" + n, DType::kF32, P, 5));  // m, block max, -scale * m, sums, alpha
  }
  for (int i = 0; i < 2; ++i) {
    const std::string n = std::to_string(i);
    sc_ps.push_back(b.psum("scores" + n, P, blk));
    pt_ps.push_back(b.psum("p_t" + n, P, blk, s.dt));
    o_ps.push_back(b.psum("o_blk" + n, P, d));
    pt_sb.push_back(b.sbuf("p_t" + n, s.dt, P, blk));
    o_acc.push_back(b.sbuf("o_acc" + n, DType::kF32, P, d));
    o_out.push_back(b.sbuf("o_out" + n, s.dt, P, d));
    qst.push_back(b.sbuf("tile_stats" + n, DType::kF32, P, 4));  // l, 1 / l, ln l, lse
  }
  enum BlockCol { kM, kBm, kNegM, kSum, kAlpha };
  enum TileCol { kL, kRl, kLnL, kLse };
  auto rows_of = [&](int64_t t) { return static_cast<int32_t>(std::min<int64_t>(P, S - t * P)); };
  // Loads in order of first use: a query tile's q_t columns, then the keys it newly reaches.
  int64_t keys_loaded = 0;
  auto load_for = [&](int64_t t) {
    b.dma_copy(qt.ap(0, static_cast<int32_t>(d), t * P, rows_of(t)), Qt.rows_view(0, d, t * P, rows_of(t)));
    const int64_t reach = s.causal ? std::min(S, (t + 1) * P) : S;
    for (; keys_loaded < reach; keys_loaded += P) {
      const int64_t c = keys_loaded / P;
      const int32_t kr = rows_of(c);
      b.dma_copy(kt.ap(0, static_cast<int32_t>(d), keys_loaded, kr), Kt.rows_view(0, d, keys_loaded, kr));
      b.dma_copy(vs.ap(0, kr, c * d, d), V.rows_view(keys_loaded, kr, 0, d));
    }
  };
  // The work items: (query tile, key block), in order.
  struct Item {
    int64_t t, k0, w;
    bool first, last;
  };
  std::vector<Item> items;
  for (int64_t t = 0; t < tiles; ++t) {
    const int64_t end = s.causal ? t * P + rows_of(t) : S;
    for (int64_t k0 = 0; k0 < end; k0 += blk) items.push_back({t, k0, std::min(blk, end - k0), k0 == 0, k0 + blk >= end});
  }
  // Stage 1 (TensorE): the block's scores.
  auto stage1 = [&](size_t n) {
    const Item& it = items[n];
    if (it.first) load_for(it.t);
    for (int64_t c0 = 0; c0 < it.w; c0 += bank) {
      const int64_t cw = std::min(bank, it.w - c0);
      b.matmul(sc_ps[n % 2].ap(0, rows_of(it.t), c0, cw), qt.ap(0, static_cast<int32_t>(d), it.t * P, rows_of(it.t)),
               kt.ap(0, static_cast<int32_t>(d), it.k0 + c0, cw), false);
    }
  };
  // Stage 2 (Vector, GpSimd, Scalar): mask, running max, p = exp(...), l.
  auto stage2 = [&](size_t n) {
    const Item& it = items[n];
    const int32_t qr = rows_of(it.t);
    const Tile& bs = slot[n % 3];
    const Tile& ts = qst[it.t % 2];
    AccessPattern src = sc_ps[n % 2].ap(0, qr, 0, it.w);
    const int64_t q0 = it.t * P;
    if (s.causal && it.k0 + it.w > q0) {
      // Keys from q0 on can lie after a query of this tile: keep key <= query, mask the rest.
      const Tile& m = s_sb[n % 3];
      b.tensor_copy(m.ap(0, qr, 0, it.w), src);
      const int64_t c0 = std::max<int64_t>(0, q0 - it.k0);
      isa::AffineExpr keep;
      keep.base = q0 - it.k0 - c0;
      keep.channel_multiplier = 1;
      keep.coef[0] = -1;
      const AccessPattern diag = m.ap(0, qr, c0, it.w - c0);
      b.affine_select(diag, diag, keep, AluOp::kIsGe, kMasked);
      src = m.ap(0, qr, 0, it.w);
    }
    const AccessPattern m_old = slot[(n + 2) % 3].col(kM, qr);  // the previous item's
    if (it.first) {
      b.tensor_reduce(bs.col(kM, qr), src, AluOp::kMax);
    } else {
      b.tensor_reduce(bs.col(kBm, qr), src, AluOp::kMax);
      b.tensor_tensor(bs.col(kM, qr), m_old, bs.col(kBm, qr), AluOp::kMax, on(EngineKind::kGpSimd));
    }
    b.tensor_scalar(bs.col(kNegM, qr), bs.col(kM, qr), AluOp::kMultiply, imm(-s.scale), AluOp::kBypass, imm(0.0f),
                    on(EngineKind::kGpSimd));
    b.activation_reduce(p_sb[n % 3].ap(0, qr, 0, it.w), src, ActFunc::kExp, it.first ? ts.col(kL, qr) : bs.col(kSum, qr),
                        bs.col(kNegM, qr), imm(s.scale));
    if (!it.first) b.activation(bs.col(kAlpha, qr), m_old, ActFunc::kExp, bs.col(kNegM, qr), imm(s.scale));
  };
  // Stage 3: p^T (TensorE transposes, one copy to SBUF) and o_blk = p v.
  int64_t copies = 0;
  auto stage3 = [&](size_t n) {
    const Item& it = items[n];
    const int32_t qr = rows_of(it.t);
    const int64_t pieces = ceil_div(it.w, P);
    auto width = [&](int64_t c) { return static_cast<int32_t>(std::min<int64_t>(P, it.w - c * P)); };
    const Tile& tp = pt_ps[n % 2];
    const Tile& tsb = pt_sb[n % 2];
    for (int64_t c = 0; c < pieces; ++c) b.transpose(tp.ap(0, width(c), c * P, qr), p_sb[n % 3].ap(0, qr, c * P, width(c)));
    const int64_t span = (pieces - 1) * P + qr;
    b.tensor_copy(tsb.ap(0, width(0), 0, span), tp.ap(0, width(0), 0, span),
                  on(copies++ % 3 != 2 ? EngineKind::kScalar : EngineKind::kVector));
    for (int64_t c = 0; c < pieces; ++c) {
      b.matmul(o_ps[n % 2].ap(0, qr, 0, d), tsb.ap(0, width(c), c * P, qr), vs.ap(0, width(c), (it.k0 / P + c) * d, d),
               c > 0);
    }
  };
  // Stage 4: l and o_acc updates; at the tile's end o and lse.
  auto stage4 = [&](size_t n) {
    const Item& it = items[n];
    const int32_t qr = rows_of(it.t);
    const Tile& bs = slot[n % 3];
    const Tile& ts = qst[it.t % 2];
    const Tile& acc = o_acc[it.t % 2];
    const Tile& ob = o_ps[n % 2];
    if (!it.first) {
      b.tensor_scalar(ts.col(kL, qr), ts.col(kL, qr), AluOp::kMultiply, per_partition(bs.col(kAlpha, qr)), AluOp::kAdd,
                      per_partition(bs.col(kSum, qr)), on(EngineKind::kGpSimd));
    }
    if (it.first) {
      b.tensor_copy(acc.ap(0, qr, 0, d), ob.ap(0, qr, 0, d));
    } else {
      b.scalar_tensor_tensor(acc.ap(0, qr, 0, d), acc.ap(0, qr, 0, d), AluOp::kMultiply,
                             per_partition(bs.col(kAlpha, qr)), AluOp::kAdd, ob.ap(0, qr, 0, d));
    }
    if (!it.last) return;
    const int64_t q0 = it.t * P;
    b.reciprocal(ts.col(kRl, qr), ts.col(kL, qr));
    const Tile& out = o_out[it.t % 2];
    b.activation(out.ap(0, qr, 0, d), acc.ap(0, qr, 0, d), ActFunc::kCopy, {}, per_partition(ts.col(kRl, qr)));
    b.dma_copy(O.rows_view(q0, qr, 0, d), out.ap(0, qr, 0, d));
    b.activation(ts.col(kLnL, qr), ts.col(kL, qr), ActFunc::kLog);
    b.scalar_tensor_tensor(ts.col(kLse, qr), bs.col(kM, qr), AluOp::kMultiply, imm(s.scale), AluOp::kAdd,
                           ts.col(kLnL, qr));
    b.dma_copy(L.rows_view(q0, qr, 0, 1), ts.col(kLse, qr));
  };
  // Each engine runs its instructions in program order. Emitting block n+2's scores, then block n's
  // p^T and p v, then block n+1's softmax, then block n's o update keeps three blocks in flight:
  // TensorE never waits on this block's softmax for the next scores, and Vector's o update (which
  // waits for p v) comes after the next block's max.
  const size_t count = items.size();
  for (size_t n = 0; n < std::min<size_t>(2, count); ++n) stage1(n);
  if (count > 0) stage2(0);
  for (size_t n = 0; n < count; ++n) {
    if (n + 2 < count) stage1(n + 2);
    stage3(n);
    if (n + 1 < count) stage2(n + 1);
    stage4(n);
  }
  BuiltKernel k;
  k.program = b.finish();
  k.flops = attention_head_flops(S, d, s.causal, false);
  k.min_hbm_bytes = 4 * S * d * es + 4 * S;
  k.reference = [s](const TensorMap& in) { return attention_reference(s, in); };
  // p is rounded to the input dtype before p v, and o again on the way out.
  k.tolerance["o"] = Tolerance{1e-2, 2e-2};
  k.tolerance["lse"] = Tolerance{1e-3, 1e-4};
  k.notes = std::to_string(tiles) + " query tiles x key blocks of " + std::to_string(blk) +
            (s.causal ? ", causal (blocks above the diagonal skipped)" : "");
  return k;
}

}  // namespace

KernelInfo attention_fwd_kernel() {
  return {"attention_fwd",
          "one head of flash attention: o = softmax(q k^T / sqrt(d)) v and lse; inputs q_t, k_t [d, seq], v "
          "[seq, d]; outputs o [seq, d], lse [seq]",
          attention_params(),
          build_attention_fwd};
}

}  // namespace trnsim::kernels
