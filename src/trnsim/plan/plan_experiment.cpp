#include "trnsim/plan/plan_experiment.h"

#include <filesystem>

#include "trnsim/base/error.h"

namespace trnsim::plan {

train::Experiment load_plan_experiment(const std::string& path) {
  const ConfigNode root = ConfigNode::load_yaml_file(path);
  if (!root.is_map()) {
    throw input_error(path, "is not an experiment: expected a map with system, model and training",
                      "see configs/examples/ for the format");
  }
  ConfigReader r(root);
  train::Experiment e;
  e.id = r.absent("id") ? std::filesystem::path(path).stem().string() : r.str("id");
  e.source = r.absent("source") ? "" : r.str("source");
  r.absent("notes");
  e.system = hw::system_from_config(r.node("system"));
  e.model = model::model_from_config(r.node("model"));
  e.plan = train::plan_from_config(r.node("training"), e.system, e.model);
  r.finish();
  return e;
}

}  // namespace trnsim::plan
