// Software releases (configs/releases/): the shipped file matches the runs of its release by
// their framework text; its attention rate slows the attention ops only, the training key
// overrides it, and malformed files and values are refused naming the file or key.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "train_test_util.h"
#include "trnsim/train/op_profile.h"
#include "trnsim/train/release.h"
#include "trnsim/train/step.h"

namespace trnsim::train::testing {
namespace {

TEST(TrainRelease, MatchesTheRunsFrameworkText) {
  ASSERT_TRUE(release_for("Megatron-Core r0.8.0").has_value());
  EXPECT_EQ(release_for("Megatron-Core r0.8.0")->name, "megatron-core-0.8");
  EXPECT_EQ(release_for("NeMo 24.07")->name, "megatron-core-0.8");
  EXPECT_LT(release_for("NeMo 24.07")->attention_rate, 1.0);
  // Other releases and frameworks run at the calibration's own rate.
  EXPECT_FALSE(release_for("NeMo 24.09 / Megatron-Core").has_value());
  EXPECT_FALSE(release_for("NeMo / Megatron-Bridge + Megatron-Core").has_value());
  EXPECT_FALSE(release_for("").has_value());
}

TEST(TrainRelease, SlowsAttentionOnlyAndTheTrainingKeyOverrides) {
  const std::string plan = "global_batch: 8, tp: 1, dp: 8, precision: bf16";
  const Experiment now = experiment(kP5, "llama3-8b", plan);
  const Experiment old = experiment(kP5, "llama3-8b", plan + ", framework: NeMo 24.07");
  EXPECT_EQ(now.plan.attention_rate, 1.0);
  const double rate = old.plan.attention_rate;
  ASSERT_LT(rate, 1.0);
  EXPECT_EQ(experiment(kP5, "llama3-8b", plan + ", framework: NeMo 24.07, attention_rate: 1").plan.attention_rate, 1.0);
  const std::vector<OpTiming> a = op_profile(now), b = op_profile(old);
  ASSERT_EQ(a.size(), b.size());
  int attention = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const bool attn = a[i].op.kind == model::OpKind::kAttention;
    attention += attn;
    EXPECT_NEAR(b[i].fwd.seconds(), attn ? a[i].fwd.seconds() / rate : a[i].fwd.seconds(), 1e-12) << a[i].op.name;
    EXPECT_NEAR(b[i].bwd.seconds(), attn ? a[i].bwd.seconds() / rate : a[i].bwd.seconds(), 1e-12) << a[i].op.name;
  }
  EXPECT_GT(attention, 0);
  const StepOptions timed{.ignore_memory = true};
  EXPECT_GT(simulate_step(old, timed).step_time_s, simulate_step(now, timed).step_time_s);
}

TEST(TrainRelease, BadRatesAreRefusedNamingTheKeyOrFile) {
  const std::string msg = input_error_of([] { experiment(kP5, "llama3-8b", "global_batch: 8, precision: bf16, attention_rate: 0"); });
  EXPECT_NE(msg.find("attention_rate"), std::string::npos) << msg;
  const auto path = std::filesystem::temp_directory_path() / ("trnsim_rel_" + std::to_string(::getpid()) + ".yaml");
  const char* bad[][2] = {{"name: x\nmatch: [x]\nattention_rate: 0.5\n", "source"},
                          {"name: x\nmatch: [x]\nattention_rate: {value: 3, source: s}\n", "attention_rate"},
                          {"name: x\nmatch: [x]\nattention_rate: {value: 0.5, source: s}\nspeed: 2\n", "speed"}};
  for (const auto& [text, expect] : bad) {
    std::ofstream(path) << text;
    const std::string m = input_error_of([&] { load_release(path.string()); });
    EXPECT_NE(m.find(path.filename().string()), std::string::npos) << m;
    EXPECT_NE(m.find(expect), std::string::npos) << m;
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace trnsim::train::testing
