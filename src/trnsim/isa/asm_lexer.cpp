#include "trnsim/isa/asm_lexer.h"

#include <cctype>

namespace trnsim::isa::detail {
namespace {

bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
}
bool digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// A number runs over digits, '.', hex digits after 0x, and an exponent with its sign. The value is
// checked later by the parser, which knows whether it wants an integer or a float.
size_t number_end(std::string_view s, size_t i) {
  bool hex = s.size() > i + 1 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X');
  size_t j = hex ? i + 2 : i;
  while (j < s.size()) {
    char c = s[j];
    bool exp = hex ? (c == 'p' || c == 'P') : (c == 'e' || c == 'E');
    if (exp) {
      ++j;
      if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
      continue;
    }
    if (digit(c) || c == '.' || (hex && std::isxdigit(static_cast<unsigned char>(c)))) {
      ++j;
      continue;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      ++j;  // keep junk like 12abc in one token so the parser reports it whole
      continue;
    }
    break;
  }
  return j;
}

}  // namespace

bool lex_line(std::string_view s, std::vector<Token>& out, int& bad_col) {
  out.clear();
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == '#') break;
    if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
      continue;
    }
    Token t;
    t.col = static_cast<int>(i) + 1;
    size_t j = i;
    if (ident_start(c)) {
      while (j < s.size() && ident_char(s[j])) ++j;
      t.kind = Token::Kind::kIdent;
    } else if (digit(c) || (c == '.' && i + 1 < s.size() && digit(s[i + 1]))) {
      j = number_end(s, i);
      t.kind = Token::Kind::kNumber;
    } else if (c == '>' && i + 1 < s.size() && s[i + 1] == '=') {
      j = i + 2;
      t.kind = Token::Kind::kPunct;
    } else if (std::string_view("[]():,@=+-*").find(c) != std::string_view::npos) {
      j = i + 1;
      t.kind = Token::Kind::kPunct;
    } else {
      bad_col = t.col;
      return false;
    }
    t.text = std::string(s.substr(i, j - i));
    out.push_back(std::move(t));
    i = j;
  }
  Token end;
  end.col = static_cast<int>(s.size()) + 1;
  out.push_back(end);
  return true;
}

}  // namespace trnsim::isa::detail
