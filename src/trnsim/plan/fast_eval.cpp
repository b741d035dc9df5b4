#include "trnsim/plan/fast_eval.h"

#include "trnsim/base/error.h"
#include "trnsim/plan/lean_pipeline.h"
#include "trnsim/train/stage_layers.h"

namespace trnsim::plan {

using train::ParallelPlan;

FastEvaluator::FastEvaluator(const train::Experiment& base, CostCache& cache) : base_(base), cache_(cache) {}

std::shared_ptr<const std::optional<train::LayerFigures>> FastEvaluator::figures(const ParallelPlan& p) {
  const ShardKey key{p.micro_batch, p.tp, p.cp, p.ep, p.etp(), p.sequence_parallel};
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = figures_.find(key); it != figures_.end()) return it->second;
  }
  std::optional<train::LayerFigures> f;
  try {
    f = train::layer_figures(base_.model, train::shard_context(base_.model, p), p);
  } catch (const Error&) {
    // the model cannot be cut this way
  }
  std::lock_guard<std::mutex> lock(mu_);
  return figures_.emplace(key, std::make_shared<const std::optional<train::LayerFigures>>(f)).first->second;
}

std::shared_ptr<const train::LayerParts> FastEvaluator::parts(const ParallelPlan& p) {
  // The sharding and recompute, and what else a layer's time depends on where it applies (as
  // train::ops_part and train::layer_part test it): the gradient accumulation pass over unsharded
  // gradients, ZeRO-3's copy passes, the all-to-all overlap (a framework's rule decides it per
  // plan) and ZB-H1's split of the weight gradients.
  const bool moe_ep = base_.model.moe && p.ep > 1;
  const PartsKey key{p.micro_batch,
                     p.tp,
                     p.cp,
                     p.ep,
                     p.etp(),
                     p.sequence_parallel,
                     static_cast<int>(p.recompute),
                     p.grad_accumulation_pass && !p.shards_gradients(),
                     p.zero3_copy_passes && p.shards_weights(),
                     moe_ep && p.ep_overlap,
                     train::splits_backward(p.schedule)};
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = parts_.find(key); it != parts_.end()) return it->second;
  }
  auto lp = std::make_shared<const train::LayerParts>(train::layer_parts(base_.model, p, cache_, cache_));
  std::lock_guard<std::mutex> lock(mu_);
  return parts_.emplace(key, std::move(lp)).first->second;
}

std::optional<train::MemoryReport> FastEvaluator::memory(const ParallelPlan& p) {
  const auto f = figures(p);
  if (!f->has_value()) return std::nullopt;
  return train::memory_from_figures(base_.model, p, base_.system, **f);
}

train::StepResult FastEvaluator::step(const ParallelPlan& plan) {
  const ParallelPlan p = train::simulated_plan(plan);
  const std::vector<train::Part> chunks = train::chunk_parts(base_.model, p, *parts(p), cache_, cache_.overlap_slowdown(),
                                                                base_.system.host_link_bw_per_rank());
  const LeanPipelineResult pipe = lean_pipeline(train::pipeline_input(base_.model, p, chunks, cache_));
  return train::finish_step(base_, p, chunks, pipe.stages, cache_, cache_);
}

}  // namespace trnsim::plan
