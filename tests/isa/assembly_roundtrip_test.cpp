#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <set>

#include "isa_test_support.h"
#include "trnsim/base/error.h"
#include "trnsim/base/rng.h"
#include "trnsim/isa/assembly_parser.h"
#include "trnsim/isa/assembly_printer.h"
#include "trnsim/isa/verifier.h"

namespace trnsim::isa {
namespace {

using testing::asm_data_dir;
using testing::diff_programs;
using testing::read_text_file;

std::string all_text() { return read_text_file(asm_data_dir() + "/all_instructions.s"); }

TEST(IsaAssembly, CanonicalTextRoundTripsExactly) {
  std::string text = all_text();
  ASSERT_FALSE(text.empty());
  Program p = parse_assembly(text, "all_instructions.s");
  EXPECT_EQ(print_assembly(p), text);
}

TEST(IsaAssembly, CoversEveryInstructionType) {
  Program p = parse_assembly(all_text(), "all_instructions.s");
  std::set<size_t> kinds;
  for (const auto& inst : p.instructions) kinds.insert(inst.body.index());
  EXPECT_EQ(kinds.size(), std::variant_size_v<Body>);
}

TEST(IsaAssembly, ParsedProgramIsValidOnTrn2) {
  Program p = parse_assembly(all_text(), "all_instructions.s");
  auto diags = check(p, testing::trn2_like());
  for (const auto& d : diags) ADD_FAILURE() << d.where(p) << ": " << d.message;
  EXPECT_NO_THROW(verify(p, testing::trn2_like()));
}

TEST(IsaAssembly, ParseOfPrintEqualsProgramFieldByField) {
  Program p = parse_assembly(all_text(), "all_instructions.s");
  Program q = parse_assembly(print_assembly(p), "again.s");
  EXPECT_EQ(diff_programs(p, q), "");
}

TEST(IsaAssembly, FieldsAreParsedAsWritten) {
  Program p = parse_assembly(all_text(), "all_instructions.s");
  EXPECT_EQ(p.name, "all_instructions");
  EXPECT_EQ(p.num_semaphores, 4);
  ASSERT_EQ(p.tensors.size(), 4u);
  EXPECT_EQ(p.tensors[1].dtype, DType::kFP8E4M3);
  EXPECT_EQ(p.tensors[3].role, TensorRole::kScratch);
  const auto& mm = std::get<Matmul>(p.instructions[4].body);
  EXPECT_TRUE(mm.accumulate);
  EXPECT_TRUE(mm.double_row);
  EXPECT_EQ(mm.dst.offset, 2048);
  EXPECT_EQ(p.instructions[4].line, 12);
  EXPECT_EQ(p.instructions[4].waits, (std::vector<Wait>{{1, 1}}));
  const auto& hbm = std::get<DmaCopy>(p.instructions[0].body).src;
  EXPECT_EQ(hbm.space, MemSpace::kHbm);
  EXPECT_EQ(hbm.tensor, 0);
  EXPECT_EQ(hbm.partitions, 128);
  EXPECT_EQ(hbm.partition_stride, 512);
  EXPECT_EQ(hbm.num_free, 1);
  const auto& iota = std::get<Iota>(p.instructions[20].body);
  EXPECT_EQ(iota.expr.channel_multiplier, 1);
  EXPECT_EQ(iota.expr.coef[0], -64);
  EXPECT_EQ(iota.expr.coef[1], 1);
  const auto& ts = std::get<TensorScalar>(p.instructions[11].body);
  EXPECT_FALSE(ts.s0.is_ap);
  EXPECT_EQ(ts.s0.imm, 1.0f / 3.0f);
  EXPECT_TRUE(ts.s1.is_ap);
  const auto& act = std::get<Activation>(p.instructions[8].body);
  EXPECT_TRUE(act.reduce_dst.has_value());
  EXPECT_EQ(act.func, ActFunc::kExp);
  const auto& ms = std::get<Memset>(p.instructions[18].body);
  EXPECT_TRUE(std::signbit(ms.value));
  EXPECT_EQ(p.instructions.back().engine, (EngineId{EngineKind::kDma, 15}));
}

TEST(IsaAssembly, CommentsBlankLinesAndSpacesAreAccepted) {
  std::string text =
      "# a kernel\n\nprogram   k   # name\n  input x bf16[ 128 , 4 ]\n\n"
      "dma.q0 dma_copy dst = sbuf[0:128] @ 0 : bf16 ( 4 : 1 )   src=hbm:x@0:bf16(128:4,4:1)  # load\n";
  Program p = parse_assembly(text, "k.s");
  EXPECT_EQ(print_assembly(p),
            "program k\ninput x bf16[128,4]\nsemaphores 0\n\n"
            "dma.q0 dma_copy dst=sbuf[0:128]@0:bf16(4:1) src=hbm:x@0:bf16(128:4,4:1)\n");
  EXPECT_EQ(p.instructions[0].line, 6);
}

TEST(IsaAssembly, FloatsRoundTripBitExactly) {
  Rng rng(7);
  for (int i = 0; i < 2000; ++i) {
    uint32_t bits = static_cast<uint32_t>(rng.next_u64());
    float f;
    std::memcpy(&f, &bits, 4);
    if (std::isnan(f)) continue;
    std::string s = format_float(f);
    Program p = parse_assembly("program f\nvector memset dst=sbuf[0:1]@0:f32(1:1) value=" + s + "\n", "f.s");
    float g = std::get<Memset>(p.instructions[0].body).value;
    ASSERT_EQ(std::memcmp(&f, &g, 4), 0) << s;
  }
  EXPECT_EQ(format_float(0.1f), "0.1");
  EXPECT_EQ(format_float(1.0f / 3.0f), "0.33333334");
  EXPECT_EQ(format_float(1.5f), "1.5");
}

TEST(IsaAssembly, PrintAccessPatternAndInstruction) {
  Program p = parse_assembly(all_text(), "all_instructions.s");
  const auto& mm = std::get<Matmul>(p.instructions[3].body);
  EXPECT_EQ(print_access_pattern(p, mm.dst), "psum[0:128]@0:f32(512:1)");
  EXPECT_EQ(print_instruction(p, p.instructions[30]), "gpsimd barrier");
}

// Random byte edits of a valid file: the parser either accepts or throws Error(kInput) with a
// file:line:col location, and never crashes.
TEST(IsaAssembly, FuzzedInputsNeverCrash) {
  const std::string base = all_text();
  const std::string alphabet = "[]():,@=+-*#>sbufpsumhbm0123456789.x \n\t\x01\xff";
  Rng rng(12345);
  int rejected = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::string t = base;
    int edits = 1 + static_cast<int>(rng.next_u64() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t pos = rng.next_u64() % t.size();
      char ch = alphabet[rng.next_u64() % alphabet.size()];
      switch (rng.next_u64() % 3) {
        case 0: t[pos] = ch; break;
        case 1: t.insert(pos, 1, ch); break;
        default: t.erase(pos, 1 + rng.next_u64() % 8); break;
      }
      if (t.empty()) t = "x";
    }
    try {
      Program p = parse_assembly(t, "fuzz.s");
      (void)check(p, testing::trn2_like());
      (void)print_assembly(p);
    } catch (const Error& err) {
      ++rejected;
      ASSERT_EQ(err.kind(), ErrorKind::kInput) << err.what();
      ASSERT_EQ(err.where().rfind("fuzz.s:", 0), 0u) << err.what();
      ASSERT_FALSE(err.hint().empty()) << err.what();
    }
  }
  EXPECT_GT(rejected, 100);
}

}  // namespace
}  // namespace trnsim::isa
