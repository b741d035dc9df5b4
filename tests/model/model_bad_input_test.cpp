// Model files that would loop, overflow or be misread: each is refused with the file, the key
// and the fix, before any arithmetic is done on it.
#include <gtest/gtest.h>

#include "model_test_util.h"
#include "trnsim/base/config.h"
#include "trnsim/model/model_spec.h"

namespace trnsim::model::testing {
namespace {

TEST(ModelBadInput, FromChainsThatLoopAreRefused) {
  const std::string msg = input_error_of([] { load_model(data_path("bad/cycle_a.yaml")); });
  EXPECT_NE(msg.find("chain of 'from' keys"), std::string::npos) << msg;
  EXPECT_NE(msg.find("model.from"), std::string::npos) << msg;
}

TEST(ModelBadInput, HfConfigsNameTheKey) {
  struct Case {
    const char* file;
    const char* text;
  };
  for (const Case& c : {Case{"dup_key", "key 'hidden_size': appears twice"},
                        Case{"overflow", "number overflow"},
                        Case{"layers_2p32", "key 'num_hidden_layers': is 4294967297, larger than any model's"},
                        Case{"heads_not_dividing", "key 'num_attention_heads': is 32, which does not divide hidden_size 4095"},
                        Case{"vocab_0", "key 'vocab_size': is 0"},
                        Case{"rope_string", "key 'rope_scaling': is \"yarn\", not an object"}}) {
    SCOPED_TRACE(c.file);
    const std::string msg = input_error_of([&] { load_model(data_path(std::string("bad/") + c.file + ".json")); });
    EXPECT_NE(msg.find(std::string(c.file) + ".json"), std::string::npos) << msg;
    EXPECT_NE(msg.find(c.text), std::string::npos) << msg;
  }
}

TEST(ModelBadInput, SizesBeyondAnyModelAreOutOfRange) {
  for (const char* key : {"hidden: 1099511627776", "seq_len: 1099511627776", "vocab: 1099511627776", "layers: 1048576"}) {
    SCOPED_TRACE(key);
    const std::string msg = input_error_of(
        [&] { model_from_config(ConfigNode::parse_yaml(std::string("from: llama3-8b\n") + key + "\n", "m.yaml")); });
    EXPECT_NE(msg.find("out of range"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace trnsim::model::testing
