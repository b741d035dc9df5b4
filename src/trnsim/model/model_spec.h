// Transformer models as data: dense decoders (MHA / GQA / MQA, GELU or SwiGLU, LayerNorm or
// RMSNorm, tied or untied embeddings) and mixtures of experts (top-k routing, shared experts, dense
// first layers, DeepSeek-style MLA attention). Presets live in configs/models/; a Hugging Face
// config.json or a `model:` block in the schema of validation/runs.yaml describe others.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "trnsim/base/config.h"

namespace trnsim::model {

enum class Activation { kGelu, kSwiGlu, kRelu2 };
enum class Norm { kLayerNorm, kRmsNorm };

struct MoeSpec {
  int experts = 0;
  int top_k = 0;
  int shared_experts = 0;
  int64_t expert_ffn_hidden = 0;
  int64_t shared_ffn_hidden = 0;  // each shared expert's width; 0: expert_ffn_hidden (DeepSeek)
  int dense_layers = 0;  // leading layers with a dense FFN of ffn_hidden

  // The shared experts together: one dense MLP of this width on every token.
  int64_t shared_width() const { return shared_experts * (shared_ffn_hidden > 0 ? shared_ffn_hidden : expert_ffn_hidden); }
};

struct MlaSpec {
  int64_t q_lora_rank = 0, kv_lora_rank = 0, qk_rope_head_dim = 0, qk_nope_head_dim = 0, v_head_dim = 0;
};

struct ModelSpec {
  std::string name;
  int layers = 0;
  int64_t hidden = 0;
  int heads = 0;
  int kv_heads = 0;
  int64_t head_dim = 0;
  int64_t ffn_hidden = 0;
  Activation activation = Activation::kSwiGlu;
  int64_t vocab = 0;
  int64_t seq_len = 0;
  // Where seq_len came from when it is a context limit, not a stated training length (a Hugging
  // Face config's max_position_embeddings, e.g. "qwen3.json key 'max_position_embeddings'");
  // empty once a block states seq_len. Messages about memory point the user at it.
  std::string seq_len_from_context;
  Norm norm = Norm::kRmsNorm;
  bool tied_embeddings = false;
  std::optional<MoeSpec> moe;
  std::optional<MlaSpec> mla;
  // Multi-token prediction depth (DeepSeek-V3: 1): modules after the last layer, each a projection,
  // one transformer block like the last layer, and the shared output head with its own loss.
  int mtp_layers = 0;
  // Dropout probability on the attention probabilities (Megatron-LM's --attention-dropout; Hugging
  // Face attention_dropout / attn_pdrop). Unset: the framework's default (configs/frameworks/),
  // else none. It costs only on the unfused attention path, which then writes and reads the dropout
  // output and its one-byte mask.
  std::optional<double> attention_dropout;
  bool is_moe_layer(int layer) const { return moe && layer >= moe->dense_layers; }
};

// A preset name (configs/models/<name>.yaml), a .yaml file with a model block, or a Hugging Face
// config.json. Errors name the file and key and say the fix.
ModelSpec load_model(const std::string& name_or_path);
std::vector<std::string> list_model_presets();
// A `model:` block (runs.yaml schema). A scalar block is a preset name or a path.
ModelSpec model_from_config(const ConfigNode& block);
// A Hugging Face config.json (Llama, Mistral, Mixtral, Qwen2, DeepSeek-V3, GPT-2 key names).
ModelSpec model_from_hf_config(const std::string& json_path);
// The largest sizes a model may have: well beyond any published model, and small enough that the
// FLOPs, bytes and times derived from them stay within range.
inline constexpr int64_t kMaxModelWidth = int64_t{1} << 20;  // hidden, head_dim, FFN widths, MLA ranks
inline constexpr int64_t kMaxModelCount = int64_t{1} << 16;  // layers, heads, experts, top-k
inline constexpr int64_t kMaxVocab = int64_t{1} << 24;
inline constexpr int64_t kMaxSeqLen = int64_t{1} << 27;

// Cross-field checks (kv_heads divides heads, top_k <= experts, MLA head sizes ...); throws
// Error(kInput) at `where`. Every loader runs it; programmatic builders may call it too.
void check_model(const ModelSpec& m, const std::string& where);

struct ParamCounts {
  int64_t total = 0;      // every parameter
  int64_t active = 0;     // used per token (MoE: top_k + shared experts only)
  int64_t embedding = 0;  // input embedding (+ output head when untied)
  int64_t mtp = 0;        // the multi-token prediction modules' own (in total; they share embedding and head)
};
ParamCounts count_parameters(const ModelSpec& m);

}  // namespace trnsim::model
