// ZeRO-2 keeps only its shard of the gradients, so each micro-batch's backward reduce-scatters the
// gradients into it (DeepSpeed's stage 2, FSDP's SHARD_GRAD_OP), where ZeRO-1 accumulates them
// whole and reduces once per step; both gather the updated parameters once.
#include <gtest/gtest.h>

#include "train_test_util.h"
#include "trnsim/train/step.h"

namespace trnsim::train::testing {
namespace {

double dp_comm(int zero, int micro_batches, bool overlap) {
  const Experiment e = experiment(p5(16), "llama3-8b",
                                  "global_batch: " + std::to_string(16 * micro_batches) +
                                      ", micro_batch: 1, tp: 1, dp: 16, precision: bf16, zero: " + std::to_string(zero) +
                                      ", dp_overlap: " + (overlap ? "true" : "false"));
  StepOptions o;
  o.ignore_memory = true;
  return simulate_step(e, o).breakdown.dp_comm_s;
}

TEST(Zero2, ReduceScattersEveryMicroBatch) {
  // Without overlap every collective shows: ZeRO-1's once per step, ZeRO-2's reduce-scatter once
  // per micro-batch.
  const double one1 = dp_comm(1, 1, false), one4 = dp_comm(1, 4, false);
  const double two1 = dp_comm(2, 1, false), two4 = dp_comm(2, 4, false), two7 = dp_comm(2, 7, false);
  EXPECT_NEAR(one4, one1, 1e-9 * one1);
  EXPECT_NEAR(two1, one1, 1e-3 * one1);  // one micro-batch: the same collectives
  const double scatter = (two4 - two1) / 3;
  EXPECT_GT(scatter, 0.5 * one1);  // the reduce-scatter is most of ZeRO-1's step (fp32 against bf16 gathers)
  EXPECT_NEAR(two7 - two4, 3 * scatter, 1e-6 * two7);
  // With overlap most of it hides behind the backwards, but what shows still grows with them.
  EXPECT_LT(dp_comm(2, 4, true), two4);
  EXPECT_GT(dp_comm(2, 4, true), dp_comm(1, 4, true));
}

}  // namespace
}  // namespace trnsim::train::testing
