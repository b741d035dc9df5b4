// Which layers each pipeline chunk holds: the plan's layout where it gives one, else the model's
// layers split evenly over pp x virtual chunks, in order (chunk c of stage s holds global chunk
// c * pp + s, or in a V s and 2 pp - 1 - s: plan.h global_chunk); the first chunk also holds the input embedding and the last the output head and
// loss, with the multi-token prediction modules (Megatron puts them on the last pipeline stage).
#pragma once

#include <algorithm>
#include <vector>

#include "trnsim/model/model_spec.h"
#include "trnsim/model/ops.h"
#include "trnsim/train/plan.h"

namespace trnsim::train {

// The layers the step's per-layer parts are built from (layer_parts, op_profile): layer 0 for the
// dense layers, unless every layer is MoE, and the last layer for the MoE layers of an MoE model.
// -1: the model has no such layer.
inline int dense_layer_example(const model::ModelSpec& m) { return m.is_moe_layer(0) ? -1 : 0; }
inline int moe_layer_example(const model::ModelSpec& m) { return m.moe ? m.layers - 1 : -1; }

// Global chunk g in pipeline order, g in [0, pp x virtual_stages).
inline ChunkLayers chunk_layers(const model::ModelSpec& m, const ParallelPlan& p, int g) {
  if (!p.layout.empty()) return p.layout[static_cast<size_t>(g)];
  const int chunks = p.pp * p.virtual_stages;
  const int base = m.layers / chunks, extra = m.layers % chunks;
  ChunkLayers c;
  // The first `extra` chunks hold one more layer.
  c.first = g * base + std::min(g, extra);
  c.count = base + (g < extra ? 1 : 0);
  c.embedding = g == 0;
  c.head = g == chunks - 1;
  c.mtp = c.head ? m.mtp_layers : 0;
  return c;
}

// The blocks of a chunk by FFN kind: its layers with a dense FFN and with an MoE one, each MTP
// block counted as the kind of the last layer it is built like.
struct BlockCounts {
  int dense = 0, moe = 0;
};
inline BlockCounts block_counts(const model::ModelSpec& m, const ChunkLayers& cl) {
  BlockCounts b;
  b.dense = m.moe ? std::max(0, std::min(cl.first + cl.count, m.moe->dense_layers) - cl.first) : cl.count;
  b.moe = cl.count - b.dense;
  (m.is_moe_layer(m.layers - 1) ? b.moe : b.dense) += cl.mtp;
  return b;
}

// How one rank's share of a layer is cut under plan `p`.
inline model::ShardContext shard_context(const model::ModelSpec& m, const ParallelPlan& p) {
  model::ShardContext ctx;
  ctx.micro_batch = p.micro_batch;
  ctx.seq_len = m.seq_len;
  ctx.tp = p.tp;
  ctx.cp = p.cp;
  ctx.ep = p.ep;
  ctx.etp = p.etp();
  ctx.sequence_parallel = p.sequence_parallel;
  ctx.dtype_bytes = p.param_bytes();
  ctx.saved_gemm_input_bytes = p.precision == cost::Precision::kFp8 ? 1 : 0;
  ctx.frozen_linears = p.lora_rank > 0;
  ctx.flash_attention = p.flash_attention;
  ctx.attention_dropout = p.attention_dropout;
  ctx.fused_cross_entropy = p.fused_cross_entropy;
  ctx.selective = p.selective_policy;
  ctx.recompute_modules = p.recompute_modules;
  return ctx;
}

}  // namespace trnsim::train
