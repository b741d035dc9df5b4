// The planner benchmark of docs/planner.md: plans evaluated per second for Llama 3 70B on 1,024
// H100s (128 p5.48xlarge; target >= 10,000 per second on 2 cores) and on 128 Trainium2 chips
// (NeuronCore op costs, cached per shape), and the fast evaluator's agreement with simulate_step
// on a sample of the plans it timed.
// Usage: trnsim_plan_bench [--threads N] [--agreement N]
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include "trnsim/base/config.h"
#include "trnsim/plan/fast_eval.h"
#include "trnsim/plan/planner.h"
#include "trnsim/plan/search_space.h"
#include "trnsim/train/experiment.h"
#include "trnsim/train/step.h"

namespace {

using namespace trnsim;

const char* kH100 =
    "id: llama3-70b-h100-1024\n"
    "system: {preset: p5.48xlarge, accelerator: h100-sxm, count: 1024}\n"
    "model: llama3-70b\n"
    "training: {global_batch: 1024, micro_batch: 1, tp: 8, pp: 4, dp: 32, sequence_parallel: true,\n"
    "           pp_schedule: 1f1b, recompute: selective, zero: 1, precision: bf16}\n";

const char* kTrn2 =
    "id: llama3-70b-trn2-128\n"
    "system: {preset: trn2-ultraserver, accelerator: trn2, count: 128, neuron_cores: 512}\n"
    "model: llama3-70b\n"
    "training: {global_batch: 1024, micro_batch: 1, tp: 32, pp: 4, dp: 4, sequence_parallel: true,\n"
    "           pp_schedule: 1f1b, recompute: selective, zero: 1, precision: bf16}\n";

train::Experiment load(const char* yaml) {
  return train::experiment_from_config(ConfigNode::parse_yaml(yaml, "<bench>"), false);
}

void search(const char* name, const char* yaml, int threads, double target) {
  const train::Experiment e = load(yaml);
  plan::PlanOptions o;
  o.threads = threads;
  const plan::PlanSearchResult r = plan::search_plans(e, o);
  std::printf("%-28s legal %7lld  fit+timed %7lld  simulated %3lld  wall %6.2f s (fast %.2f, exact %.2f)  "
              "%8.0f plans/s%s\n",
              name, static_cast<long long>(r.legal), static_cast<long long>(r.fast_evaluated),
              static_cast<long long>(r.simulated), r.sim_wall_s, r.fast_wall_s, r.exact_wall_s, r.plans_per_s(),
              target > 0 ? (r.plans_per_s() >= target ? "  (target met)" : "  (target MISSED)") : "");
  if (!r.plans.empty()) {
    std::printf("  best: %s  %.3f s/step  MFU %.1f%%\n", plan::plan_label(r.plans[0].plan).c_str(),
                r.plans[0].result.step_time_s, 100 * r.plans[0].result.mfu);
  }
}

// Fast evaluator vs simulate_step on every k-th plan that fits.
void agreement(const char* name, const char* yaml, int samples) {
  const train::Experiment e = load(yaml);
  const plan::SearchSpace space = plan::enumerate_plans(e);
  plan::CostCache cache(e.system, train::cost_options(e.plan));
  plan::FastEvaluator ev(e, cache);
  std::vector<train::ParallelPlan> fit;
  for (const auto& p : space.plans) {
    const auto m = ev.memory(p);
    if (m && m->fits()) fit.push_back(p);
  }
  const size_t stride = std::max<size_t>(1, fit.size() / samples);
  double worst = 0, sum = 0;
  int count = 0, within1 = 0;
  std::string worst_label;
  for (size_t i = 0; i < fit.size(); i += stride) {
    train::Experiment x = e;
    x.plan = fit[i];
    const double exact = train::simulate_step(x).step_time_s;
    const double fast = ev.step(fit[i]).step_time_s;
    const double err = std::fabs(fast - exact) / exact;
    sum += err;
    ++count;
    within1 += err <= 0.01;
    if (err > worst) worst = err, worst_label = plan::plan_label(fit[i]);
  }
  std::printf("%-28s agreement over %d plans: mean %.3f%%, worst %.3f%% (%s), within 1%%: %d\n", name, count,
              100 * sum / count, 100 * worst, worst_label.c_str(), within1);
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 2, samples = 200;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--agreement")) samples = std::atoi(argv[i + 1]);
  }
  try {
    search("llama3-70b 1024 x H100", kH100, threads, 10000);
    search("llama3-70b 128 x trn2", kTrn2, threads, 0);
    if (samples > 0) {
      agreement("llama3-70b 1024 x H100", kH100, samples);
      agreement("llama3-70b 128 x trn2", kTrn2, samples / 4);
    }
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "trnsim_plan_bench: %s\n", ex.what());
    return 1;
  }
  return 0;
}
