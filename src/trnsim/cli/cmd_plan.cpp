// trnsim plan exp.yaml [--objective time|cost|energy] [--top K] [--threads N] [--json]
#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "trnsim/io/json_text.h"
#include "trnsim/base/error.h"
#include "trnsim/cli/commands.h"
#include "trnsim/io/step_report.h"
#include "trnsim/cli/options.h"
#include "trnsim/plan/plan_experiment.h"
#include "trnsim/plan/planner.h"
#include "trnsim/plan/search_space.h"

namespace trnsim::cli {
namespace {

constexpr const char* kHelp =
    "usage: trnsim plan <experiment.yaml> [--objective time|cost|energy] [--top K] [--threads N] [--offload]\n"
    "                   [--zero-bubble] [--dualpipe] [--json]\n"
    "  Searches tp, pp (with interleaving), dp, cp, ep, micro-batch, recompute, ZeRO stage and sequence\n"
    "  parallelism for the experiment's model, system and global batch (precision kept), under the\n"
    "  memory limit, and prints the best K plans and the Pareto front of step time vs cost. --offload\n"
    "  also tries activation offload to host memory (1/4, 1/2, 3/4 of the layers) on accelerators\n"
    "  whose preset states a host link, in plans without pipeline parallelism or recompute.\n"
    "  --zero-bubble also tries the ZB-H1 and ZB-V pipeline schedules (docs/training.md) for every\n"
    "  pipeline, and --dualpipe DeepSeek's DualPipeV and DualPipe (DualPipe on even pp). Every reported\n"
    "  figure comes from a full step simulation (docs/planner.md). Exit codes: 0 done, 2 bad input,\n"
    "  4 no legal plan fits in memory, 6 no legal plan exists for the model and batch.\n";

constexpr int kNoLegalPlanExit = 6;

nlohmann::json opt(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }

nlohmann::json plan_json(const plan::RankedPlan& r) {
  const train::ParallelPlan& p = r.plan;
  nlohmann::json j = io::plan_json(p);
  j["label"] = plan::plan_label(p);
  j["step_time_s"] = r.result.step_time_s;
  j["fast_step_time_s"] = opt(r.fast_step_time_s);
  j["tokens_per_s"] = r.result.tokens_per_s;
  j["mfu"] = r.result.mfu;
  j["memory_per_chip_bytes"] = r.result.memory.per_accel();
  j["memory_capacity_bytes"] = r.result.memory.capacity_per_accel();
  j["usd_per_accel_hour"] = opt(r.econ.usd_per_accel_hour);
  j["usd_per_step"] = opt(r.econ.usd_per_step);
  j["joules_per_step"] = opt(r.econ.joules_per_step);
  j["avg_power_w"] = opt(r.econ.avg_power_w);
  if (!r.econ.missing.empty()) j["econ_missing"] = r.econ.missing;
  j["score"] = r.score;
  j["is_experiment_plan"] = r.is_experiment_plan;
  return j;
}

std::string money(const std::optional<double>& v) {
  if (!v) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "$%.2f", *v);
  return buf;
}

std::string energy(const std::optional<double>& v) {
  if (!v) return "-";
  // Joules in the unit that keeps three or more significant figures (small steps are kJ).
  char buf[32];
  if (*v >= 1e6) std::snprintf(buf, sizeof buf, "%.2f MJ", *v / 1e6);
  else if (*v >= 1e3) std::snprintf(buf, sizeof buf, "%.2f kJ", *v / 1e3);
  else std::snprintf(buf, sizeof buf, "%.1f J", *v);
  return buf;
}

void print_rows(const std::vector<plan::RankedPlan>& rows) {
  std::printf("  %-3s %-78s %10s %6s %10s %10s %10s\n", "#", "plan", "step s", "MFU", "mem GiB", "$/step", "energy");
  int k = 0;
  for (const auto& r : rows) {
    std::printf("  %-3d %-78s %10.4f %5.1f%% %10.2f %10s %10s%s\n", ++k, plan::plan_label(r.plan).c_str(),
                r.result.step_time_s, 100 * r.result.mfu, r.result.memory.per_accel() / 1073741824.0,
                money(r.econ.usd_per_step).c_str(), energy(r.econ.joules_per_step).c_str(),
                r.is_experiment_plan ? "  (experiment's plan)" : "");
  }
}

}  // namespace

int run_plan(const std::vector<std::string>& args) {
  if (auto rc = help_exit(args, kHelp)) return *rc;
  Options opts("plan", args, {"json", "offload", "zero-bubble", "dualpipe"});
  const bool json = opts.flag("json");
  plan::PlanOptions po;
  po.choices.offload = opts.flag("offload");
  po.choices.zero_bubble = opts.flag("zero-bubble");
  po.choices.dualpipe = opts.flag("dualpipe");
  po.objective = plan::parse_objective(opts.take("objective", "time"));
  po.top = static_cast<int>(opts.take_int("top", 5, 1, 1000));
  po.threads = static_cast<int>(opts.take_int("threads", 0, 0, 1024));
  opts.finish();
  if (opts.positional().size() != 1) {
    throw input_error("trnsim plan", "needs exactly one experiment file", "e.g. trnsim plan configs/examples/gpt3-175b-h100-1024.yaml");
  }
  const std::string& path = opts.positional()[0];
  const train::Experiment e = plan::load_plan_experiment(path);
  const plan::PlanSearchResult r = plan::search_plans(e, po);
  if (r.status != plan::SearchStatus::kOk) {
    std::fprintf(stderr, "trnsim: error: %s: %s (fix: %s)\n", path.c_str(), r.message.c_str(), r.hint.c_str());
    return r.status == plan::SearchStatus::kNoLegalPlan ? kNoLegalPlanExit : exit_code_for(ErrorKind::kCapacity);
  }
  if (json) {
    nlohmann::json j;
    j["objective"] = std::string(plan::objective_name(po.objective));
    j["plans"] = nlohmann::json::array();
    for (const auto& p : r.plans) j["plans"].push_back(plan_json(p));
    j["pareto"] = nlohmann::json::array();
    for (const auto& p : r.pareto) j["pareto"].push_back(plan_json(p));
    j["pareto_cost"] = r.pareto_cost;
    j["experiment_plan"] = r.experiment_plan ? plan_json(*r.experiment_plan) : nlohmann::json(nullptr);
    j["plans_evaluated"] = r.fast_evaluated + r.simulated;
    j["plans_fast_evaluated"] = r.fast_evaluated;
    j["plans_simulated"] = r.simulated;
    j["plans_legal"] = r.legal;
    j["combinations"] = r.combinations;
    j["threads"] = r.threads;
    j["sim_wall_s"] = r.sim_wall_s;
    j["plans_per_s"] = r.plans_per_s();
    std::printf("%s\n", io::json_text(j).c_str());
    return 0;
  }
  std::printf("%s on %lld x %s: best %zu by %s of %lld plans evaluated (%lld timed by the fast evaluator, %lld "
              "simulated exactly; %lld legal, %lld fit) in %.2f s on %d threads\n",
              e.model.name.c_str(), static_cast<long long>(e.system.count), e.system.accel.name.c_str(), r.plans.size(),
              std::string(plan::objective_name(po.objective)).c_str(),
              static_cast<long long>(r.fast_evaluated + r.simulated), static_cast<long long>(r.fast_evaluated),
              static_cast<long long>(r.simulated), static_cast<long long>(r.legal), static_cast<long long>(r.fitting),
              r.sim_wall_s, r.threads);
  print_rows(r.plans);
  std::printf("Pareto front, step time vs %s:\n", r.pareto_cost == "usd_per_step" ? "dollars per step" : "accelerator-hours per step (no price)");
  print_rows(r.pareto);
  if (r.experiment_plan) {
    std::printf("experiment's plan: %s  %.4f s/step  (best is %.1f%% faster)\n", plan::plan_label(r.experiment_plan->plan).c_str(),
                r.experiment_plan->result.step_time_s,
                100 * (1 - r.plans[0].result.step_time_s / r.experiment_plan->result.step_time_s));
  } else {
    std::printf("experiment's plan: does not fit in memory\n");
  }
  return 0;
}

}  // namespace trnsim::cli
