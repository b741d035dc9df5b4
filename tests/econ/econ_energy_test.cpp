// Energy: the calibration identities (a GEMM-saturated accelerator draws its board power, an idle
// one its idle power), linearity in time and actions, PUE, and the action counts of a real step.
#include <gtest/gtest.h>

#include "trnsim/base/error.h"
#include "trnsim/econ/econ.h"
#include "trnsim/hw/system_spec.h"
#include "trnsim/train/experiment.h"

namespace trnsim::econ {
namespace {

ActionCounts saturated(const EnergyModel& m, cost::Precision p, double seconds) {
  ActionCounts a;
  a.accelerators = 1;
  a.nodes = 1;
  a.step_s = seconds;
  a.busy_s = seconds;
  a.precision = p;
  a.matmul_flops = m.sustained_flops(p) * seconds;
  a.hbm_bytes = a.matmul_flops * m.table.gemm_hbm_bytes_per_flop;
  return a;
}

class EconCalibration : public ::testing::TestWithParam<const char*> {};

TEST_P(EconCalibration, SaturatedDrawsBoardPowerIdleDrawsIdlePower) {
  const hw::AcceleratorSpec accel = hw::load_accelerator(GetParam());
  const EnergyModel m = energy_model_for(accel);
  for (cost::Precision p : {cost::Precision::kBf16, cost::Precision::kFp8}) {
    const EnergyReport busy = energy_from_actions(saturated(m, p, 2.0), m);
    EXPECT_NEAR(busy.accel_power_w, accel.tdp_w, 1e-6 * accel.tdp_w) << GetParam();
  }
  ActionCounts idle = saturated(m, cost::Precision::kBf16, 3.0);
  idle.matmul_flops = idle.hbm_bytes = idle.busy_s = 0;
  EXPECT_NEAR(energy_from_actions(idle, m).accel_power_w, accel.idle_w, 1e-9);
  EXPECT_GT(m.j_per_flop_bf16, 0.1e-12);
  EXPECT_LT(m.j_per_flop_bf16, 2e-12);  // sub-picojoule to ~1 pJ per FLOP for these chips
}

INSTANTIATE_TEST_SUITE_P(Accelerators, EconCalibration, ::testing::Values("trn2", "h100-sxm", "h200", "a100-80g", "b200", "trn1"));

TEST(EconEnergy, ScalesWithTimeActionsAndPue) {
  const hw::AcceleratorSpec accel = hw::load_accelerator("h100-sxm");
  const EnergyModel m = energy_model_for(accel);
  ActionCounts a = saturated(m, cost::Precision::kBf16, 1.0);
  a.accelerators = 16;
  a.matmul_flops *= 16;
  a.hbm_bytes *= 16;
  a.scale_up_bytes = 1e12;
  a.scale_out_bytes = 1e11;
  a.tokens = 1e6;
  const EnergyReport e1 = energy_from_actions(a, m);
  EXPECT_NEAR(e1.host_j, 2 * m.table.host_w_per_node, 1e-9);  // 16 GPUs: 2 hosts of 8
  EXPECT_NEAR(e1.network_j, 1e12 * m.table.j_per_scale_up_byte + 1e11 * m.table.j_per_scale_out_byte, 1e-6);
  EXPECT_NEAR(e1.joules_per_step, e1.it_joules_per_step * m.table.pue, 1e-6);
  EXPECT_NEAR(e1.joules_per_token, e1.joules_per_step / 1e6, 1e-12);
  // Twice the time with the same actions: only static and host energy double.
  ActionCounts slow = a;
  slow.step_s = 2.0;
  const EnergyReport e2 = energy_from_actions(slow, m);
  EXPECT_NEAR(e2.static_j, 2 * e1.static_j, 1e-9);
  EXPECT_NEAR(e2.host_j, 2 * e1.host_j, 1e-9);
  EXPECT_NEAR(e2.compute_j, e1.compute_j, 1e-9);
  // Twice the FLOPs: twice the compute energy.
  ActionCounts more = a;
  more.matmul_flops *= 2;
  EXPECT_NEAR(energy_from_actions(more, m).compute_j, 2 * e1.compute_j, 1e-6);
  // PUE override multiplies the wall energy, not the IT energy.
  EnergyOptions o;
  o.pue = 1.5;
  const EnergyReport e3 = energy_from_actions(a, m, o);
  EXPECT_NEAR(e3.it_joules_per_step, e1.it_joules_per_step, 1e-9);
  EXPECT_NEAR(e3.joules_per_step, 1.5 * e1.it_joules_per_step, 1e-6);
  // Peak: every GPU at its board power plus hosts, at the wall.
  EXPECT_NEAR(e1.peak_power_w, (16 * 700.0 + 2 * m.table.host_w_per_node) * m.table.pue, 1e-6);
  o.pue = 0.9;
  EXPECT_THROW(energy_from_actions(a, m, o), Error);
}

TEST(EconEnergy, UnknownAcceleratorNamesTheTableToAdd) {
  hw::AcceleratorSpec accel = hw::load_accelerator("tpu-v4");
  accel.name = "npu-x1";  // a what-if accelerator no energy table lists
  try {
    energy_model_for(accel);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("configs/energy"), std::string::npos) << e.what();
  }
}

// An experiment on `count` H100s in p5.48xlarge servers: `model` and the `training` keys as
// flow-map entries.
train::Experiment p5_experiment(int count, const std::string& model, const std::string& training) {
  return train::experiment_from_config(
      ConfigNode::parse_yaml("system: {preset: p5.48xlarge, accelerator: h100-sxm, count: " + std::to_string(count) +
                                 "}\nmodel: " + model + "\ntraining: {" + training + "}\n",
                             "exp.yaml"),
      false);
}

// The actions of one step of `e`, timed even where it does not fit in memory.
ActionCounts step_actions(const train::Experiment& e) {
  train::StepOptions o;
  o.ignore_memory = true;
  return count_actions(e, train::simulate_step(e, o));
}

TEST(EconActions, MatchesTheStepsHardwareFlopsAndSplitsTraffic) {
  train::Experiment e = p5_experiment(16, "llama2-7b", "global_batch: 32, tp: 8, pp: 1, dp: 2, recompute: selective, precision: bf16");
  const train::StepResult r = train::simulate_step(e);
  ASSERT_TRUE(r.fits);
  const ActionCounts a = count_actions(e, r);
  const double hw_flops = r.hfu * r.step_time_s * e.system.accel.peak_bf16_flops * 16;
  EXPECT_NEAR(a.matmul_flops / hw_flops, 1.0, 1e-9);
  EXPECT_GT(a.matmul_flops, r.model_flops);  // selective recompute adds attention FLOPs
  EXPECT_GT(a.hbm_bytes, 0);
  EXPECT_EQ(a.nodes, 2);
  EXPECT_NEAR(a.tokens, 32.0 * 4096, 1e-9);
  // tp = 8 stays inside an 8-GPU NVSwitch domain; dp = 2 crosses nodes.
  EXPECT_GT(a.tp_bytes, 0);
  EXPECT_NEAR(a.scale_up_bytes, a.tp_bytes, 1e-3);
  EXPECT_NEAR(a.scale_out_bytes, a.dp_bytes, 1e-3);
  // Gradients (fp32, reduce-scatter) and bf16 parameters (all-gather) over dp = 2, per rank.
  const double params = 6.74e9;
  EXPECT_NEAR(a.dp_bytes / (16 * 0.5 * 6.0 * params / 8), 1.0, 0.1);
  const EnergyReport en = step_energy(e, r);
  EXPECT_GT(en.accel_power_w, 70.0);
  EXPECT_LT(en.accel_power_w, 760.0);
  EXPECT_GT(en.peak_power_w, en.avg_power_w);
}

// LoRA's adapters: their FLOPs match the step's hardware FLOPs (full recompute repeats their
// forward), and their collectives add to the tensor-parallel bytes. Llama 2 7B at tp 8 with
// sequence parallelism and overlap, 4096 tokens, rank 16, per layer and micro-batch each rank
// sends 7/8 of: beside qkv, A's gathered output, B's reduced input gradient (twice: all-reduce),
// its own input gathered and its gradient reduce-scattered; beside the output projection, A's
// reduced output and B's reduced input gradient (twice each), B's output gathered each way.
TEST(EconActions, LoraAdaptersCountTheirWorkAndTraffic) {
  auto counts = [](const std::string& extra) {
    const train::Experiment e =
        p5_experiment(16, "llama2-7b", "global_batch: 32, micro_batch: 1, tp: 8, dp: 2, precision: bf16, tp_overlap: true" + extra);
    train::StepOptions o;
    o.ignore_memory = true;
    const train::StepResult r = train::simulate_step(e, o);
    const ActionCounts a = count_actions(e, r);
    EXPECT_NEAR(a.matmul_flops / (r.hfu * r.step_time_s * e.system.accel.peak_bf16_flops * 16), 1.0, 1e-9) << extra;
    return a;
  };
  const ActionCounts full = counts(""), lora = counts(", lora: {rank: 16}");
  counts(", recompute: full, lora: {rank: 16, dropout: 0.1}");
  const double d = 2, m = 4096, r = 16;
  const double per_layer = 7.0 / 8 * d * m * ((r + 2 * r + 2 * 4096) + (2 * r + 2 * r + 2 * 4096));
  EXPECT_NEAR(lora.tp_bytes - full.tp_bytes, per_layer * 32 * 16 * 16, 1e-6 * full.tp_bytes);
}

// ZeRO-2 reduce-scatters every micro-batch (its gradients are sharded), ZeRO-1 once per step;
// both gather the parameters once: per parameter 16 x 4 + 2 bytes against 4 + 2 at 16 micro-batches.
TEST(EconActions, Zero2ReducesEveryMicroBatch) {
  auto dp_bytes = [](int zero) {
    return step_actions(p5_experiment(16, "llama2-7b", "global_batch: 32, micro_batch: 1, tp: 8, pp: 1, dp: 2, precision: bf16, zero: " +
                                                           std::to_string(zero)))
        .dp_bytes;
  };
  EXPECT_NEAR(dp_bytes(2) / dp_bytes(1), (16.0 * 4 + 2) / (4 + 2), 1e-9);
}

// DualPipe counts as the DualPipeV it runs as (pp / 2 stages, 2 dp replicas), except that its
// V's turn crosses between the two middle ranks, which a DualPipeV stage keeps to itself.
TEST(EconActions, DualPipeCountsAsItsFoldedVWithTheTurnSent) {
  auto actions = [](const std::string& training) {
    return step_actions(p5_experiment(
        64, "llama3-70b", "global_batch: 64, micro_batch: 1, tp: 8, recompute: selective, zero: 1, precision: bf16, " + training));
  };
  const ActionCounts dual = actions("pp: 4, dp: 2, pp_schedule: dualpipe");
  const ActionCounts v = actions("pp: 2, dp: 4, pp_schedule: dualpipe-v");
  EXPECT_NEAR(dual.matmul_flops / v.matmul_flops, 1.0, 1e-12);
  EXPECT_NEAR(dual.hbm_bytes / v.hbm_bytes, 1.0, 1e-12);
  EXPECT_NEAR(dual.dp_bytes / v.dp_bytes, 1.0, 1e-12);
  EXPECT_NEAR(dual.pp_bytes / v.pp_bytes, 3.0 / 2.0, 1e-12);  // 4 chunks: 3 hops against 2
}

// fp8 moves the tensor-parallel all-gathers in 8 bits (its reduce-scatters stay 16-bit), and fp8
// parameters the data-parallel parameter gathers, as the step simulation times them.
TEST(EconActions, Fp8GathersMoveOneBytePerElement) {
  auto actions = [](const std::string& training) {
    return step_actions(p5_experiment(16, "llama2-7b", "global_batch: 32, tp: 8, pp: 1, dp: 2, zero: 1, " + training));
  };
  const ActionCounts bf16 = actions("precision: bf16"), fp8 = actions("precision: fp8");
  const ActionCounts params = actions("precision: fp8, fp8_params: true");
  EXPECT_NEAR(fp8.tp_bytes / bf16.tp_bytes, 0.75, 1e-9);  // (2 + 1) of (2 + 2) bytes per element
  EXPECT_EQ(fp8.dp_bytes, bf16.dp_bytes);
  // ZeRO-1: 4 bytes of gradient and 2 of parameter per parameter; 1 for the linear weights' now.
  EXPECT_GT(params.dp_bytes / fp8.dp_bytes, 5.0 / 6.0);
  EXPECT_LT(params.dp_bytes / fp8.dp_bytes, 5.2 / 6.0);
  EXPECT_EQ(params.tp_bytes, fp8.tp_bytes);
}

// Expert all-to-alls move the copies the step sends: top-k per token under a flat all-to-all,
// fewer under hierarchical dispatch, which sends a token once to each remote domain it hits
// (train::dispatch_copies).
TEST(EconActions, ExpertBytesFollowTheDispatch) {
  auto experiment = [](const std::string& dispatch) {
    return p5_experiment(64, "mixtral-8x7b",
                         "global_batch: 64, micro_batch: 1, tp: 1, pp: 1, dp: 64, ep: 4, precision: bf16, "
                         "moe_host_overhead: 0ms, ep_dispatch: " + dispatch);
  };
  auto ep_bytes = [](const train::Experiment& e) { return step_actions(e).ep_bytes; };
  // Mixtral: 32 MoE layers, top-2, seq x 4,096 hidden x 2 bytes per rank and micro-batch, 4
  // passes, 3 of 4 sent away, 64 ranks.
  const train::Experiment flat = experiment("alltoall");
  const double bytes = ep_bytes(flat), seq = static_cast<double>(flat.model.seq_len);
  EXPECT_NEAR(bytes, 32.0 * 64 * 4 * (3.0 / 4) * seq * 2 * 4096 * 2, 1e-6 * bytes);
  // EP 4 inside one server: a token goes once to each rank holding one of its experts; with 2 of
  // the 8 experts on a rank it misses a given rank with probability C(6,2) / C(8,2).
  const double hits = 4 * (1 - 15.0 / 28.0);
  EXPECT_NEAR(ep_bytes(experiment("hierarchical")) / bytes, hits / 2, 1e-9);
}

}  // namespace
}  // namespace trnsim::econ

namespace trnsim::econ {
namespace {

TEST(EconEnergy, TpuTableCalibratesToBoardAndIdlePower) {
  for (const char* name : {"tpu-v4", "tpu-v5p", "tpu-v6e"}) {
    const hw::AcceleratorSpec a = hw::load_accelerator(name);
    const EnergyModel m = energy_model_for(a);
    // At the sustained GEMM rate the board draws tdp_w; idle it draws idle_w.
    const double rate = m.sustained_flops(cost::Precision::kBf16);
    const double hbm_w = rate * m.table.gemm_hbm_bytes_per_flop * m.table.j_per_hbm_byte;
    EXPECT_NEAR(m.static_w + rate * m.j_per_flop(cost::Precision::kBf16) + hbm_w, a.tdp_w, 1e-6 * a.tdp_w) << name;
    EXPECT_DOUBLE_EQ(m.static_w, a.idle_w) << name;
  }
}

}  // namespace
}  // namespace trnsim::econ
