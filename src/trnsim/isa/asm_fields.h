// The operand fields of each mnemonic: their names, kinds and whether they are required.
// The parser reads `key=value` pairs against this table and builds the instruction body.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "trnsim/isa/asm_cursor.h"

namespace trnsim::isa::detail {

enum class FieldKind { kAp, kScalar, kReal, kInt, kAlu, kAct, kBool, kExpr, kSem };

struct FieldSpec {
  std::string_view name;
  FieldKind kind;
  bool required;
};

// nullptr when the mnemonic is unknown.
const std::vector<FieldSpec>* fields_of(std::string_view mnemonic);
std::string all_mnemonics();

struct FieldValue {
  FieldKind kind;
  Token at;  // first token of the value, for messages
  AccessPattern ap{};
  ScalarOperand scalar{};
  float real = 0;
  int64_t integer = 0;
  bool flag = false;
  AffineExpr expr{};
  AluOp alu = AluOp::kBypass;
  ActFunc act = ActFunc::kIdentity;
};

using FieldMap = std::map<std::string, FieldValue, std::less<>>;

FieldValue parse_field_value(Cursor& c, FieldKind kind, const Program& program);
// Builds the body of `mnemonic` from its fields (all required ones present).
Body build_body(std::string_view mnemonic, const FieldMap& fields);

}  // namespace trnsim::isa::detail
