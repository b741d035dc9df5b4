// The cluster benchmarks of docs/benchmarks-cluster.md, each against its target:
//   step_70b_4096    one step of Llama 3 70B on 4,096 chips (trn2 UltraServers; H100s alongside):
//                    simulated in < 0.5 s of host time
//   step_405b_rainier one step of Llama 3 405B on 524,288 Trainium2 chips (Project Rainier's
//                    scale): simulated in < 30 s
//   (each step also reports the peak resident memory of the process that simulated it)
//   allreduce_p5     all-reduce of 8 GiB on one p5.48xlarge (8 x H100): bus bandwidth against the
//                    ~480 GB/s nccl-tests reaches with NVLink SHARP (NVIDIA/nccl-tests issue 212)
// Each step runs in a child process so that its peak memory (getrusage ru_maxrss) is its own.
// Usage: trnsim_cluster_bench [--only <name>] [--json out.json]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "trnsim/base/config.h"
#include "trnsim/hw/system_spec.h"
#include "trnsim/io/chrome_trace.h"
#include "trnsim/net/collective.h"
#include "trnsim/train/experiment.h"
#include "trnsim/train/step.h"

namespace {

using namespace trnsim;
using Clock = std::chrono::steady_clock;

struct Row {
  std::string name, metric;
  double value, target;
  enum class Goal { kAtMost, kAtLeast, kWithin10Percent } goal = Goal::kAtMost;
  bool met() const {
    switch (goal) {
      case Goal::kAtMost: return value <= target;
      case Goal::kAtLeast: return value >= target;
      case Goal::kWithin10Percent: return std::fabs(value - target) <= 0.1 * target;
    }
    return false;
  }
};

struct StepCase {
  const char* name;
  const char* description;
  const char* yaml;
  double target_s;
};

// Llama 3 70B on 4,096 Trainium2 chips = 64 Trn2 UltraServers, 16,384 logical NeuronCores: the
// NxD Training two-UltraServer plan of configs/examples/llama3-70b-trn2-ultraserver.yaml (tp 32,
// pp 4, sequence parallel, selective recompute, ZeRO-1) with 32x the data parallelism.
const StepCase k70bTrn2 = {
    "step_70b_4096_trn2", "Llama 3 70B, 4,096 x trn2 (64 UltraServers), tp 32 pp 4 dp 128, GBS 1024 x 8K",
    "id: llama3-70b-trn2-4096\n"
    "system: {preset: trn2-ultraserver, accelerator: trn2, count: 4096, neuron_cores: 16384}\n"
    "model: llama3-70b\n"
    "training: {global_batch: 1024, micro_batch: 1, tp: 32, pp: 4, dp: 128, sequence_parallel: true,\n"
    "           pp_schedule: 1f1b, recompute: selective, zero: 1, precision: bf16}\n",
    0.5};

// The same model on 4,096 H100s (512 p5.48xlarge): Megatron-style tp 8 inside each node, pp 4.
const StepCase k70bH100 = {
    "step_70b_4096_h100", "Llama 3 70B, 4,096 x H100 (512 p5.48xlarge), tp 8 pp 4 dp 128, GBS 1024 x 8K",
    "id: llama3-70b-h100-4096\n"
    "system: {preset: p5.48xlarge, accelerator: h100-sxm, count: 4096}\n"
    "model: llama3-70b\n"
    "training: {global_batch: 1024, micro_batch: 1, tp: 8, pp: 4, dp: 128, sequence_parallel: true,\n"
    "           pp_schedule: 1f1b, recompute: selective, zero: 1, precision: bf16}\n",
    0.5};

// Llama 3 405B on 524,288 Trainium2 chips in Trn2 UltraServers (Project Rainier's scale),
// 2,097,152 logical NeuronCores = tp 64 x pp 16 x dp 2048; 16 micro-batches per step.
const StepCase k405bRainier = {
    "step_405b_rainier", "Llama 3 405B, 524,288 x trn2, tp 64 pp 16 dp 2048, GBS 32768 x 8K",
    "id: llama3-405b-rainier\n"
    "system: {preset: trn2-ultraserver, accelerator: trn2, count: 524288, neuron_cores: 2097152}\n"
    "model: llama3-405b\n"
    "training: {global_batch: 32768, micro_batch: 1, tp: 64, pp: 16, dp: 2048, sequence_parallel: true,\n"
    "           pp_schedule: 1f1b, recompute: selective, zero: 1, precision: bf16}\n",
    30.0};

// Loads and simulates one step in a child process; returns its result (wall time from reading
// the experiment to the end of the step, and the child's peak resident memory).
nlohmann::json run_step_in_child(const StepCase& c) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    close(fds[0]);
    nlohmann::json j;
    try {
      const auto t0 = Clock::now();
      const train::Experiment e = train::experiment_from_config(ConfigNode::parse_yaml(c.yaml, c.name), false);
      const train::StepResult r = train::simulate_step(e);
      j = {{"wall_s", std::chrono::duration<double>(Clock::now() - t0).count()},
           {"sim_wall_s", r.sim_wall_s},
           {"fits", r.fits},
           {"step_time_s", r.step_time_s},
           {"mfu", r.mfu},
           {"tokens_per_s", r.tokens_per_s},
           {"chips", e.system.count},
           {"ranks", e.system.ranks()}};
    } catch (const std::exception& ex) {
      j = {{"error", ex.what()}};
    }
    const std::string s = j.dump();
    const ssize_t n = write(fds[1], s.data(), s.size());
    close(fds[1]);
    _exit(n == static_cast<ssize_t>(s.size()) ? 0 : 1);
  }
  close(fds[1]);
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || text.empty()) {
    throw std::runtime_error(std::string(c.name) + ": the child process failed");
  }
  nlohmann::json j = nlohmann::json::parse(text);
  if (j.contains("error")) throw std::runtime_error(std::string(c.name) + ": " + j["error"].get<std::string>());
  j["peak_rss_bytes"] = static_cast<double>(usage.ru_maxrss) * 1024.0;  // ru_maxrss is in KiB on Linux
  return j;
}

void step(const StepCase& c, std::vector<Row>& rows, nlohmann::json& out) {
  nlohmann::json j = run_step_in_child(c);
  j["plan"] = c.description;
  j["target_wall_s"] = c.target_s;
  rows.push_back({std::string(c.name) + " wall", "s", j["wall_s"], c.target_s});
  rows.push_back({std::string(c.name) + " peak RSS", "MiB", j["peak_rss_bytes"].get<double>() / 1048576.0, 0,
                  Row::Goal::kAtLeast});
  std::printf("  (%s: step %.3f s, MFU %.1f%%, %.4g tokens/s)\n", c.description, j["step_time_s"].get<double>(),
              100 * j["mfu"].get<double>(), j["tokens_per_s"].get<double>());
  out[c.name] = j;
}

void allreduce_p5(std::vector<Row>& rows, nlohmann::json& out) {
  const hw::SystemSpec system = hw::load_system("p5.48xlarge");
  const net::NetworkModel model(system);
  const int64_t bytes = int64_t{8} << 30;
  const net::CollectiveResult r = model.collective(net::CollectiveKind::kAllReduce, bytes, net::Group{system.ranks(), 1});
  const double busbw = r.busbw * 1e-9, target = 480;
  rows.push_back({"allreduce_p5 8 GiB busbw (nccl-tests ~480)", "GB/s", busbw, target, Row::Goal::kWithin10Percent});
  out["allreduce_p5"] = {{"bytes", bytes},          {"ranks", system.ranks()},  {"algorithm", r.algorithm},
                         {"time_us", r.time.us()}, {"algbw_gbps", r.algbw * 1e-9}, {"busbw_gbps", busbw},
                         {"published_busbw_gbps", target},
                         {"published_source", "NVIDIA/nccl-tests issue 212 (maintainer: ~480 GB/s busBw on 8 H100s with NVLink SHARP)"}};
}

}  // namespace

int main(int argc, char** argv) {
  std::string only, json_path;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--only")) only = argv[i + 1];
    else if (!std::strcmp(argv[i], "--json")) json_path = argv[i + 1];
  }
  try {
    std::vector<Row> rows;
    nlohmann::json out = nlohmann::json::object();
    auto want = [&](const char* n) { return only.empty() || only == n; };
    if (want("step_70b_4096")) {
      step(k70bTrn2, rows, out);
      step(k70bH100, rows, out);
    }
    if (want("step_405b_rainier")) step(k405bRainier, rows, out);
    if (want("allreduce_p5")) allreduce_p5(rows, out);
    std::printf("%-50s %-6s %12s %10s  %s\n", "benchmark", "metric", "measured", "target", "");
    for (const auto& r : rows) {
      const bool info = r.goal == Row::Goal::kAtLeast && r.target == 0;  // reported, no target
      std::printf("%-50s %-6s %12.4g %10s  %s\n", r.name.c_str(), r.metric.c_str(), r.value,
                  info ? "-" : std::to_string(r.target).substr(0, 6).c_str(), info ? "" : r.met() ? "met" : "NOT MET");
    }
    if (!json_path.empty()) io::write_file_atomically(json_path, out.dump(2) + "\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "trnsim_cluster_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
