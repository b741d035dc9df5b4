#include "trnsim/plan/search_space.h"

#include <algorithm>

namespace trnsim::plan {
namespace {

std::vector<int64_t> divisors(int64_t n) {
  std::vector<int64_t> out;
  for (int64_t d = 1; d * d <= n; ++d) {
    if (n % d != 0) continue;
    out.push_back(d);
    if (d != n / d) out.push_back(n / d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Offloaded layers to try with chunks of `chunk` layers: the experiment's own where they fit
// (else 0); when searching, also 0 and, where Megatron-Core allows offload (`allowed`: no pipeline,
// no recompute) on an accelerator with a host link, a quarter, half and three quarters.
std::vector<int> offload_options(const train::Experiment& e, int chunk, bool allowed, bool search) {
  const int own = e.plan.activation_offload_layers;
  std::vector<int> out{own < chunk ? own : 0};
  if (search) out.push_back(0);
  if (search && allowed && e.system.accel.host_link_bw.bytes_per_s > 0) {
    for (int q = 1; q <= 3; ++q) {
      if (const int n = (q * chunk + 3) / 4; n < chunk) out.push_back(n);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

bool plan_is_legal(const train::ParallelPlan& p, const model::ModelSpec& m, const hw::SystemSpec& s) {
  if (int64_t{p.tp} * p.pp * p.dp * p.cp != s.ranks()) return false;
  if (m.heads % p.tp != 0) return false;
  if (p.layout.empty() && int64_t{p.pp} * p.virtual_stages > m.layers) return false;
  const int64_t per_pass = int64_t{p.micro_batch} * p.dp;
  if (per_pass > p.global_batch || p.global_batch % per_pass != 0) return false;
  if (p.micro_batches() > train::kMaxMicroBatches) return false;
  if (p.schedule == train::PipelineSchedule::kInterleaved && !train::groups_fit(p.micro_batches(), p.pp, p.group())) {
    return false;
  }
  if (p.schedule == train::PipelineSchedule::kDualPipeV && p.micro_batches() < 2 * int64_t{p.pp}) return false;
  if (p.schedule == train::PipelineSchedule::kDualPipe &&
      (p.pp % 2 != 0 || p.micro_batches() % 2 != 0 || p.micro_batches() < 2 * int64_t{p.pp})) {
    return false;
  }
  if (m.seq_len % p.cp != 0) return false;
  if (p.ep > 1) {
    if (!m.moe || m.moe->experts % p.ep != 0) return false;
  }
  if (p.activation_offload_layers > 0 &&
      (p.activation_offload_layers >= m.layers / (p.pp * p.virtual_stages) || s.accel.host_link_bw.bytes_per_s <= 0)) {
    return false;
  }
  if (p.etp() != p.tp && (p.etp() != 1 || !p.sequence_parallel)) return false;
  if ((int64_t{p.tp} * p.cp * p.dp) % (int64_t{p.ep} * p.etp()) != 0) return false;
  return true;
}

SearchSpace enumerate_plans(const train::Experiment& e, const SearchChoices& choices) {
  const bool offload_choices = choices.offload, zero_bubble = choices.zero_bubble;
  SearchSpace out;
  const model::ModelSpec& m = e.model;
  const int64_t ranks = e.system.ranks();
  train::ParallelPlan base = e.plan;  // global batch, precision, flash attention, LoRA
  using train::PipelineSchedule;
  const model::Recompute recomputes[] = {model::Recompute::kNone, model::Recompute::kSelective, model::Recompute::kFull};
  for (int64_t tp : divisors(ranks)) {
    if (m.heads % tp != 0) continue;
    for (int64_t cp : divisors(ranks / tp)) {
      if (m.seq_len % cp != 0) continue;
      for (int64_t pp : divisors(ranks / (tp * cp))) {
        if (pp > m.layers) continue;
        const int64_t dp = ranks / (tp * cp * pp);
        if (e.plan.global_batch % dp != 0) continue;
        std::vector<int64_t> eps{1};
        if (m.moe) {
          eps.clear();
          for (int64_t ep : divisors(m.moe->experts)) {
            if ((dp * cp) % ep == 0) eps.push_back(ep);
          }
        }
        // Schedules: (schedule, virtual stages).
        std::vector<std::pair<PipelineSchedule, int>> schedules;
        if (pp == 1) {
          schedules.push_back({PipelineSchedule::kNone, 1});
        } else {
          schedules.push_back({PipelineSchedule::kGpipe, 1});
          schedules.push_back({PipelineSchedule::kOneFOneB, 1});
          // ZB-H1 and ZB-V where asked or where the experiment runs one: no Megatron release does,
          // so they are not searched by default.
          if (zero_bubble || e.plan.schedule == PipelineSchedule::kZeroBubble) {
            schedules.push_back({PipelineSchedule::kZeroBubble, 1});
          }
          if ((zero_bubble || e.plan.schedule == PipelineSchedule::kZeroBubbleV) && 2 * pp <= m.layers) {
            schedules.push_back({PipelineSchedule::kZeroBubbleV, 2});
          }
          // DualPipeV and DualPipe where asked or where the experiment runs them.
          if ((choices.dualpipe || e.plan.schedule == PipelineSchedule::kDualPipeV) && 2 * pp <= m.layers) {
            schedules.push_back({PipelineSchedule::kDualPipeV, 2});
          }
          if ((choices.dualpipe || e.plan.schedule == PipelineSchedule::kDualPipe) && pp % 2 == 0) {
            schedules.push_back({PipelineSchedule::kDualPipe, 1});
          }
          // The experiment's own depth is tried even where it splits the layers unevenly, or its
          // layout leaves chunks without a layer.
          const int64_t own_depth = pp == e.plan.pp && e.plan.schedule == PipelineSchedule::kInterleaved
                                        ? e.plan.virtual_stages : 0;
          for (int64_t v = 2; v * pp <= m.layers || v <= own_depth; ++v) {
            if (m.layers % (v * pp) == 0 || v == own_depth) {
              schedules.push_back({PipelineSchedule::kInterleaved, static_cast<int>(v)});
            }
          }
        }
        const bool sp_possible = tp > 1 && (m.seq_len / cp) % tp == 0;
        for (int64_t mb : divisors(e.plan.global_batch / dp)) {
          for (int64_t ep : eps) {
            for (const auto& [sched, v] : schedules) {
              for (int sp = 0; sp <= (sp_possible ? 1 : 0); ++sp) {
                for (model::Recompute rc : recomputes) {
                  const std::vector<int> offloads =
                      offload_options(e, m.layers / static_cast<int>(pp * v), pp == 1 && rc == model::Recompute::kNone,
                                      offload_choices);
                  for (int zero = 0; zero <= ((dp * cp) > 1 ? 3 : 0); ++zero) {
                    for (int offload : offloads) {
                      ++out.combinations;
                      train::ParallelPlan p = base;
                      p.tp = static_cast<int>(tp);
                      p.cp = static_cast<int>(cp);
                      p.pp = static_cast<int>(pp);
                      p.dp = static_cast<int>(dp);
                      p.ep = static_cast<int>(ep);
                      p.micro_batch = mb;
                      p.schedule = sched;
                      p.virtual_stages = v;
                      // Interleaving where pp does not divide the micro-batches: the smallest group
                      // that runs them, unless the experiment gives its own.
                      if (sched == PipelineSchedule::kInterleaved && base.microbatch_group == 0 &&
                          p.micro_batches() % p.pp != 0) {
                        p.microbatch_group = train::smallest_group(p.micro_batches(), p.pp);
                      }
                      p.sequence_parallel = sp == 1;
                      p.tp_overlap = base.tp_overlap && p.sequence_parallel;  // where it can apply
                      p.expert_tp = base.expert_tp == 1 && (p.tp == 1 || p.sequence_parallel) ? 1 : 0;
                      p.recompute = rc;
                      p.zero = zero;
                      p.activation_offload_layers = offload;
                      // A framework's all-to-all overlap applies where its rule says; a run's own choice stays.
                      if (base.ep_overlap_rule != train::EpOverlapRule::kNever) {
                        p.ep_overlap = train::ep_overlap_by_rule(p, e.system);
                      }
                      // The experiment's pipeline layout fits its own chunks only.
                      if (p.pp != base.pp || p.virtual_stages != base.virtual_stages) p.layout.clear();
                      if (plan_is_legal(p, m, e.system)) out.plans.push_back(p);
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  return out;
}

std::string plan_label(const train::ParallelPlan& p) {
  std::string s = "tp " + std::to_string(p.tp) + " pp " + std::to_string(p.pp);
  if (p.virtual_stages > 1) s += "x" + std::to_string(p.virtual_stages);
  if (p.schedule == train::PipelineSchedule::kInterleaved && p.group() != p.pp) s += " group " + std::to_string(p.group());
  s += " dp " + std::to_string(p.dp) + " cp " + std::to_string(p.cp) + " ep " + std::to_string(p.ep) +
       (p.etp() != p.tp ? " etp " + std::to_string(p.etp()) : "") + " mb " +
       std::to_string(p.micro_batch) + (p.sequence_parallel ? " sp" : "") + " " +
       std::string(train::schedule_name(p.schedule)) + " recompute " + std::string(train::recompute_name(p.recompute)) +
       " zero " + std::to_string(p.zero) +
       (p.activation_offload_layers > 0 ? " offload " + std::to_string(p.activation_offload_layers) : "");
  return s;
}

}  // namespace trnsim::plan
