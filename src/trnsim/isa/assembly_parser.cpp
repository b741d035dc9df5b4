#include "trnsim/isa/assembly_parser.h"

#include <charconv>

#include "trnsim/base/error.h"
#include "trnsim/isa/asm_cursor.h"
#include "trnsim/isa/asm_fields.h"

namespace trnsim::isa {
namespace {

using detail::Cursor;
using detail::describe;
using detail::FieldMap;
using detail::Token;

const char* kEngineHint = "start the line with an engine: tensor, vector, scalar, gpsimd or dma.qN";

std::optional<EngineId> parse_engine(std::string_view s) {
  if (s == "tensor") return EngineId{EngineKind::kTensor, 0};
  if (s == "vector") return EngineId{EngineKind::kVector, 0};
  if (s == "scalar") return EngineId{EngineKind::kScalar, 0};
  if (s == "gpsimd") return EngineId{EngineKind::kGpSimd, 0};
  if (s.size() > 5 && s.substr(0, 5) == "dma.q") {
    int32_t q = -1;
    auto [p, ec] = std::from_chars(s.data() + 5, s.data() + s.size(), q);
    if (ec == std::errc() && p == s.data() + s.size() && q >= 0) return EngineId{EngineKind::kDma, q};
  }
  return std::nullopt;
}

std::string field_list(const std::vector<detail::FieldSpec>& fields) {
  std::string s;
  for (const auto& f : fields) s += (s.empty() ? "" : ", ") + std::string(f.name);
  return s.empty() ? "none" : s;
}

std::string shown_char(char ch) {
  auto u = static_cast<unsigned char>(ch);
  if (u >= 0x20 && u < 0x7f) return std::string("'") + ch + "'";
  const char* hex = "0123456789abcdef";
  return std::string("byte 0x") + hex[u >> 4] + hex[u & 15];
}

class Parser {
 public:
  explicit Parser(const std::string& source) : source_(source) {}

  void line(const std::vector<Token>& toks, int line_no) {
    Cursor c(toks, source_, line_no);
    const Token& head = c.peek();
    if (head.kind != Token::Kind::kIdent) {
      c.fail(head, "expected a directive (program, input, output, scratch, semaphores) or an "
                   "instruction, found " + describe(head), kEngineHint);
    }
    if (head.text == "program") return program_line(c);
    if (head.text == "input" || head.text == "output" || head.text == "scratch") return tensor_line(c);
    if (head.text == "semaphores") return semaphores_line(c);
    if (!seen_program_) {
      c.fail(head, "the first statement must be 'program NAME', found " + describe(head),
             "begin the file with a line such as 'program my_kernel'");
    }
    instruction_line(c);
  }

  Program finish() {
    if (!seen_program_) {
      throw input_error(source_ + ":1:1", "no 'program NAME' line", "begin the file with 'program my_kernel'");
    }
    return std::move(p_);
  }

 private:
  void end_of_line(Cursor& c, const std::string& what) {
    if (!c.at_end()) c.fail(c.peek(), "unexpected " + describe(c.peek()) + " after " + what, "remove it or start a new line");
  }

  void program_line(Cursor& c) {
    const Token& head = c.next();
    if (seen_program_) c.fail(head, "a second 'program' line", "a file holds one program; remove this line");
    p_.name = c.ident("the program name", "write 'program NAME'");
    seen_program_ = true;
    end_of_line(c, "the program name");
  }

  void tensor_line(Cursor& c) {
    HbmTensor t;
    const Token& head = c.next();
    if (!seen_program_) c.fail(head, "tensor declared before the 'program NAME' line", "move 'program NAME' to the top");
    t.role = head.text == "input" ? TensorRole::kInput : head.text == "output" ? TensorRole::kOutput : TensorRole::kScratch;
    const Token& nt = c.peek();
    t.name = c.ident("a tensor name", "write e.g. 'input x bf16[128,512]'");
    if (t.name.find('.') != std::string::npos || parse_engine(t.name)) {
      c.fail(nt, "invalid tensor name '" + t.name + "'", "use letters, digits and '_' only, not an engine name");
    }
    if (p_.find_tensor(t.name) >= 0) c.fail(nt, "tensor '" + t.name + "' declared twice", "give each tensor a unique name");
    const Token& dt = c.peek();
    std::string dname = c.ident("a dtype", "write e.g. 'input x bf16[128,512]'");
    auto d = numerics::parse_dtype(dname);
    if (!d) c.fail(dt, "unknown dtype '" + dname + "'", "use f32, bf16, f16, fp8e4m3, fp8e5m2 or i32");
    t.dtype = *d;
    const std::string shape_hint = "a shape is a list of positive sizes, e.g. bf16[128,512]";
    c.expect("[", "to open the tensor shape", shape_hint);
    constexpr int64_t kMostElements = int64_t{1} << 44;  // so the byte size stays far inside int64
    int64_t elements = 1;
    do {
      const Token& st = c.peek();
      int64_t n = c.integer("a dimension size", shape_hint);
      if (n <= 0 || n > (int64_t{1} << 40)) c.fail(st, "tensor dimension " + std::to_string(n) + " is not positive or too large", shape_hint);
      if (n > kMostElements / elements) c.fail(st, "tensor '" + t.name + "' has more than 2^44 elements", shape_hint);
      elements *= n;
      t.shape.push_back(n);
      if (t.shape.size() > 8) c.fail(st, "more than 8 tensor dimensions", shape_hint);
    } while (c.accept(","));
    c.expect("]", "to close the tensor shape", shape_hint);
    if (t.bytes() > (int64_t{1} << 44)) c.fail(dt, "tensor '" + t.name + "' is larger than 16 TiB", shape_hint);
    end_of_line(c, "the tensor shape");
    p_.tensors.push_back(std::move(t));
  }

  void semaphores_line(Cursor& c) {
    const Token& head = c.next();
    if (seen_semaphores_) c.fail(head, "a second 'semaphores' line", "declare the semaphore count once");
    const Token& nt = c.peek();
    int64_t n = c.integer("the semaphore count");
    if (n < 0 || n > 1'000'000) c.fail(nt, "semaphore count " + std::to_string(n) + " out of range", "use 0 to 1000000");
    p_.num_semaphores = static_cast<int32_t>(n);
    seen_semaphores_ = true;
    end_of_line(c, "the semaphore count");
  }

  void instruction_line(Cursor& c) {
    Instruction inst;
    inst.line = c.line();
    const Token& et = c.next();
    auto engine = parse_engine(et.text);
    if (!engine) c.fail(et, "unknown engine or directive '" + et.text + "'", kEngineHint);
    inst.engine = *engine;
    const Token& mt = c.peek();
    std::string mnem = c.ident("a mnemonic", "write e.g. 'vector tensor_copy dst=... src=...'");
    const auto* fields = detail::fields_of(mnem);
    if (!fields) c.fail(mt, "unknown mnemonic '" + mnem + "'", "use one of: " + detail::all_mnemonics());
    FieldMap values;
    while (!c.at_end()) {
      const Token& kt = c.peek();
      std::string key = c.ident("an operand 'key=value'", "operands of " + mnem + ": " + field_list(*fields) + ", wait, signal");
      c.expect("=", "after '" + key + "'", "write " + key + "=VALUE without spaces around names");
      if (key == "wait") {
        Wait w;
        w.sem = c.semaphore("a semaphore to wait on");
        c.expect(">=", "in a wait", "write wait=sN>=COUNT, e.g. wait=s0>=1");
        w.value = c.integer("the count to wait for");
        inst.waits.push_back(w);
        continue;
      }
      if (key == "signal") {
        if (inst.signal >= 0) c.fail(kt, "two 'signal' operands", "an instruction signals at most one semaphore");
        inst.signal = c.semaphore("the semaphore to signal");
        continue;
      }
      const detail::FieldSpec* spec = nullptr;
      for (const auto& f : *fields) {
        if (f.name == key) spec = &f;
      }
      if (!spec) {
        std::string hint = "operands of " + mnem + ": " + field_list(*fields) + ", wait, signal";
        if (mnem == "activation" && key == "reduce") hint = "use activation_reduce to write a reduction";
        c.fail(kt, mnem + " has no operand '" + key + "'", hint);
      }
      if (values.count(key)) c.fail(kt, "operand '" + key + "' given twice", "give each operand once");
      detail::FieldValue v = detail::parse_field_value(c, spec->kind, p_);
      if (key == "add" && (v.integer < INT32_MIN || v.integer > INT32_MAX)) {
        c.fail(v.at, "sem_signal add is out of range", "use a 32-bit value");
      }
      values.emplace(key, std::move(v));
      if (!c.at_end() && c.peek().kind != Token::Kind::kIdent) {
        c.fail(c.peek(), "unexpected " + describe(c.peek()) + " after operand '" + key + "'",
               "separate operands with spaces: key=value key=value");
      }
    }
    for (const auto& f : *fields) {
      if (f.required && !values.count(f.name)) {
        c.fail(mt, mnem + " is missing operand '" + std::string(f.name) + "'",
               "add " + std::string(f.name) + "=...; operands of " + mnem + ": " + field_list(*fields));
      }
    }
    inst.body = detail::build_body(mnem, values);
    p_.instructions.push_back(std::move(inst));
  }

  std::string source_;
  Program p_;
  bool seen_program_ = false;
  bool seen_semaphores_ = false;
};

}  // namespace

Program parse_assembly(const std::string& text, const std::string& source_name) {
  Parser parser(source_name);
  std::vector<Token> toks;
  size_t start = 0;
  int line_no = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    ++line_no;
    std::string_view line(text.data() + start, nl - start);
    int bad_col = 0;
    if (!detail::lex_line(line, toks, bad_col)) {
      throw input_error(source_name + ":" + std::to_string(line_no) + ":" + std::to_string(bad_col),
                        "unexpected character " + shown_char(line[bad_col - 1]),
                        "remove it; comments start with '#'");
    }
    if (toks.size() > 1) parser.line(toks, line_no);
    start = nl + 1;
  }
  return parser.finish();
}

}  // namespace trnsim::isa
