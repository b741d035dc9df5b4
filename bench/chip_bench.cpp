// The chip benchmarks of docs/benchmarks.md, each against its target:
//   gemm_mfu        GEMM bf16 on one trn2 NeuronCore: MFU >= 0.90 at 4096^3, >= 0.80 at 1024^3
//   timing_speed    timing-only simulation: >= 5 million simulated instructions per host second
//   functional_gemm functional GEMM 1024^3 through the simulator: >= 30% of OpenBLAS sgemm's rate
//   bandwidth       softmax and RMSNorm 4096x4096 bf16: time within 80% of the HBM-bandwidth bound
//                   (LayerNorm is measured beside them)
// Usage: trnsim_bench [--only <name>] [--json out.json] [--chip trn2]
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "trnsim/base/rng.h"
#include "trnsim/hw/chip_loader.h"
#include "trnsim/io/chrome_trace.h"
#include "trnsim/kernels/runner.h"

extern "C" void openblas_set_num_threads(int);

namespace {

using namespace trnsim;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

struct Row {
  std::string name, metric;
  double value, target;
  bool higher_is_better = true;
  bool met() const { return higher_is_better ? value >= target : value <= target; }
};

kernels::BuiltKernel build(const std::string& name, const std::vector<std::pair<std::string, int64_t>>& ints,
                           const hw::ChipSpec& chip, const std::string& dtype = "bf16") {
  kernels::KernelParams p;
  for (const auto& [k, v] : ints) p.set(k, v);
  p.set("dtype", dtype);
  return kernels::build_kernel(name, p, chip);
}

core::SimOptions timing() {
  core::SimOptions o;
  o.mode = core::Mode::kTiming;
  return o;
}

void gemm_mfu(const hw::ChipSpec& chip, std::vector<Row>& rows, nlohmann::json& out) {
  for (int64_t n : {1024, 4096}) {
    auto k = build("gemm", {{"m", n}, {"n", n}, {"k", n}}, chip);
    auto r = kernels::run_kernel(k, chip, timing()).result;
    rows.push_back({"gemm " + std::to_string(n) + "^3 bf16", "mfu", r.mfu, n == 4096 ? 0.90 : 0.80});
    out["gemm_" + std::to_string(n)] = {{"mfu", r.mfu}, {"time_s", r.time.seconds()}, {"instructions", r.instructions},
                                        {"notes", k.notes}};
  }
  auto k8 = build("gemm", {{"m", 4096}, {"n", 4096}, {"k", 4096}}, chip, "fp8e4m3");
  auto r8 = kernels::run_kernel(k8, chip, timing()).result;
  out["gemm_4096_fp8"] = {{"mfu_vs_bf16_peak", r8.mfu}, {"time_s", r8.time.seconds()}};
  std::printf("  (fp8 4096^3: %.3f of the bf16 peak, %.3f ms)\n", r8.mfu, r8.time.seconds() * 1e3);
}

void timing_speed(const hw::ChipSpec& chip, std::vector<Row>& rows, nlohmann::json& out) {
  auto k = build("gemm", {{"m", 8192}, {"n", 8192}, {"k", 8192}}, chip);
  double best = 0;
  int64_t n = 0;
  // Best of 10: the build host is a shared VM whose speed wanders by tens of percent.
  for (int rep = 0; rep < 10; ++rep) {
    auto r = kernels::run_kernel(k, chip, timing()).result;
    best = std::max(best, r.instructions / r.sim_wall_s);
    n = r.instructions;
  }
  rows.push_back({"timing-only simulation", "instr/s", best, 5e6});
  out["timing_speed"] = {{"instructions", n}, {"instructions_per_s", best}, {"program", "gemm 8192^3 bf16"}};
}

double openblas_gflops(int64_t n, int threads) {
  openblas_set_num_threads(threads);
  std::vector<float> a(n * n), b(n * n), c(n * n);
  Rng rng(7);
  for (auto& x : a) x = rng.next_float();
  for (auto& x : b) x = rng.next_float();
  double best = 1e30;
  for (int rep = 0; rep < 5; ++rep) {
    auto t0 = Clock::now();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n);
    best = std::min(best, seconds_since(t0));
  }
  return 2.0 * n * n * n / best * 1e-9;
}

void functional_gemm(const hw::ChipSpec& chip, std::vector<Row>& rows, nlohmann::json& out, int host_threads) {
  const int64_t n = 1024;
  auto k = build("gemm", {{"m", n}, {"n", n}, {"k", n}}, chip);
  core::SimOptions o;
  double best = 1e30;
  bool passed = true;
  for (int rep = 0; rep < 3; ++rep) {
    auto run = kernels::run_kernel(k, chip, o);
    best = std::min(best, run.result.sim_wall_s);
    passed = passed && run.ok();
  }
  const double sim = 2.0 * n * n * n / best * 1e-9;
  const double blas1 = openblas_gflops(n, 1);
  const double blas_all = openblas_gflops(n, host_threads);
  rows.push_back({"functional gemm 1024^3 vs OpenBLAS (all threads)", "fraction", sim / blas_all, 0.30});
  out["functional_gemm"] = {{"sim_gflops", sim}, {"openblas_gflops_1_thread", blas1},
                            {"openblas_gflops_all_threads", blas_all}, {"host_threads", host_threads},
                            {"fraction_of_openblas_all_threads", sim / blas_all},
                            {"fraction_of_openblas_1_thread", sim / blas1}, {"results_checked", passed}};
  std::printf("  (functional gemm: %.1f GFLOP/s; OpenBLAS sgemm %.1f GFLOP/s on 1 thread, %.1f on %d; check %s)\n",
              sim, blas1, blas_all, host_threads, passed ? "passed" : "FAILED");
}

void bandwidth(const hw::ChipSpec& chip, std::vector<Row>& rows, nlohmann::json& out) {
  const double core_dma = chip.dma.queues_per_core * chip.dma.queue_bandwidth.bytes_per_s;
  const double bw = std::min(core_dma, chip.hbm_bandwidth.bytes_per_s);
  for (const char* name : {"softmax", "rmsnorm", "layernorm"}) {
    auto k = build(name, {{"rows", 4096}, {"cols", 4096}}, chip);
    auto r = kernels::run_kernel(k, chip, timing()).result;
    const double bound = static_cast<double>(k.min_hbm_bytes) / bw;
    const double frac = bound / r.time.seconds();
    rows.push_back({std::string(name) + " 4096x4096 bf16", "bound/time", frac, 0.80});
    out[name] = {{"time_s", r.time.seconds()}, {"bound_s", bound}, {"fraction_of_bound", frac},
                 {"min_hbm_bytes", k.min_hbm_bytes}, {"bandwidth_bytes_per_s", bw}};
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string only, json_path, chip_name = "trn2";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--only")) only = argv[i + 1];
    else if (!std::strcmp(argv[i], "--json")) json_path = argv[i + 1];
    else if (!std::strcmp(argv[i], "--chip")) chip_name = argv[i + 1];
  }
  try {
    const hw::ChipSpec chip = hw::load_chip(chip_name);
    std::vector<Row> rows;
    nlohmann::json out = {{"chip", chip.name}};
    auto want = [&](const char* n) { return only.empty() || only == n; };
    if (want("gemm_mfu")) gemm_mfu(chip, rows, out);
    if (want("timing_speed")) timing_speed(chip, rows, out);
    if (want("functional_gemm")) functional_gemm(chip, rows, out, 2);
    if (want("bandwidth")) bandwidth(chip, rows, out);
    std::printf("%-50s %-11s %14s %10s  %s\n", "benchmark", "metric", "measured", "target", "");
    for (const auto& r : rows) {
      std::printf("%-50s %-11s %14.4g %10.4g  %s\n", r.name.c_str(), r.metric.c_str(), r.value, r.target,
                  r.met() ? "met" : "NOT MET");
    }
    if (!json_path.empty()) io::write_file_atomically(json_path, out.dump(2) + "\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "trnsim_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
