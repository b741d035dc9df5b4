#include "trnsim/train/lora.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace trnsim::train {

unsigned lora_target_of(const model::Op& op) {
  if (op.kind != model::OpKind::kMatmul || op.weight_params <= 0) return 0;
  static constexpr std::array<std::string_view, 6> kQkv = {"qkv", "q_proj", "q_down", "q_up", "kv_down", "kv_up"};
  static constexpr std::array<std::string_view, 3> kFc1 = {"mlp_up", "shared_up", "expert_up"};
  static constexpr std::array<std::string_view, 3> kFc2 = {"mlp_down", "shared_down", "expert_down"};
  auto in = [&](const auto& names) { return std::find(names.begin(), names.end(), op.name) != names.end(); };
  if (in(kQkv)) return kLoraQkv;
  if (op.name == "out_proj") return kLoraProj;
  if (in(kFc1)) return kLoraFc1;
  if (in(kFc2)) return kLoraFc2;
  return 0;
}

LinearSplit linear_split(const model::Op& op) {
  if (op.name == "q_down" || op.name == "kv_down") return LinearSplit::kReplicated;
  const unsigned t = lora_target_of(op);
  return t == kLoraProj || t == kLoraFc2 ? LinearSplit::kRow : LinearSplit::kColumn;
}

double lora_width(const model::Op& op, unsigned targets, int split) {
  if ((lora_target_of(op) & targets) == 0) return 0;
  const double k = static_cast<double>(op.k), n = static_cast<double>(op.n), s = split;
  switch (linear_split(op)) {
    case LinearSplit::kColumn: return static_cast<double>(op.batch) * (k / s + n);
    case LinearSplit::kRow: return static_cast<double>(op.batch) * (k + n / s);
    case LinearSplit::kReplicated: break;
  }
  return static_cast<double>(op.batch) * (k + n);
}

}  // namespace trnsim::train
