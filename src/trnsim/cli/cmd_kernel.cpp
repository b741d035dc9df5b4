// trnsim kernel run <builtin|file.s> [options] / trnsim kernel list
#include <cstdio>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "trnsim/io/json_text.h"
#include "trnsim/base/error.h"
#include "trnsim/cli/commands.h"
#include "trnsim/cli/options.h"
#include "trnsim/hw/chip_loader.h"
#include "trnsim/io/chrome_trace.h"
#include "trnsim/io/run_report.h"
#include "trnsim/isa/assembly_parser.h"
#include "trnsim/isa/verifier.h"
#include "trnsim/kernels/runner.h"

namespace trnsim::cli {
namespace {

constexpr const char* kHelp =
    "usage: trnsim kernel run <kernel|file.s> [options] [kernel options]\n"
    "       trnsim kernel list\n"
    "options:\n"
    "  --chip <name|file.yaml>     chip preset or file (default trn2)\n"
    "  --mode functional|timing    compute data and check it, or time only (default functional)\n"
    "  --trace <out.json>          write a Perfetto / Chrome trace of every instruction\n"
    "  --json                      print one JSON object instead of the summary\n"
    "  --seed <n>                  seed of inputs, random instructions and stochastic rounding (default 1)\n"
    "  --rounding rne|sr           rounding of narrowing writes (default rne)\n"
    "  --cores <n>                 cores of the chip running this kernel at once, sharing HBM (default 1)\n"
    "  --threads <n>               host threads for functional matmuls (default 0: one per host core)\n"
    "kernel options: shapes and types of a built-in kernel, e.g. --m 4096 --n 4096 --k 4096 --dtype bf16\n"
    "(see 'trnsim kernel list').\n";

bool is_assembly_path(const std::string& s) {
  return s.size() > 2 && (s.substr(s.size() - 2) == ".s" || s.find('/') != std::string::npos);
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw input_error(path, "cannot be read", "check that the file exists and is readable");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int list_kernels() {
  for (const auto& k : kernels::kernel_registry()) {
    std::printf("%-10s %s\n", k.name.c_str(), k.doc.c_str());
    for (const auto& p : k.params) {
      const std::string dflt = p.is_int ? std::to_string(p.int_default) : p.str_default;
      std::printf("    --%-10s %-8s %s\n", p.name.c_str(), dflt.c_str(), p.doc.c_str());
    }
  }
  return 0;
}

kernels::Tolerance tolerance_of(const kernels::BuiltKernel& k, const std::string& tensor) {
  auto it = k.tolerance.find(tensor);
  return it == k.tolerance.end() ? kernels::Tolerance{} : it->second;
}

nlohmann::json checks_json(const kernels::BuiltKernel& k, const kernels::KernelRun& run) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : run.checks) {
    const kernels::Tolerance tol = tolerance_of(k, c.tensor);
    out.push_back({{"tensor", c.tensor},
                   {"elements", c.elements},
                   {"max_abs_error", c.max_abs_error},
                   {"tolerance_abs", tol.abs},
                   {"tolerance_rel", tol.rel},
                   {"mismatches", c.mismatches},
                   {"first_mismatch", c.first_mismatch},
                   {"passed", c.mismatches == 0}});
  }
  return out;
}

int run(Options& opts) {
  if (opts.positional().size() != 1) {
    throw input_error("trnsim kernel run", "needs exactly one kernel name or assembly file",
                      "e.g. 'trnsim kernel run gemm --m 1024' or 'trnsim kernel run my.s'");
  }
  const std::string what = opts.positional()[0];
  const hw::ChipSpec chip = hw::load_chip(opts.take("chip", "trn2"));
  core::SimOptions sim;
  const std::string mode = opts.take("mode", "functional");
  if (mode != "functional" && mode != "timing") {
    throw input_error("--mode " + mode, "is not a mode", "use --mode functional or --mode timing");
  }
  sim.mode = mode == "timing" ? core::Mode::kTiming : core::Mode::kFunctional;
  sim.seed = static_cast<uint64_t>(opts.take_int("seed", 1, 0, INT64_MAX));
  const std::string rounding = opts.take("rounding", "rne");
  if (rounding != "rne" && rounding != "sr") {
    throw input_error("--rounding " + rounding, "is not a rounding mode", "use rne (nearest-even) or sr (stochastic)");
  }
  sim.rounding = rounding == "sr" ? numerics::Rounding::kStochastic : numerics::Rounding::kNearestEven;
  sim.active_cores = static_cast<int>(opts.take_int("cores", 1, 1, chip.cores_per_chip));
  sim.host_threads = static_cast<int>(opts.take_int("threads", 0, 0, 1024));
  const auto trace_path = opts.take("trace");
  sim.record_trace = trace_path.has_value();
  const bool json = opts.flag("json");

  kernels::BuiltKernel kernel;
  nlohmann::json kernel_json;
  if (is_assembly_path(what)) {
    opts.finish();
    kernel.program = isa::parse_assembly(read_text_file(what), what);
    kernel_json = {{"file", what}};
  } else {
    kernels::KernelParams params;
    for (const auto& [k, v] : opts.rest()) params.set_text(k + "=" + v);
    kernel = kernels::build_kernel(what, params, chip);
    kernel_json = {{"name", what}, {"params", params.values()}, {"notes", kernel.notes}};
  }
  isa::verify(kernel.program, chip);
  const kernels::KernelRun run = kernels::run_kernel(kernel, chip, sim);
  if (trace_path) io::write_chrome_trace(*trace_path, kernel.program, run.result);

  if (json) {
    nlohmann::json j = io::run_result_json(chip, run.result);
    j["kernel"] = kernel_json;
    j["mode"] = mode;
    if (kernel.min_hbm_bytes > 0) j["min_hbm_bytes"] = kernel.min_hbm_bytes;
    if (kernel.flops > 0) j["kernel_flops"] = kernel.flops;
    if (sim.mode == core::Mode::kFunctional) {
      j["checks"] = checks_json(kernel, run);
      j["passed"] = run.ok();
    }
    std::printf("%s\n", io::json_text(j).c_str());
  } else {
    std::printf("%s on %s (%s mode)\n", what.c_str(), chip.name.c_str(), mode.c_str());
    if (!kernel.notes.empty()) std::printf("  %s\n", kernel.notes.c_str());
    std::fputs(io::format_run_summary(chip, run.result).c_str(), stdout);
    for (const auto& c : run.checks) {
      const kernels::Tolerance tol = tolerance_of(kernel, c.tensor);
      std::printf("check %s: max abs error %.3g over %lld elements (tolerance %.3g + %.3g x |ref|): %s\n",
                  c.tensor.c_str(), c.max_abs_error, static_cast<long long>(c.elements), tol.abs, tol.rel,
                  c.mismatches == 0 ? "PASS" : ("FAIL, " + c.first_mismatch).c_str());
    }
    if (trace_path) std::printf("trace written to %s\n", trace_path->c_str());
  }
  return run.ok() ? 0 : 1;
}

}  // namespace

int run_kernel(const std::vector<std::string>& args) {
  if (auto rc = help_exit(args, kHelp)) return *rc;
  const std::string sub = args[0];
  Options opts("kernel " + sub, {args.begin() + 1, args.end()}, {"json"});
  if (sub == "list") {
    opts.finish();
    return list_kernels();
  }
  if (sub == "run") return run(opts);
  throw input_error("trnsim kernel " + sub, "is not a kernel command", "use 'trnsim kernel run' or 'trnsim kernel list'");
}

}  // namespace trnsim::cli
