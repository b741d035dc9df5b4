// attention_bwd: the backward pass of one head of flash attention. From q_t, k_t, v_t and do_t
// ([head_dim, seq], the layouts a NeuronCore flash kernel takes), o [seq, d] and the forward's
// log-sum-exp lse [seq], it computes dq, dk, dv [seq, d] with p recomputed from lse:
//   p = exp(scale q k^T - lse)   dv = p^T do   dp = do v^T   ds = p * (dp - D), D = rowsum(do * o)
//   dq = scale ds k              dk = scale ds^T q
// Key tiles of 128 are the outer loop: dk and dv of a key tile accumulate in PSUM over the query
// tiles that see it; dq of every query tile accumulates in SBUF (fp32). Per (key tile, query tile):
//   TensorE  s = q_t^T k_t and dp = do_t^T v_t            (K = head_dim)
//   Scalar   p = exp(scale s - lse) in bf16; GpSimd zeroes keys after the query on the diagonal
//   Vector   ds = (dp - D) * p in bf16
//   TensorE  dv += p^T do, dk += ds^T q, ds^T by a transpose (Scalar copies it to SBUF), dq_blk = ds k
//   Vector   dq += dq_blk
// A prologue transposes q_t, k_t and do_t into [seq, d] pieces on TensorE and computes D; the three
// stages of consecutive work items are emitted with a lag, as in attention_fwd. docs/kernels.md.
#include <cmath>

#include "trnsim/kernels/builder.h"
#include "trnsim/kernels/library.h"

namespace trnsim::kernels {
namespace {

// The backward in double precision: dq, dk, dv [seq, d].
TensorMap attention_bwd_reference(const AttnShape& s, const TensorMap& in) {
  const int64_t S = s.seq, d = s.d;
  const auto& qt = in.at("q_t");
  const auto& kt = in.at("k_t");
  const auto& vt = in.at("v_t");
  const auto& dot = in.at("do_t");
  const auto& o = in.at("o");
  const auto& lse = in.at("lse");
  std::vector<double> dq(S * d, 0.0), dk(S * d, 0.0), dv(S * d, 0.0);
  for (int64_t q = 0; q < S; ++q) {
    double D = 0;
    for (int64_t j = 0; j < d; ++j) D += static_cast<double>(dot[j * S + q]) * o[q * d + j];
    const int64_t keys = s.causal ? q + 1 : S;
    for (int64_t k = 0; k < keys; ++k) {
      double sc = 0, dp = 0;
      for (int64_t j = 0; j < d; ++j) {
        sc += static_cast<double>(qt[j * S + q]) * kt[j * S + k];
        dp += static_cast<double>(dot[j * S + q]) * vt[j * S + k];
      }
      const double p = std::exp(s.scale * sc - lse[q]);
      const double ds = p * (dp - D);
      for (int64_t j = 0; j < d; ++j) {
        dv[k * d + j] += p * dot[j * S + q];
        dq[q * d + j] += s.scale * ds * kt[j * S + k];
        dk[k * d + j] += s.scale * ds * qt[j * S + q];
      }
    }
  }
  auto f = [](const std::vector<double>& v) { return std::vector<float>(v.begin(), v.end()); };
  return TensorMap{{"dq", f(dq)}, {"dk", f(dk)}, {"dv", f(dv)}};
}

BuiltKernel build_attention_bwd(const ResolvedParams& p, const hw::ChipSpec& chip) {
  const int64_t es = numerics::dtype_size(p.dtype("dtype"));
  const int32_t P = chip.sbuf.partitions;
  // Per partition and position: q_t, k_t, v_t, do_t; q, k, do and o by 128-row pieces; dq in fp32.
  const AttnShape s = attention_shape(p, chip, 8 * es + 4);
  const int64_t S = s.seq, d = s.d;
  const int32_t dp = static_cast<int32_t>(d);
  KernelBuilder b(chip, "attention_bwd");
  const HbmTensor Qt = b.input("q_t", s.dt, {d, S});
  const HbmTensor Kt = b.input("k_t", s.dt, {d, S});
  const HbmTensor Vt = b.input("v_t", s.dt, {d, S});
  const HbmTensor DOt = b.input("do_t", s.dt, {d, S});
  const HbmTensor O = b.input("o", s.dt, {S, d});
  const HbmTensor L = b.input("lse", DType::kF32, {S, 1});
  const HbmTensor DQ = b.output("dq", s.dt, {S, d});
  const HbmTensor DK = b.output("dk", s.dt, {S, d});
  const HbmTensor DV = b.output("dv", s.dt, {S, d});
  const int64_t tiles = ceil_div(S, P);
  auto rows_of = [&](int64_t t) { return static_cast<int32_t>(std::min<int64_t>(P, S - t * P)); };
  const Tile qt = b.sbuf("q_t", s.dt, dp, S), kt = b.sbuf("k_t", s.dt, dp, S);
  const Tile vt = b.sbuf("v_t", s.dt, dp, S), dot = b.sbuf("do_t", s.dt, dp, S);
  // [seq, d] by 128-row pieces: piece t at columns [t * d, t * d + d).
  const Tile qn = b.sbuf("q", s.dt, P, tiles * d), kn = b.sbuf("k", s.dt, P, tiles * d);
  const Tile don = b.sbuf("do", s.dt, P, tiles * d), o_rows = b.sbuf("o", s.dt, P, tiles * d);
  const Tile dq_acc = b.sbuf("dq_acc", DType::kF32, P, tiles * d);
  const Tile stats = b.sbuf("stats", DType::kF32, P, 2 * tiles);  // -lse and D of each query tile
  const Tile prod = b.sbuf("do_o", DType::kF32, P, d);
  const Tile tp_ps = b.psum("prologue_t", P, 2 * d, s.dt);
  // Prologue: load everything; q, k, do in [seq, d] pieces by TensorE transposes; -lse; D.
  for (int64_t t = 0; t < tiles; ++t) {
    const int32_t r = rows_of(t);
    const int64_t c = t * P;
    b.dma_copy(qt.ap(0, dp, c, r), Qt.rows_view(0, d, c, r));
    b.dma_copy(kt.ap(0, dp, c, r), Kt.rows_view(0, d, c, r));
    b.dma_copy(vt.ap(0, dp, c, r), Vt.rows_view(0, d, c, r));
    b.dma_copy(dot.ap(0, dp, c, r), DOt.rows_view(0, d, c, r));
    b.dma_copy(o_rows.ap(0, r, t * d, d), O.rows_view(c, r, 0, d));
    b.dma_copy(stats.ap(0, r, t, 1), L.rows_view(c, r, 0, 1));
  }
  int64_t pieces = 0;
  for (int64_t t = 0; t < tiles; ++t) {
    const int32_t r = rows_of(t);
    for (const auto& [src, dst] : {std::pair<const Tile*, const Tile*>{&qt, &qn}, {&kt, &kn}, {&dot, &don}}) {
      const AccessPattern slot = tp_ps.ap(0, r, (pieces % 2) * d, d);
      b.transpose(slot, src->ap(0, dp, t * P, r));
      b.tensor_copy(dst->ap(0, r, t * d, d), slot, on(pieces++ % 2 ? EngineKind::kScalar : EngineKind::kVector));
    }
    b.tensor_scalar(stats.ap(0, r, t, 1), stats.ap(0, r, t, 1), AluOp::kMultiply, imm(-1.0f), AluOp::kBypass,
                    imm(0.0f), on(EngineKind::kGpSimd));
    b.tensor_tensor(prod.ap(0, r, 0, d), don.ap(0, r, t * d, d), o_rows.ap(0, r, t * d, d), AluOp::kMultiply,
                    on(EngineKind::kGpSimd));
    b.tensor_reduce(stats.ap(0, r, tiles + t, 1), prod.ap(0, r, 0, d), AluOp::kAdd);
  }
  b.release(tp_ps);
  // Work items (key tile, query tile), key tiles outermost.
  struct Item {
    int64_t kt, qt;
    bool first, last;  // first / last query tile of this key tile
  };
  std::vector<Item> items;
  for (int64_t j = 0; j < tiles; ++j) {
    const int64_t i0 = s.causal ? j : 0;
    for (int64_t i = i0; i < tiles; ++i) items.push_back({j, i, i == i0, i + 1 == tiles});
  }
  std::vector<Tile> sdp_ps, p_sb, ds_sb, dst_sb, kv_ps;
  for (int i = 0; i < 3; ++i) {
    const std::string n = std::to_string(i);
    sdp_ps.push_back(b.psum("s_dp" + n, P, 2 * P));  // s at [0, 128), dp at [128, 256)
    p_sb.push_back(b.sbuf("p" + n, s.dt, P, P));
    ds_sb.push_back(b.sbuf("ds" + n, s.dt, P, P));
  }
  for (int i = 0; i < 2; ++i) {
    const std::string n = std::to_string(i);
    kv_ps.push_back(b.psum("dk_dv" + n, P, 2 * d));  // dk at [0, d), dv at [d, 2d)
    dst_sb.push_back(b.sbuf("ds_t" + n, s.dt, P, P));
  }
  const Tile dst_ps = b.psum("ds_t", P, 2 * P, s.dt);
  const Tile dq_ps = b.psum("dq_blk", P, 2 * d);
  std::vector<Tile> out;
  for (int i = 0; i < 2; ++i) out.push_back(b.sbuf("out" + std::to_string(i), s.dt, P, 2 * d));
  auto stage1 = [&](size_t n) {
    const Item& it = items[n];
    const int32_t qr = rows_of(it.qt), kr = rows_of(it.kt);
    const Tile& ps = sdp_ps[n % 3];
    b.matmul(ps.ap(0, qr, 0, kr), qt.ap(0, dp, it.qt * P, qr), kt.ap(0, dp, it.kt * P, kr), false);
    b.matmul(ps.ap(0, qr, P, kr), dot.ap(0, dp, it.qt * P, qr), vt.ap(0, dp, it.kt * P, kr), false);
  };
  auto stage2 = [&](size_t n) {
    const Item& it = items[n];
    const int32_t qr = rows_of(it.qt), kr = rows_of(it.kt);
    const Tile& ps = sdp_ps[n % 3];
    const AccessPattern pp = p_sb[n % 3].ap(0, qr, 0, kr);
    b.activation(pp, ps.ap(0, qr, 0, kr), ActFunc::kExp, stats.col(it.qt, qr), imm(s.scale));
    if (s.causal && it.qt == it.kt) {
      isa::AffineExpr keep;  // key <= query: partition (query) - column (key) >= 0
      keep.channel_multiplier = 1;
      keep.coef[0] = -1;
      b.affine_select(pp, pp, keep, AluOp::kIsGe, 0.0f);
    }
    b.scalar_tensor_tensor(ds_sb[n % 3].ap(0, qr, 0, kr), ps.ap(0, qr, P, kr), AluOp::kSubtract,
                           per_partition(stats.col(tiles + it.qt, qr)), AluOp::kMultiply, pp);
  };
  auto stage3 = [&](size_t n) {
    const Item& it = items[n];
    const int32_t qr = rows_of(it.qt), kr = rows_of(it.kt);
    const Tile& kv = kv_ps[it.kt % 2];
    b.matmul(kv.ap(0, kr, d, d), p_sb[n % 3].ap(0, qr, 0, kr), don.ap(0, qr, it.qt * d, d), !it.first);
    b.matmul(kv.ap(0, kr, 0, d), ds_sb[n % 3].ap(0, qr, 0, kr), qn.ap(0, qr, it.qt * d, d), !it.first);
    const AccessPattern tps = dst_ps.ap(0, kr, (n % 2) * P, qr);
    b.transpose(tps, ds_sb[n % 3].ap(0, qr, 0, kr));
    b.activation(dst_sb[n % 2].ap(0, kr, 0, qr), tps, ActFunc::kCopy);
    const AccessPattern dqb = dq_ps.ap(0, qr, (n % 2) * d, d);
    b.matmul(dqb, dst_sb[n % 2].ap(0, kr, 0, qr), kn.ap(0, kr, it.kt * d, d), false);
    const AccessPattern acc = dq_acc.ap(0, qr, it.qt * d, d);
    if (it.kt == 0) {
      b.tensor_copy(acc, dqb);
    } else {
      b.tensor_tensor(acc, acc, dqb, AluOp::kAdd);
    }
    if (!it.last) return;
    // The key tile is done: dk = scale x its sum, dv as summed; one store each.
    const Tile& o = out[it.kt % 2];
    b.activation(o.ap(0, kr, 0, d), kv.ap(0, kr, 0, d), ActFunc::kCopy, {}, imm(s.scale));
    b.tensor_copy(o.ap(0, kr, d, d), kv.ap(0, kr, d, d));
    b.dma_copy(DK.rows_view(it.kt * P, kr, 0, d), o.ap(0, kr, 0, d));
    b.dma_copy(DV.rows_view(it.kt * P, kr, 0, d), o.ap(0, kr, d, d));
  };
  const size_t count = items.size();
  for (size_t n = 0; n < std::min<size_t>(2, count); ++n) stage1(n);
  if (count > 0) stage2(0);
  for (size_t n = 0; n < count; ++n) {
    if (n + 2 < count) stage1(n + 2);
    if (n + 1 < count) stage2(n + 1);
    stage3(n);
  }
  // dq of every query tile, scaled, converted and stored.
  for (int64_t t = 0; t < tiles; ++t) {
    const int32_t r = rows_of(t);
    const Tile& o = out[t % 2];
    b.activation(o.ap(0, r, 0, d), dq_acc.ap(0, r, t * d, d), ActFunc::kCopy, {}, imm(s.scale));
    b.dma_copy(DQ.rows_view(t * P, r, 0, d), o.ap(0, r, 0, d));
  }
  BuiltKernel k;
  k.program = b.finish();
  k.flops = attention_head_flops(S, d, s.causal, true);
  k.min_hbm_bytes = 8 * S * d * es + 4 * S;
  k.reference = [s](const TensorMap& in) { return attention_bwd_reference(s, in); };
  // p and ds are rounded to the input dtype before their matmuls, the outputs again.
  const double scale = std::sqrt(static_cast<double>(S));
  k.tolerance["dq"] = k.tolerance["dk"] = k.tolerance["dv"] = Tolerance{2e-2 * scale, 3e-2};
  k.notes = std::to_string(tiles) + " key tiles x query tiles of 128" + (s.causal ? ", causal" : "");
  return k;
}

}  // namespace

KernelInfo attention_bwd_kernel() {
  return {"attention_bwd",
          "backward of one head of flash attention: dq, dk, dv [seq, d] from q_t, k_t, v_t, do_t [d, seq], o "
          "[seq, d] and lse [seq]",
          attention_params(), build_attention_bwd};
}

}  // namespace trnsim::kernels
