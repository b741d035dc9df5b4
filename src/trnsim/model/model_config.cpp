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


const std::vector<std::string> kModelKeys = {"name",       "layers",   "hidden", "heads", "kv_heads",
                                             "head_dim",   "ffn_hidden", "activation", "vocab",
                                             "seq_len",    "norm",     "tied_embeddings", "moe", "mla",
                                             "mtp_layers", "attention_dropout"};
const std::vector<std::string> kActivations = {"gelu", "swiglu", "relu2"};  // in Activation's order
const std::vector<std::string> kNorms = {"layernorm", "rmsnorm"};            // in Norm's order
const std::vector<std::string> kMoeKeys = {"experts",           "top_k",        "shared_experts", "expert_ffn_hidden",
                                           "shared_ffn_hidden", "dense_layers"};
const std::vector<std::string> kMlaKeys = {"q_lora_rank", "kv_lora_rank", "qk_rope_head_dim", "qk_nope_head_dim",
                                           "v_head_dim"};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string where_of(const ConfigNode& block, const std::string& key) {
  const ConfigNode* n = block.find(key);
  return n ? n->location() : block.location();
}

// A key every block must give, unless the block is built `from` another model (`based`): then a
// key left out keeps that model's value, `current`.
int64_t required(ConfigReader& r, const char* key, int64_t lo, int64_t hi, bool based, int64_t current) {
  return based ? r.integer(key, lo, hi, current) : r.integer(key, lo, hi);
}

// `base`: the values a key left out keeps (a block built `from` another model); none: the keys
// without a default are required.
MoeSpec read_moe(ConfigReader r, const MoeSpec* base) {
  reject_unknown_keys(r.self(), kMoeKeys);
  const MoeSpec b = base ? *base : MoeSpec{};
  auto need = [&](const char* key, int64_t lo, int64_t hi, int64_t current) {
    return required(r, key, lo, hi, base != nullptr, current);
  };
  MoeSpec moe;
  moe.experts = static_cast<int>(need("experts", 1, kMaxModelCount, b.experts));
  moe.top_k = static_cast<int>(need("top_k", 1, kMaxModelCount, b.top_k));
  moe.shared_experts = static_cast<int>(r.integer("shared_experts", 0, kMaxModelCount, b.shared_experts));
  moe.expert_ffn_hidden = need("expert_ffn_hidden", 1, kMaxModelWidth, b.expert_ffn_hidden);
  moe.shared_ffn_hidden = r.integer("shared_ffn_hidden", 1, kMaxModelWidth, b.shared_ffn_hidden);
  moe.dense_layers = static_cast<int>(r.integer("dense_layers", 0, kMaxModelCount, b.dense_layers));
  r.finish();
  return moe;
}

MlaSpec read_mla(ConfigReader r, const MlaSpec* base) {
  reject_unknown_keys(r.self(), kMlaKeys);
  const MlaSpec b = base ? *base : MlaSpec{};
  auto need = [&](const char* key, int64_t lo, int64_t current) {
    return required(r, key, lo, kMaxModelWidth, base != nullptr, current);
  };
  MlaSpec mla;
  mla.q_lora_rank = need("q_lora_rank", 0, b.q_lora_rank);  // 0: queries projected directly
  mla.kv_lora_rank = need("kv_lora_rank", 1, b.kv_lora_rank);
  mla.qk_rope_head_dim = need("qk_rope_head_dim", 0, b.qk_rope_head_dim);
  mla.qk_nope_head_dim = need("qk_nope_head_dim", 1, b.qk_nope_head_dim);
  mla.v_head_dim = need("v_head_dim", 1, b.v_head_dim);
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

// A model block; with `base` (the model its `from` key names), every key is optional and a key
// left out keeps the base's value.
ModelSpec read_block(const ConfigNode& block, bool require_sources, const ModelSpec* base = nullptr) {
  ConfigReader r(block);
  std::vector<std::string> keys = kModelKeys;
  if (base) {
    keys.push_back("from");
    r.node("from");
  }
  reject_unknown_keys(block, keys);
  const ModelSpec b = base ? *base : ModelSpec{};
  auto need = [&](const char* key, int64_t lo, int64_t hi, int64_t current) {
    return required(r, key, lo, hi, base != nullptr, current);
  };
  auto pick = [&](const char* key, const std::vector<std::string>& names, int current) {
    if (base && r.absent(key)) return current;
    const std::string v = r.choice(key, names);
    return static_cast<int>(std::find(names.begin(), names.end(), v) - names.begin());
  };
  ModelSpec m = b;
  m.name = base ? r.str("name", b.name) : r.str("name");  // a label, not a figure: needs no source
  r.require_sources(require_sources);
  m.layers = static_cast<int>(need("layers", 1, kMaxModelCount, b.layers));
  m.hidden = need("hidden", 1, kMaxModelWidth, b.hidden);
  m.heads = static_cast<int>(need("heads", 1, kMaxModelCount, b.heads));
  m.kv_heads = static_cast<int>(r.integer("kv_heads", 1, kMaxModelCount, base ? b.kv_heads : m.heads));
  m.head_dim = r.integer("head_dim", 1, kMaxModelWidth, base ? b.head_dim : m.hidden / m.heads);
  m.ffn_hidden = need("ffn_hidden", 1, kMaxModelWidth, b.ffn_hidden);
  m.activation = static_cast<Activation>(pick("activation", kActivations, static_cast<int>(b.activation)));
  m.vocab = need("vocab", 1, kMaxVocab, b.vocab);
  m.seq_len = need("seq_len", 1, kMaxSeqLen, b.seq_len);
  if (!r.absent("seq_len")) m.seq_len_from_context.clear();
  m.norm = static_cast<Norm>(pick("norm", kNorms, static_cast<int>(b.norm)));
  m.tied_embeddings = r.boolean("tied_embeddings", b.tied_embeddings);
  m.mtp_layers = static_cast<int>(r.integer("mtp_layers", 0, 1 << 10, b.mtp_layers));
  if (!r.absent("attention_dropout")) m.attention_dropout = r.number("attention_dropout", 0.0, 0.99);
  for (const char* key : {"moe", "mla"}) {
    const ConfigNode* n = block.find(key);
    if (!n) continue;
    if (n->kind() == ConfigNode::Kind::kNull) {
      r.node(key);  // declares the key; null means "none"
      if (std::string(key) == "moe") m.moe.reset();
      else m.mla.reset();
      continue;
    }
    if (std::string(key) == "moe") m.moe = read_moe(r.child(key), b.moe ? &*b.moe : nullptr);
    else m.mla = read_mla(r.child(key), b.mla ? &*b.mla : nullptr);
  }
  r.finish();
  const std::string where = block.location();
  auto at = [&](const std::string& key) { return where_of(block, key); };
  if (m.heads % m.kv_heads != 0) {
    throw input_error(at("kv_heads"), "heads (" + std::to_string(m.heads) + ") is not a multiple of kv_heads (" +
                                          std::to_string(m.kv_heads) + ")",
                      "use a kv_heads that divides heads (equal to heads for multi-head attention)");
  }
  if (!base && !block.find("head_dim") && m.hidden % m.heads != 0) {
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
  const int64_t widest = std::max({m.hidden, m.head_dim, m.ffn_hidden, m.moe ? m.moe->expert_ffn_hidden : 0,
                                   m.moe ? m.moe->shared_ffn_hidden : 0});
  const int64_t most = std::max({int64_t{m.layers}, int64_t{m.heads}, m.moe ? int64_t{m.moe->experts} : 0});
  if (widest > kMaxModelWidth || most > kMaxModelCount || m.vocab > kMaxVocab || m.seq_len > kMaxSeqLen) {
    fail("sizes beyond any model: hidden " + std::to_string(m.hidden) + ", ffn " + std::to_string(m.ffn_hidden) +
             ", layers " + std::to_string(m.layers) + ", heads " + std::to_string(m.heads) + ", vocab " +
             std::to_string(m.vocab) + ", seq_len " + std::to_string(m.seq_len),
         "keep widths (hidden, head_dim, FFN) at most " + std::to_string(kMaxModelWidth) + ", layers, heads and experts at most " +
             std::to_string(kMaxModelCount) + ", vocab at most " + std::to_string(kMaxVocab) + " and seq_len at most " +
             std::to_string(kMaxSeqLen));
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
    if (e.shared_ffn_hidden > 0 && e.shared_experts == 0) {
      fail("moe.shared_ffn_hidden (" + std::to_string(e.shared_ffn_hidden) + ") is set but moe.shared_experts is 0",
           "set moe.shared_experts >= 1, or drop moe.shared_ffn_hidden");
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

namespace {

// `from` chains deeper than this are refused (files that name each other would never end).
constexpr int kMaxFromDepth = 16;

ModelSpec load_model_at(const std::string& name_or_path, int depth);

ModelSpec model_from_config_at(const ConfigNode& block, int depth) {
  if (block.is_scalar()) return load_model_at(resolve_reference(block), depth);
  if (!block.is_map()) {
    throw input_error(block.location(), "must be a model preset name, a file path or a map of model keys",
                      "write 'model: llama3-8b', 'model: {from: llama3-8b, seq_len: 4096}' or a map with " +
                          join(kModelKeys));
  }
  if (const ConfigNode* from = block.find("from")) {
    if (!from->is_scalar()) {
      throw input_error(from->location(), "must name a model preset, a model .yaml file or a config.json",
                        "write 'from: llama3-8b' and give the keys to change beside it");
    }
    if (depth >= kMaxFromDepth) {
      throw input_error(from->location(), "is the " + std::to_string(depth + 1) + "th model in a chain of 'from' keys",
                        "end the chain at a preset or a full model block (do two files name each other?)");
    }
    const ModelSpec base = load_model_at(resolve_reference(*from), depth + 1);
    return read_block(block, false, &base);
  }
  return read_block(block, false);
}

ModelSpec load_model_at(const std::string& name_or_path, int depth) {
  if (ends_with(name_or_path, ".json")) return model_from_hf_config(name_or_path);
  if (ends_with(name_or_path, ".yaml") || ends_with(name_or_path, ".yml") ||
      name_or_path.find('/') != std::string::npos) {
    ConfigNode root = ConfigNode::load_yaml_file(name_or_path);
    // A model file is either the block itself or a file with a single `model:` block.
    if (root.is_map() && root.entries().size() == 1 && root.find("model")) {
      return model_from_config_at(*root.find("model"), depth);
    }
    return model_from_config_at(root, depth);
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

}  // namespace

ModelSpec model_from_config(const ConfigNode& block) { return model_from_config_at(block, 0); }

ModelSpec load_model(const std::string& name_or_path) { return load_model_at(name_or_path, 0); }

}  // namespace trnsim::model
