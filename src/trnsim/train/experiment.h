// An experiment: the system, the model and the training plan of one run, as in a run of
// validation/runs.yaml (`system`, `model`, `training` blocks). `model` may also be a preset name or
// a path to a config.json; `system.accelerator` any accelerator preset.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "trnsim/base/config.h"
#include "trnsim/hw/system_spec.h"
#include "trnsim/model/model_spec.h"
#include "trnsim/train/plan.h"

namespace trnsim::train {

struct Measured {
  std::optional<double> step_time_s;  // null: not published
  std::string how;
};

// Training keys a run leaves null or out. A run that states neither tp nor dp has an unpublished
// layout: `trnsim validate` then takes the fastest plan that fits in memory over these keys,
// keeping every stated one (plan/unstated.h), as a tuned published run would have used.
struct Unstated {
  bool layout = false;  // tp and dp
  bool micro_batch = false, recompute = false, zero = false, sequence_parallel = false;
};

struct Experiment {
  std::string id;      // validation runs: their id; experiment files: the file name
  std::string source;  // free text
  hw::SystemSpec system;
  model::ModelSpec model;
  ParallelPlan plan;
  std::optional<Measured> measured;  // validation runs only
  Unstated unstated;
};

// One experiment file (a map with system, model, training; optionally id, source, notes).
Experiment load_experiment(const std::string& path);
// One run of a validation file, or the map of an experiment file. `validation` accepts the extra
// keys of runs.yaml entries (confidence, assumed, measured, notes).
Experiment experiment_from_config(const ConfigNode& node, bool validation);
// Every run of a validation file (a YAML list of runs).
std::vector<Experiment> load_validation_runs(const std::string& path);

}  // namespace trnsim::train
