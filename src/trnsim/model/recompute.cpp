// Which forward work the backward pass repeats under each recompute policy (model/ops.h).
// torchtitan's op-level policy (its `selective` mode with `selective_ac_option = "op"`): the save
// list holds aten.mm and the SDPA kernels, and a per-block counter skips every second mm; every
// op not saved is PREFER_RECOMPUTE, which torch.compile's partitioner also recomputes
// (pytorch/torchtitan torchtitan/models/llama3/parallelize_llama.py at e7c0cae, June 2025;
// pytorch/pytorch torch/_functorch/partitioners.py, must_recompute).
#include <string>

#include "trnsim/model/ops.h"

namespace trnsim::model {

unsigned recompute_module_of(const Op& op) {
  const std::string& n = op.name;
  if (n == "attn") return kRecomputeCoreAttn;
  if (n == "q_up" || n == "kv_up") return kRecomputeMlaUpProj;
  if (n == "mlp_up" || n == "mlp_act" || n == "mlp_down") return kRecomputeMlp;  // dense layers' MLP
  if (n == "expert_act") return kRecomputeMoeAct;
  if (n == "attn_norm" || n == "mlp_norm") return kRecomputeLayerNorm;
  if (n == "shared_up" || n == "shared_act" || n == "shared_down") return kRecomputeSharedExperts;
  return 0;
}

std::vector<double> recompute_shares(const std::vector<Op>& ops, Recompute r, SelectivePolicy policy,
                                     unsigned modules, double* saved_bytes, double d) {
  std::vector<double> share(ops.size(), 0.0);
  if (saved_bytes) *saved_bytes = 0;
  if (r == Recompute::kNone) return share;
  if (r == Recompute::kSelective && policy == SelectivePolicy::kModules) {
    for (size_t i = 0; i < ops.size(); ++i) share[i] = (recompute_module_of(ops[i]) & modules) != 0 ? 1 : 0;
    return share;
  }
  if (r == Recompute::kSelective && policy == SelectivePolicy::kUnfusedAttentionMlpAct) {
    for (size_t i = 0; i < ops.size(); ++i) {
      const Op& op = ops[i];
      share[i] = (op.kind == OpKind::kAttention && !op.flash) || op.name == "mlp_act" ? 1 : 0;
    }
    return share;
  }
  const bool alternate = r == Recompute::kSelective && policy == SelectivePolicy::kAlternateMatmuls;
  int matmuls = 0;
  for (size_t i = 0; i < ops.size(); ++i) {
    const Op& op = ops[i];
    if (r == Recompute::kFull) {
      share[i] = 1;
    } else if (!alternate) {
      share[i] = op.kind == OpKind::kAttention ? 1 : 0;
    } else if (op.kind == OpKind::kAttention) {
      // Saved: the output (the next projection's input) and the fp32 log-sum-exp.
      if (saved_bytes) {
        for (size_t j = i + 1; j < ops.size(); ++j) {
          if (ops[j].kind != OpKind::kMatmul) continue;
          *saved_bytes += d * static_cast<double>(ops[j].m) * static_cast<double>(ops[j].k) * ops[j].batch;
          break;
        }
        *saved_bytes += 4.0 * static_cast<double>(op.m) * op.batch;
      }
    } else if (op.kind == OpKind::kMatmul && !is_routed_expert(op)) {
      for (double part : op.parts) {
        if (part <= 0) continue;
        if (++matmuls % 2 == 0) {
          share[i] += part;
        } else if (saved_bytes) {
          *saved_bytes += part * d * static_cast<double>(op.m) * static_cast<double>(op.n) * op.batch;
        }
      }
    } else {
      share[i] = 1;
    }
  }
  return share;
}

}  // namespace trnsim::model
