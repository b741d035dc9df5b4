#include "trnsim/io/json_text.h"
#include "trnsim/io/step_report.h"

#include <algorithm>
#include <cstdio>

#include "trnsim/base/units.h"

namespace trnsim::io {
namespace {


nlohmann::json memory_json(const train::MemoryReport& m) {
  const auto& b = m.per_rank;
  return {{"weights_bytes", b.weights}, {"gradients_bytes", b.gradients}, {"optimizer_bytes", b.optimizer},
          {"activations_bytes", b.activations}, {"buffers_bytes", b.buffers}, {"total_per_rank_bytes", b.total()},
          {"capacity_per_rank_bytes", m.capacity_per_rank}, {"ranks_per_chip", m.ranks_per_accel}};
}

}  // namespace

nlohmann::json plan_json(const train::ParallelPlan& p) {
  return {{"global_batch", p.global_batch}, {"micro_batch", p.micro_batch}, {"tp", p.tp}, {"pp", p.pp},
          {"dp", p.dp}, {"cp", p.cp}, {"ep", p.ep}, {"expert_tp", p.etp()},
          {"sequence_parallel", p.sequence_parallel},
          {"pp_schedule", train::schedule_name(p.schedule)}, {"pp_virtual_stages", p.virtual_stages},
          {"pp_microbatch_group", p.schedule == train::PipelineSchedule::kInterleaved ? p.group() : 0},
          {"recompute", train::recompute_name(p.recompute)},
          {"selective_recompute", train::selective_policy_name(p.selective_policy)},
          {"recompute_modules", train::recompute_module_names(p.recompute_modules)},
          {"zero", p.zero},
          {"precision", cost::precision_name(p.precision)}, {"tp_overlap", p.tp_overlap}, {"ep_overlap", p.ep_overlap},
          {"moe_host_overhead_s", p.moe_host_overhead.seconds()},
          {"attention_rate", p.attention_rate},
          {"dp_overlap", p.dp_overlap}, {"pp_overlap", p.pp_overlap()}, {"pp_scatter_gather", p.pp_scatter_gather},
          {"activation_offload_layers", p.activation_offload_layers},
          {"grad_reduce_in_fp32", p.grad_bytes() == 4}, {"grad_accumulation_pass", p.grad_accumulation_pass},
          {"zero3_gather_once", p.zero3_gather_once}, {"zero3_copy_passes", p.zero3_copy_passes},
          {"fp8_params", p.fp8_params},
          {"optimizer_moments", p.bf16_moments ? "bf16" : "fp32"},
          {"cp_kv_exchange", train::kCpKvExchangeNames[static_cast<size_t>(p.cp_kv_exchange)]},
          {"cp_repeat_kv", p.cp_repeat_kv},
          {"flash_attention", p.flash_attention},
          {"attention_dropout", p.attention_dropout},
          {"cross_entropy", train::cross_entropy_name(p.fused_cross_entropy)},
          {"attention_kernel", cost::attention_kernel_name(p.attention_kernel)},
          {"micro_batches_per_step", p.micro_batches()}};
}

nlohmann::json step_result_json(const train::Experiment& e, const train::StepResult& r) {
  nlohmann::json j = {
      {"experiment", e.id},
      {"system", {{"name", e.system.name}, {"accelerator", e.system.accel.name}, {"count", e.system.count},
                  {"ranks", e.system.ranks()}}},
      {"model", e.model.name},
      {"plan", plan_json(e.plan)},
      {"fits", r.fits},
      {"memory_per_chip_bytes", r.memory.per_accel()},
      {"memory_capacity_bytes", r.memory.capacity_per_accel()},
      {"memory", memory_json(r.memory)},
      {"sim_wall_s", r.sim_wall_s},
  };
  if (r.step_time_s <= 0) return j;
  const auto& b = r.breakdown;
  j["step_time_s"] = r.step_time_s;
  j["tokens_per_s"] = r.tokens_per_s;
  j["mfu"] = r.mfu;
  j["hfu"] = r.hfu;
  j["model_flops_per_step"] = r.model_flops;
  j["slowest_stage"] = r.slowest_stage;
  j["breakdown"] = {{"compute_s", b.compute_s}, {"recompute_s", b.recompute_s}, {"tp_comm_s", b.tp_comm_s},
                    {"cp_comm_s", b.cp_comm_s}, {"ep_comm_s", b.ep_comm_s}, {"pp_bubble_s", b.pp_bubble_s},
                    {"pp_comm_s", b.pp_comm_s},
                    {"dp_comm_s", b.dp_comm_s}, {"offload_s", b.offload_s}, {"host_s", b.host_s},
                    {"optimizer_s", b.optimizer_s}};
  return j;
}

std::string format_step_summary(const train::Experiment& e, const train::StepResult& r) {
  std::string s;
  char buf[512];
  const auto& p = e.plan;
  // The pipeline's schedule beside its degree, and the chunks per stage (and a group of
  // micro-batches other than pp) where it interleaves.
  std::string schedule;
  if (p.pp > 1) {
    const bool interleaved = p.schedule == train::PipelineSchedule::kInterleaved;
    schedule = " (" + std::string(train::schedule_name(p.schedule)) +
               (interleaved ? " x " + std::to_string(p.virtual_stages) : "") +
               (interleaved && p.group() != p.pp ? ", groups of " + std::to_string(p.group()) : "") + ")";
  }
  std::snprintf(buf, sizeof buf, "%s on %lld x %s (%s): tp %d pp %d%s dp %d cp %d ep %d, micro-batch %lld x %lld, %s\n",
                e.model.name.c_str(), static_cast<long long>(e.system.count), e.system.accel.name.c_str(),
                e.system.name.c_str(), p.tp, p.pp, schedule.c_str(), p.dp, p.cp, p.ep,
                static_cast<long long>(p.micro_batch), static_cast<long long>(p.micro_batches()),
                std::string(cost::precision_name(p.precision)).c_str());
  s += buf;
  if (p.fp8_params) s.insert(s.size() - 1, " weights");
  if (p.flash_attention && p.attention_kernel == cost::AttentionKernel::kFlash2) {
    s.insert(s.size() - 1, ", FlashAttention-2");
  }
  std::snprintf(buf, sizeof buf, "memory per chip  %s of %s (%s)\n",
                format_bytes(r.memory.per_accel()).c_str(),
                format_bytes(r.memory.capacity_per_accel()).c_str(), r.memory.describe().c_str());
  s += buf;
  if (!r.fits) s += "does not fit in memory\n";
  if (r.step_time_s <= 0) return s;
  std::snprintf(buf, sizeof buf, "step time        %.4f s   tokens/s %.4g   MFU %.1f%%   HFU %.1f%%\n", r.step_time_s,
                r.tokens_per_s, 100 * r.mfu, 100 * r.hfu);
  s += buf;
  const auto& b = r.breakdown;
  std::snprintf(buf, sizeof buf,
                "breakdown (stage %d)  compute %.4f s (recompute %.4f)  tp %.4f  cp %.4f  ep %.4f  pp bubble %.4f  "
                "dp %.4f  optimizer %.4f",
                r.slowest_stage, b.compute_s, b.recompute_s, b.tp_comm_s, b.cp_comm_s, b.ep_comm_s, b.pp_bubble_s,
                b.dp_comm_s, b.optimizer_s);
  s += buf;
  if (!p.pp_overlap() && p.pp > 1) {
    std::snprintf(buf, sizeof buf, "  pp sends %.4f", b.pp_comm_s);
    s += buf;
  }
  if (p.activation_offload_layers > 0) {
    std::snprintf(buf, sizeof buf, "  offload %.4f", b.offload_s);
    s += buf;
  }
  if (b.host_s > 0) {
    std::snprintf(buf, sizeof buf, "  host %.4f", b.host_s);
    s += buf;
  }
  s += "\n";
  std::snprintf(buf, sizeof buf, "simulated in %.3f s\n", r.sim_wall_s);
  return s + buf;
}

std::string step_trace_json(const train::Experiment& e, const train::StepResult& r, const std::vector<int>& stages) {
  using nlohmann::json;
  json events = json::array();
  events.push_back({{"ph", "M"}, {"name", "process_name"}, {"pid", 0},
                    {"args", {{"name", e.model.name + " step on " + e.system.name}}}});
  auto wanted = [&](int s) { return stages.empty() || std::find(stages.begin(), stages.end(), s) != stages.end(); };
  const int pp = e.plan.pp;
  for (int s = 0; s < pp; ++s) {
    if (!wanted(s)) continue;
    events.push_back({{"ph", "M"}, {"name", "thread_name"}, {"pid", 0}, {"tid", s},
                      {"args", {{"name", "stage " + std::to_string(s)}}}});
  }
  // DualPipe ran folded (train::simulated_plan): stage s's tasks are those of ranks s and pp - 1 - s,
  // which run the same order on mirrored micro-batches. On rank s < pp / 2 chunks below pp / 2 carry
  // the micro-batches that enter at rank 0 (numbered from 0), the others those that enter at rank
  // pp - 1 (numbered from half the micro-batches); on its mirror the other way round.
  const bool dual = e.plan.schedule == train::PipelineSchedule::kDualPipe;
  const int64_t half_mbs = e.plan.micro_batches() / 2;
  auto add = [&](const train::PipelineTask& t, int rank, int64_t mb) {
    if (!wanted(rank)) return;
    events.push_back({{"ph", "X"},
                      {"name", std::string(t.forward ? "F" : t.weight ? "W" : "B") + std::to_string(mb)},
                      {"pid", 0},
                      {"tid", rank},
                      {"ts", t.start.us()},
                      {"dur", (t.end - t.start).us()},
                      {"args", {{"chunk", t.chunk}, {"micro_batch", mb}}}});
    // A blocking send holds the stage at the end of its task: nested inside it.
    if (t.send > Time()) {
      events.push_back({{"ph", "X"}, {"name", "send"}, {"pid", 0}, {"tid", rank}, {"ts", (t.end - t.send).us()},
                        {"dur", t.send.us()}, {"args", {{"chunk", t.chunk}, {"micro_batch", mb}}}});
    }
  };
  for (const auto& t : r.trace) {
    if (!dual) {
      add(t, t.stage, t.micro_batch);
      continue;
    }
    const bool second = t.chunk >= pp / 2;
    add(t, t.stage, t.micro_batch + (second ? half_mbs : 0));
    add(t, pp - 1 - t.stage, t.micro_batch + (second ? 0 : half_mbs));
  }
  return json_text(json{{"traceEvents", events}, {"displayTimeUnit", "ms"}}, -1);
}

}  // namespace trnsim::io
