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

// Training keys a run does not publish. A run that states neither tp nor dp has an unpublished
// layout: `trnsim validate` then takes the fastest plan that fits in memory over the free keys,
// keeping every published one (plan/unstated.h), as a tuned published run would have used. A run
// whose stated plan does not fit in memory gets the same search over its free keys with its layout
// kept: it ran, so what it assumed must have been otherwise.
struct Unstated {
  bool layout = false;  // tp and dp both null or out
  // Null, out, or listed in the run's `assumed` (validation runs): free for the search.
  bool micro_batch = false, recompute = false, zero = false, sequence_parallel = false;
  bool any_free() const { return micro_batch || recompute || zero || sequence_parallel; }
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
