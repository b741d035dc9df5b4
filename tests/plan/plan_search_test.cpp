// The planner's search: the best plan is at least as good as the experiment's own, every reported
// plan is legal and fits, --top and the Pareto front hold, results do not depend on the threads,
// and the fast evaluator agrees with simulate_step.
#include <gtest/gtest.h>

#include <cmath>

#include "trnsim/base/error.h"
#include "trnsim/plan/fast_eval.h"
#include "trnsim/plan/plan_experiment.h"
#include "trnsim/plan/planner.h"
#include "trnsim/plan/search_space.h"
#include "trnsim/train/memory.h"
#include "trnsim/train/step.h"

namespace trnsim::plan {
namespace {

train::Experiment small() { return load_plan_experiment(std::string(TRNSIM_SOURCE_DIR) + "/tests/plan/data/small.yaml"); }

const PlanSearchResult& small_search() {
  static const PlanSearchResult r = [] {
    PlanOptions o;
    o.top = 4;
    o.threads = 2;
    return search_plans(small(), o);
  }();
  return r;
}

TEST(PlanSearch, BestPlanBeatsOrEqualsTheExperimentsOwn) {
  const PlanSearchResult& r = small_search();
  ASSERT_EQ(r.status, SearchStatus::kOk) << r.message;
  ASSERT_TRUE(r.experiment_plan.has_value());
  ASSERT_FALSE(r.plans.empty());
  EXPECT_LE(r.plans[0].result.step_time_s, r.experiment_plan->result.step_time_s);
  EXPECT_GT(r.fast_evaluated, 100);
  EXPECT_EQ(r.fast_evaluated, r.fitting);
  EXPECT_GE(r.legal, r.fitting);
}

TEST(PlanSearch, EveryReportedPlanIsLegalAndFits) {
  const train::Experiment e = small();
  const PlanSearchResult& r = small_search();
  for (const auto* list : {&r.plans, &r.pareto}) {
    for (const RankedPlan& p : *list) {
      EXPECT_NO_THROW(train::check_plan(p.plan, e.model, e.system, "test")) << plan_label(p.plan);
      EXPECT_TRUE(train::memory_per_rank(e.model, p.plan, e.system).fits()) << plan_label(p.plan);
      EXPECT_TRUE(p.result.fits);
      EXPECT_EQ(p.plan.global_batch, e.plan.global_batch);
      EXPECT_EQ(p.plan.precision, e.plan.precision);
    }
  }
  // The exact phase runs on the search's shared cost cache: its steps are what simulate_step
  // gives with its own, uncached models.
  for (const RankedPlan& p : r.plans) {
    train::Experiment x = e;
    x.plan = p.plan;
    EXPECT_DOUBLE_EQ(p.result.step_time_s, train::simulate_step(x).step_time_s) << plan_label(p.plan);
  }
}

TEST(PlanSearch, TopIsRankedAndTheParetoFrontIsUndominated) {
  const PlanSearchResult& r = small_search();
  ASSERT_EQ(r.plans.size(), 4u);
  for (size_t k = 1; k < r.plans.size(); ++k) EXPECT_LE(r.plans[k - 1].score, r.plans[k].score);
  ASSERT_FALSE(r.pareto.empty());
  // The fastest plan is on the front; no front plan is dominated by any reported plan.
  EXPECT_DOUBLE_EQ(r.pareto[0].result.step_time_s, r.plans[0].result.step_time_s);
  auto cost = [](const RankedPlan& p) { return p.econ.usd_per_step.value_or(p.result.step_time_s); };
  for (const auto& f : r.pareto) {
    for (const auto* list : {&r.plans, &r.pareto}) {
      for (const auto& q : *list) {
        const bool dominates = q.result.step_time_s <= f.result.step_time_s && cost(q) <= cost(f) &&
                               (q.result.step_time_s < f.result.step_time_s || cost(q) < cost(f));
        EXPECT_FALSE(dominates) << plan_label(q.plan) << " dominates " << plan_label(f.plan);
      }
    }
  }
}

TEST(PlanSearch, ParetoFrontKeepsOnlyUndominatedPoints) {
  const std::vector<std::pair<double, double>> pts{{1, 5}, {2, 4}, {2, 6}, {3, 4}, {4, 1}, {5, 2}};
  EXPECT_EQ(pareto_front(pts), (std::vector<size_t>{0, 1, 4}));
}

TEST(PlanSearch, ResultsDoNotDependOnThreads) {
  PlanOptions o;
  o.top = 6;
  o.threads = 1;
  const PlanSearchResult one = search_plans(small(), o);
  const PlanSearchResult& two_top4 = small_search();
  o.threads = 2;
  const PlanSearchResult two = search_plans(small(), o);
  ASSERT_EQ(one.plans.size(), two.plans.size());
  for (size_t k = 0; k < one.plans.size(); ++k) {
    EXPECT_EQ(plan_label(one.plans[k].plan), plan_label(two.plans[k].plan));
    EXPECT_EQ(one.plans[k].result.step_time_s, two.plans[k].result.step_time_s);
  }
  EXPECT_EQ(one.fast_evaluated, two.fast_evaluated);
  EXPECT_EQ(plan_label(one.plans[0].plan), plan_label(two_top4.plans[0].plan));
}

// A searched plan is the experiment's own only if it offloads as many layers.
TEST(PlanSearch, TheExperimentsPlanIsMatchedWithItsOffload) {
  const char* yaml = "system: {preset: p5.48xlarge, accelerator: h100-sxm, count: 16}\nmodel: llama3-8b\n"
                     "training: {global_batch: 64, micro_batch: 1, tp: 1, pp: 1, dp: 16, recompute: none, zero: 2, "
                     "activation_offload_layers: 8, precision: bf16}\n";
  const train::Experiment e = train::experiment_from_config(ConfigNode::parse_yaml(yaml, "<test>"), false);
  PlanOptions o;
  o.top = 8;
  o.threads = 2;
  o.choices.offload = true;
  const PlanSearchResult r = search_plans(e, o);
  ASSERT_EQ(r.status, SearchStatus::kOk) << r.message;
  ASSERT_TRUE(r.experiment_plan.has_value());
  EXPECT_EQ(r.experiment_plan->plan.activation_offload_layers, 8);
  for (const auto& p : r.plans) {
    if (p.is_experiment_plan) EXPECT_EQ(p.plan.activation_offload_layers, 8) << plan_label(p.plan);
  }
}

// Uneven interleaving depths are pruned, except the experiment's own.
TEST(PlanSearch, TheExperimentsOwnInterleavingDepthIsSearched) {
  const char* yaml = "system: {preset: p5.48xlarge, accelerator: h100-sxm, count: 16}\nmodel: llama3-8b\n"
                     "training: {global_batch: 64, tp: 4, pp: 4, dp: 1, pp_schedule: interleaved-1f1b, "
                     "pp_virtual_stages: 3, precision: bf16}\n";
  const train::Experiment e = train::experiment_from_config(ConfigNode::parse_yaml(yaml, "<test>"), false);
  int own = 0, other_uneven = 0;
  for (const auto& p : enumerate_plans(e).plans) {
    if (p.schedule != train::PipelineSchedule::kInterleaved || e.model.layers % (p.pp * p.virtual_stages) == 0) continue;
    (p.pp == 4 && p.virtual_stages == 3 ? own : other_uneven) += 1;
  }
  EXPECT_GT(own, 0);  // 32 layers over 4 x 3 chunks
  EXPECT_EQ(other_uneven, 0);
}

// --zero-bubble pairs every 1F1B plan with a ZB-H1 plan and, where the layers fill 2 pp chunks,
// a ZB-V plan with two virtual stages; without it neither is searched.
TEST(PlanSearch, ZeroBubbleTwinsEvery1F1BPlan) {
  train::Experiment e = small();
  e.model.layers = 12;  // pp 8 and 16 leave no room for a V; pp 2 and 4 do
  auto count = [](const SearchSpace& s, train::PipelineSchedule k, bool v_fits = false) {
    int64_t n = 0;
    for (const auto& p : s.plans) n += p.schedule == k && (!v_fits || 2 * p.pp <= 12);
    return n;
  };
  const SearchSpace plain = enumerate_plans(e), zb = enumerate_plans(e, {.zero_bubble = true});
  const int64_t one_f_one_b = count(plain, train::PipelineSchedule::kOneFOneB);
  ASSERT_GT(one_f_one_b, count(plain, train::PipelineSchedule::kOneFOneB, true));
  EXPECT_EQ(count(plain, train::PipelineSchedule::kZeroBubble) + count(plain, train::PipelineSchedule::kZeroBubbleV), 0);
  EXPECT_EQ(count(zb, train::PipelineSchedule::kZeroBubble), one_f_one_b);
  EXPECT_EQ(count(zb, train::PipelineSchedule::kZeroBubbleV), count(plain, train::PipelineSchedule::kOneFOneB, true));
  for (const auto& p : zb.plans) {
    if (p.schedule == train::PipelineSchedule::kZeroBubbleV) EXPECT_EQ(p.virtual_stages, 2);
  }
  EXPECT_EQ(zb.plans.size(), plain.plans.size() + count(zb, train::PipelineSchedule::kZeroBubble) +
                                 count(zb, train::PipelineSchedule::kZeroBubbleV));
}

// Within 1% on every sampled plan (measured: identical up to picosecond rounding).
TEST(PlanSearch, FastEvaluatorAgreesWithSimulateStep) {
  for (const char* yaml : {"system: {preset: p5.48xlarge, accelerator: h100-sxm, count: 16}\nmodel: llama3-8b\n"
                           "training: {global_batch: 256, precision: bf16}\n",
                           "system: {preset: p5.48xlarge, accelerator: h100-sxm, count: 64}\nmodel: mixtral-8x7b\n"
                           "training: {global_batch: 128, precision: bf16, moe_host_overhead: 5ms}\n",
                           // Per-plan layer costs: FSDP2's copies and accumulation pass by ZeRO stage,
                           // ZB-H1's split, and all-to-all overlap by Megatron-Bridge's rule.
                           "system: {preset: p5.48xlarge, accelerator: h100-sxm, count: 32}\nmodel: llama3-8b\n"
                           "training: {global_batch: 64, precision: bf16, framework: torchtitan}\n",
                           "system: {preset: p5.48xlarge, accelerator: h100-sxm, count: 32}\nmodel: mixtral-8x7b\n"
                           "training: {global_batch: 64, precision: bf16, framework: NeMo / Megatron-Bridge}\n"}) {
    const train::Experiment e = train::experiment_from_config(ConfigNode::parse_yaml(yaml, "<test>"), false);
    const SearchSpace space = enumerate_plans(e, {.zero_bubble = true});
    CostCache cache(e.system, train::cost_options(e.plan));
    FastEvaluator ev(e, cache);
    // Every plan first, as a search runs them, so that the sampled ones reuse what others cached.
    for (const auto& p : space.plans) {
      if (const auto m = ev.memory(p); m && m->fits()) ev.step(p);
    }
    int checked = 0;
    for (size_t i = 0; i < space.plans.size() && checked < 40; i += 97) {
      const auto mem = ev.memory(space.plans[i]);
      if (!mem || !mem->fits()) continue;
      train::Experiment x = e;
      x.plan = space.plans[i];
      const train::StepResult exact = train::simulate_step(x);
      ASSERT_TRUE(exact.fits);
      EXPECT_NEAR(mem->per_rank.total(), exact.memory.per_rank.total(), 1e-6 * exact.memory.per_rank.total());
      const double fast = ev.step(space.plans[i]).step_time_s;
      EXPECT_NEAR(fast, exact.step_time_s, 0.01 * exact.step_time_s) << plan_label(space.plans[i]);
      ++checked;
    }
    EXPECT_GE(checked, 10);
  }
}

// An experiment that runs DualPipe is searched with DualPipe on every even pipeline degree (and
// on no odd one), and the fast evaluator runs those plans folded as the step does.
TEST(PlanSearch, DualPipeSearchedWhereStatedAndAgreesWithSimulateStep) {
  const train::Experiment e = train::experiment_from_config(
      ConfigNode::parse_yaml("system: {preset: p5.48xlarge, accelerator: h100-sxm, count: 32}\nmodel: mixtral-8x7b\n"
                             "training: {global_batch: 256, tp: 1, pp: 4, dp: 8, ep: 8, precision: bf16, "
                             "pp_schedule: dualpipe}\n",
                             "<test>"),
      false);
  const SearchSpace space = enumerate_plans(e);
  CostCache cache(e.system, train::cost_options(e.plan));
  FastEvaluator ev(e, cache);
  int dual = 0, checked = 0;
  for (const auto& p : space.plans) {
    if (p.schedule != train::PipelineSchedule::kDualPipe) continue;
    ++dual;
    EXPECT_EQ(p.pp % 2, 0) << plan_label(p);
    EXPECT_EQ(p.micro_batches() % 2, 0) << plan_label(p);
    const auto mem = ev.memory(p);
    if (!mem || !mem->fits() || checked >= 12 || dual % 7 != 0) continue;
    train::Experiment x = e;
    x.plan = p;
    const train::StepResult exact = train::simulate_step(x);
    EXPECT_NEAR(mem->per_rank.total(), exact.memory.per_rank.total(), 1e-6 * exact.memory.per_rank.total());
    EXPECT_NEAR(ev.step(p).step_time_s, exact.step_time_s, 0.01 * exact.step_time_s) << plan_label(p);
    ++checked;
  }
  EXPECT_GT(dual, 0);
  EXPECT_GE(checked, 5);
  const SearchSpace other = enumerate_plans(small());
  for (const auto& p : other.plans) {
    EXPECT_NE(p.schedule, train::PipelineSchedule::kDualPipe);
    EXPECT_NE(p.schedule, train::PipelineSchedule::kDualPipeV);
  }
  // Asked for (`trnsim plan --dualpipe`), every pipeline also tries both, where they can run.
  const SearchSpace asked = enumerate_plans(small(), {.dualpipe = true});
  int64_t v = 0, bidirectional = 0;
  for (const auto& p : asked.plans) {
    v += p.schedule == train::PipelineSchedule::kDualPipeV;
    bidirectional += p.schedule == train::PipelineSchedule::kDualPipe;
    if (p.schedule == train::PipelineSchedule::kDualPipe) EXPECT_EQ(p.pp % 2, 0);
  }
  EXPECT_GT(v, 0);
  EXPECT_GT(bidirectional, 0);
  EXPECT_EQ(asked.plans.size(), other.plans.size() + v + bidirectional);
}

// A layout may leave chunks only the embedding or the head (Llama 3's pipeline), so that pp x
// virtual stages exceed the layers: the experiment's own depth is still searched, with its layout.
TEST(PlanSearch, OwnLayoutDepthBeyondTheLayersIsSearched) {
  const train::Experiment e = train::experiment_from_config(
      ConfigNode::parse_yaml("system: {preset: p5.48xlarge, accelerator: h100-sxm, count: 16}\n"
                             "model: {from: llama3-8b, layers: 6}\n"
                             "training: {global_batch: 16, tp: 8, pp: 2, dp: 1, pp_schedule: interleaved-1f1b, "
                             "pp_virtual_stages: 4, pp_layout: 'E|(t|)*6L', precision: bf16}\n",
                             "<test>"),
      false);
  ASSERT_EQ(e.plan.layout.size(), 8u);
  const SearchSpace space = enumerate_plans(e);
  int own = 0;
  for (const auto& p : space.plans) {
    if (p.pp != 2 || p.virtual_stages != 4) continue;
    ++own;
    EXPECT_EQ(p.layout.size(), 8u) << plan_label(p);
  }
  EXPECT_GT(own, 0);
  train::Experiment unlaid = e;
  unlaid.plan.layout.clear();
  const std::string msg = [&] {
    try {
      train::check_plan(unlaid.plan, unlaid.model, unlaid.system, "exp.yaml");
    } catch (const Error& err) {
      return std::string(err.what());
    }
    return std::string();
  }();
  EXPECT_NE(msg.find("exceeds the 6 layers"), std::string::npos) << msg;  // an even split needs a layer per chunk
}

// A frozen matmul (LoRA's base weights) takes no weight gradient: the cache must not hand it the
// backward time of a trained op of the same shape, nor the other way round.
TEST(PlanSearch, CostCacheKeepsFrozenAndTrainedOpsApart) {
  const train::Experiment e = small();
  CostCache cache(e.system, train::cost_options(e.plan));
  cost::CostOptions co;
  co.precision = e.plan.precision;
  const auto direct = cost::make_cost_model(e.system, co);
  model::Op op;
  op.name = "up";
  op.kind = model::OpKind::kMatmul;
  op.m = 4096, op.n = 4096, op.k = 4096;
  op.flops = 2.0 * 4096 * 4096 * 4096;
  op.bytes = 3.0 * 4096 * 4096 * 2;
  model::Op frozen = op;
  frozen.frozen = true;
  const Time trained_t = cache.backward(op), frozen_t = cache.backward(frozen);
  EXPECT_EQ(trained_t, direct->backward(op));
  EXPECT_EQ(frozen_t, direct->backward(frozen));
  EXPECT_LT(frozen_t, trained_t);
}

TEST(PlanSearch, UnknownObjectiveListsTheValidOnes) {
  try {
    parse_objective("speed");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("time, cost, energy"), std::string::npos) << e.what();
  }
}

TEST(PlanSearch, CostWithoutAPriceNamesTheKey) {
  const train::Experiment e = load_plan_experiment(std::string(TRNSIM_SOURCE_DIR) + "/tests/plan/data/no_price.yaml");
  PlanOptions o;
  o.objective = Objective::kCost;
  try {
    search_plans(e, o);
    FAIL();
  } catch (const Error& err) {
    EXPECT_NE(std::string(err.what()).find("trn2-ultraserver"), std::string::npos) << err.what();
    EXPECT_NE(std::string(err.what()).find("on_demand"), std::string::npos) << err.what();
  }
}

}  // namespace
}  // namespace trnsim::plan
