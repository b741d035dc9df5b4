// Parameter sweeps: one base experiment, parameters named by dotted key paths, each with a list of
// values (or a range); the cross product of the values is the set of points (docs/sweeps.md).
//
// A key path starts with the tree it edits:
//   system.* model.* training.*  the experiment's blocks (system.scale_out.bw_Gbps_per_accel, training.tp)
//   accelerator.*                the accelerator preset of the point's system (accelerator.hbm_bandwidth)
//   chip.*                       Trainium: the chip preset the NeuronCore model loads (chip.sbuf.partition_bytes)
// Points are numbered row-major: the first parameter varies slowest, the last fastest.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "trnsim/base/config.h"
#include "trnsim/train/experiment.h"

namespace trnsim::plan {

struct SweepParameter {
  std::string key;                  // dotted key path
  std::vector<std::string> values;  // as written (ranges expanded), in order
};

struct SweepSpec {
  std::string path;  // the sweep file, for messages
  ConfigNode base;   // the base experiment (system, model, training)
  std::vector<SweepParameter> parameters;
  bool ignore_memory = false;  // time points whose plan does not fit (fits is still reported)

  int64_t size() const;  // points in the cross product
  // The value of every parameter at point `index` in [0, size()), in parameter order.
  std::vector<std::string> point(int64_t index) const;
};

// A sweep file: `base` (a path, relative to the sweep file, or an inline experiment map),
// `parameters` (key -> list of values, a single value, or a range {from, to, step} or
// {from, to, times}), optional `ignore_memory` and `description`. Throws trnsim::Error (kInput).
SweepSpec load_sweep(const std::string& path);
SweepSpec sweep_from_config(const ConfigNode& root, const std::string& path);

// Checks that every parameter key names something the experiment, accelerator or chip reads;
// throws an Error naming the first unknown key, with the closest known key when there is one.
// load_sweep() calls it.
void check_sweep_keys(const SweepSpec& spec);

// The experiment of one point: the base with the point's values written in. An invalid point
// (degrees that do not divide, a bad value) throws trnsim::Error naming the key and the fix.
train::Experiment experiment_for_point(const SweepSpec& spec, int64_t index);

struct PointResult {
  int64_t index = 0;
  std::vector<std::string> values;  // the point's parameter values
  bool simulated = false;           // false: invalid point (error), or plan does not fit
  bool fits = false;
  double step_time_s = 0, tokens_per_s = 0, mfu = 0;
  double memory_per_chip_bytes = 0;
  std::string error;  // invalid point: what is wrong; empty otherwise
};

// Builds and simulates one point; an invalid point comes back with its error, not as an exception.
PointResult run_point(const SweepSpec& spec, int64_t index);

}  // namespace trnsim::plan
