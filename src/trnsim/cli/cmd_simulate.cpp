// trnsim simulate exp.yaml [--json] [--trace out.json] [--trace-stages 0,3]
#include <cstdio>

#include "trnsim/io/json_text.h"
#include "trnsim/base/error.h"
#include "trnsim/cli/commands.h"
#include "trnsim/cli/options.h"
#include "trnsim/io/chrome_trace.h"
#include "trnsim/io/op_report.h"
#include "trnsim/io/step_report.h"
#include "trnsim/train/op_profile.h"
#include "trnsim/train/step.h"

namespace trnsim::cli {
namespace {

constexpr const char* kHelp =
    "usage: trnsim simulate <experiment.yaml> [--json] [--ops] [--trace out.json] [--trace-stages 0,2] [--ignore-memory]\n"
    "  Simulates one training step of the experiment (system, model and training blocks; see\n"
    "  configs/examples/). Exit codes: 0 done, 2 bad input, 4 the plan does not fit in memory\n"
    "  (--ignore-memory reports the memory check and times the step anyway). --ops adds every op of\n"
    "  one micro-batch on one rank (a layer, the embedding, the head) with its forward and backward\n"
    "  time (JSON: \"ops\").\n";

std::vector<int> parse_stages(const std::string& text, int pp) {
  std::vector<int> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t comma = text.find(',', pos);
    const std::string item = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    char* end = nullptr;
    const long v = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || v < 0 || v >= pp) {
      throw input_error("--trace-stages " + text, "'" + item + "' is not a pipeline stage",
                        "give stage numbers in [0, " + std::to_string(pp - 1) + "], separated by commas");
    }
    out.push_back(static_cast<int>(v));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

}  // namespace

int run_simulate(const std::vector<std::string>& args) {
  if (auto rc = help_exit(args, kHelp)) return *rc;
  Options opts("simulate", args, {"json", "ignore-memory", "ops"});
  const bool json = opts.flag("json");
  const bool ops = opts.flag("ops");
  const bool ignore_memory = opts.flag("ignore-memory");
  const auto trace = opts.take("trace");
  const auto stages_text = opts.take("trace-stages");
  opts.finish();
  if (stages_text && !trace) {
    throw input_error("trnsim simulate", "--trace-stages chooses the stages of a trace, but no --trace file is given",
                      "add --trace <file.json>, or drop --trace-stages");
  }
  if (trace && trace->empty()) throw input_error("trnsim simulate", "--trace names no file", "write --trace <file.json>");
  if (opts.positional().size() != 1) {
    throw input_error("trnsim simulate", "needs exactly one experiment file", "e.g. trnsim simulate configs/examples/llama3-8b-trn2.yaml");
  }
  const train::Experiment e = train::load_experiment(opts.positional()[0]);
  const std::vector<int> stages = stages_text ? parse_stages(*stages_text, e.plan.pp) : std::vector<int>{};
  train::StepOptions so;
  so.keep_trace = trace.has_value();
  so.ignore_memory = ignore_memory;
  const train::StepResult r = train::simulate_step(e, so);
  const std::vector<train::OpTiming> profile = ops ? train::op_profile(e) : std::vector<train::OpTiming>{};
  // Everything is formatted before anything is written, so that a failure leaves no trace file.
  std::string text;
  if (json) {
    nlohmann::json j = io::step_result_json(e, r);
    if (ops) j["ops"] = io::op_profile_json(profile);
    text = io::json_text(j) + "\n";
  } else {
    text = io::format_step_summary(e, r) + (ops ? io::format_op_profile(profile) : "");
  }
  if ((r.fits || ignore_memory) && trace) io::write_file_atomically(*trace, io::step_trace_json(e, r, stages));
  std::fputs(text.c_str(), stdout);
  if (!r.fits && !ignore_memory) {
    const bool host = e.system.accel.host_link_bw.bytes_per_s > 0;
    // A sequence length read from a config's context limit is often far above the training one.
    const std::string context =
        e.model.seq_len_from_context.empty()
            ? ""
            : "; model.seq_len " + std::to_string(e.model.seq_len) + " is the context length of " +
                  e.model.seq_len_from_context + ", not a training length: state the one trained at with " +
                  "'model: {from: <config.json>, seq_len: 4096}'";
    std::fprintf(stderr, "trnsim: error: %s: the plan does not fit in memory: %s (fix: more tensor or pipeline "
                 "parallelism, recompute, %sa higher ZeRO stage, or a smaller micro-batch%s)\n",
                 opts.positional()[0].c_str(), r.memory.describe().c_str(),
                 host ? "activation offload (training.activation_offload_layers), " : "", context.c_str());
    return exit_code_for(ErrorKind::kCapacity);
  }
  return 0;
}

}  // namespace trnsim::cli
