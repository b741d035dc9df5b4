// The parallel plan of a training run: how the ranks are cut (data, tensor, sequence, pipeline,
// context, expert), micro-batching, recompute, ZeRO, precision. The `training:` block of an
// experiment (the schema of validation/runs.yaml) describes one; null values take defaults that
// follow the frameworks' own (docs/training.md).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "trnsim/base/config.h"
#include "trnsim/cost/op_cost.h"
#include "trnsim/hw/system_spec.h"
#include "trnsim/model/model_spec.h"
#include "trnsim/model/ops.h"
#include "trnsim/train/lora.h"

namespace trnsim::train {

// kZeroBubble: ZB-H1 (Qi et al., ICLR 2024, "Zero Bubble Pipeline Parallelism"): 1F1B with each
// backward split into its input-gradient part (B) and its weight-gradient GEMMs (W), the W of
// later stages deferred into the cool-down's bubbles at 1F1B's peak activation memory.
// kZeroBubbleV: ZB-V (Qi et al. 2024, "Pipeline Parallelism with Controllable Memory"; PyTorch's
// ScheduleZBVZeroBubble, torchtitan's ZBVZeroBubble): two model chunks per stage placed in a V,
// stage s holding chunks s and 2 pp - 1 - s, so the first stage also runs the last chunk; B and W
// split as in ZB-H1, at 1F1B's peak activation memory on every stage.
// kDualPipeV: DeepSeek's DualPipe cut in half (deepseek-ai/DualPipe dualpipev.py; torchtitan's
// DualPipeV): ZB-V's placement, with the steady state's forwards and backwards of the two chunks
// run as overlapped pairs, behind which expert all-to-alls hide; backwards split into B and W only
// where the order fills bubbles with W.
// kDualPipe: DeepSeek's bidirectional DualPipe (DeepSeek-V3 report Sec. 3.2.1; deepseek-ai/DualPipe
// dualpipe.py). Half the micro-batches enter at rank 0 and half at rank pp - 1; rank r holds model
// chunks r and pp - 1 - r (of pp), one per direction, so every stage's parameters sit on two ranks,
// whose gradients are summed. Ranks r and pp - 1 - r run the same order on mirrored micro-batches,
// the order DualPipeV runs on stage min(r, pp - 1 - r) of pp / 2: the step is DualPipeV's on pp / 2
// stages, 2 dp data-parallel replicas and half the micro-batches, with the V's turn crossing
// between the two middle ranks (simulated_plan).
enum class PipelineSchedule { kNone, kGpipe, kOneFOneB, kInterleaved, kZeroBubble, kZeroBubbleV, kDualPipeV, kDualPipe };
// Their names (`pp_schedule`), in PipelineSchedule order.
inline const std::vector<std::string> kScheduleNames = {"none", "gpipe", "1f1b", "interleaved-1f1b",
                                                        "zb-h1", "zb-v", "dualpipe-v", "dualpipe"};

// The value of enum E that `key` names, `names` listing E's values in order; an input error
// naming the key and the choices otherwise.
template <class E>
E choice_of(ConfigReader& r, const std::string& key, const std::vector<std::string>& names) {
  const std::string name = r.choice(key, names);
  return static_cast<E>(std::find(names.begin(), names.end(), name) - names.begin());
}

// Whether interleaved 1F1B runs m micro-batches per step in groups of n on pp stages, as
// Megatron-Core allows it (schedules.py, forward_backward_pipelining_with_interleaving): pp <= n <=
// m, and what is left after the whole groups, if anything, at least pp.
inline bool groups_fit(int64_t m, int pp, int64_t n) { return n >= pp && n <= m && (m % n == 0 || m % n >= pp); }
// The smallest group that does (pp where it divides m), or 0 where none does.
inline int64_t smallest_group(int64_t m, int pp) {
  for (int64_t n = pp; n <= m; ++n) {
    if (groups_fit(m, pp, n)) return n;
  }
  return 0;
}

// Whether a schedule places two chunks per stage in a V.
inline bool v_shape(PipelineSchedule s) { return s == PipelineSchedule::kZeroBubbleV || s == PipelineSchedule::kDualPipeV; }
// Whether a schedule runs backwards as two tasks, input gradients (B) and weight gradients (W):
// every backward under ZB-H1 and ZB-V, those the order marks under DualPipeV.
inline bool splits_backward(PipelineSchedule s) { return s == PipelineSchedule::kZeroBubble || v_shape(s); }
// The model chunk (in pipeline order, 0 .. pp x chunks per stage - 1) that local chunk `c` of stage
// `s` holds: chunk c x pp + s (Megatron's interleaving), or in a V, s and then 2 pp - 1 - s.
inline int global_chunk(PipelineSchedule sched, int pp, int c, int s) {
  return v_shape(sched) && c == 1 ? 2 * pp - 1 - s : c * pp + s;
}
// The stage that holds model chunk `g`.
inline int chunk_stage(PipelineSchedule sched, int pp, int g) {
  return v_shape(sched) && g >= pp ? 2 * pp - 1 - g : g % pp;
}

// How MoE tokens travel to their experts. Hierarchical (DeepEP, HybridEP, DeepSeek's kernels):
// a token crosses the scale-out network once per remote domain holding any of its experts and
// reaches each rank at most once. All-to-all (Megatron's alltoall dispatcher): one copy per
// (token, expert) pair.
enum class ExpertDispatch { kHierarchical, kAllToAll };

// The layers one model chunk holds: [first, first + count), and whether it also holds the input
// embedding, the output head and loss, and multi-token prediction blocks.
struct ChunkLayers {
  int first = 0, count = 0;
  bool embedding = false, head = false;
  int mtp = 0;  // multi-token prediction blocks (each like the last layer), on the head's chunk
};

// When a framework overlaps expert all-to-alls with another micro-batch's compute where the run
// does not say (configs/frameworks/ `ep_overlap`): never, always, or only where the expert group
// spans more than one scale-up domain (its all-to-alls cross the scale-out network), optionally
// only under an interleaved pipeline. Megatron-Core refuses the overlap with full recompute, so
// a rule never applies there.
enum class EpOverlapRule { kNever, kAlways, kAcrossDomains, kInterleavedAcrossDomains };
inline const std::vector<std::string> kEpOverlapRuleNames = {"never", "always", "across-domains",
                                                             "interleaved-across-domains"};

// How context-parallel ranks exchange keys and values (`cp_kv_exchange`; train/context_parallel.h):
// a ring of transfers beside every attention block, or one all-gather that only the rank's own
// block hides.
enum class CpKvExchange { kRing, kAllGather };
inline const std::vector<std::string> kCpKvExchangeNames = {"ring", "allgather"};

// When a framework overlaps pipeline sends with compute where the run does not say
// (configs/frameworks/ `pp_overlap`): always, only under the interleaved schedule, or never.
enum class PpOverlapRule { kAlways, kInterleaved, kNever };
inline const std::vector<std::string> kPpOverlapRuleNames = {"always", "interleaved", "never"};

struct ParallelPlan {
  int64_t global_batch = 0;  // sequences per optimizer step
  int64_t micro_batch = 1;   // sequences per data-parallel rank per forward pass
  int tp = 1, pp = 1, dp = 1, cp = 1, ep = 1;
  // Tensor parallelism inside the routed experts (Megatron-Core's expert_tensor_parallel_size):
  // tp (Megatron-Core's default) or 1, where each rank holds whole experts and routes its own
  // sequence-parallel share of the tokens. Experts fold over the ranks of a pipeline stage
  // (Megatron-Core's MoE parallel folding): expert_tp innermost, then ep, then expert replicas.
  // 0 means tp; etp() resolves it.
  int expert_tp = 0;
  bool sequence_parallel = false;
  PipelineSchedule schedule = PipelineSchedule::kNone;
  int virtual_stages = 1;    // model chunks per pipeline rank (interleaved 1F1B; 2 under ZB-V)
  // Interleaved 1F1B's micro-batches per group, each group run through every model chunk before
  // the next (`pp_microbatch_group`: Megatron-Core's microbatch_group_size_per_vp_stage, the N of
  // Llama 3's schedule); 0: pp, Megatron's default.
  int64_t microbatch_group = 0;
  model::Recompute recompute = model::Recompute::kNone;
  // What `selective` recomputes (`selective_recompute`: attention | alternate_matmuls; the
  // framework's, configs/frameworks/, else the attention core).
  model::SelectivePolicy selective_policy = model::SelectivePolicy::kAttentionCore;
  // Under kModules, the RecomputeModule bits (`recompute_modules`: Megatron-Core's list, which
  // implies recompute: selective).
  unsigned recompute_modules = 0;
  int zero = 0;              // 0..3
  cost::Precision precision = cost::Precision::kBf16;
  bool flash_attention = true;
  // Dropout on the attention probabilities: the model's attention_dropout, else the framework's
  // (configs/frameworks/), else none. Costs only without flash attention.
  bool attention_dropout = false;
  // The loss as one fused pass (`cross_entropy`: fused | unfused; the framework's, else fused).
  bool fused_cross_entropy = true;
  // The flash-attention kernel (`attention_kernel`: fused | flash2; auto, the default, takes the
  // framework's, configs/frameworks/).
  cost::AttentionKernel attention_kernel = cost::AttentionKernel::kFused;
  // LoRA fine-tuning (`lora: {rank, targets}`, train/lora.h): only adapters of this rank beside
  // the targeted linear layers are trained; 0: the whole model is.
  int lora_rank = 0;
  unsigned lora_targets = kLoraDefaultTargets;
  // Dropout on each adapter's input (`lora.dropout`, a probability; Megatron-Bridge's default
  // position, "pre"); 0: none, the frameworks' default.
  double lora_dropout = 0;
  // Under sequence parallelism, adapters beside row-parallel layers return their output to the
  // sequence split with one all-to-all (`lora.a2a`, NeMo's and Megatron-Bridge's
  // a2a_experimental) instead of gathering it whole; off by default, as in both.
  bool lora_a2a = false;
  // LoRA adapter parameters a rank holds beside `op` (0 without LoRA).
  double adapter_params(const model::Op& op) const {
    return lora_rank > 0 ? lora_rank * lora_width(op, lora_targets, model::is_routed_expert(op) ? etp() : tp) : 0.0;
  }
  // Parameters of (or beside) `op` the rank trains: its own weights, or under LoRA its adapters.
  double trained_params(const model::Op& op) const { return lora_rank > 0 ? adapter_params(op) : op.weight_params; }
  ExpertDispatch ep_dispatch = ExpertDispatch::kHierarchical;
  // Expert all-to-alls overlapped with another micro-batch's compute (Megatron's
  // moe_a2a_overlap, DeepSeek's DualPipe); off: they sit on the critical path.
  bool ep_overlap = false;
  // The framework's rule where the run left ep_overlap unset (kNever otherwise); the planner
  // applies it to each plan it tries (ep_overlap_by_rule).
  EpOverlapRule ep_overlap_rule = EpOverlapRule::kNever;
  // Host time one MoE layer costs per micro-batch, forward and backward together: the kernel
  // launches of its router, permutation and grouped GEMMs and the dropless token-count sync that
  // drains the GPU's queue (`moe_host_overhead`; the framework's, configs/frameworks/, else none).
  // The compute stream waits for it only where no exposed communication already holds it.
  Time moe_host_overhead;
  // The rate the framework release's attention kernels sustain against the release the
  // hardware calibration was fitted on (`attention_rate`; the release's, configs/releases/,
  // else 1): cost::CostOptions::attention_rate.
  double attention_rate = 1.0;
  // Tensor-parallel all-gathers and reduce-scatters split into chunks and pipelined with the
  // linear layers' GEMMs (Megatron's --tp-comm-overlap, Transformer Engine's userbuffers); needs
  // sequence parallelism. Off: they sit on the critical path.
  bool tp_overlap = false;
  // Data-parallel gradient reductions and parameter gathers bucketed and overlapped with the
  // backward and forward passes (Megatron-Core's --overlap-grad-reduce / --overlap-param-gather,
  // FSDP prefetching, DeepSpeed's overlap_comm). Off: they run after the last backward and
  // before the first forward (Megatron-LM's local DDP before September 2023; NeuronX Distributed,
  // whose optimizer step reduces the gradients).
  bool dp_overlap = true;
  // Gradients accumulated and data-parallel reduced in fp32 (Megatron's grad_reduce_in_fp32),
  // else in the 16-bit parameter type: half the gradient buffer and half the reduction bytes.
  // fp16 training keeps fp16 gradients; fp32 training fp32 ones.
  bool grad_reduce_in_fp32 = true;
  // Each micro-batch's gradients added into fp32 main gradients by a pass of their own after its
  // backward (`grad_accumulation_pass`; torch-xla's ZeRO-1 gradient hooks, which NeuronX
  // Distributed turns on with its default fp32 gradient accumulation): it reads the gradient and
  // reads and writes the accumulator. Off: accumulated inside the weight-gradient GEMMs
  // (Megatron's gradient_accumulation_fusion) or assigned by the one micro-batch. Charged only
  // where gradients are whole (not shards_gradients()): FSDP2 under a pipeline, ZeRO-0/1.
  bool grad_accumulation_pass = false;
  // ZeRO-3 under a pipeline keeps each chunk's parameters gathered from its first forward to its
  // last backward, accumulates unsharded gradients, and reduce-scatters them once after that
  // backward (`zero3_gather_once`; PyTorch's pipelining stages with FSDP2, as torchtitan runs
  // them). Off: gathered and reduce-scattered every micro-batch (DeepSpeed's ZeRO-3).
  bool zero3_gather_once = false;
  // ZeRO-3 gathered every micro-batch copies on the compute stream (`zero3_copy_passes`; FSDP2's
  // all-gather copy-out into the unsharded parameters and reduce-scatter copy-in of the gradients,
  // cast to the reduction type): per gather the held parameters read and written in the parameter
  // type, per reduce-scatter the gradients read in it and written in the reduction type. Off:
  // the collectives work in place (FSDP1's flat parameters, DeepSpeed's buckets).
  bool zero3_copy_passes = false;
  // fp8 training holds the linear layers' weights in fp8 (`fp8_params`; Transformer Engine's fp8
  // model parameters, Megatron's fp8_param_gather, NeMo's fp8_params): 1 byte per weight, plus a
  // transposed copy where the accelerator's 8-bit GEMMs need one (AcceleratorSpec::
  // fp8_transpose_copy), and data-parallel parameter gathers move 1 byte per weight. Embeddings,
  // norms, the router and the output head stay 16-bit. Off: 16-bit weights. fp8 plans only.
  bool fp8_params = false;
  // Context parallelism's key-value exchange (`cp_kv_exchange`; the framework's, else ring) and
  // whether it carries every query head (`cp_repeat_kv`: a model that repeats its key-value heads
  // before calling attention, as torchtitan's Llama of 2024 does; the framework's, else off).
  CpKvExchange cp_kv_exchange = CpKvExchange::kRing;
  bool cp_repeat_kv = false;
  // Adam's first and second moments held in bf16 (`optimizer_moments: bf16`; DeepSeek-V3 report
  // Sec. 3.3.3, Megatron-Core's precision-aware optimizer with exp_avg_dtype and exp_avg_sq_dtype
  // bf16): 2 bytes each instead of 4, in memory and in the optimizer step's traffic.
  bool bf16_moments = false;
  // When pipeline sends and receives run beside the compute (pp_overlap()): the run's own
  // `pp_overlap` true or false (always or never), else the framework's rule.
  PpOverlapRule pp_overlap_rule = PpOverlapRule::kAlways;
  // Without sequence parallelism, each tensor-parallel rank sends only its 1/tp slice of a stage's
  // output and the receiving ranks all-gather it (`pp_scatter_gather`; Megatron-LM's
  // scatter_gather_tensors_in_pipeline, Narayanan et al. 2021 Sec. 4.1). Off: every rank sends the
  // whole tensor.
  bool pp_scatter_gather = false;

  // Layers at the start of each model chunk whose saved activations go to host memory during the
  // forward pass and come back for the backward (Megatron-Core's cpu_offloading_num_layers), over
  // the accelerator's host link (host_link_bw), beside the compute. 0: none.
  int activation_offload_layers = 0;

  // DualPipe folded into DualPipeV (simulated_plan): each stage stands for the two ranks that run
  // it mirrored, so the V's turn is a transfer between them and neighbouring stages are dp / 2
  // data-parallel ranks apart in the real numbering.
  bool mirrored = false;

  // Each model chunk's layers, in model order (chunk g = virtual index x pp + stage), from
  // Megatron-Core's pipeline_model_parallel_layout (`pp_layout`, train/pipeline_layout.h);
  // empty: the layers split evenly (train/stage_layers.h).
  std::vector<ChunkLayers> layout;

  int etp() const { return expert_tp > 0 ? expert_tp : tp; }
  // Parameters and gradients stay gathered for the whole step (zero3_gather_once under a
  // pipeline): ZeRO-3 then holds and moves what ZeRO-1 does, the gather and the reduction once
  // per chunk and step.
  bool zero3_once_per_step() const { return zero >= 3 && zero3_gather_once && (pp > 1 || mirrored); }
  // Parameters, and gradients, sharded over the data-parallel ranks while the step runs.
  bool shards_weights() const { return zero >= 3 && !zero3_once_per_step(); }
  bool shards_gradients() const { return zero >= 2 && !zero3_once_per_step(); }
  // Pipeline sends and receives run beside the compute (`pp_overlap`; Megatron's
  // overlap_p2p_comm under the interleaved schedule, PyTorch's and XLA's asynchronous
  // transfers). Off: a task that sends holds its stage until the transfer ends (Megatron's
  // non-interleaved 1F1B, and every schedule of Megatron-LM before overlap_p2p_comm, May 2023).
  // Follows the schedule, so every plan the planner tries gets its own answer.
  bool pp_overlap() const {
    return pp_overlap_rule == PpOverlapRule::kAlways ||
           (pp_overlap_rule == PpOverlapRule::kInterleaved && schedule == PipelineSchedule::kInterleaved);
  }
  // Ranks holding the same expert shard: a stage's tp x cp x dp ranks over expert_tp x ep.
  int64_t expert_replicas() const { return int64_t{tp} * cp * dp / (int64_t{etp()} * ep); }
  // Micro-batches per data-parallel rank per step (gradient accumulation).
  int64_t micro_batches() const { return global_batch / (static_cast<int64_t>(dp) * micro_batch); }
  int64_t group() const { return microbatch_group > 0 ? microbatch_group : pp; }
  // Warm-up forwards beyond the schedule's own: Megatron-Core (0.14 on) runs one more under
  // interleaving with its all-to-all overlap, so that every steady pair's forward and backward are
  // independent (schedules.py get_pp_rank_microbatches, overlap_moe_expert_parallel_comm).
  int extra_warmup() const { return ep_overlap && schedule == PipelineSchedule::kInterleaved && pp > 1 ? 1 : 0; }
  // HBM bytes the optimizer step moves for a rank holding `dense` and `expert` parameters, as
  // Megatron's mixed-precision optimizers do it, per parameter of the rank's optimizer shard
  // (ZeRO >= 1 shards each kind over its data-parallel replicas; docs/training.md):
  //   16-bit gradients cast to fp32 main gradients (read g, write 4);
  //   fp16 only: unscale and check for inf/nan (read and write 4);
  //   gradient norm for clipping (read 4);
  //   Adam (read master weights, m, v and the gradient, write master, m and v: 28; 20 with bf16
  //   moments);
  //   the master weights copied to the model's 16-bit weights (read 4, write 2).
  // fp32 training has no master copy and no cast: Adam 28 and the norm 4, 32 in all. Then the
  // gradient buffer is zeroed for the next step (write g for every parameter it holds: sharded
  // from ZeRO-2).
  // `dense` and `expert` count trained parameters (trained_params: under LoRA, the adapters).
  double optimizer_bytes(double dense, double expert) const {
    const double g = grad_bytes();
    const bool fp32 = precision == cost::Precision::kFp32;
    const double adam = bf16_moments ? 20.0 : 28.0;
    const double per_shard_param = fp32 ? 4 + adam
                                        : (g < 4 ? g + 4 : 0.0) + (precision == cost::Precision::kFp16 ? 8.0 : 0.0) +
                                              4 + adam + 6;
    return per_shard_param * held_params(dense, expert, zero >= 1) + g * held_params(dense, expert, shards_gradients());
  }
  // Of `dense` and `expert` parameters, those a rank keeps: where `sharded` (a ZeRO stage), each
  // kind split over its data-parallel replicas (dp x cp for dense ones, expert_replicas() for
  // experts).
  double held_params(double dense, double expert, bool sharded) const {
    if (!sharded) return dense + expert;
    return dense / (static_cast<double>(dp) * cp) + expert / static_cast<double>(expert_replicas());
  }
  // Bytes of Adam's state per parameter of the shard: m and v, and the fp32 master weights where
  // the parameters are not fp32 themselves.
  double optimizer_state_bytes() const {
    return (bf16_moments ? 4.0 : 8.0) + (precision == cost::Precision::kFp32 ? 0.0 : 4.0);
  }
  // Bytes of a weight, or of an activation, in the parameter type: 4 for fp32 training, else 2.
  int param_bytes() const { return precision == cost::Precision::kFp32 ? 4 : 2; }
  // Bytes a data-parallel parameter all-gather moves for `params` parameters, `quantized` of them
  // linear weights (model::quantized_weights): those in 1 byte under fp8_params.
  double param_gather_bytes(double params, double quantized) const {
    return params * param_bytes() - (fp8_params ? quantized * (param_bytes() - 1.0) : 0.0);
  }
  // Bytes per element a sequence-parallel all-gather moves: the GEMM's quantized input (1 byte)
  // under fp8 linears, else the parameter type; reduce-scatters and all-reduces stay 16-bit.
  int tp_gather_bytes() const { return precision == cost::Precision::kFp8 ? 1 : param_bytes(); }
  // Bytes per gradient element in the gradient buffer and its data-parallel reductions.
  double grad_bytes() const {
    if (precision == cost::Precision::kFp32) return 4;
    if (precision == cost::Precision::kFp16) return 2;
    return grad_reduce_in_fp32 ? 4 : 2;
  }
};

// Reads a `training:` block. Defaults for null or missing keys: micro_batch 1; pp, cp, ep 1;
// tp 1, or when tp and dp are both unset the smallest tp dividing the heads that leaves a dp the
// global batch can feed; dp = ranks / (tp x pp x cp); sequence_parallel when tp > 1 divides the
// sequence on a rank; schedule 1f1b when pp > 1; virtual_stages 1; recompute none (selective
// when recompute_modules is given); zero 1 (0 when dp = 1); flash_attention true;
// attention_kernel and tp_overlap as the framework's file says (train/framework.h), else fused and
// off; expert_tp as the framework's file says for MoE models where sequence parallelism allows
// it, else tp; ep_overlap by the framework's rule (ep_overlap_by_rule), else off;
// moe_host_overhead as the framework's file says, else none; pp_overlap by the framework's rule,
// else on; pp_scatter_gather as the framework's file says, else off; attention_rate as the release file the
// framework names says (train/release.h), else 1; dp_overlap, grad_reduce_in_fp32,
// attention_dropout and cross_entropy as the framework's file says, else on, on, none (the
// model's own rate first) and fused.
ParallelPlan plan_from_config(const ConfigNode& block, const hw::SystemSpec& system, const model::ModelSpec& model);

// The plan the step and memory models simulate: a DualPipe plan as the DualPipeV plan it runs as
// (pp / 2 stages, 2 dp replicas, two chunks per stage, mirrored); any other plan as it is. The two
// copies of a stage are data-parallel replicas of each other: their gradients reduce together and
// ZeRO shards over both (an assumption: DeepSeek's report says only that the copies are kept).
ParallelPlan simulated_plan(const ParallelPlan& p);

// Whether `p.ep_overlap_rule` overlaps the expert all-to-alls of plan `p` on `system`.
bool ep_overlap_by_rule(const ParallelPlan& p, const hw::SystemSpec& system);

// Most micro-batches per step a step simulation accepts (it holds every micro-batch's tasks).
constexpr int64_t kMaxMicroBatches = int64_t{1} << 20;

// Checks the plan against the model and the system: degrees multiply to the rank count and divide
// heads, layers, experts and the batch, within kMaxMicroBatches micro-batches. Throws
// Error(kInput) naming the key and the fix.
void check_plan(const ParallelPlan& plan, const model::ModelSpec& model, const hw::SystemSpec& system,
                const std::string& where);

std::string_view schedule_name(PipelineSchedule s);
std::string_view recompute_name(model::Recompute r);
// Selective-recompute policies by name, in SelectivePolicy order; selective_policy_named takes one
// of those names.
inline const std::vector<std::string> kSelectivePolicyNames = {"attention", "alternate_matmuls", "modules",
                                                                "unfused_attention_mlp_act"};
std::string_view selective_policy_name(model::SelectivePolicy p);
// The loss kernels by name (`cross_entropy`): fused, then unfused.
inline const std::vector<std::string> kCrossEntropyNames = {"fused", "unfused"};
inline std::string_view cross_entropy_name(bool fused) { return kCrossEntropyNames[fused ? 0 : 1]; }
model::SelectivePolicy selective_policy_named(std::string_view name);
// The names of RecomputeModule bits (core_attn, mla_up_proj, mlp, moe_act, layernorm, shared_experts).
std::vector<std::string> recompute_module_names(unsigned bits);

}  // namespace trnsim::train
