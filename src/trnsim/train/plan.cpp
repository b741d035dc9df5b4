#include "trnsim/train/plan.h"

#include <algorithm>

#include "trnsim/base/error.h"
#include "trnsim/base/text.h"
#include "trnsim/cost/roofline_params.h"
#include "trnsim/train/framework.h"
#include "trnsim/train/release.h"
#include "trnsim/train/pipeline_layout.h"
#include "trnsim/train/stage_layers.h"
#include "trnsim/model/ops.h"

namespace trnsim::train {
namespace {

int64_t int_or(ConfigReader& r, const std::string& key, int64_t lo, int64_t hi, int64_t dflt) {
  return r.absent(key) ? dflt : r.integer(key, lo, hi);
}

bool bool_or(ConfigReader& r, const std::string& key, bool dflt) { return r.absent(key) ? dflt : r.boolean(key); }

std::string choice_or(ConfigReader& r, const std::string& key, const std::vector<std::string>& choices,
                      const std::string& dflt) {
  return r.absent(key) ? dflt : r.choice(key, choices);
}

// Megatron-Core's --recompute-modules names, in RecomputeModule bit order.
const std::vector<std::string> kRecomputeModuleNames = {"core_attn", "mla_up_proj", "mlp",
                                                        "moe_act",   "layernorm",   "shared_experts"};

// The set of `names` (bit i for names[i]) that the list `key` gives, each at most once; `noun` and
// `example` word the refusals.
unsigned name_bits(ConfigReader& r, const std::string& key, const std::vector<std::string>& names,
                   const std::string& noun, const std::string& example) {
  const std::string at = r.node(key).location();
  unsigned bits = 0;
  for (const std::string& name : r.str_list(key)) {
    const auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) throw input_error(at, "names an unknown " + noun + " '" + name + "'", "use any of " + join(names, ", "));
    const unsigned bit = 1u << (it - names.begin());
    if ((bits & bit) != 0) throw input_error(at, "lists '" + name + "' twice", "list each " + noun + " once");
    bits |= bit;
  }
  if (bits == 0) throw input_error(at, "lists no " + noun, "list " + noun + "s (e.g. " + example + ") or remove the key");
  return bits;
}

unsigned recompute_modules_of(ConfigReader& r) {
  for (const std::string& name : r.str_list("recompute_modules")) {
    if (name == "moe") {
      throw input_error(r.node("recompute_modules").location(),
                        "'moe' (the whole MoE layer) would repeat its token dispatch, which is not modelled",
                        "list its parts instead (moe_act, shared_experts, layernorm) or use recompute: full");
    }
  }
  return name_bits(r, "recompute_modules", kRecomputeModuleNames, "module", "[core_attn]");
}

// `lora.targets`: Megatron-Core's linear-layer names (train/lora.h).
unsigned lora_targets_of(ConfigReader& r) {
  return name_bits(r, "targets", kLoraTargetNames, "layer", "[linear_qkv, linear_proj]");
}

}  // namespace

std::vector<std::string> recompute_module_names(unsigned bits) {
  std::vector<std::string> names;
  for (size_t i = 0; i < kRecomputeModuleNames.size(); ++i) {
    if (bits & (1u << i)) names.push_back(kRecomputeModuleNames[i]);
  }
  return names;
}

std::string_view schedule_name(PipelineSchedule s) { return kScheduleNames[static_cast<size_t>(s)]; }

std::string_view recompute_name(model::Recompute r) {
  switch (r) {
    case model::Recompute::kNone: return "none";
    case model::Recompute::kSelective: return "selective";
    case model::Recompute::kFull: return "full";
  }
  return "?";
}

std::string_view selective_policy_name(model::SelectivePolicy p) {
  return kSelectivePolicyNames[static_cast<size_t>(p)];
}

model::SelectivePolicy selective_policy_named(std::string_view name) {
  for (size_t i = 0; i < kSelectivePolicyNames.size(); ++i) {
    if (name == kSelectivePolicyNames[i]) return static_cast<model::SelectivePolicy>(i);
  }
  return model::SelectivePolicy::kAttentionCore;
}

ParallelPlan plan_from_config(const ConfigNode& block, const hw::SystemSpec& system, const model::ModelSpec& model) {
  ConfigReader r(block);
  ParallelPlan p;
  // Free text; where it names a framework in configs/frameworks/ (or a release in configs/releases/),
  // that file gives defaults.
  const std::string framework_text = r.absent("framework") ? "" : r.str("framework");
  const auto framework = framework_for(framework_text);
  p.global_batch = r.integer("global_batch", 1, int64_t{1} << 40);
  p.micro_batch = int_or(r, "micro_batch", 1, int64_t{1} << 30, 1);
  const bool tp_unset = r.absent("tp"), dp_unset = r.absent("dp");
  p.tp = tp_unset ? 1 : static_cast<int>(r.integer("tp", 1, 1 << 20));
  p.pp = static_cast<int>(int_or(r, "pp", 1, 1 << 20, 1));
  p.cp = static_cast<int>(int_or(r, "cp", 1, 1 << 20, 1));
  p.ep = static_cast<int>(int_or(r, "ep", 1, 1 << 20, 1));
  const int64_t ranks = system.ranks();
  if (tp_unset && dp_unset) {
    // The smallest tensor-parallel degree that leaves a data-parallel degree the batch can feed.
    for (int t = 1; t <= model.heads; ++t) {
      const int64_t rest = int64_t{t} * p.pp * p.cp;
      if (model.heads % t != 0 || ranks % rest != 0) continue;
      p.tp = t;
      if (p.global_batch % ((ranks / rest) * p.micro_batch) == 0) break;
    }
  }
  const int64_t rest = static_cast<int64_t>(p.tp) * p.pp * p.cp;
  if (dp_unset && rest > ranks) {
    throw input_error((r.has("pp") ? r.node("pp") : block).location(),
                      "tp x pp x cp = " + std::to_string(p.tp) + " x " + std::to_string(p.pp) + " x " +
                          std::to_string(p.cp) + " = " + std::to_string(rest) + " is more than the system's " +
                          std::to_string(ranks) + " ranks",
                      "lower them so that their product divides " + std::to_string(ranks));
  }
  p.dp = dp_unset ? static_cast<int>(rest > 0 ? ranks / rest : 1) : static_cast<int>(r.integer("dp", 1, 1 << 30));
  // A framework that splits a pipelined rank's batch into one micro-batch per stage, where the run
  // gives no micro_batch and the batch divides so.
  if (r.absent("micro_batch") && p.pp > 1 && framework && framework->pp_micro_batches_per_stage.value_or(false) &&
      p.dp > 0 && p.global_batch % (int64_t{p.dp} * p.pp) == 0) {
    p.micro_batch = p.global_batch / (int64_t{p.dp} * p.pp);
  }
  p.sequence_parallel = bool_or(r, "sequence_parallel", p.tp > 1 && (model.seq_len / p.cp) % p.tp == 0);
  p.schedule = !r.absent("pp_schedule")
                   ? choice_of<PipelineSchedule>(r, "pp_schedule", kScheduleNames)
                   : p.pp > 1 ? PipelineSchedule::kOneFOneB : PipelineSchedule::kNone;
  // Interleaving with no published depth: the framework's model chunks per stage, else two layers
  // per model chunk, the granularity Megatron's interleaved configurations commonly use
  // (docs/training.md).
  const int chunk_default = p.pp <= 1 ? 1
                            : framework && framework->pp_virtual_stages ? *framework->pp_virtual_stages
                                                                        : std::max(1, model.layers / (2 * p.pp));
  p.virtual_stages = static_cast<int>(int_or(r, "pp_virtual_stages", 1, 1 << 16, chunk_default));
  p.microbatch_group = int_or(r, "pp_microbatch_group", 1, int64_t{1} << 40, 0);
  const std::string group_at = p.microbatch_group > 0 ? r.node("pp_microbatch_group").location() : "";
  // Schedules that fix the model chunks on each stage: two in a V; one per rank and direction
  // under DualPipe.
  const int fixed_chunks = v_shape(p.schedule) ? 2 : p.schedule == PipelineSchedule::kDualPipe ? 1 : 0;
  if (fixed_chunks > 0 && p.pp > 1 && !r.absent("pp_virtual_stages") && p.virtual_stages != fixed_chunks) {
    throw input_error(r.node("pp_virtual_stages").location(),
                      "is " + std::to_string(p.virtual_stages) + ", but " + std::string(schedule_name(p.schedule)) +
                          " places exactly " + std::to_string(fixed_chunks) + " model chunk(s) on each stage",
                      "set pp_virtual_stages: " + std::to_string(fixed_chunks) + ", or remove it");
  }
  // A module list (Megatron-Core's --recompute-modules) means selective recompute of those modules.
  const bool modules = !r.absent("recompute_modules");
  const std::string rc = choice_or(r, "recompute", {"none", "selective", "full"}, modules ? "selective" : "none");
  if (modules && rc != "selective") {
    throw input_error(r.node("recompute").location(),
                      "is " + rc + ", but recompute_modules lists modules to recompute selectively",
                      "set recompute: selective, or remove recompute_modules");
  }
  if (modules) p.recompute_modules = recompute_modules_of(r);
  p.recompute = rc == "full" ? model::Recompute::kFull : rc == "selective" ? model::Recompute::kSelective
                                                                           : model::Recompute::kNone;
  p.zero = static_cast<int>(int_or(r, "zero", 0, 3, p.dp > 1 ? 1 : 0));
  p.activation_offload_layers = static_cast<int>(int_or(r, "activation_offload_layers", 0, 1 << 20, 0));
  const std::string prec = r.choice("precision", {"fp32", "fp16", "bf16", "fp8", "int8"});
  p.precision = prec == "fp32" ? cost::Precision::kFp32
                : prec == "fp16" ? cost::Precision::kFp16
                : prec == "fp8" ? cost::Precision::kFp8
                : prec == "int8" ? cost::Precision::kInt8
                                 : cost::Precision::kBf16;
  p.flash_attention = bool_or(r, "flash_attention", true);
  const std::string kernel = choice_or(r, "attention_kernel", {"auto", "fused", "flash2"}, "auto");
  p.attention_kernel = kernel == "flash2"  ? cost::AttentionKernel::kFlash2
                       : kernel == "fused" ? cost::AttentionKernel::kFused
                       : framework         ? framework->attention_on(system.accel.name)
                                           : cost::AttentionKernel::kFused;
  p.attention_dropout =
      model.attention_dropout.value_or(framework ? framework->attention_dropout.value_or(0.0) : 0.0) > 0;
  const bool framework_fused_loss = !framework || framework->fused_cross_entropy.value_or(true);
  p.fused_cross_entropy = choice_or(r, "cross_entropy", kCrossEntropyNames,
                                    std::string(cross_entropy_name(framework_fused_loss))) == kCrossEntropyNames[0];
  if (!r.absent("lora")) {
    ConfigReader lr = r.child("lora");
    p.lora_rank = static_cast<int>(lr.integer("rank", 1, 1 << 20));
    if (!lr.absent("targets")) p.lora_targets = lora_targets_of(lr);
    p.lora_dropout = lr.number("dropout", 0.0, 0.99, 0.0);
    p.lora_a2a = lr.boolean("a2a", false);
    lr.finish();
  }
  p.ep_dispatch = choice_or(r, "ep_dispatch", {"hierarchical", "alltoall"}, "hierarchical") == "alltoall"
                     ? ExpertDispatch::kAllToAll
                     : ExpertDispatch::kHierarchical;
  if (r.absent("ep_overlap")) {
    // DualPipe and DualPipeV exist to overlap them.
    const bool dual = p.schedule == PipelineSchedule::kDualPipeV || p.schedule == PipelineSchedule::kDualPipe;
    p.ep_overlap_rule = dual        ? EpOverlapRule::kAlways
                        : framework ? framework->ep_overlap.value_or(EpOverlapRule::kNever)
                                    : EpOverlapRule::kNever;
  } else {
    p.ep_overlap = r.boolean("ep_overlap");
  }
  p.moe_host_overhead = r.absent("moe_host_overhead")
                            ? (framework ? framework->moe_host_overhead.value_or(Time()) : Time())
                            : r.time("moe_host_overhead");
  if (p.moe_host_overhead > Time::from_seconds(1)) {
    throw input_error(r.node("moe_host_overhead").location(), "is over a second per MoE layer and micro-batch",
                      "write the host time of one layer's pass, milliseconds at most (e.g. 5ms)");
  }
  const auto release = release_for(framework_text);
  p.attention_rate =
      r.absent("attention_rate") ? (release ? release->attention_rate : 1.0) : r.number("attention_rate", 0.05, 2.0);
  const model::SelectivePolicy framework_policy =
      framework ? framework->selective_recompute.value_or(model::SelectivePolicy::kAttentionCore)
                : model::SelectivePolicy::kAttentionCore;
  p.selective_policy = selective_policy_named(
      choice_or(r, "selective_recompute", kSelectivePolicyNames, std::string(selective_policy_name(framework_policy))));
  if (modules) {
    if (!r.absent("selective_recompute") && p.selective_policy != model::SelectivePolicy::kModules) {
      throw input_error(r.node("selective_recompute").location(),
                        "is not 'modules', but recompute_modules lists modules",
                        "remove selective_recompute (recompute_modules implies modules)");
    }
    p.selective_policy = model::SelectivePolicy::kModules;
  } else if (p.selective_policy == model::SelectivePolicy::kModules) {
    throw input_error(r.node("selective_recompute").location(),
                      "is 'modules' but no recompute_modules are listed", "add recompute_modules: [core_attn, ...]");
  }
  const bool framework_etp = framework && framework->expert_tp && model.moe && (p.tp == 1 || p.sequence_parallel);
  p.expert_tp = static_cast<int>(int_or(r, "expert_tp", 1, 1 << 20, framework_etp ? *framework->expert_tp : 0));
  // A framework's overlap applies where it can: tensor-parallel pieces need sequence parallelism.
  p.tp_overlap = bool_or(r, "tp_overlap", framework && framework->tp_overlap.value_or(false) &&
                                              (p.tp == 1 || p.sequence_parallel));
  p.dp_overlap = bool_or(r, "dp_overlap", !framework || framework->dp_overlap.value_or(true));
  p.grad_reduce_in_fp32 = bool_or(r, "grad_reduce_in_fp32", !framework || framework->grad_reduce_in_fp32.value_or(true));
  p.grad_accumulation_pass =
      bool_or(r, "grad_accumulation_pass", framework && framework->grad_accumulation_pass.value_or(false));
  p.zero3_gather_once = bool_or(r, "zero3_gather_once", framework && framework->zero3_gather_once.value_or(false));
  p.zero3_copy_passes = bool_or(r, "zero3_copy_passes", framework && framework->zero3_copy_passes.value_or(false));
  // A framework's fp8 parameters apply to fp8 plans; a run that asks for them must be one.
  const bool fp8 = p.precision == cost::Precision::kFp8;
  p.fp8_params = bool_or(r, "fp8_params", fp8 && framework && framework->fp8_params.value_or(false));
  if (p.fp8_params && !fp8) {
    throw input_error(r.node("fp8_params").location(), "holds weights in fp8, but the plan's precision is " + prec,
                      "set precision: fp8, or remove fp8_params");
  }
  p.bf16_moments = choice_or(r, "optimizer_moments", {"fp32", "bf16"}, "fp32") == "bf16";
  p.cp_kv_exchange = !r.absent("cp_kv_exchange")
                         ? choice_of<CpKvExchange>(r, "cp_kv_exchange", kCpKvExchangeNames)
                         : framework ? framework->cp_kv_exchange.value_or(CpKvExchange::kRing) : CpKvExchange::kRing;
  p.cp_repeat_kv = bool_or(r, "cp_repeat_kv", framework && framework->cp_repeat_kv.value_or(false));
  if (r.absent("pp_overlap")) {
    p.pp_overlap_rule = framework ? framework->pp_overlap.value_or(PpOverlapRule::kAlways) : PpOverlapRule::kAlways;
  } else {
    p.pp_overlap_rule = r.boolean("pp_overlap") ? PpOverlapRule::kAlways : PpOverlapRule::kNever;
  }
  p.pp_scatter_gather = bool_or(r, "pp_scatter_gather", framework && framework->pp_scatter_gather.value_or(false));
  const bool has_layout = !r.absent("pp_layout");
  const bool depth_given = !r.absent("pp_virtual_stages");
  const std::string layout = has_layout ? r.str("pp_layout") : "";
  const std::string layout_at = has_layout ? r.node("pp_layout").location() : "";
  r.finish();
  if (p.pp == 1 && depth_given && p.virtual_stages > 1) {
    throw input_error(r.node("pp_virtual_stages").location(),
                      "is " + std::to_string(p.virtual_stages) + ", but with pp 1 there is no pipeline to interleave",
                      "remove pp_virtual_stages, or set pp > 1");
  }
  if (p.pp == 1 && p.schedule != PipelineSchedule::kNone) p.schedule = PipelineSchedule::kNone;
  if (v_shape(p.schedule)) p.virtual_stages = 2;
  else if (p.schedule != PipelineSchedule::kInterleaved) p.virtual_stages = 1;
  if (p.microbatch_group > 0 && p.schedule != PipelineSchedule::kInterleaved) {
    throw input_error(group_at, "groups the micro-batches of interleaved 1F1B, but the schedule is " +
                                    std::string(schedule_name(p.schedule)) + (p.pp == 1 ? " (pp is 1)" : ""),
                      "remove pp_microbatch_group, or set pp_schedule: interleaved-1f1b with pp > 1");
  }
  if (has_layout) {
    p.layout = parse_pipeline_layout(layout, model, p.pp, p.virtual_stages, layout_at);
  } else if (p.schedule == PipelineSchedule::kInterleaved && !depth_given && framework &&
             framework->pp_layer_per_chunk.value_or(false) && (model.layers + 2) % p.pp == 0) {
    // The framework's own cut: one layer per chunk, the embedding and the head (with any MTP
    // modules) alone in the first and last chunks.
    p.virtual_stages = (model.layers + 2) / p.pp;
    const std::string cut = "E|(t|)*" + std::to_string(model.layers) + std::string(model.mtp_layers, 'm') + "L";
    p.layout = parse_pipeline_layout(cut, model, p.pp, p.virtual_stages, "framework '" + framework->name + "'");
  }
  p.ep_overlap = p.ep_overlap || ep_overlap_by_rule(p, system);
  return p;
}

ParallelPlan simulated_plan(const ParallelPlan& p) {
  if (p.schedule != PipelineSchedule::kDualPipe) return p;
  ParallelPlan f = p;
  f.schedule = PipelineSchedule::kDualPipeV;
  f.pp = p.pp / 2;
  f.dp = p.dp * 2;
  f.virtual_stages = 2;
  f.mirrored = true;
  return f;  // the layout's pp chunks are the V's 2 x pp / 2, in the same model order
}

bool ep_overlap_by_rule(const ParallelPlan& p, const hw::SystemSpec& system) {
  if (p.ep <= 1 || p.recompute == model::Recompute::kFull) return false;
  const bool across = int64_t{p.ep} * p.etp() > system.ranks_per_domain();
  switch (p.ep_overlap_rule) {
    case EpOverlapRule::kNever: return false;
    case EpOverlapRule::kAlways: return true;
    case EpOverlapRule::kAcrossDomains: return across;
    case EpOverlapRule::kInterleavedAcrossDomains: return across && p.schedule == PipelineSchedule::kInterleaved;
  }
  return false;
}

void check_plan(const ParallelPlan& p, const model::ModelSpec& m, const hw::SystemSpec& system,
                const std::string& where) {
  auto fail = [&](const std::string& key, const std::string& msg, const std::string& fix) {
    throw input_error(where + " key 'training." + key + "'", msg, fix);
  };
  const int64_t ranks = system.ranks();
  const int64_t product = static_cast<int64_t>(p.tp) * p.pp * p.dp * p.cp;
  if (product != ranks) {
    fail("dp", "tp x pp x dp x cp = " + std::to_string(p.tp) + " x " + std::to_string(p.pp) + " x " +
                   std::to_string(p.dp) + " x " + std::to_string(p.cp) + " = " + std::to_string(product) +
                   " but the system has " + std::to_string(ranks) + " ranks",
         "choose degrees whose product is " + std::to_string(ranks) +
             (system.accel.family == hw::AcceleratorFamily::kTrainium ? " (logical NeuronCores)" : ""));
  }
  if (m.heads % p.tp != 0) {
    fail("tp", "tp = " + std::to_string(p.tp) + " does not divide the " + std::to_string(m.heads) + " attention heads",
         "use a tp that divides " + std::to_string(m.heads));
  }
  if (p.tp_overlap && p.tp > 1 && !p.sequence_parallel) {
    fail("tp_overlap", "overlapping tensor-parallel communication needs sequence parallelism (its all-gathers and "
                       "reduce-scatters are what is split and pipelined with the GEMMs)",
         "set sequence_parallel: true, or tp_overlap: false");
  }
  const int64_t chunks = static_cast<int64_t>(p.pp) * p.virtual_stages;
  // A pipeline layout places every layer itself and may leave a chunk only the embedding or the
  // head (Llama 3's pipeline; Megatron-Core's layouts).
  if (p.layout.empty() && m.layers < chunks) {
    fail("pp", "pp x virtual stages = " + std::to_string(chunks) + " exceeds the " + std::to_string(m.layers) + " layers",
         "use fewer pipeline stages or virtual stages");
  }
  const int64_t per_pass = static_cast<int64_t>(p.micro_batch) * p.dp;
  if (per_pass > p.global_batch || p.global_batch % per_pass != 0) {
    fail("global_batch", "global_batch " + std::to_string(p.global_batch) + " is not a multiple of micro_batch x dp = " +
                             std::to_string(per_pass),
         "make global_batch a multiple of " + std::to_string(per_pass));
  }
  // The step holds every micro-batch's tasks; real steps run thousands, not millions.
  if (p.micro_batches() > kMaxMicroBatches) {
    fail("global_batch", "global_batch " + std::to_string(p.global_batch) + " makes " +
                             std::to_string(p.micro_batches()) + " micro-batches per step, more than the " +
                             std::to_string(kMaxMicroBatches) + " a step simulation handles",
         "lower global_batch, or raise micro_batch or dp");
  }
  if (p.schedule == PipelineSchedule::kInterleaved && !groups_fit(p.micro_batches(), p.pp, p.group())) {
    const int64_t m = p.micro_batches(), fits = smallest_group(m, p.pp);
    const std::string other = fits > 0 ? "set pp_microbatch_group: " + std::to_string(fits) + ", " : "";
    if (p.microbatch_group == 0) {
      fail("pp_schedule", "interleaved 1F1B runs its micro-batches in groups of pp = " + std::to_string(p.pp) +
                              ", and the " + std::to_string(m) + " micro-batches per step are not a multiple of it",
           other + "change global_batch or micro_batch, or use pp_schedule: 1f1b");
    }
    fail("pp_microbatch_group", "is " + std::to_string(p.microbatch_group) + " with " + std::to_string(m) +
                                    " micro-batches per step on pp = " + std::to_string(p.pp) +
                                    ": a group holds pp to all of the micro-batches, and what the whole groups "
                                    "leave must be none or at least pp (Megatron-Core refuses the rest)",
         fits > 0 ? "set pp_microbatch_group: " + std::to_string(fits) : "change global_batch or micro_batch");
  }
  if (p.schedule == PipelineSchedule::kDualPipeV && p.micro_batches() < 2 * int64_t{p.pp}) {
    fail("pp_schedule", "DualPipeV needs at least 2 x pp = " + std::to_string(2 * p.pp) +
                            " micro-batches per step, and this plan makes " + std::to_string(p.micro_batches()),
         "raise global_batch or lower micro_batch, or use pp_schedule: zb-v");
  }
  if (p.schedule == PipelineSchedule::kDualPipe) {
    if (p.pp % 2 != 0) {
      fail("pp", "dualpipe pairs rank r with rank pp - 1 - r, so pp must be even, and it is " + std::to_string(p.pp),
           "use an even pp, or pp_schedule: dualpipe-v");
    }
    if (p.micro_batches() % 2 != 0 || p.micro_batches() < 2 * int64_t{p.pp}) {
      fail("pp_schedule", "DualPipe sends half the micro-batches each way and needs an even count of at least "
                          "2 x pp = " + std::to_string(2 * p.pp) + ", and this plan makes " +
                              std::to_string(p.micro_batches()),
           "make global_batch / (micro_batch x dp) even and at least " + std::to_string(2 * p.pp) +
               ", or use pp_schedule: 1f1b");
    }
  }
  if (p.activation_offload_layers > 0) {
    const int chunk_layers = m.layers / static_cast<int>(chunks);
    if (p.activation_offload_layers >= chunk_layers) {
      fail("activation_offload_layers",
           std::to_string(p.activation_offload_layers) + " offloaded layers leave none of the " +
               std::to_string(chunk_layers) + " layers of a model chunk (pp x virtual stages = " +
               std::to_string(chunks) + ") on the accelerator",
           "offload at most " + std::to_string(chunk_layers - 1) + " layers per chunk");
    }
    if (system.accel.host_link_bw.bytes_per_s <= 0) {
      fail("activation_offload_layers", "accelerator '" + system.accel.name + "' states no host link bandwidth",
           "set host_link_bw in its preset (configs/accelerators/), or remove activation_offload_layers");
    }
  }
  if (m.seq_len % p.cp != 0) {
    fail("cp", "cp = " + std::to_string(p.cp) + " does not divide the sequence length " + std::to_string(m.seq_len),
         "use a cp that divides " + std::to_string(m.seq_len));
  }
  if (p.attention_kernel == cost::AttentionKernel::kFlash2 &&
      (system.accel.family != hw::AcceleratorFamily::kGpu || !cost::roofline_params_for(system.accel.name).attention_flash2)) {
    fail("attention_kernel", "no FlashAttention-2 calibration for " + system.accel.name +
                                 " (configs/cost/ has attention_flash2 figures for the GPUs measured with it)",
         "use attention_kernel: fused");
  }
  if (p.ep > 1) {
    if (!m.moe) fail("ep", "expert parallelism needs a mixture-of-experts model", "set ep: 1");
    if (m.moe->experts % p.ep != 0) {
      fail("ep", "ep = " + std::to_string(p.ep) + " does not divide the " + std::to_string(m.moe->experts) + " experts",
           "use an ep that divides " + std::to_string(m.moe->experts));
    }
  }
  if (p.etp() != p.tp && p.etp() != 1) {
    fail("expert_tp", "expert_tp = " + std::to_string(p.expert_tp) + " is neither 1 nor tp = " + std::to_string(p.tp) +
                          " (other expert tensor-parallel degrees are not modelled)",
         "use expert_tp: 1 or expert_tp: " + std::to_string(p.tp));
  }
  if (p.etp() < p.tp && !p.sequence_parallel) {
    fail("expert_tp", "expert_tp = 1 with tp = " + std::to_string(p.tp) +
                          " needs sequence parallelism: each tensor-parallel rank routes its own share of the tokens",
         "set sequence_parallel: true, or expert_tp: " + std::to_string(p.tp));
  }
  if (!m.moe && p.etp() != p.tp) {
    fail("expert_tp", "expert_tp applies to mixture-of-experts models only", "remove expert_tp for a dense model");
  }
  // Experts fold over the ranks of a pipeline stage: expert_tp x ep must divide them.
  const int64_t stage_ranks = static_cast<int64_t>(p.tp) * p.cp * p.dp;
  if (p.ep > 1 && stage_ranks % (static_cast<int64_t>(p.ep) * p.etp()) != 0) {
    fail("ep", "expert_tp x ep = " + std::to_string(int64_t{p.etp()} * p.ep) +
                   " must divide tp x cp x dp = " + std::to_string(stage_ranks) +
                   " (experts are folded over the ranks of a pipeline stage)",
         "use an ep that divides " + std::to_string(stage_ranks / p.etp()));
  }
  // The model's own cut of each layer over the ranks (head, width and sequence divisibility),
  // reported at the experiment rather than as a bare plan key.
  try {
    model::check_shard(m, shard_context(m, p));
  } catch (const Error& e) {
    throw input_error(where + " (" + e.where() + ")", e.message(), e.hint());
  }
}

}  // namespace trnsim::train
