#include "trnsim/train/step.h"

#include <algorithm>
#include <chrono>

#include "trnsim/cost/op_cost.h"
#include "trnsim/net/collective.h"
#include "trnsim/train/chunk_cost.h"
#include "trnsim/train/layout.h"

namespace trnsim::train {
namespace {

using net::CollectiveKind;

// Megatron's default gradient bucket: 40M parameters. The last bucket's reduction cannot hide.
constexpr double kBucketParams = 40e6;

struct StageDp {
  Time exposed;  // after the stage's last backward
  Time param_gather_exposed;
};

Time group_collective(const net::NetworkModel& net, CollectiveKind k, double bytes, const net::Group& g) {
  if (g.size <= 1 || bytes <= 0) return Time();
  return net.collective(k, static_cast<int64_t>(bytes), g).time;
}

// Gradient reduction (and, with ZeRO >= 1, the parameter all-gather after the optimizer) of one
// stage. Reductions overlap the last micro-batch's backward (bucketed, as Megatron and FSDP do);
// only the part that does not fit, and at least the last bucket, shows.
StageDp data_parallel(const ParallelPlan& p, const net::NetworkModel& net, const GroupLayout& g, double dense,
                      double expert, Time bwd_window, Time fwd_window) {
  StageDp out;
  if (p.lora_rank > 0) return out;  // adapters only: negligible
  const double grad_bytes = p.precision == cost::Precision::kFp16 ? 2 : 4;
  const double param_bytes = p.precision == cost::Precision::kFp32 ? 4 : 2;
  const CollectiveKind reduce = p.zero >= 1 ? CollectiveKind::kReduceScatter : CollectiveKind::kAllReduce;
  auto sync = [&](double params, const net::Group& grp, CollectiveKind kind, double bytes_per) {
    return group_collective(net, kind, params * bytes_per, grp);
  };
  const Time grads = sync(dense, g.dense_dp, reduce, grad_bytes) + sync(expert, g.expert_dp, reduce, grad_bytes);
  const double total = dense + expert;
  const Time last_bucket = total > 0 ? Time::from_seconds(grads.seconds() * std::min(1.0, kBucketParams / total)) : Time();
  out.exposed = max(last_bucket, grads > bwd_window ? grads - bwd_window : Time());
  if (p.zero == 1 || p.zero == 2) {
    const Time gather = sync(dense, g.dense_dp, CollectiveKind::kAllGather, param_bytes) +
                        sync(expert, g.expert_dp, CollectiveKind::kAllGather, param_bytes);
    const Time first_bucket = total > 0 ? Time::from_seconds(gather.seconds() * std::min(1.0, kBucketParams / total)) : Time();
    out.param_gather_exposed = max(first_bucket, gather > fwd_window ? gather - fwd_window : Time());
  }
  return out;
}

// ZeRO-3 gathers each layer's parameters before its forward and again before its backward and
// reduce-scatters its gradients, every micro-batch, prefetching behind compute.
void add_zero3(const ParallelPlan& p, const net::NetworkModel& net, const GroupLayout& g, ChunkCost& c) {
  const double param_bytes = p.precision == cost::Precision::kFp32 ? 4 : 2;
  const double grad_bytes = p.precision == cost::Precision::kFp16 ? 2 : 4;
  auto both = [&](CollectiveKind k, double bytes_per) {
    return group_collective(net, k, c.dense_params * bytes_per, g.dense_dp) +
           group_collective(net, k, c.expert_params * bytes_per, g.expert_dp);
  };
  const Time gather = both(CollectiveKind::kAllGather, param_bytes);
  const Time scatter = p.lora_rank > 0 ? Time() : both(CollectiveKind::kReduceScatter, grad_bytes);
  if (gather > c.fwd) c.fwd = gather;
  if (gather + scatter > c.bwd) c.bwd = gather + scatter;
}

// The dense peak of the matmul precision (bf16 where the accelerator has no faster path).
double precision_peak(const hw::AcceleratorSpec& a, cost::Precision p) {
  switch (p) {
    case cost::Precision::kFp8: return a.peak_fp8_flops > 0 ? a.peak_fp8_flops : a.peak_bf16_flops;
    case cost::Precision::kInt8: return a.peak_int8_ops > 0 ? a.peak_int8_ops : a.peak_bf16_flops;
    case cost::Precision::kFp16: return a.peak_fp16_flops > 0 ? a.peak_fp16_flops : a.peak_bf16_flops;
    case cost::Precision::kFp32: return a.peak_fp32_flops;
    case cost::Precision::kBf16: break;
  }
  return a.peak_bf16_flops;
}

}  // namespace

StepResult simulate_step(const Experiment& e, const StepOptions& opts) {
  const auto wall0 = std::chrono::steady_clock::now();
  const ParallelPlan& p = e.plan;
  StepResult r;
  r.memory = memory_per_rank(e.model, p, e.system);
  r.fits = r.memory.fits();
  if (!r.fits && !opts.ignore_memory) return r;

  cost::CostOptions co;
  co.precision = p.precision;
  auto cost = cost::make_cost_model(e.system, co);
  const net::NetworkModel net(e.system);
  const GroupLayout groups = group_layout(p);
  ChunkCoster coster(e, *cost, net);

  const int chunks = p.pp * p.virtual_stages;
  std::vector<ChunkCost> cc;
  for (int g = 0; g < chunks; ++g) {
    cc.push_back(coster.chunk(g));
    if (p.zero >= 3) add_zero3(p, net, groups, cc.back());
  }
  PipelineInput in;
  in.pp = p.pp;
  in.virtual_stages = p.virtual_stages;
  in.micro_batches = p.micro_batches();
  in.schedule = p.schedule;
  for (const auto& c : cc) {
    in.fwd.push_back(c.fwd);
    in.bwd.push_back(c.bwd);
  }
  const double tokens = static_cast<double>(p.micro_batch) * e.model.seq_len / p.cp;
  const double act_bytes = tokens * e.model.hidden * (p.precision == cost::Precision::kFp32 ? 4 : 2) /
                           (p.sequence_parallel ? p.tp : 1);
  in.p2p = p.pp > 1 ? group_collective(net, CollectiveKind::kSendRecv, act_bytes, groups.pp) : Time();
  PipelineResult pipe = run_pipeline(in, opts.keep_trace);

  // Per stage: its data-parallel synchronisation after its last backward.
  Time end;
  const int64_t m = p.micro_batches();
  for (int s = 0; s < p.pp; ++s) {
    double dense = 0, expert = 0;
    Time bwd_one, fwd_one;
    for (int v = 0; v < p.virtual_stages; ++v) {
      const ChunkCost& c = cc[v * p.pp + s];
      dense += c.dense_params;
      expert += c.expert_params;
      bwd_one += c.bwd;
      fwd_one += c.fwd;
    }
    const StageDp dp = p.zero >= 3 ? StageDp{} : data_parallel(p, net, groups, dense, expert, bwd_one, fwd_one);
    const Time stage_end = pipe.stage_end[s] + dp.exposed + dp.param_gather_exposed;
    // Adam over this rank's share of the parameters: read and write fp32 master, m and v, read the
    // fp32 gradient, write the new weights (34 bytes per parameter).
    const double shard = p.zero >= 1 ? static_cast<double>(p.dp) * p.cp : 1.0;
    const double local = p.lora_rank > 0 ? 0.0 : dense / shard + expert / std::max(1.0, shard / p.ep);
    const Time optimizer = cost->memory_bound(local * 34.0);
    if (s > 0 && stage_end + optimizer <= end) continue;
    end = stage_end + optimizer;
    r.slowest_stage = s;
    StepBreakdown& b = r.breakdown;
    b = StepBreakdown{};
    for (int v = 0; v < p.virtual_stages; ++v) {
      const ChunkCost& c = cc[v * p.pp + s];
      b.tp_comm_s += c.tp_comm.seconds() * m;
      b.cp_comm_s += c.cp_comm.seconds() * m;
      b.ep_comm_s += c.ep_comm.seconds() * m;
      b.recompute_s += c.recompute.seconds() * m;
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
  const double replicas = static_cast<double>(p.tp) * p.cp * p.dp * m;
  r.model_flops = model_flops * replicas;
  const double peak = precision_peak(e.system.accel, p.precision) * static_cast<double>(e.system.count);
  r.mfu = r.model_flops / (r.step_time_s * peak);
  r.hfu = hw_flops * replicas / (r.step_time_s * peak);
  r.tokens_per_s = static_cast<double>(p.global_batch) * e.model.seq_len / r.step_time_s;
  r.trace = std::move(pipe.tasks);
  r.sim_wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  return r;
}

}  // namespace trnsim::train
