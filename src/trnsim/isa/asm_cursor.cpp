#include "trnsim/isa/asm_cursor.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "trnsim/base/error.h"

namespace trnsim::isa::detail {

std::string describe(const Token& t) {
  if (t.kind == Token::Kind::kEnd) return "end of line";
  return "'" + t.text + "'";
}

std::string Cursor::where(const Token& t) const {
  return std::string(file_) + ":" + std::to_string(line_) + ":" + std::to_string(t.col);
}

void Cursor::fail(const Token& at, const std::string& message, const std::string& hint) const {
  throw input_error(where(at), message, hint);
}

void Cursor::expect(std::string_view text, std::string_view context, std::string_view hint) {
  if (accept(text)) return;
  fail(peek(), "expected '" + std::string(text) + "' " + std::string(context) + ", found " +
                   describe(peek()),
       hint.empty() ? "write '" + std::string(text) + "' here (see docs/isa.md)" : std::string(hint));
}

std::string Cursor::ident(std::string_view what, std::string_view hint) {
  const Token& t = peek();
  if (t.kind != Token::Kind::kIdent) {
    fail(t, "expected " + std::string(what) + ", found " + describe(t),
         hint.empty() ? "see docs/isa.md for the syntax" : std::string(hint));
  }
  next();
  return t.text;
}

int64_t Cursor::integer(std::string_view what, std::string_view hint) {
  const Token& start = peek();
  bool neg = accept("-");
  const Token& t = peek();
  std::string h = hint.empty() ? "write a whole number such as 0, 128 or -1" : std::string(hint);
  if (t.kind != Token::Kind::kNumber) {
    fail(t, "expected " + std::string(what) + " (an integer), found " + describe(t), h);
  }
  std::string_view s = t.text;
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s.remove_prefix(2);
    base = 16;
  }
  uint64_t mag = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), mag, base);
  if (ec == std::errc::result_out_of_range || (ec == std::errc() && mag > (uint64_t{1} << 63) - (neg ? 0 : 1))) {
    fail(start, std::string(what) + " '" + t.text + "' is out of range", "use a value within 64-bit range");
  }
  if (ec != std::errc() || p != s.data() + s.size()) {
    fail(t, "expected " + std::string(what) + " (an integer), found " + describe(t), h);
  }
  next();
  return neg ? static_cast<int64_t>(0 - mag) : static_cast<int64_t>(mag);
}

float Cursor::real(std::string_view what, std::string_view hint) {
  bool neg = accept("-");
  const Token& t = peek();
  std::string h = hint.empty() ? "write a number such as 1, 0.5, -2.5e-3, inf or nan" : std::string(hint);
  float v = 0;
  if (t.kind == Token::Kind::kIdent && (t.text == "inf" || t.text == "nan")) {
    v = t.text == "inf" ? INFINITY : NAN;
  } else if (t.kind == Token::Kind::kNumber) {
    char* end = nullptr;
    v = std::strtof(t.text.c_str(), &end);
    if (end != t.text.c_str() + t.text.size()) {
      fail(t, "expected " + std::string(what) + " (a number), found " + describe(t), h);
    }
  } else {
    fail(t, "expected " + std::string(what) + " (a number), found " + describe(t), h);
  }
  next();
  return neg ? -v : v;
}

int32_t Cursor::semaphore(std::string_view what) {
  const Token& t = peek();
  std::string h = "semaphores are written s0, s1, ... (declare how many with 'semaphores N')";
  if (t.kind != Token::Kind::kIdent || t.text.size() < 2 || t.text[0] != 's' || t.text.size() > 10) {
    fail(t, "expected " + std::string(what) + " (a semaphore like s0), found " + describe(t), h);
  }
  int32_t id = 0;
  auto [p, ec] = std::from_chars(t.text.data() + 1, t.text.data() + t.text.size(), id);
  if (ec != std::errc() || p != t.text.data() + t.text.size()) {
    fail(t, "expected " + std::string(what) + " (a semaphore like s0), found " + describe(t), h);
  }
  next();
  return id;
}

namespace {

DType parse_dtype_token(Cursor& c) {
  const Token& t = c.peek();
  std::string name = c.ident("a dtype", "use f32, bf16, f16, fp8e4m3, fp8e5m2 or i32");
  auto d = numerics::parse_dtype(name);
  if (!d) c.fail(t, "unknown dtype '" + name + "'", "use f32, bf16, f16, fp8e4m3, fp8e5m2 or i32");
  return *d;
}

int32_t to_i32(Cursor& c, const Token& at, int64_t v, std::string_view what) {
  if (v < INT32_MIN || v > INT32_MAX) {
    c.fail(at, std::string(what) + " " + std::to_string(v) + " is out of range", "use a 32-bit value");
  }
  return static_cast<int32_t>(v);
}

FreeDim parse_dim(Cursor& c) {
  FreeDim d;
  d.size = c.integer("a dimension size", "a dimension is SIZE:STRIDE, e.g. 512:1");
  c.expect(":", "between a dimension's size and stride", "a dimension is SIZE:STRIDE, e.g. 512:1");
  d.stride = c.integer("a dimension stride", "a dimension is SIZE:STRIDE, e.g. 512:1");
  return d;
}

}  // namespace

// sbuf[P0:P1]@OFFSET:DTYPE(SIZE:STRIDE,...)   psum[...] likewise
// hbm:TENSOR@OFFSET:DTYPE(ROWS:ROW_STRIDE,SIZE:STRIDE,...)
AccessPattern parse_access_pattern(Cursor& c, const Program& program) {
  AccessPattern ap;
  const Token& head = c.peek();
  std::string space = c.ident("an access pattern (sbuf[...], psum[...] or hbm:NAME)");
  const std::string dims_hint = "free dimensions are a list like (512:1) or (4:128,128:1), 1 to 4 of them";
  if (space == "sbuf" || space == "psum") {
    ap.space = space == "sbuf" ? MemSpace::kSbuf : MemSpace::kPsum;
    std::string range_hint = "partitions are a range [FIRST:END), e.g. " + space + "[0:128]";
    c.expect("[", "after '" + space + "'", range_hint);
    const Token& p0t = c.peek();
    int64_t p0 = c.integer("the first partition", range_hint);
    c.expect(":", "in the partition range", range_hint);
    const Token& p1t = c.peek();
    int64_t p1 = c.integer("the end partition", range_hint);
    c.expect("]", "to close the partition range", range_hint);
    if (p1 <= p0) c.fail(p1t, "empty partition range [" + std::to_string(p0) + ":" + std::to_string(p1) + "]",
                         "the end is exclusive and must be greater than the start, e.g. [0:128]");
    ap.partition_start = to_i32(c, p0t, p0, "partition");
    ap.partitions = to_i32(c, p1t, p1 - p0, "partition count");
  } else if (space == "hbm") {
    ap.space = MemSpace::kHbm;
    c.expect(":", "after 'hbm'", "write hbm:TENSOR with a declared tensor name");
    const Token& nt = c.peek();
    std::string name = c.ident("a tensor name");
    ap.tensor = program.find_tensor(name);
    if (ap.tensor < 0) {
      std::string known;
      for (const auto& t : program.tensors) known += (known.empty() ? "" : ", ") + t.name;
      c.fail(nt, "unknown tensor '" + name + "'",
             "declare it before use with 'input|output|scratch " + name + " DTYPE[SHAPE]'" +
                 (known.empty() ? std::string() : "; declared: " + known));
    }
  } else {
    c.fail(head, "expected an access pattern (sbuf[...], psum[...] or hbm:NAME), found " + describe(head),
           "write e.g. sbuf[0:128]@0:bf16(512:1) or hbm:x@0:bf16(128:512,512:1)");
  }
  c.expect("@", "before the byte offset", "write @OFFSET:DTYPE, e.g. @0:bf16");
  ap.offset = c.integer("a byte offset");
  c.expect(":", "between the byte offset and the dtype", "write @OFFSET:DTYPE, e.g. @0:bf16");
  ap.dtype = parse_dtype_token(c);
  c.expect("(", "to open the dimension list", dims_hint);
  if (ap.space == MemSpace::kHbm) {
    const Token& rt = c.peek();
    FreeDim rows = parse_dim(c);
    ap.partitions = to_i32(c, rt, rows.size, "row count");
    ap.partition_stride = rows.stride;
    ap.num_free = 0;
    if (!c.accept(",")) {
      ap.num_free = 1;
      ap.free[0] = {1, 1};
    }
  } else {
    ap.num_free = 0;
  }
  if (ap.num_free == 0) {
    do {
      const Token& dt = c.peek();
      if (ap.num_free == kMaxFreeDims) {
        c.fail(dt, "more than 4 free dimensions", "merge dimensions; an access pattern has at most 4");
      }
      ap.free[ap.num_free++] = parse_dim(c);
    } while (c.accept(","));
  }
  c.expect(")", "to close the dimension list", dims_hint);
  return ap;
}

// BASE, then terms COEF*p or COEF*iK, joined by + or -.  e.g. 0+1*p-1*i0
AffineExpr parse_affine_expr(Cursor& c) {
  AffineExpr e;
  const std::string hint = "an affine expression is terms like 5+2*p-1*i0 over p and i0..i3";
  bool first = true;
  for (;;) {
    int64_t sign = 1;
    if (c.accept("-")) {
      sign = -1;
    } else if (!first && !c.accept("+")) {
      break;
    }
    first = false;
    const Token& t = c.peek();
    int64_t coef = 1;
    bool has_num = t.kind == Token::Kind::kNumber;
    if (has_num) coef = c.integer("a coefficient", hint);
    std::string var;
    if (!has_num || c.accept("*")) {
      const Token& vt = c.peek();
      var = c.ident("p or i0..i3", hint);
      if (var != "p" && !(var.size() == 2 && var[0] == 'i' && var[1] >= '0' && var[1] <= '3')) {
        c.fail(vt, "unknown variable '" + var + "' in affine expression", hint);
      }
    }
    int64_t v = sign * coef;
    if (var.empty()) e.base += v;
    else if (var == "p") e.channel_multiplier += v;
    else e.coef[var[1] - '0'] += v;
  }
  return e;
}

}  // namespace trnsim::isa::detail
