#include "trnsim/train/memory.h"

#include <algorithm>

#include "trnsim/base/units.h"
#include "trnsim/model/ops.h"
#include "trnsim/train/context_parallel.h"
#include "trnsim/train/lora_adapters.h"
#include "trnsim/train/pipeline_order.h"
#include "trnsim/train/stage_layers.h"

namespace trnsim::train {
namespace {

// Parameters of `ops` on this rank (with `p`'s LoRA adapters), and of those what it trains:
// dense, and routed experts (sharded by expert parallelism).
void add_params(const std::vector<model::Op>& ops, const ParallelPlan& p, double& dense, double& expert,
                double& trained_dense, double& trained_expert) {
  for (const auto& op : ops) {
    const bool routed = model::is_routed_expert(op);
    (routed ? expert : dense) += op.weight_params + p.adapter_params(op);
    (routed ? trained_expert : trained_dense) += p.trained_params(op);
  }
}

// Chunk-micro-batches of activations stage `stage` holds at its peak (Megatron's warm-up counts:
// the first stage holds the most).
double in_flight_chunks(const ParallelPlan& p, int stage) {
  const double mbs = static_cast<double>(p.micro_batches());
  switch (p.schedule) {
    case PipelineSchedule::kNone: return 1;
    case PipelineSchedule::kGpipe: return mbs;
    case PipelineSchedule::kOneFOneB: return std::min<double>(p.pp - stage, mbs);
    // ZB-H1 lets every stage hold as many micro-batches between forward and weight gradient as
    // 1F1B's first stage does (the deferred ones keep their linears' inputs; counted whole here).
    case PipelineSchedule::kZeroBubble: return std::min<double>(p.pp, mbs);
    // ZB-V's order keeps at most 2 pp chunks (each half a stage's layers) between forward and W on
    // every stage: 1F1B's first stage again.
    case PipelineSchedule::kZeroBubbleV: return std::min<double>(2.0 * p.pp, 2 * mbs);
    // DualPipeV: counted from its order (2 pp + 1 chunks on the first stage, fewer further on);
    // DualPipe arrives folded into it (simulated_plan).
    case PipelineSchedule::kDualPipeV:
    case PipelineSchedule::kDualPipe:
      return static_cast<double>(StageOrder(p.schedule, p.pp, 2, p.micro_batches(), stage).peak_in_flight());
    case PipelineSchedule::kInterleaved:
      return std::min<double>(2.0 * (p.pp - stage - 1) + (p.virtual_stages - 1.0) * p.group() + p.extra_warmup() + 1,
                              mbs * p.virtual_stages);
  }
  return 1;
}

}  // namespace

LayerFigures layer_figures(const model::ModelSpec& m, const model::ShardContext& ctx, const ParallelPlan& p) {
  LayerFigures f;
  // Layer 0 stands for the dense-FFN layers, the last layer for the MoE ones.
  const int kinds[2] = {0, m.layers - 1};
  for (int k = 0; k < 2; ++k) {
    const int l = kinds[k];
    if (m.is_moe_layer(l) != (k == 1)) continue;
    std::vector<model::Op> ops = model::layer_forward_ops(m, l, ctx);
    add_params(ops, p, f.dense_params[k], f.expert_params[k], f.trained_dense[k], f.trained_expert[k]);
    // Of those, the linear layers' weights, which fp8 parameters hold in fp8 (not their adapters).
    for (const auto& op : ops) {
      if (model::quantized_weights(op)) (model::is_routed_expert(op) ? f.expert_quantized : f.dense_quantized)[k] += op.weight_params;
    }
    for (auto r : {model::Recompute::kNone, model::Recompute::kSelective, model::Recompute::kFull}) {
      f.activation_bytes[k][static_cast<int>(r)] =
          model::layer_activation_bytes(m, l, ctx, r) + adapter_saved_bytes(ops, p, r);
    }
  }
  add_params(model::embedding_forward_ops(m, ctx), p, f.embedding_dense, f.embedding_expert, f.embedding_trained[0],
             f.embedding_trained[1]);
  add_params(model::head_forward_ops(m, ctx), p, f.head_dense, f.head_expert, f.head_trained[0], f.head_trained[1]);
  return f;
}

MemoryReport memory_per_rank(const model::ModelSpec& m, const ParallelPlan& p, const hw::SystemSpec& s) {
  return memory_from_figures(m, p, s, layer_figures(m, shard_context(m, p), p));
}

MemoryReport memory_from_figures(const model::ModelSpec& m, const ParallelPlan& plan, const hw::SystemSpec& s,
                                 const LayerFigures& f) {
  const ParallelPlan p = simulated_plan(plan);
  const double weight_bytes = p.param_bytes();
  // fp32 main gradients for bf16 and fp8 training unless the plan reduces in bf16; fp16 for fp16.
  const double grad_bytes = p.grad_bytes();
  const double optim_bytes = p.optimizer_state_bytes();
  const int rc = static_cast<int>(p.recompute);

  MemoryReport best;
  best.ranks_per_accel = s.ranks_per_accel();
  best.capacity_per_rank = static_cast<double>(s.accel.hbm_capacity.v) / best.ranks_per_accel;
  // The fullest stage: the first holds the embedding and the most activations in flight, the last
  // the head; a pipeline layout may load any stage more.
  for (int stage = 0; stage < p.pp; ++stage) {
    // An even split: the ends only (in a V, the first stage holds both ends and every stage the same
    // activations, so all are checked).
    if (p.layout.empty() && !v_shape(p.schedule) && stage > 0 && stage < p.pp - 1) continue;
    double dense = 0, expert = 0, dense_q = 0, expert_q = 0, act_layer_bytes = 0, head_act = 0;
    double trained_dense = 0, trained_expert = 0;
    int layers = 0;
    for (int v = 0; v < p.virtual_stages; ++v) {
      const ChunkLayers c = chunk_layers(m, p, global_chunk(p.schedule, p.pp, v, stage));
      const BlockCounts blocks = block_counts(m, c);
      const int counts[2] = {blocks.dense, blocks.moe};
      for (int k = 0; k < 2; ++k) {
        if (counts[k] == 0) continue;
        dense += counts[k] * f.dense_params[k];
        expert += counts[k] * f.expert_params[k];
        trained_dense += counts[k] * f.trained_dense[k];
        trained_expert += counts[k] * f.trained_expert[k];
        dense_q += counts[k] * f.dense_quantized[k];
        expert_q += counts[k] * f.expert_quantized[k];
        act_layer_bytes = std::max(act_layer_bytes, f.activation_bytes[k][rc]);
      }
      layers += c.count + c.mtp;
      if (c.embedding) {
        dense += f.embedding_dense, expert += f.embedding_expert;
        trained_dense += f.embedding_trained[0], trained_expert += f.embedding_trained[1];
      }
      if (c.head) {
        dense += f.head_dense, expert += f.head_expert;
        trained_dense += f.head_trained[0], trained_expert += f.head_trained[1];
        // Logits in the matmul precision plus fp32 for the loss, for the head and each MTP module.
        const double tokens = static_cast<double>(p.micro_batch) * m.seq_len / p.cp;
        head_act = (1 + c.mtp) * tokens * m.vocab / p.tp * (p.param_bytes() + 4);
      }
    }
    MemoryBreakdown b;
    const double params = dense + expert;
    b.weights = p.held_params(dense, expert, p.shards_weights()) * weight_bytes;
    // fp8 parameters: the linear layers' weights (their shards under ZeRO-3) in fp8, with the
    // transposed copy the accelerator's GEMMs may need beside each whole weight.
    const double quantized = p.fp8_params ? p.held_params(dense_q, expert_q, p.shards_weights()) : 0.0;
    const double fp8_copies = s.accel.fp8_transpose_copy ? 2.0 : 1.0;
    b.weights -= quantized * (weight_bytes - (p.shards_weights() ? 1.0 : fp8_copies));
    b.gradients = p.held_params(trained_dense, trained_expert, p.shards_gradients()) * grad_bytes;
    b.optimizer = p.held_params(trained_dense, trained_expert, p.zero >= 1) * optim_bytes;
    // Offloaded layers keep nothing on the accelerator but the one layer in transit (estimate).
    const double per_chunk = static_cast<double>(layers) / p.virtual_stages;
    const double offloaded = std::min<double>(p.activation_offload_layers, std::max(0.0, per_chunk - 1));
    b.activations = in_flight_chunks(p, stage) * (per_chunk - offloaded) * act_layer_bytes + head_act;
    if (offloaded > 0) b.activations += act_layer_bytes;
    if (p.recompute == model::Recompute::kFull) {
      // One layer's full activations while it is recomputed.
      b.activations += f.activation_bytes[m.is_moe_layer(m.layers - 1) ? 1 : 0][0];
    }
    // Runtime, communication buckets and allocator slack: 1 GiB (estimate), plus two gathered
    // layers under ZeRO-3 (one in use, one prefetched).
    b.buffers = 1073741824.0;
    if (p.shards_weights() && layers > 0) {
      const double fp8 = p.fp8_params ? dense_q + expert_q : 0.0;
      b.buffers += 2.0 / layers * ((params - fp8) * weight_bytes + fp8 * fp8_copies);
    }
    // Context parallelism holds other ranks' K and V for the layer it computes: the ring's
    // incoming shard beside its own, or every rank's under the all-gather exchange.
    if (p.cp > 1) {
      const double shards = p.cp_kv_exchange == CpKvExchange::kAllGather ? p.cp : 2.0;
      b.buffers += shards * cp_kv_bytes(m, p, static_cast<double>(p.micro_batch) * m.seq_len / p.cp);
    }
    if (b.total() > best.per_rank.total()) best.per_rank = b;
  }
  return best;
}

std::string MemoryReport::describe() const {
  return "weights " + format_bytes(per_rank.weights) + ", gradients " + format_bytes(per_rank.gradients) +
         ", optimizer " + format_bytes(per_rank.optimizer) + ", activations " + format_bytes(per_rank.activations) +
         ", buffers " + format_bytes(per_rank.buffers) + ": total " + format_bytes(per_rank.total()) + " per rank of " +
         format_bytes(capacity_per_rank);
}

}  // namespace trnsim::train
