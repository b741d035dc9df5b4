// Reading one tokenized assembly line: the cursor and the operand grammars shared by the parser
// (access patterns, affine expressions, numbers, semaphores). Internal to isa/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "trnsim/isa/asm_lexer.h"
#include "trnsim/isa/program.h"

namespace trnsim::isa::detail {

class Cursor {
 public:
  Cursor(const std::vector<Token>& tokens, std::string_view file, int line)
      : tokens_(tokens), file_(file), line_(line) {}

  const Token& peek(size_t k = 0) const {
    size_t i = pos_ + k;
    return i < tokens_.size() ? tokens_[i] : tokens_.back();
  }
  const Token& next() {
    const Token& t = peek();
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return t;
  }
  bool at_end() const { return peek().kind == Token::Kind::kEnd; }
  bool is(std::string_view text, size_t k = 0) const {
    const Token& t = peek(k);
    return t.kind != Token::Kind::kEnd && t.kind != Token::Kind::kNumber && t.text == text;
  }
  bool accept(std::string_view text) {
    if (!is(text)) return false;
    next();
    return true;
  }
  // Consumes `text` or throws "expected `text` <context>".
  void expect(std::string_view text, std::string_view context, std::string_view hint = {});
  std::string ident(std::string_view what, std::string_view hint = {});
  int64_t integer(std::string_view what, std::string_view hint = {});  // optional leading '-'
  float real(std::string_view what, std::string_view hint = {});       // also inf, nan
  int32_t semaphore(std::string_view what);                            // s<N>

  std::string where(const Token& t) const;
  [[noreturn]] void fail(const Token& at, const std::string& message, const std::string& hint) const;
  int line() const { return line_; }

 private:
  const std::vector<Token>& tokens_;
  std::string_view file_;
  int line_;
  size_t pos_ = 0;
};

// Describes a token for messages: `foo`, or "end of line".
std::string describe(const Token& t);

AccessPattern parse_access_pattern(Cursor& c, const Program& program);
AffineExpr parse_affine_expr(Cursor& c);

}  // namespace trnsim::isa::detail
