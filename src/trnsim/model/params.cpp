// Parameter counts. Linear layers carry no biases (Llama, Mistral, DeepSeek, PaLM, MPT have none;
// GPT-3's add 13*hidden per layer, under 0.01% of its size) and learned position embeddings are not
// counted (the schema has no key for them; GPT-3's are 0.014% of it): see docs/models.md.
#include "trnsim/model/model_spec.h"

namespace trnsim::model {
namespace {

int64_t norm_params(const ModelSpec& m, int64_t width) { return m.norm == Norm::kLayerNorm ? 2 * width : width; }

int64_t mlp_params(const ModelSpec& m, int64_t ffn) {
  return (m.activation == Activation::kSwiGlu ? 3 : 2) * m.hidden * ffn;
}

int64_t attention_params(const ModelSpec& m) {
  const int64_t h = m.hidden;
  if (!m.mla) {
    return h * m.heads * m.head_dim + 2 * h * m.kv_heads * m.head_dim + m.heads * m.head_dim * h;
  }
  const MlaSpec& a = *m.mla;
  const int64_t qk = a.qk_nope_head_dim + a.qk_rope_head_dim;
  int64_t q = a.q_lora_rank > 0 ? h * a.q_lora_rank + a.q_lora_rank /* q_a norm (RMSNorm) */ + a.q_lora_rank * m.heads * qk
                                : h * m.heads * qk;
  int64_t kv = h * (a.kv_lora_rank + a.qk_rope_head_dim) + a.kv_lora_rank /* kv_a norm */ +
               a.kv_lora_rank * m.heads * (a.qk_nope_head_dim + a.v_head_dim);
  return q + kv + m.heads * a.v_head_dim * h;
}

}  // namespace

ParamCounts count_parameters(const ModelSpec& m) {
  ParamCounts c;
  const int64_t attn = attention_params(m) + 2 * norm_params(m, m.hidden);
  // One layer's parameters, all of them and those a token uses.
  auto layer = [&](int l, int64_t& total, int64_t& active) {
    total += attn;
    active += attn;
    if (!m.is_moe_layer(l)) {
      total += mlp_params(m, m.ffn_hidden);
      active += mlp_params(m, m.ffn_hidden);
      return;
    }
    const MoeSpec& e = *m.moe;
    const int64_t router = m.hidden * e.experts;
    const int64_t expert = mlp_params(m, e.expert_ffn_hidden);
    const int64_t shared = e.shared_experts > 0 ? mlp_params(m, e.shared_width()) : 0;
    total += router + int64_t{e.experts} * expert + shared;
    active += router + int64_t{e.top_k} * expert + shared;
  };
  for (int l = 0; l < m.layers; ++l) layer(l, c.total, c.active);
  c.embedding = m.vocab * m.hidden * (m.tied_embeddings ? 1 : 2);
  const int64_t tail = c.embedding + norm_params(m, m.hidden);  // embeddings and the final norm
  c.total += tail;
  c.active += tail;
  // Each multi-token prediction module: the norms of its two inputs, their 2h -> h projection, a
  // block like the last layer and its own final norm; the embedding and the head are shared.
  for (int d = 0; d < m.mtp_layers; ++d) {
    int64_t total = 3 * norm_params(m, m.hidden) + 2 * m.hidden * m.hidden, active = total;
    layer(m.layers - 1, total, active);
    c.mtp += total;
    c.total += total;
    c.active += active;
  }
  return c;
}

}  // namespace trnsim::model
