// Loading models: presets, model blocks in the runs.yaml schema (strict), Hugging Face config.json.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "model_test_util.h"
#include "trnsim/base/config.h"
#include "trnsim/model/model_spec.h"

namespace trnsim::model {
namespace {

using testing::data_path;
using testing::input_error_of;

const char* kBlock = R"(
name: blk
layers: 4
hidden: 512
heads: 8
kv_heads: 2
head_dim: 64
ffn_hidden: 1536
activation: swiglu
vocab: 32000
seq_len: 1024
norm: rmsnorm
tied_embeddings: false
moe: null
)";

std::string with(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

ModelSpec parse(const std::string& text) { return model_from_config(ConfigNode::parse_yaml(text, "m.yaml")); }

TEST(ModelLoad, EveryPresetLoadsWithItsName) {
  std::vector<std::string> names = list_model_presets();
  for (const char* want : {"gpt3-175b", "llama2-7b", "llama2-13b", "llama2-70b", "llama3-8b", "llama3-70b",
                           "llama3-405b", "mixtral-8x7b", "deepseek-v3"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
  }
  for (const auto& n : names) EXPECT_EQ(load_model(n).name, n);
}

TEST(ModelLoad, PresetFieldsMatchTheirSources) {
  ModelSpec l = load_model("llama2-70b");
  EXPECT_EQ(l.layers, 80);
  EXPECT_EQ(l.kv_heads, 8);
  EXPECT_EQ(l.activation, Activation::kSwiGlu);
  EXPECT_FALSE(l.moe);
  ModelSpec d = load_model("deepseek-v3");
  ASSERT_TRUE(d.moe && d.mla);
  EXPECT_EQ(d.moe->dense_layers, 3);
  EXPECT_FALSE(d.is_moe_layer(2));
  EXPECT_TRUE(d.is_moe_layer(3));
  EXPECT_EQ(d.mla->kv_lora_rank, 512);
  ModelSpec g = load_model("gpt3-175b");
  EXPECT_EQ(g.norm, Norm::kLayerNorm);
  EXPECT_TRUE(g.tied_embeddings);
}

TEST(ModelLoad, UnknownPresetListsTheKnownOnes) {
  std::string msg = input_error_of([] { load_model("llama9-1t"); });
  EXPECT_NE(msg.find("llama9-1t"), std::string::npos) << msg;
  EXPECT_NE(msg.find("llama3-8b"), std::string::npos) << msg;
}

TEST(ModelLoad, BlockInTheRunsSchema) {
  ModelSpec m = parse(kBlock);
  EXPECT_EQ(m.name, "blk");
  EXPECT_EQ(m.kv_heads, 2);
  EXPECT_FALSE(m.moe);
  ModelSpec sourced = parse(with(kBlock, "layers: 4", "layers: {value: 6, source: \"a paper\"}"));
  EXPECT_EQ(sourced.layers, 6);
}

TEST(ModelLoad, ScalarBlockIsAPresetName) {
  EXPECT_EQ(model_from_config(ConfigNode::make_scalar("llama3-8b")).hidden, 4096);
}

// `from` names a preset, a model file or a config.json; the keys beside it change that model and
// every other key keeps its value.
TEST(ModelLoad, BlockFromAnotherModelChangesOnlyItsKeys) {
  const ModelSpec base = load_model("llama3-8b");
  const ModelSpec m = parse("from: llama3-8b\nseq_len: 4096\nnorm: layernorm\n");
  EXPECT_EQ(m.seq_len, 4096);
  EXPECT_EQ(m.norm, Norm::kLayerNorm);
  EXPECT_EQ(m.name, base.name);
  EXPECT_EQ(m.layers, base.layers);
  EXPECT_EQ(m.kv_heads, base.kv_heads);
  EXPECT_EQ(m.activation, base.activation);
  EXPECT_EQ(m.ffn_hidden, base.ffn_hidden);
  // A nested block changes only the keys it gives; null removes it.
  const ModelSpec ds = parse("from: deepseek-v3\nmoe: {experts: 64}\n");
  EXPECT_EQ(ds.moe->experts, 64);
  EXPECT_EQ(ds.moe->top_k, load_model("deepseek-v3").moe->top_k);
  EXPECT_TRUE(ds.mla);
  EXPECT_FALSE(parse("from: deepseek-v3\nmoe: null\n").moe);
  EXPECT_EQ(parse("from: " + data_path("llama3-8b/config.json") + "\nlayers: 2\n").layers, 2);
  // A config's context length stays marked as one until a block states seq_len.
  const std::string qwen = "from: " + data_path("qwen3-8b/config.json") + "\n";
  EXPECT_FALSE(parse(qwen + "layers: 2\n").seq_len_from_context.empty());
  EXPECT_TRUE(parse(qwen + "seq_len: 4096\n").seq_len_from_context.empty());
}

TEST(ModelLoad, BlockFromAnotherModelIsCheckedLikeAnyBlock) {
  std::string msg = input_error_of([] { parse("from: llama3-8b\nkv_heads: 7\n"); });
  EXPECT_NE(msg.find("m.yaml:2 key 'kv_heads'"), std::string::npos) << msg;
  msg = input_error_of([] { parse("from: llama3-8b\nsequence: 4096\n"); });
  EXPECT_NE(msg.find("unknown key 'sequence'"), std::string::npos) << msg;
  msg = input_error_of([] { parse("from: no-such-model\n"); });
  EXPECT_NE(msg.find("not a known model preset"), std::string::npos) << msg;
  msg = input_error_of([] { parse("from: [llama3-8b]\n"); });
  EXPECT_NE(msg.find("from"), std::string::npos) << msg;
  msg = input_error_of([] { parse("from: llama3-8b\nmoe: {experts: 8}\n"); });  // no base MoE: all keys
  EXPECT_NE(msg.find("top_k"), std::string::npos) << msg;
}

TEST(ModelLoad, YamlFileWithModelBlock) {
  ModelSpec m = load_model(data_path("tiny_model.yaml"));
  EXPECT_EQ(m.name, "tiny");
  EXPECT_EQ(m.activation, Activation::kGelu);
  EXPECT_TRUE(m.tied_embeddings);
}

TEST(ModelLoad, UnknownKeyNamesLineAndSuggests) {
  std::string msg = input_error_of([] { parse(with(kBlock, "kv_heads: 2", "kv_head: 2")); });
  EXPECT_NE(msg.find("m.yaml:6"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unknown key 'kv_head'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("did you mean 'kv_heads'"), std::string::npos) << msg;
}

TEST(ModelLoad, UnknownMoeKeyIsAnError) {
  std::string msg = input_error_of([] {
    parse(with(kBlock, "moe: null", "moe: {experts: 8, top_k: 2, expert_ffn: 1024}"));
  });
  EXPECT_NE(msg.find("expert_ffn"), std::string::npos) << msg;
  EXPECT_NE(msg.find("expert_ffn_hidden"), std::string::npos) << msg;
}

TEST(ModelLoad, BadValuesAreNamed) {
  std::string act = input_error_of([] { parse(with(kBlock, "activation: swiglu", "activation: swish")); });
  EXPECT_NE(act.find("swish"), std::string::npos) << act;
  EXPECT_NE(act.find("gelu, swiglu, relu2"), std::string::npos) << act;
  std::string neg = input_error_of([] { parse(with(kBlock, "hidden: 512", "hidden: -512")); });
  EXPECT_NE(neg.find("hidden"), std::string::npos) << neg;
  std::string gqa = input_error_of([] { parse(with(kBlock, "kv_heads: 2", "kv_heads: 3")); });
  EXPECT_NE(gqa.find("kv_heads"), std::string::npos) << gqa;
  EXPECT_NE(gqa.find("not a multiple"), std::string::npos) << gqa;
  std::string topk = input_error_of([] {
    parse(with(kBlock, "moe: null", "moe: {experts: 4, top_k: 5, shared_experts: 0, expert_ffn_hidden: 64, dense_layers: 0}"));
  });
  EXPECT_NE(topk.find("top_k"), std::string::npos) << topk;
  std::string mtp = input_error_of([] { parse(with(kBlock, "moe: null", "moe: null\nmtp_layers: -1")); });
  EXPECT_NE(mtp.find("mtp_layers"), std::string::npos) << mtp;
  EXPECT_EQ(parse(with(kBlock, "moe: null", "moe: null\nmtp_layers: 2")).mtp_layers, 2);
  std::string drop = input_error_of([] { parse(with(kBlock, "moe: null", "moe: null\nattention_dropout: 1.5")); });
  EXPECT_NE(drop.find("attention_dropout"), std::string::npos) << drop;
  EXPECT_FALSE(parse(kBlock).attention_dropout.has_value());  // unset: the framework decides
  EXPECT_EQ(parse(with(kBlock, "moe: null", "moe: null\nattention_dropout: 0.1")).attention_dropout, 0.1);
  std::string missing = input_error_of([] { parse(with(kBlock, "vocab: 32000\n", "")); });
  EXPECT_NE(missing.find("required key 'vocab'"), std::string::npos) << missing;
}

TEST(ModelLoad, MlaHeadDimMustMatch) {
  std::string msg = input_error_of([] {
    parse(with(with(kBlock, "kv_heads: 2", "kv_heads: 8"), "moe: null",
               "mla: {q_lora_rank: 64, kv_lora_rank: 32, qk_rope_head_dim: 16, qk_nope_head_dim: 32, v_head_dim: 32}"));
  });
  EXPECT_NE(msg.find("qk_nope_head_dim + mla.qk_rope_head_dim"), std::string::npos) << msg;
}

TEST(ModelLoad, HfLlamaConfigMatchesThePreset) {
  ModelSpec hf = load_model(data_path("llama3-8b/config.json"));
  ModelSpec preset = load_model("llama3-8b");
  EXPECT_EQ(hf.name, "llama3-8b");  // the directory of a config.json names the model
  EXPECT_EQ(hf.layers, preset.layers);
  EXPECT_EQ(hf.hidden, preset.hidden);
  EXPECT_EQ(hf.heads, preset.heads);
  EXPECT_EQ(hf.kv_heads, preset.kv_heads);
  EXPECT_EQ(hf.head_dim, preset.head_dim);
  EXPECT_EQ(hf.ffn_hidden, preset.ffn_hidden);
  EXPECT_EQ(hf.vocab, preset.vocab);
  EXPECT_EQ(hf.seq_len, preset.seq_len);
  EXPECT_EQ(hf.activation, Activation::kSwiGlu);
  EXPECT_EQ(hf.norm, Norm::kRmsNorm);
  EXPECT_FALSE(hf.tied_embeddings);
  EXPECT_EQ(hf.attention_dropout, 0.0);  // attention_dropout
}

TEST(ModelLoad, HfMoeAndMlaConfigs) {
  ModelSpec mx = load_model(data_path("mixtral_config.json"));
  ASSERT_TRUE(mx.moe);
  EXPECT_EQ(mx.moe->experts, 8);
  EXPECT_EQ(mx.moe->top_k, 2);
  EXPECT_EQ(mx.moe->expert_ffn_hidden, 14336);
  ModelSpec ds = load_model(data_path("deepseek_v3_config.json"));
  ModelSpec preset = load_model("deepseek-v3");
  ASSERT_TRUE(ds.moe && ds.mla);
  EXPECT_EQ(ds.seq_len, 4096);  // rope_scaling.original_max_position_embeddings, not 163840
  EXPECT_EQ(ds.head_dim, preset.head_dim);
  EXPECT_EQ(ds.moe->shared_experts, 1);
  EXPECT_EQ(ds.moe->dense_layers, 3);
  EXPECT_EQ(ds.moe->expert_ffn_hidden, 2048);
  EXPECT_EQ(ds.mla->q_lora_rank, 1536);
  EXPECT_EQ(ds.mtp_layers, 1);  // num_nextn_predict_layers
  EXPECT_EQ(count_parameters(ds).total, count_parameters(preset).total);
}

TEST(ModelLoad, HfQwenConfigs) {
  ModelSpec q8 = load_model(data_path("qwen3-8b/config.json"));
  EXPECT_EQ(q8.name, "qwen3-8b");
  EXPECT_EQ(q8.head_dim, 128);
  EXPECT_EQ(q8.kv_heads, 8);
  EXPECT_EQ(q8.seq_len, 40960);
  // max_position_embeddings is the context limit: the model says where its seq_len came from.
  EXPECT_NE(q8.seq_len_from_context.find("max_position_embeddings"), std::string::npos) << q8.seq_len_from_context;
  EXPECT_FALSE(q8.moe);
  ModelSpec q30 = load_model(data_path("qwen3-30b-a3b/config.json"));
  ASSERT_TRUE(q30.moe);
  EXPECT_EQ(q30.moe->experts, 128);
  EXPECT_EQ(q30.moe->top_k, 8);
  EXPECT_EQ(q30.moe->expert_ffn_hidden, 768);
  EXPECT_EQ(q30.moe->shared_experts, 0);
  EXPECT_EQ(q30.moe->dense_layers, 0);  // mlp_only_layers [] and decoder_sparse_step 1
  ModelSpec q15 = load_model(data_path("qwen1.5-moe-a2.7b/config.json"));
  ASSERT_TRUE(q15.moe);
  EXPECT_EQ(q15.moe->shared_experts, 1);
  EXPECT_EQ(q15.moe->shared_ffn_hidden, 5632);
  EXPECT_EQ(q15.moe->shared_width(), 5632);
  EXPECT_EQ(q15.moe->expert_ffn_hidden, 1408);
}

TEST(ModelLoad, HfMoeDenseLayersMustLead) {
  std::string msg = input_error_of([] { load_model(data_path("interleaved_dense_config.json")); });
  EXPECT_NE(msg.find("interleaved_dense_config.json: key 'mlp_only_layers'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[0,2]"), std::string::npos) << msg;
  msg = input_error_of([] { load_model(data_path("sparse_step_config.json")); });
  EXPECT_NE(msg.find("key 'decoder_sparse_step'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("moe.dense_layers"), std::string::npos) << msg;  // the fix names the way out
}

TEST(ModelLoad, HfUnknownFamilyListsTheKnownOnes) {
  std::string msg = input_error_of([] { load_model(data_path("unknown_family_config.json")); });
  EXPECT_NE(msg.find("'qwen3_next' is not a supported model family"), std::string::npos) << msg;
  EXPECT_NE(msg.find("qwen3_moe"), std::string::npos) << msg;
}

// A model block's shared experts may have their own width (Qwen2-MoE's one wide shared expert).
TEST(ModelLoad, SharedExpertWidthInABlock) {
  const std::string routed = "moe: {experts: 4, top_k: 2, expert_ffn_hidden: 16";
  ModelSpec m = parse(with(kBlock, "moe: null", routed + ", shared_experts: 1, shared_ffn_hidden: 64}"));
  ASSERT_TRUE(m.moe);
  EXPECT_EQ(m.moe->shared_width(), 64);
  // One 64-wide SwiGLU MLP more in each of the 4 layers of width 512.
  EXPECT_EQ(count_parameters(m).total - count_parameters(parse(with(kBlock, "moe: null", routed + "}"))).total,
            4 * 3 * 512 * 64);
  std::string msg = input_error_of([&] { parse(with(kBlock, "moe: null", routed + ", shared_ffn_hidden: 64}")); });
  EXPECT_NE(msg.find("moe.shared_experts is 0"), std::string::npos) << msg;
}

TEST(ModelLoad, HfGpt2Config) {
  ModelSpec g = load_model(data_path("gpt2_config.json"));
  EXPECT_EQ(g.hidden, 768);
  EXPECT_EQ(g.ffn_hidden, 4 * 768);
  EXPECT_EQ(g.activation, Activation::kGelu);
  EXPECT_EQ(g.norm, Norm::kLayerNorm);
  EXPECT_TRUE(g.tied_embeddings);
  EXPECT_EQ(g.seq_len, 1024);
  EXPECT_EQ(g.attention_dropout, 0.1);  // attn_pdrop
}

TEST(ModelLoad, HfMalformedJsonNamesFileAndLine) {
  std::string msg = input_error_of([] { load_model(data_path("malformed_config.json")); });
  EXPECT_NE(msg.find("malformed_config.json:4"), std::string::npos) << msg;
  EXPECT_NE(msg.find("not valid JSON"), std::string::npos) << msg;
  EXPECT_NE(msg.find("fix:"), std::string::npos) << msg;
}

TEST(ModelLoad, HfMissingKeyNamesFileAndKey) {
  std::string msg = input_error_of([] { load_model(data_path("missing_hidden_size_config.json")); });
  EXPECT_NE(msg.find("missing_hidden_size_config.json"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'hidden_size'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("is missing"), std::string::npos) << msg;
  EXPECT_NE(msg.find("fix: add \"hidden_size\""), std::string::npos) << msg;
}

TEST(ModelLoad, MissingFileIsAnInputError) {
  std::string msg = input_error_of([] { load_model(data_path("nope.json")); });
  EXPECT_NE(msg.find("cannot be read"), std::string::npos) << msg;
}

}  // namespace
}  // namespace trnsim::model
