#include <gtest/gtest.h>

#include "isa_test_support.h"
#include "trnsim/isa/assembly_parser.h"
#include "trnsim/isa/assembly_printer.h"
#include "trnsim/isa/verifier.h"

namespace trnsim::isa {
namespace {

const char* kHeader = "program v\ninput x bf16[128,512]\nsemaphores 1\n";

TEST(IsaVerifier, CheckReturnsEveryFindingWithItsInstruction) {
  Program p = parse_assembly(std::string(kHeader) +
                                 "vector nc_matmul dst=psum[0:128]@0:f32(512:1) stationary=sbuf[0:128]@0:bf16(128:1) "
                                 "moving=sbuf[0:128]@0:bf16(512:1)\n"
                                 "vector memset dst=sbuf[0:128]@0:f32(512:1) value=0\n"
                                 "gpsimd memset dst=psum[0:128]@0:f32(512:1) value=0 wait=s3>=1\n",
                             "v.s");
  auto d = check(p, testing::trn2_like());
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].index, 0);
  EXPECT_EQ(d[0].line, 4);
  EXPECT_EQ(d[0].mnemonic, "nc_matmul");
  EXPECT_EQ(d[0].kind, ErrorKind::kVerify);
  EXPECT_EQ(d[0].where(p), "program v: instruction #0 (line 4, nc_matmul)");
  EXPECT_EQ(d[1].index, 2);
  EXPECT_NE(d[1].message.find("semaphore s3"), std::string::npos);
  EXPECT_NE(d[2].message.find("GpSimd cannot access PSUM"), std::string::npos);
  EXPECT_FALSE(d[2].hint.empty());
}

TEST(IsaVerifier, VerifyThrowsTheFirstFindingWithItsKind) {
  Program p = parse_assembly(std::string(kHeader) + "vector memset dst=sbuf[0:128]@229372:f32(2:1) value=0\n", "v.s");
  try {
    verify(p, testing::trn2_like());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kCapacity);
    EXPECT_EQ(e.where(), "program v: instruction #0 (line 4, memset)");
    EXPECT_NE(e.message().find("4 bytes over"), std::string::npos) << e.what();
  }
}

TEST(IsaVerifier, ChipFlagsGateDoubleRowAndDmaTranspose) {
  std::string text = std::string(kHeader) +
                     "tensor nc_matmul dst=psum[0:128]@0:f32(128:1) stationary=sbuf[0:128]@0:fp8e4m3(2:128,128:1) "
                     "moving=sbuf[0:128]@0:fp8e4m3(2:128,128:1) double_row=true\n"
                     "dma.q0 dma_transpose dst=sbuf[0:128]@0:bf16(128:1) src=hbm:x@0:bf16(128:512,128:1)\n";
  Program p = parse_assembly(text, "v.s");
  hw::ChipSpec chip = testing::trn2_like();
  EXPECT_TRUE(check(p, chip).empty());
  chip.tensor.fp8_double_row = false;
  chip.dma.has_transpose = false;
  auto d = check(p, chip);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_NE(d[0].message.find("no fp8 double-row"), std::string::npos);
  EXPECT_NE(d[1].message.find("no DMA transpose"), std::string::npos);
}

TEST(IsaVerifier, PartitionStartRulesFollowTheQuadrants) {
  auto ok = [](int p0, int p1) {
    Program p = parse_assembly("program v\nvector memset dst=sbuf[" + std::to_string(p0) + ":" + std::to_string(p1) +
                                   "]@0:f32(4:1) value=0\n",
                               "v.s");
    return check(p, testing::trn2_like()).empty();
  };
  EXPECT_TRUE(ok(0, 128));
  EXPECT_FALSE(ok(32, 128));
  EXPECT_TRUE(ok(64, 128));
  EXPECT_FALSE(ok(32, 96));
  EXPECT_TRUE(ok(96, 128));
  EXPECT_TRUE(ok(32, 33));
  EXPECT_FALSE(ok(1, 2));
  // DMA addresses any partition.
  Program d = parse_assembly(std::string(kHeader) +
                                 "dma.q0 dma_copy dst=sbuf[5:6]@0:bf16(512:1) src=hbm:x@0:bf16(1:512,512:1)\n",
                             "v.s");
  EXPECT_TRUE(check(d, testing::trn2_like()).empty());
}

TEST(IsaVerifier, ProgramsBuiltInCodeAreChecked) {
  Program p;
  p.name = "built";
  Instruction inst;
  inst.engine = {EngineKind::kVector, 0};
  inst.body = TensorCopy{onchip(MemSpace::kSbuf, DType::kF32, 0, 128, 0, 512),
                         onchip(MemSpace::kSbuf, DType::kF32, 0, 128, 4096, 256)};
  p.instructions.push_back(inst);
  auto d = check(p, testing::trn2_like());
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].where(p), "program built: instruction #0 (tensor_copy)");
}

}  // namespace
}  // namespace trnsim::isa

namespace trnsim::isa {
namespace {

TEST(IsaVerifier, DocumentedExampleIsValid) {
  std::string text = testing::read_text_file(testing::asm_data_dir() + "/example_softmax.s");
  Program p = parse_assembly(text, "example_softmax.s");
  EXPECT_NO_THROW(verify(p, testing::trn2_like()));
  EXPECT_EQ(print_assembly(p), text);
}

}  // namespace
}  // namespace trnsim::isa
