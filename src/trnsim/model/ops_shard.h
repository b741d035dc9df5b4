// Internal to model/: one rank's share of a layer's dimensions, checked against the model once,
// and the op builders the layer, embedding and head op lists share.
#pragma once

#include <cmath>
#include <string>

#include "trnsim/model/ops.h"

namespace trnsim::model::detail {

struct RankShare {
  double b = 1;          // micro-batch
  double s_q = 0;        // query positions on this rank (seq_len / cp)
  double s_kv = 0;       // key positions attention reads (the full sequence: CP exchanges K and V)
  double tokens = 0;     // b * s_q: rows of every matmul on this rank (all-gathered under SP)
  double norm_tokens = 0;  // rows of the norms and residual adds: tokens / tp under SP, else tokens
  int tp = 1;
  int etp = 1;           // tensor parallelism inside routed experts (tp, or 1: whole experts)
  double expert_tokens = 0;  // tokens a rank routes to experts: tokens x etp / tp
  int heads = 0;         // query heads on this rank
  int kv_heads = 0;      // key/value heads on this rank (replicated when kv_heads < tp)
  double d = 2;          // bytes per element
};

// Throws Error(kInput) naming the degree that does not divide the model.
RankShare rank_share(const ModelSpec& m, const ShardContext& ctx);

inline Op matmul_op(std::string name, double m, double n, double k, double batch, double d, bool holds_weight = true) {
  Op op;
  op.name = std::move(name);
  op.kind = OpKind::kMatmul;
  op.m = static_cast<int64_t>(std::ceil(m));
  op.n = static_cast<int64_t>(n);
  op.k = static_cast<int64_t>(k);
  op.batch = static_cast<int64_t>(batch);
  op.flops = 2.0 * m * n * k * batch;
  op.bytes = d * batch * (m * k + k * n + m * n);
  op.weight_params = holds_weight ? batch * k * n : 0.0;
  return op;
}

inline Op elementwise_op(std::string name, OpKind kind, double elements, double flops_per_element, double reads,
                         double writes, double d) {
  Op op;
  op.name = std::move(name);
  op.kind = kind;
  op.m = static_cast<int64_t>(std::ceil(elements));
  op.n = 1;
  op.k = 0;
  op.flops = elements * flops_per_element;
  op.bytes = elements * (reads + writes) * d;
  return op;
}

inline double norm_weights(const ModelSpec& m, double width) { return m.norm == Norm::kLayerNorm ? 2 * width : width; }

// A norm over `rows` x `width` elements: rmsnorm ~4 FLOPs per element (square, sum, scale, gain),
// layernorm ~7 (mean, centre, square, sum, scale, gain, bias).
inline Op norm_op(const ModelSpec& m, std::string name, double rows, double width, double d) {
  Op op = elementwise_op(std::move(name), OpKind::kNorm, rows * width, m.norm == Norm::kLayerNorm ? 7 : 4, 1, 1, d);
  op.weight_params = norm_weights(m, width);
  op.bytes += op.weight_params * d;
  return op;
}

}  // namespace trnsim::model::detail
