#include "trnsim/train/pipeline_layout.h"

#include <cctype>

#include "trnsim/base/error.h"

namespace trnsim::train {
namespace {

constexpr size_t kMaxSymbols = size_t{1} << 20;  // an expanded layout longer than this is a typo
constexpr int kMaxDepth = 32;                     // groups nested deeper than this are a typo

// Expands repetitions: seq := item*, item := ('(' seq ')' | symbol) ['*' count].
class Expander {
 public:
  Expander(const std::string& text, const std::string& where) : s_(text), where_(where) {}

  std::string run() {
    std::string out = seq();
    if (i_ < s_.size()) fail("')' at position " + std::to_string(i_ + 1) + " closes no group", "remove it or open the group with '('");
    return out;
  }

 private:
  [[noreturn]] void fail(const std::string& msg, const std::string& fix) const {
    throw input_error(where_, "pp_layout \"" + s_ + "\": " + msg, fix);
  }

  std::string seq() {
    std::string out;
    while (i_ < s_.size() && s_[i_] != ')') {
      std::string item;
      if (s_[i_] == '(') {
        if (++depth_ > kMaxDepth) fail("groups nest deeper than " + std::to_string(kMaxDepth), "flatten the layout");
        ++i_;
        item = seq();
        --depth_;
        if (i_ >= s_.size()) fail("a group opened with '(' is not closed", "add the ')'");
        ++i_;
      } else {
        const char c = s_[i_++];
        if (c != 'E' && c != 't' && c != 'm' && c != 'L' && c != '|') {
          fail(std::string("unknown symbol '") + c + "'",
               "use E (embedding), t (transformer layer), m (multi-token prediction module), L (head and loss), "
               "| between chunks, X*n and (...)*n for repeats");
        }
        item = std::string(1, c);
      }
      if (i_ < s_.size() && s_[i_] == '*') {
        ++i_;
        size_t n = 0, digits = 0;
        while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) {
          n = n * 10 + static_cast<size_t>(s_[i_++] - '0');
          if (++digits > 7) fail("a repeat count is too large", "repeat at most 9999999 times");
        }
        if (digits == 0) fail("'*' is not followed by a count", "write X*n or (...)*n with a whole number n");
        std::string rep;
        for (size_t k = 0; k < n && rep.size() <= kMaxSymbols; ++k) rep += item;
        item = rep;
      }
      out += item;
      if (out.size() > kMaxSymbols) fail("expands to more than " + std::to_string(kMaxSymbols) + " symbols", "check the repeat counts");
    }
    return out;
  }

  const std::string& s_;
  const std::string& where_;
  size_t i_ = 0;
  int depth_ = 0;
};

}  // namespace

std::vector<ChunkLayers> parse_pipeline_layout(const std::string& text, const model::ModelSpec& m, int pp,
                                               int virtual_stages, const std::string& where) {
  std::string compact;
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) compact += c;
  }
  auto fail = [&](const std::string& msg, const std::string& fix) {
    throw input_error(where, "pp_layout \"" + text + "\": " + msg, fix);
  };
  const std::string flat = Expander(compact, where).run();
  std::vector<ChunkLayers> chunks(1);
  int layers = 0, embeddings = 0, heads = 0, mtp = 0;
  for (char c : flat) {
    ChunkLayers& cur = chunks.back();
    switch (c) {
      case '|':
        chunks.push_back(ChunkLayers{layers, 0, false, false, 0});
        break;
      case 't':
        if (cur.head || cur.mtp > 0) fail("a transformer layer follows the head or an MTP module", "put the t's before m and L");
        ++cur.count, ++layers;
        break;
      case 'E':
        cur.embedding = true, ++embeddings;
        break;
      case 'L':
        cur.head = true, ++heads;
        break;
      case 'm':
        ++cur.mtp, ++mtp;
        break;
    }
  }
  const int want = pp * virtual_stages;
  if (static_cast<int>(chunks.size()) != want) {
    fail("has " + std::to_string(chunks.size()) + " chunks but pp x virtual stages = " + std::to_string(want),
         "give one '|'-separated chunk per pipeline stage and virtual stage");
  }
  if (layers != m.layers) {
    fail("holds " + std::to_string(layers) + " transformer layers (t) but the model has " + std::to_string(m.layers),
         "write exactly " + std::to_string(m.layers) + " t's");
  }
  if (embeddings != 1 || !chunks.front().embedding) fail("needs one E, in the first chunk", "start the layout with E");
  if (heads != 1 || !chunks.back().head) fail("needs one L, in the last chunk", "end the layout with L");
  if (mtp != m.mtp_layers || chunks.back().mtp != mtp) {
    fail("holds " + std::to_string(mtp) + " MTP modules (m) but the model has " + std::to_string(m.mtp_layers) +
             (mtp > 0 ? ", all in the last chunk" : ""),
         "write " + std::to_string(m.mtp_layers) + " m's in the last chunk, before L (model key mtp_layers)");
  }
  return chunks;
}

}  // namespace trnsim::train
