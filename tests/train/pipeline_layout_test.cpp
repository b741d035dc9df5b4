// Megatron-Core's pipeline layout strings: repeats expand, each chunk gets its layers in model
// order, the embedding, head and MTP modules land where the string puts them, and every kind of
// bad layout gets a message naming the key and the fix.
#include <gtest/gtest.h>

#include "train_test_util.h"
#include "trnsim/train/memory.h"
#include "trnsim/train/pipeline_layout.h"
#include "trnsim/train/stage_layers.h"
#include "trnsim/train/step.h"

namespace trnsim::train::testing {
namespace {

model::ModelSpec deepseek_like(int layers, int mtp) {
  model::ModelSpec m;
  m.name = "m";
  m.layers = layers;
  m.mtp_layers = mtp;
  return m;
}

TEST(PipelineLayout, DeepSeekV3sH100LayoutExpands) {
  // Megatron-Bridge's DeepSeek-V3 H100 recipe: PP 8 x VP 4, 61 layers and one MTP module.
  const auto chunks = parse_pipeline_layout("Et|(tt|)*30mL", deepseek_like(61, 1), 8, 4, "x");
  ASSERT_EQ(chunks.size(), 32u);
  EXPECT_TRUE(chunks[0].embedding);
  EXPECT_EQ(chunks[0].count, 1);
  for (size_t g = 1; g <= 30; ++g) {
    EXPECT_EQ(chunks[g].count, 2) << g;
    EXPECT_EQ(chunks[g].first, 1 + 2 * static_cast<int>(g - 1)) << g;
    EXPECT_FALSE(chunks[g].embedding || chunks[g].head || chunks[g].mtp > 0) << g;
  }
  EXPECT_EQ(chunks[31].count, 0);
  EXPECT_EQ(chunks[31].first, 61);
  EXPECT_TRUE(chunks[31].head);
  EXPECT_EQ(chunks[31].mtp, 1);
}

TEST(PipelineLayout, SymbolRepeatsAndSpacesExpand) {
  // The B200 MXFP8 recipe's "Et*4|(t*4|)*14tmL" on PP 8 x VP 2.
  const auto chunks = parse_pipeline_layout("E t*4 | (t*4|)*14 t m L", deepseek_like(61, 1), 8, 2, "x");
  ASSERT_EQ(chunks.size(), 16u);
  EXPECT_EQ(chunks[0].count, 4);
  EXPECT_EQ(chunks[14].count, 4);
  EXPECT_EQ(chunks[15].count, 1);
  EXPECT_EQ(chunks[15].first, 60);
}

TEST(PipelineLayout, BadLayoutsAreNamed) {
  const model::ModelSpec m = deepseek_like(4, 0);
  auto error = [&](const std::string& text, int pp) {
    return input_error_of([&] { parse_pipeline_layout(text, m, pp, 1, "exp.yaml:3 key 'training.pp_layout'"); });
  };
  struct Case {
    std::string text;
    int pp;
    std::string says;
  };
  for (const Case& c : {Case{"Ett|tX|L", 2, "unknown symbol 'X'"}, Case{"Ett|ttL", 3, "has 2 chunks"},
                        Case{"Ett|tL", 2, "holds 3 transformer layers"}, Case{"tt|EttL", 2, "one E, in the first"},
                        Case{"EttL|tt", 2, "one L, in the last"}, Case{"Ett|ttmL", 2, "MTP modules"},
                        Case{"E(tt|ttL", 2, "not closed"}, Case{"Et*|tttL", 2, "not followed by a count"},
                        Case{"Ett)|ttL", 2, "closes no group"}, Case{"Ett|tLt", 2, "follows the head"},
                        Case{"E(t*99999)*99999|L", 2, "expands to more than"},
                        Case{std::string(100000, '(') + "EttttL", 2, "nest deeper"}}) {
    const std::string msg = error(c.text, c.pp);
    EXPECT_NE(msg.find(c.says), std::string::npos) << c.text << ": " << msg;
    EXPECT_NE(msg.find("training.pp_layout"), std::string::npos) << msg;
  }
}

// A layout that moves layers onto one stage moves the step and that stage's memory with them.
TEST(PipelineLayout, TheLayoutSetsEachStagesWork) {
  const std::string base = "global_batch: 32, micro_batch: 1, tp: 8, pp: 4, dp: 1, precision: bf16";
  const Experiment even = experiment(p5(32), "llama3-8b", base);
  const Experiment same = experiment(p5(32), "llama3-8b", base + ", pp_layout: \"Et*8|t*8|t*8|t*8L\"");
  const Experiment lopsided = experiment(p5(32), "llama3-8b", base + ", pp_layout: \"Et*2|t*14|t*8|t*8L\"");
  ASSERT_EQ(same.plan.layout.size(), 4u);
  EXPECT_EQ(chunk_layers(same.model, same.plan, 1).first, 8);
  const StepResult a = simulate_step(even), b = simulate_step(same), c = simulate_step(lopsided);
  EXPECT_DOUBLE_EQ(a.step_time_s, b.step_time_s);  // the even split, written out
  EXPECT_GT(c.step_time_s, a.step_time_s * 1.3);    // 14 layers on stage 1 instead of 8
  EXPECT_GT(memory_per_rank(lopsided.model, lopsided.plan, lopsided.system).per_rank.weights,
            memory_per_rank(even.model, even.plan, even.system).per_rank.weights);
}

TEST(PipelineLayout, AnExperimentsBadLayoutNamesTheFile) {
  expect_input_error(
      [] {
        experiment(p5(32), "llama3-8b", "global_batch: 32, tp: 8, pp: 4, dp: 1, precision: bf16, pp_layout: \"Et*8|t*8L\"");
      },
      {"exp.yaml", "has 2 chunks but pp x virtual stages = 4"});
}

}  // namespace
}  // namespace trnsim::train::testing
