// FastEvaluator::step: train/step.cpp's assembly of a step (chunks, pipeline, data-parallel
// synchronisation, optimizer) over cached layer costs and the lean pipeline.
#include <algorithm>

#include "trnsim/plan/fast_eval.h"
#include "trnsim/plan/fast_parts.h"
#include "trnsim/plan/lean_pipeline.h"
#include "trnsim/train/layout.h"
#include "trnsim/train/stage_layers.h"

namespace trnsim::plan {

using net::CollectiveKind;
using train::ParallelPlan;

namespace {

constexpr double kBucketParams = 40e6;  // Megatron's gradient bucket, as train/step.cpp

struct StageDp {
  Time exposed, param_gather_exposed;
};

StageDp data_parallel(const ParallelPlan& p, CostCache& cache, const train::GroupLayout& g, double dense,
                      double expert, Time bwd_window, Time fwd_window) {
  StageDp out;
  if (p.lora_rank > 0) return out;
  const double grad_bytes = p.precision == cost::Precision::kFp16 ? 2 : 4;
  const double param_bytes = p.precision == cost::Precision::kFp32 ? 4 : 2;
  const CollectiveKind reduce = p.zero >= 1 ? CollectiveKind::kReduceScatter : CollectiveKind::kAllReduce;
  const Time grads = cache.collective(reduce, dense * grad_bytes, g.dense_dp) +
                     cache.collective(reduce, expert * grad_bytes, g.expert_dp);
  const double total = dense + expert;
  const Time last_bucket = total > 0 ? Time::from_seconds(grads.seconds() * std::min(1.0, kBucketParams / total)) : Time();
  out.exposed = max(last_bucket, grads > bwd_window ? grads - bwd_window : Time());
  if (p.zero == 1 || p.zero == 2) {
    const Time gather = cache.collective(CollectiveKind::kAllGather, dense * param_bytes, g.dense_dp) +
                        cache.collective(CollectiveKind::kAllGather, expert * param_bytes, g.expert_dp);
    const Time first_bucket = total > 0 ? Time::from_seconds(gather.seconds() * std::min(1.0, kBucketParams / total)) : Time();
    out.param_gather_exposed = max(first_bucket, gather > fwd_window ? gather - fwd_window : Time());
  }
  return out;
}

int dense_layers_in(const model::ModelSpec& m, const train::ChunkLayers& cl) {
  if (!m.moe) return cl.count;
  return std::max(0, std::min(cl.first + cl.count, m.moe->dense_layers) - cl.first);
}

}  // namespace

train::StepResult FastEvaluator::step(const ParallelPlan& p) {
  const auto lc = layer_costs(p);
  const model::ModelSpec& m = base_.model;
  const train::GroupLayout groups = train::group_layout(p);
  const int chunks = p.pp * p.virtual_stages;
  std::vector<Part> cc(chunks);
  for (int g = 0; g < chunks; ++g) {
    const train::ChunkLayers cl = train::chunk_layers(m, p, g);
    const int nd = dense_layers_in(m, cl);
    if (nd > 0) cc[g].add(lc->layer[0], nd);
    if (cl.count - nd > 0) cc[g].add(lc->layer[1], cl.count - nd);
    if (cl.embedding) cc[g].add(lc->embedding, 1);
    if (cl.head) cc[g].add(lc->head, 1);
    if (p.zero >= 3) {
      // ZeRO-3: gather before forward and backward, reduce-scatter after, prefetched behind compute.
      const double param_bytes = p.precision == cost::Precision::kFp32 ? 4 : 2;
      const double grad_bytes = p.precision == cost::Precision::kFp16 ? 2 : 4;
      auto both = [&](CollectiveKind k, double bytes_per) {
        return cache_.collective(k, cc[g].dense_params * bytes_per, groups.dense_dp) +
               cache_.collective(k, cc[g].expert_params * bytes_per, groups.expert_dp);
      };
      const Time gather = both(CollectiveKind::kAllGather, param_bytes);
      const Time scatter = p.lora_rank > 0 ? Time() : both(CollectiveKind::kReduceScatter, grad_bytes);
      if (gather > cc[g].fwd) cc[g].fwd = gather;
      if (gather + scatter > cc[g].bwd) cc[g].bwd = gather + scatter;
    }
  }
  train::PipelineInput in;
  in.pp = p.pp;
  in.virtual_stages = p.virtual_stages;
  in.micro_batches = p.micro_batches();
  in.schedule = p.schedule;
  for (const auto& c : cc) {
    in.fwd.push_back(c.fwd);
    in.bwd.push_back(c.bwd);
  }
  const double tokens = static_cast<double>(p.micro_batch) * m.seq_len / p.cp;
  const double act_bytes = tokens * m.hidden * (p.precision == cost::Precision::kFp32 ? 4 : 2) /
                           (p.sequence_parallel ? p.tp : 1);
  in.p2p = p.pp > 1 ? cache_.collective(CollectiveKind::kSendRecv, act_bytes, groups.pp) : Time();
  const LeanPipelineResult pipe = lean_pipeline(in);

  train::StepResult r;
  Time end;
  const int64_t mbs = p.micro_batches();
  for (int s = 0; s < p.pp; ++s) {
    double dense = 0, expert = 0;
    Time bwd_one, fwd_one;
    for (int v = 0; v < p.virtual_stages; ++v) {
      const Part& c = cc[v * p.pp + s];
      dense += c.dense_params;
      expert += c.expert_params;
      bwd_one += c.bwd;
      fwd_one += c.fwd;
    }
    const StageDp dp = p.zero >= 3 ? StageDp{} : data_parallel(p, cache_, groups, dense, expert, bwd_one, fwd_one);
    const Time stage_end = pipe.stage_end[s] + dp.exposed + dp.param_gather_exposed;
    const double shard = p.zero >= 1 ? static_cast<double>(p.dp) * p.cp : 1.0;
    const double local = p.lora_rank > 0 ? 0.0 : dense / shard + expert / std::max(1.0, shard / p.ep);
    const Time optimizer = cache_.memory_bound(local * 34.0);
    if (s > 0 && stage_end + optimizer <= end) continue;
    end = stage_end + optimizer;
    r.slowest_stage = s;
    train::StepBreakdown& b = r.breakdown;
    b = train::StepBreakdown{};
    for (int v = 0; v < p.virtual_stages; ++v) {
      const Part& c = cc[v * p.pp + s];
      b.tp_comm_s += c.tp.seconds() * mbs;
      b.cp_comm_s += c.cp.seconds() * mbs;
      b.ep_comm_s += c.ep.seconds() * mbs;
      b.recompute_s += c.recompute.seconds() * mbs;
    }
    b.compute_s = pipe.stage_busy[s].seconds() - b.tp_comm_s - b.cp_comm_s - b.ep_comm_s;
    b.pp_bubble_s = (pipe.stage_end[s] - pipe.stage_busy[s]).seconds();
    b.dp_comm_s = (dp.exposed + dp.param_gather_exposed).seconds();
    b.optimizer_s = optimizer.seconds();
  }
  r.step_time_s = end.seconds();
  double model_flops = 0, hw_flops = 0;
  for (const auto& c : cc) {
    model_flops += c.model_flops;
    hw_flops += c.hardware_flops;
  }
  const double replicas = static_cast<double>(p.tp) * p.cp * p.dp * mbs;
  r.model_flops = model_flops * replicas;
  const double peak = precision_peak(base_.system.accel, p.precision) * static_cast<double>(base_.system.count);
  r.mfu = r.model_flops / (r.step_time_s * peak);
  r.hfu = hw_flops * replicas / (r.step_time_s * peak);
  r.tokens_per_s = static_cast<double>(p.global_batch) * m.seq_len / r.step_time_s;
  return r;
}

}  // namespace trnsim::plan
