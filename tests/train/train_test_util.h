// Helpers shared by the train-layer tests: experiments written as YAML text, read the way an
// experiment file is, and the message of the input error a call throws.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "trnsim/base/config.h"
#include "trnsim/base/error.h"
#include "trnsim/train/experiment.h"

namespace trnsim::train::testing {

// An experiment with `system` and `model` blocks (YAML flow text) and the `training` keys given
// as flow-map entries, e.g. "global_batch: 64, tp: 8".
inline std::string experiment_yaml(const std::string& system, const std::string& model, const std::string& training) {
  return "system: " + system + "\nmodel: " + model + "\ntraining: {" + training + "}\n";
}

inline Experiment experiment(const std::string& yaml) {
  return experiment_from_config(ConfigNode::parse_yaml(yaml, "exp.yaml"), false);
}

inline Experiment experiment(const std::string& system, const std::string& model, const std::string& training) {
  return experiment(experiment_yaml(system, model, training));
}

// Systems used across the tests.
inline const char* kP5 = "{preset: p5.48xlarge, accelerator: h100-sxm, count: 8}";
inline std::string p5(int count) {
  return "{preset: p5.48xlarge, accelerator: h100-sxm, count: " + std::to_string(count) + "}";
}
// One trn2.48xlarge: 16 chips, 64 logical NeuronCores (LNC=2).
inline const char* kTrn2 = "{preset: trn2.48xlarge, accelerator: trn2, count: 16, neuron_cores: 64}";

// Runs `f`, expects Error(kInput), and returns its full message.
inline std::string input_error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error thrown";
  return "";
}

// Runs `f`, expects Error(kInput), and expects its message to hold each of `parts`.
inline void expect_input_error(const std::function<void()>& f, const std::vector<std::string>& parts) {
  const std::string msg = input_error_of(f);
  for (const std::string& part : parts) EXPECT_NE(msg.find(part), std::string::npos) << "'" << part << "' not in: " << msg;
}

}  // namespace trnsim::train::testing
