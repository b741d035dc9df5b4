// The model schema (the `model:` block of validation/runs.yaml), presets, and the checks that keep
// a model self-consistent. Hugging Face config.json files are read in hf_config.cpp.
#include <algorithm>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "trnsim/base/error.h"
#include "trnsim/base/presets.h"
#include "trnsim/base/text.h"
#include "trnsim/hw/chip_loader.h"
#include "trnsim/model/model_spec.h"

namespace trnsim::model {
namespace fs = std::filesystem;
namespace {

constexpr int64_t kBig = int64_t{1} << 40;

const std::vector<std::string> kModelKeys = {"name",       "layers",   "hidden", "heads", "kv_heads",
                                             "head_dim",   "ffn_hidden", "activation", "vocab",
                                             "seq_len",    "norm",     "tied_embeddings", "moe", "mla",
                                             "mtp_layers", "attention_dropout"};
const std::vector<std::string> kMoeKeys = {"experts", "top_k", "shared_experts", "expert_ffn_hidden", "dense_layers"};
const std::vector<std::string> kMlaKeys = {"q_lora_rank", "kv_lora_rank", "qk_rope_head_dim", "qk_nope_head_dim",
                                           "v_head_dim"};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string where_of(const ConfigNode& block, const std::string& key) {
  const ConfigNode* n = block.find(key);
  return n ? n->location() : block.location();
}

MoeSpec read_moe(ConfigReader r) {
  reject_unknown_keys(r.self(), kMoeKeys);
  MoeSpec moe;
  moe.experts = static_cast<int>(r.integer("experts", 1, 1 << 20));
  moe.top_k = static_cast<int>(r.integer("top_k", 1, 1 << 20));
  moe.shared_experts = static_cast<int>(r.integer("shared_experts", 0, 1 << 20, 0));
  moe.expert_ffn_hidden = r.integer("expert_ffn_hidden", 1, kBig);
  moe.dense_layers = static_cast<int>(r.integer("dense_layers", 0, 1 << 20, 0));
  r.finish();
  return moe;
}

MlaSpec read_mla(ConfigReader r) {
  reject_unknown_keys(r.self(), kMlaKeys);
  MlaSpec mla;
  mla.q_lora_rank = r.integer("q_lora_rank", 0, kBig);  // 0: queries projected directly
  mla.kv_lora_rank = r.integer("kv_lora_rank", 1, kBig);
  mla.qk_rope_head_dim = r.integer("qk_rope_head_dim", 0, kBig);
  mla.qk_nope_head_dim = r.integer("qk_nope_head_dim", 1, kBig);
  mla.v_head_dim = r.integer("v_head_dim", 1, kBig);
  r.finish();
  return mla;
}

// A block given as a scalar names a preset or a file; a relative path is taken from the directory
// of the file that names it when the file is there.
std::string resolve_reference(const ConfigNode& block) {
  const std::string& s = block.scalar();
  if (s.empty()) throw input_error(block.location(), "is empty", "name a model preset (" + join(list_model_presets()) + ") or a file");
  fs::path p(s);
  if (p.is_absolute() || block.source_file().empty() || block.source_file() == "<memory>") return s;
  fs::path beside = fs::path(block.source_file()).parent_path() / p;
  std::error_code ec;
  if ((s.find('/') != std::string::npos || ends_with(s, ".yaml") || ends_with(s, ".json")) &&
      fs::exists(beside, ec)) {
    return beside.string();
  }
  return s;
}

ModelSpec read_block(const ConfigNode& block, bool require_sources) {
  ConfigReader r(block);
  reject_unknown_keys(block, kModelKeys);
  ModelSpec m;
  m.name = r.str("name");  // a label, not a figure: needs no source
  r.require_sources(require_sources);
  m.layers = static_cast<int>(r.integer("layers", 1, 1 << 20));
  m.hidden = r.integer("hidden", 1, kBig);
  m.heads = static_cast<int>(r.integer("heads", 1, 1 << 20));
  m.kv_heads = static_cast<int>(r.integer("kv_heads", 1, 1 << 20, m.heads));
  m.head_dim = r.integer("head_dim", 1, kBig, m.hidden / m.heads);
  m.ffn_hidden = r.integer("ffn_hidden", 1, kBig);
  std::string act = r.choice("activation", {"gelu", "swiglu", "relu2"});
  m.activation = act == "gelu" ? Activation::kGelu : act == "swiglu" ? Activation::kSwiGlu : Activation::kRelu2;
  m.vocab = r.integer("vocab", 1, kBig);
  m.seq_len = r.integer("seq_len", 1, kBig);
  m.norm = r.choice("norm", {"layernorm", "rmsnorm"}) == "layernorm" ? Norm::kLayerNorm : Norm::kRmsNorm;
  m.tied_embeddings = r.boolean("tied_embeddings", false);
  m.mtp_layers = static_cast<int>(r.integer("mtp_layers", 0, 1 << 10, 0));
  if (!r.absent("attention_dropout")) m.attention_dropout = r.number("attention_dropout", 0.0, 0.99);
  for (const char* key : {"moe", "mla"}) {
    const ConfigNode* n = block.find(key);
    if (!n) continue;
    if (n->kind() == ConfigNode::Kind::kNull) {
      r.node(key);  // declares the key; null means "none"
      continue;
    }
    if (std::string(key) == "moe") m.moe = read_moe(r.child(key));
    else m.mla = read_mla(r.child(key));
  }
  r.finish();
  const std::string where = block.location();
  auto at = [&](const std::string& key) { return where_of(block, key); };
  if (m.heads % m.kv_heads != 0) {
    throw input_error(at("kv_heads"), "heads (" + std::to_string(m.heads) + ") is not a multiple of kv_heads (" +
                                          std::to_string(m.kv_heads) + ")",
                      "use a kv_heads that divides heads (equal to heads for multi-head attention)");
  }
  if (!block.find("head_dim") && m.hidden % m.heads != 0) {
    throw input_error(at("heads"), "hidden is not a multiple of heads", "give head_dim explicitly");
  }
  check_model(m, where);
  return m;
}

}  // namespace

void check_model(const ModelSpec& m, const std::string& where) {
  auto fail = [&](const std::string& msg, const std::string& hint) { throw input_error(where, msg, hint); };
  if (m.layers < 1 || m.hidden < 1 || m.heads < 1 || m.kv_heads < 1 || m.head_dim < 1 || m.ffn_hidden < 1 ||
      m.vocab < 1 || m.seq_len < 1) {
    fail("sizes must be positive", "set layers, hidden, heads, kv_heads, head_dim, ffn_hidden, vocab, seq_len >= 1");
  }
  if (m.mtp_layers < 0 || m.mtp_layers > m.layers) {
    fail("mtp_layers (" + std::to_string(m.mtp_layers) + ") must be in [0, layers = " + std::to_string(m.layers) + "]",
         "use 0 for no multi-token prediction (DeepSeek-V3 trains with 1)");
  }
  if (m.kv_heads > m.heads || m.heads % m.kv_heads != 0) {
    fail("heads (" + std::to_string(m.heads) + ") is not a multiple of kv_heads (" + std::to_string(m.kv_heads) + ")",
         "use a kv_heads that divides heads");
  }
  if (m.moe) {
    const MoeSpec& e = *m.moe;
    if (e.experts < 1 || e.expert_ffn_hidden < 1 || e.shared_experts < 0) {
      fail("moe sizes must be positive", "set moe.experts and moe.expert_ffn_hidden >= 1, moe.shared_experts >= 0");
    }
    if (e.top_k < 1 || e.top_k > e.experts) {
      fail("moe.top_k (" + std::to_string(e.top_k) + ") must be in [1, experts = " + std::to_string(e.experts) + "]",
           "route each token to at most as many experts as there are");
    }
    if (e.dense_layers < 0 || e.dense_layers > m.layers) {
      fail("moe.dense_layers (" + std::to_string(e.dense_layers) + ") exceeds layers (" + std::to_string(m.layers) + ")",
           "use a number of leading dense layers in [0, layers]");
    }
  }
  if (m.mla) {
    const MlaSpec& a = *m.mla;
    if (a.kv_lora_rank < 1 || a.qk_nope_head_dim < 1 || a.v_head_dim < 1 || a.q_lora_rank < 0 || a.qk_rope_head_dim < 0) {
      fail("mla sizes must be positive", "set mla.kv_lora_rank, qk_nope_head_dim, v_head_dim >= 1");
    }
    if (m.head_dim != a.qk_nope_head_dim + a.qk_rope_head_dim) {
      fail("head_dim (" + std::to_string(m.head_dim) + ") differs from mla.qk_nope_head_dim + mla.qk_rope_head_dim (" +
               std::to_string(a.qk_nope_head_dim + a.qk_rope_head_dim) + ")",
           "with MLA, head_dim is the query/key head size: set it to qk_nope_head_dim + qk_rope_head_dim");
    }
    if (m.kv_heads != m.heads) {
      fail("MLA has one key/value head per query head, but kv_heads != heads", "set kv_heads equal to heads");
    }
  }
}

std::vector<std::string> list_model_presets() { return preset_names("models"); }

ModelSpec model_from_config(const ConfigNode& block) {
  if (block.is_scalar()) return load_model(resolve_reference(block));
  if (!block.is_map()) {
    throw input_error(block.location(), "must be a model preset name, a file path or a map of model keys",
                      "write 'model: llama3-8b' or a map with " + join(kModelKeys));
  }
  return read_block(block, false);
}

ModelSpec load_model(const std::string& name_or_path) {
  if (ends_with(name_or_path, ".json")) return model_from_hf_config(name_or_path);
  if (ends_with(name_or_path, ".yaml") || ends_with(name_or_path, ".yml") ||
      name_or_path.find('/') != std::string::npos) {
    ConfigNode root = ConfigNode::load_yaml_file(name_or_path);
    // A model file is either the block itself or a file with a single `model:` block.
    if (root.is_map() && root.entries().size() == 1 && root.find("model")) {
      return model_from_config(*root.find("model"));
    }
    return model_from_config(root);
  }
  std::vector<std::string> presets = list_model_presets();
  if (std::find(presets.begin(), presets.end(), name_or_path) == presets.end()) {
    std::string hint = presets.empty() ? "no presets found in " + hw::config_dir() +
                                             "/models; set TRNSIM_CONFIG_DIR to the configs directory"
                                       : "use one of: " + join(presets) + ", a model .yaml file or a config.json";
    throw input_error("model '" + name_or_path + "'", "is not a known model preset", hint);
  }
  std::string path = hw::config_dir() + "/models/" + name_or_path + ".yaml";
  ConfigNode root = ConfigNode::load_yaml_file(path);
  // Presets are published data: every figure carries its source.
  ModelSpec m = read_block(root, true);
  if (m.name != name_or_path) {
    throw input_error(path, "preset declares name '" + m.name + "'", "set 'name: " + name_or_path + "' to match the file name");
  }
  return m;
}

}  // namespace trnsim::model
