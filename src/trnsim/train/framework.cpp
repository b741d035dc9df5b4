#include "trnsim/train/framework.h"

#include <algorithm>

#include "trnsim/base/config.h"
#include "trnsim/base/presets.h"
#include "trnsim/base/text.h"
#include "trnsim/cost/roofline_params.h"
#include "trnsim/train/plan.h"

namespace trnsim::train {

FrameworkDefaults load_framework(const std::string& path) {
  const ConfigNode root = ConfigNode::load_yaml_file(path);
  ConfigReader r(root);
  FrameworkDefaults f;
  f.name = r.str("name");
  f.match = r.str_list("match");
  r.require_sources(true);  // name and match are identifiers; the behaviours below are facts
  if (!r.absent("attention_kernel")) {
    ConfigReader at = r.child("attention_kernel");
    for (const auto& [preset, node] : at.self().entries()) {
      f.attention_kernel[preset] = at.choice(preset, {"fused", "flash2"}) == "flash2" ? cost::AttentionKernel::kFlash2
                                                                                      : cost::AttentionKernel::kFused;
    }
    at.finish();
  }
  if (!r.absent("tp_overlap")) f.tp_overlap = r.boolean("tp_overlap");
  if (!r.absent("expert_tp")) f.expert_tp = static_cast<int>(r.integer("expert_tp", 1, 1));
  if (!r.absent("dp_overlap")) f.dp_overlap = r.boolean("dp_overlap");
  if (!r.absent("grad_reduce_in_fp32")) f.grad_reduce_in_fp32 = r.boolean("grad_reduce_in_fp32");
  if (!r.absent("grad_accumulation_pass")) f.grad_accumulation_pass = r.boolean("grad_accumulation_pass");
  if (!r.absent("zero3_gather_once")) f.zero3_gather_once = r.boolean("zero3_gather_once");
  if (!r.absent("zero3_copy_passes")) f.zero3_copy_passes = r.boolean("zero3_copy_passes");
  if (!r.absent("fp8_params")) f.fp8_params = r.boolean("fp8_params");
  if (!r.absent("pp_virtual_stages")) f.pp_virtual_stages = static_cast<int>(r.integer("pp_virtual_stages", 1, 1 << 16));
  if (!r.absent("pp_layout")) {
    f.pp_layer_per_chunk = r.choice("pp_layout", {"layer_per_chunk_ends_alone"}) == "layer_per_chunk_ends_alone";
  }
  if (!r.absent("cp_kv_exchange")) f.cp_kv_exchange = choice_of<CpKvExchange>(r, "cp_kv_exchange", kCpKvExchangeNames);
  if (!r.absent("cp_repeat_kv")) f.cp_repeat_kv = r.boolean("cp_repeat_kv");
  if (!r.absent("pp_micro_batches")) {
    f.pp_micro_batches_per_stage = r.choice("pp_micro_batches", {"one_sequence", "stages"}) == "stages";
  }
  if (!r.absent("selective_recompute")) {
    // A module list is per run (training.recompute_modules), not a framework default.
    f.selective_recompute = selective_policy_named(
        r.choice("selective_recompute", {kSelectivePolicyNames[0], kSelectivePolicyNames[1], kSelectivePolicyNames[3]}));
  }
  if (!r.absent("ep_overlap")) f.ep_overlap = choice_of<EpOverlapRule>(r, "ep_overlap", kEpOverlapRuleNames);
  if (!r.absent("pp_overlap")) f.pp_overlap = choice_of<PpOverlapRule>(r, "pp_overlap", kPpOverlapRuleNames);
  if (!r.absent("pp_scatter_gather")) f.pp_scatter_gather = r.boolean("pp_scatter_gather");
  if (!r.absent("attention_dropout")) f.attention_dropout = r.number("attention_dropout", 0.0, 0.99);
  if (!r.absent("cross_entropy")) f.fused_cross_entropy = r.choice("cross_entropy", kCrossEntropyNames) == kCrossEntropyNames[0];
  if (!r.absent("moe_host_overhead")) f.moe_host_overhead = r.time("moe_host_overhead");
  r.finish();
  return f;
}

int longest_match(const std::string& framework, const std::vector<std::vector<std::string>>& candidates) {
  const std::string text = normalise_name(framework);
  int best = -1;
  size_t best_length = 0;
  if (text.empty()) return best;
  for (size_t i = 0; i < candidates.size(); ++i) {
    for (const std::string& m : candidates[i]) {
      const std::string key = normalise_name(m);
      if (key.size() > best_length && text.find(key) != std::string::npos) {
        best_length = key.size();
        best = static_cast<int>(i);
      }
    }
  }
  return best;
}

std::optional<FrameworkDefaults> framework_for(const std::string& framework) {
  return matching_file(framework, "frameworks", &load_framework);
}

cost::AttentionKernel FrameworkDefaults::attention_on(const std::string& accelerator) const {
  if (attention_kernel.empty()) return cost::AttentionKernel::kFused;
  const std::string preset = cost::roofline_preset_for(accelerator);
  auto it = attention_kernel.find(preset);
  // A preset for a variant of a part (its `base`) runs what the part runs.
  if (it == attention_kernel.end() && !preset.empty())
    it = attention_kernel.find(cost::load_roofline_params(preset).base);
  return it == attention_kernel.end() ? cost::AttentionKernel::kFused : it->second;
}

}  // namespace trnsim::train
