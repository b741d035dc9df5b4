#include "trnsim/train/experiment.h"

#include <algorithm>
#include <filesystem>

#include "trnsim/base/error.h"

namespace trnsim::train {

Experiment experiment_from_config(const ConfigNode& node, bool validation) {
  ConfigReader r(node);
  Experiment e;
  e.id = r.absent("id") ? std::filesystem::path(node.source_file()).stem().string() : r.str("id");
  e.source = r.absent("source") ? "" : r.str("source");
  r.absent("notes");
  std::vector<std::string> assumed;
  if (validation) {
    if (!r.absent("confidence")) r.choice("confidence", {"low", "medium", "high"});
    if (!r.absent("assumed")) assumed = r.str_list("assumed");
    r.absent("calibrates");  // validation/calibration.yaml: the preset figure a run was fitted to
  }
  e.system = hw::system_from_config(r.node("system"));
  e.model = model::model_from_config(r.node("model"));
  const ConfigNode& training = r.node("training");
  e.plan = plan_from_config(training, e.system, e.model);
  ConfigReader t(training);  // only asks which keys are missing or null; plan_from_config read them
  // An assumed training key frees that key for the planner (plan/unstated.h): it must name one.
  for (const std::string& a : assumed) {
    if (a.rfind("training.", 0) != 0) continue;
    if (!training.is_map() || training.find(a.substr(9)) == nullptr) {
      throw input_error(r.node("assumed").location(), "entry '" + a + "' names no key of the run's training block",
                        "list training keys as training.<key>, e.g. training.recompute");
    }
  }
  auto free = [&](const std::string& key) {
    return t.absent(key) || std::find(assumed.begin(), assumed.end(), "training." + key) != assumed.end();
  };
  e.unstated = {t.absent("tp") && t.absent("dp"), free("micro_batch"), free("recompute"), free("zero"),
                free("sequence_parallel")};
  if (validation && !r.absent("measured")) {
    ConfigReader m = r.child("measured");
    Measured meas;
    // A measured step of at least a microsecond: the error divides by it.
    if (!m.absent("step_time_s")) meas.step_time_s = m.number("step_time_s", 1e-6, 1e9);
    // The rest is provenance, read as strictly as the schema (validation/runs.yaml's header) says.
    meas.how = m.absent("step_time_how") ? "" : m.choice("step_time_how", {"measured", "derived"});
    if (!m.absent("reported")) {
      ConfigReader rep = m.child("reported");
      rep.choice("metric", {"tflops_per_accel", "mfu", "tokens_per_s", "seqs_per_s", "step_time_s"});
      rep.number("value", 0, 1e18);
      rep.finish();
    }
    if (!m.absent("flops_definition")) m.choice("flops_definition", {"model", "hardware", "none"});
    m.finish();
    e.measured = meas;
  }
  r.finish();
  check_plan(e.plan, e.model, e.system, node.location());
  return e;
}

Experiment load_experiment(const std::string& path) {
  const ConfigNode root = ConfigNode::load_yaml_file(path);
  if (!root.is_map()) {
    throw input_error(path, "is not an experiment: expected a map with system, model and training",
                      "see configs/examples/ for the format");
  }
  return experiment_from_config(root, false);
}

std::vector<Experiment> load_validation_runs(const std::string& path) {
  const ConfigNode root = ConfigNode::load_yaml_file(path);
  if (!root.is_list()) {
    throw input_error(path, "is not a validation file: expected a YAML list of runs",
                      "see validation/runs.yaml and its header for the format");
  }
  std::vector<Experiment> runs;
  for (const ConfigNode& run : root.items()) {
    runs.push_back(experiment_from_config(run, true));
    for (size_t i = 0; i + 1 < runs.size(); ++i) {
      if (runs[i].id == runs.back().id) {
        throw input_error(run.location(), "repeats the run id '" + runs.back().id + "'", "give each run its own id");
      }
    }
  }
  return runs;
}

}  // namespace trnsim::train
