// Tokens of one line of ISA text assembly (docs/isa.md). Whitespace separates tokens but is
// otherwise insignificant, so `sbuf[0:128]@0:f32(512:1)` may also be written with spaces.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace trnsim::isa::detail {

struct Token {
  enum class Kind { kIdent, kNumber, kPunct, kEnd };
  Kind kind = Kind::kEnd;
  std::string text;
  int col = 0;  // 1-based column of the first character
};

// Splits one line (comment already removed or not: '#' ends the line). On a character that can
// start no token, returns false and sets `bad_col` to its column.
bool lex_line(std::string_view line, std::vector<Token>& out, int& bad_col);

}  // namespace trnsim::isa::detail
