// Hugging Face config.json -> ModelSpec. Key names follow the transformers configuration classes
// (LlamaConfig, MistralConfig, MixtralConfig, Qwen2Config, Qwen2MoeConfig, Qwen3Config,
// Qwen3MoeConfig, DeepseekV3Config, GPT2Config). Not modelled: Qwen3's per-head RMSNorm of queries
// and keys and Qwen2's projection biases (each well under 1% of a layer's time and parameters).
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "trnsim/base/config.h"
#include "trnsim/base/error.h"
#include "trnsim/base/text.h"
#include "trnsim/model/model_spec.h"

namespace trnsim::model {
namespace {

using nlohmann::json;

// Families with a gated (SwiGLU) MLP and LlamaConfig's key names, and GPT-2.
const std::vector<std::string> kGated = {"llama", "mistral",   "mixtral",   "qwen2",      "qwen2_moe",
                                         "qwen3", "qwen3_moe", "deepseek_v3", "deepseek_v2"};
// architectures[0] in lower case -> model_type, the more specific names first.
const std::vector<std::pair<std::string, std::string>> kArchitectures = {
    {"deepseekv3", "deepseek_v3"}, {"deepseekv2", "deepseek_v2"}, {"mixtral", "mixtral"}, {"mistral", "mistral"},
    {"qwen3moe", "qwen3_moe"},     {"qwen2moe", "qwen2_moe"},     {"qwen3", "qwen3"},     {"qwen2", "qwen2"},
    {"llama", "llama"},            {"gpt2", "gpt2"}};

// The supported families, for messages.
std::string families() { return join(kGated) + " or gpt2"; }

class JsonReader {
 public:
  JsonReader(const json& j, std::string file) : j_(j), file_(std::move(file)) {}

  bool has(const std::string& key) const { return j_.contains(key) && !j_[key].is_null(); }

  int64_t integer(const std::string& key) const {
    if (!has(key)) {
      throw input_error(file_ + ": key '" + key + "'", "is missing",
                        "add \"" + key + "\": <integer> to the config.json (see the model's published config)");
    }
    const json& v = j_[key];
    // Unsigned beyond int64 reads as negative here, and is refused as such.
    if (!v.is_number_integer() || v.get<int64_t>() < 0) {
      throw input_error(file_ + ": key '" + key + "'", "is " + v.dump() + ", not a non-negative integer",
                        "write a whole number");
    }
    if (v.get<int64_t>() > kMaxSeqLen) {  // the largest of the model limits (model_spec.h)
      throw input_error(file_ + ": key '" + key + "'", "is " + v.dump() + ", larger than any model's",
                        "write the model's real figure (at most " + std::to_string(kMaxSeqLen) + " here)");
    }
    return v.get<int64_t>();
  }
  int64_t integer(const std::string& key, int64_t dflt) const { return has(key) ? integer(key) : dflt; }
  // A size: an integer of at least 1.
  int64_t size(const std::string& key) const {
    const int64_t v = integer(key);
    if (v < 1) throw input_error(file_ + ": key '" + key + "'", "is 0", "write the model's size, at least 1");
    return v;
  }
  int64_t size(const std::string& key, int64_t dflt) const { return has(key) ? size(key) : dflt; }
  // The first of `keys` present (families name the same figure differently).
  int64_t first_of(const std::vector<std::string>& keys) const {
    for (const auto& k : keys) {
      if (has(k)) return size(k);
    }
    return size(keys.front());  // throws "missing", naming the usual key
  }
  std::string str(const std::string& key, const std::string& dflt) const {
    if (!has(key)) return dflt;
    if (!j_[key].is_string()) {
      throw input_error(file_ + ": key '" + key + "'", "is " + j_[key].dump() + ", not a string", "write a quoted name");
    }
    return j_[key].get<std::string>();
  }
  bool boolean(const std::string& key, bool dflt) const {
    if (!has(key)) return dflt;
    if (!j_[key].is_boolean()) {
      throw input_error(file_ + ": key '" + key + "'", "is " + j_[key].dump() + ", not a boolean", "write true or false");
    }
    return j_[key].get<bool>();
  }
  // A probability in [0, 1) (dropout rates); unset when absent.
  std::optional<double> probability(const std::string& key) const {
    if (!has(key)) return std::nullopt;
    const json& v = j_[key];
    if (!v.is_number() || v.get<double>() < 0 || v.get<double>() >= 1) {
      throw input_error(file_ + ": key '" + key + "'", "is " + v.dump() + ", not a probability in [0, 1)",
                        "write a number such as 0.0 or 0.1");
    }
    return v.get<double>();
  }
  const json& raw() const { return j_; }
  const std::string& file() const { return file_; }

 private:
  const json& j_;
  std::string file_;
};

json parse_file(const std::string& path) {
  const std::string text = read_text_file(path);
  // nlohmann reports a byte offset; a line number is what an editor shows.
  auto line_at = [&](size_t byte) {
    const size_t upto = std::min<size_t>(byte, text.size());
    return path + ":" +
           std::to_string(1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(upto), '\n'));
  };
  // Keys seen in each open object, to refuse a key given twice (the parser would keep the last).
  std::vector<std::vector<std::string>> open;
  std::string twice;
  auto check = [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) open.emplace_back();
    if (event == json::parse_event_t::object_end && !open.empty()) open.pop_back();
    if (event == json::parse_event_t::key && !open.empty() && twice.empty()) {
      const std::string key = parsed.get<std::string>();
      if (std::find(open.back().begin(), open.back().end(), key) != open.back().end()) twice = key;
      open.back().push_back(key);
    }
    return true;
  };
  json j;
  try {
    j = json::parse(text, check);
  } catch (const json::parse_error& e) {
    throw input_error(line_at(e.byte), "is not valid JSON (" + std::string(e.what()) + ")",
                      "check the commas, quotes and brackets near that line");
  } catch (const json::exception& e) {  // a number out of range, for one
    throw input_error(path, "cannot be read as JSON (" + std::string(e.what()) + ")",
                      "check the numbers in it: each must fit a double");
  }
  if (!twice.empty()) throw input_error(path + " key '" + twice + "'", "appears twice in one object", "keep one of them");
  if (!j.is_object()) throw input_error(path, "is not a JSON object", "a config.json is one {...} object of keys");
  return j;
}

// The family decides the MLP shape: gated families (SwiGLU) use three matrices whatever the
// activation is called; GPT-2 uses a plain GELU MLP.
std::string family_of(const JsonReader& r) {
  std::string type = r.str("model_type", "");
  if (type.empty() && r.raw().contains("architectures") && r.raw()["architectures"].is_array() &&
      !r.raw()["architectures"].empty() && r.raw()["architectures"][0].is_string()) {
    std::string arch = r.raw()["architectures"][0].get<std::string>();
    std::string lower;
    for (char c : arch) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const auto& [name, family] : kArchitectures) {
      if (lower.find(name) != std::string::npos) {
        type = family;
        break;
      }
    }
    if (type.empty()) type = arch;
  }
  if (type.empty()) {
    throw input_error(r.file() + ": key 'model_type'", "is missing (and no 'architectures' entry names the family)",
                      "add \"model_type\": one of " + families());
  }
  bool known = std::find(kGated.begin(), kGated.end(), type) != kGated.end() || type == "gpt2";
  if (!known) {
    throw input_error(r.file() + ": key 'model_type'", "'" + type + "' is not a supported model family",
                      "use " + families() + ", or write a model .yaml block");
  }
  return type;
}

std::string default_name(const std::string& path) {
  std::filesystem::path p(path);
  if (p.filename() == "config.json" && p.has_parent_path() && !p.parent_path().filename().empty()) {
    return p.parent_path().filename().string();
  }
  return p.stem().string();
}

ModelSpec read_gpt2(const JsonReader& r, ModelSpec m) {
  m.hidden = r.first_of({"n_embd", "hidden_size"});
  m.layers = static_cast<int>(r.first_of({"n_layer", "num_hidden_layers"}));
  m.heads = static_cast<int>(r.first_of({"n_head", "num_attention_heads"}));
  m.kv_heads = m.heads;
  if (m.hidden % m.heads != 0) {
    throw input_error(r.file() + ": key 'n_head'", "is " + std::to_string(m.heads) + ", which does not divide n_embd " +
                                                       std::to_string(m.hidden),
                      "use the model's real n_head and n_embd");
  }
  m.head_dim = m.hidden / m.heads;
  m.ffn_hidden = r.size("n_inner", 4 * m.hidden);
  m.vocab = r.size("vocab_size");
  m.seq_len = r.first_of({"n_positions", "n_ctx", "max_position_embeddings"});
  m.seq_len_from_context = r.file() + " (its context length)";
  m.activation = Activation::kGelu;
  m.norm = Norm::kLayerNorm;
  m.tied_embeddings = r.boolean("tie_word_embeddings", true);
  m.attention_dropout = r.probability("attn_pdrop");
  return m;
}

// MoE layers with dense ones only in front, as DeepSeek's first_k_dense_replace gives them. Qwen's
// MoE configs name dense layers by a stride (decoder_sparse_step) and a list (mlp_only_layers),
// DeepSeek-V2's by moe_layer_freq: a leading list is what the model can express.
int leading_dense_layers(const JsonReader& r) {
  for (const char* key : {"decoder_sparse_step", "moe_layer_freq"}) {
    if (const int64_t step = r.integer(key, 1); step != 1) {
      throw input_error(r.file() + ": key '" + key + "'",
                        "is " + std::to_string(step) + ": MoE layers interleaved with dense ones are not modelled",
                        std::string("use a config with ") + key + " 1, or a model .yaml block (moe.dense_layers: leading dense layers)");
    }
  }
  int64_t dense = r.integer("first_k_dense_replace", 0);
  if (r.has("mlp_only_layers")) {
    const json& list = r.raw()["mlp_only_layers"];
    bool leading = list.is_array();
    for (size_t i = 0; leading && i < list.size(); ++i) {
      leading = list[i].is_number_integer() && list[i].get<int64_t>() == static_cast<int64_t>(i);
    }
    if (!leading) {
      throw input_error(r.file() + ": key 'mlp_only_layers'",
                        "is " + list.dump() + ": only leading dense layers (a list 0, 1, ..., k-1) are modelled",
                        "use a config whose dense layers lead, or a model .yaml block (moe.dense_layers)");
    }
    dense = std::max<int64_t>(dense, static_cast<int64_t>(list.size()));
  }
  return static_cast<int>(dense);
}

ModelSpec read_gated(const JsonReader& r, const std::string& family, ModelSpec m) {
  m.hidden = r.size("hidden_size");
  m.layers = static_cast<int>(r.size("num_hidden_layers"));
  m.heads = static_cast<int>(r.size("num_attention_heads"));
  m.kv_heads = static_cast<int>(r.size("num_key_value_heads", m.heads));
  if (!r.has("head_dim") && m.hidden % m.heads != 0) {
    throw input_error(r.file() + ": key 'num_attention_heads'",
                      "is " + std::to_string(m.heads) + ", which does not divide hidden_size " + std::to_string(m.hidden),
                      "add \"head_dim\" if the model's heads are not hidden_size / heads wide, or fix the figures");
  }
  m.head_dim = r.size("head_dim", m.hidden / m.heads);
  m.ffn_hidden = r.size("intermediate_size");
  m.vocab = r.size("vocab_size");
  // Long-context releases (Llama 3.1, DeepSeek-V3) extend the context after pre-training; the
  // original length is the one training steps run at.
  const json& raw = r.raw();
  if (r.has("rope_scaling") && !raw["rope_scaling"].is_object()) {
    throw input_error(r.file() + ": key 'rope_scaling'", "is " + raw["rope_scaling"].dump() + ", not an object",
                      "write it as {\"rope_type\": ..., \"original_max_position_embeddings\": ...} or null");
  }
  if (raw.contains("rope_scaling") && raw["rope_scaling"].is_object() &&
      raw["rope_scaling"].contains("original_max_position_embeddings")) {
    JsonReader scaling(raw["rope_scaling"], r.file() + " rope_scaling");
    m.seq_len = scaling.size("original_max_position_embeddings");
  } else {
    m.seq_len = r.size("max_position_embeddings");
    m.seq_len_from_context = r.file() + " key 'max_position_embeddings'";
  }
  std::string act = r.str("hidden_act", "silu");
  m.activation = act == "relu2" || act == "relu_squared" ? Activation::kRelu2 : Activation::kSwiGlu;
  m.norm = r.has("rms_norm_eps") || !r.has("layer_norm_eps") ? Norm::kRmsNorm : Norm::kLayerNorm;
  m.tied_embeddings = r.boolean("tie_word_embeddings", false);
  m.mtp_layers = static_cast<int>(r.integer("num_nextn_predict_layers", 0));  // DeepSeek-V3's MTP depth
  m.attention_dropout = r.probability("attention_dropout");
  int64_t experts = 0;
  for (const char* k : {"num_local_experts", "n_routed_experts", "num_experts"}) {
    if (r.has(k)) experts = r.integer(k);
  }
  if (experts > 0) {
    MoeSpec moe;
    moe.experts = static_cast<int>(experts);
    moe.top_k = static_cast<int>(r.size("num_experts_per_tok"));
    moe.shared_experts = static_cast<int>(r.integer("n_shared_experts", 0));
    moe.expert_ffn_hidden = r.size("moe_intermediate_size", m.ffn_hidden);
    if (const int64_t width = r.integer("shared_expert_intermediate_size", 0); width > 0) {
      moe.shared_experts = 1;  // Qwen2-MoE: one shared expert of its own width (its sigmoid gate not modelled)
      moe.shared_ffn_hidden = width;
    }
    moe.dense_layers = leading_dense_layers(r);
    m.moe = moe;
  }
  if (family == "deepseek_v3" || family == "deepseek_v2" || r.has("kv_lora_rank")) {
    MlaSpec mla;
    mla.q_lora_rank = r.integer("q_lora_rank", 0);  // null in DeepSeek-V2-Lite: queries projected directly
    mla.kv_lora_rank = r.integer("kv_lora_rank");
    mla.qk_rope_head_dim = r.integer("qk_rope_head_dim");
    mla.qk_nope_head_dim = r.integer("qk_nope_head_dim");
    mla.v_head_dim = r.integer("v_head_dim");
    m.head_dim = mla.qk_nope_head_dim + mla.qk_rope_head_dim;
    m.kv_heads = m.heads;  // MLA: every query head has its own (latent-projected) key and value
    m.mla = mla;
  }
  return m;
}

}  // namespace

ModelSpec model_from_hf_config(const std::string& json_path) {
  json j = parse_file(json_path);
  JsonReader r(j, json_path);
  std::string family = family_of(r);
  ModelSpec m;
  m.name = r.str("_name_or_path", default_name(json_path));
  if (m.name.empty()) m.name = default_name(json_path);
  m = family == "gpt2" ? read_gpt2(r, m) : read_gated(r, family, m);
  check_model(m, json_path);
  return m;
}

}  // namespace trnsim::model
