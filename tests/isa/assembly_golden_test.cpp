// Data-driven golden cases: every tests/data/asm/bad_*.s starts with "# expect: <fragment>" and,
// optionally, "# kind: input|verify|capacity" on the next line. The file must fail to parse or to
// verify on a trn2-like chip with an error containing the fragment.
#include <gtest/gtest.h>

#include <filesystem>

#include "isa_test_support.h"
#include "trnsim/base/error.h"
#include "trnsim/isa/assembly_parser.h"
#include "trnsim/isa/verifier.h"

namespace trnsim::isa {
namespace {

std::string header_value(const std::string& text, const std::string& key) {
  size_t p = text.find("# " + key + ":");
  if (p == std::string::npos) return {};
  p += key.size() + 3;
  size_t e = text.find('\n', p);
  std::string v = text.substr(p, e - p);
  while (!v.empty() && v.front() == ' ') v.erase(0, 1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\r')) v.pop_back();
  return v;
}

const char* kind_name(ErrorKind k) {
  switch (k) {
    case ErrorKind::kInput: return "input";
    case ErrorKind::kVerify: return "verify";
    case ErrorKind::kCapacity: return "capacity";
    case ErrorKind::kRuntime: return "runtime";
  }
  return "?";
}

TEST(IsaGolden, BrokenInputsFailWithTheExpectedMessage) {
  int cases = 0;
  for (const auto& entry : std::filesystem::directory_iterator(testing::asm_data_dir())) {
    std::string file = entry.path().filename().string();
    if (file.rfind("bad_", 0) != 0 || entry.path().extension() != ".s") continue;
    ++cases;
    SCOPED_TRACE(file);
    std::string text = testing::read_text_file(entry.path().string());
    std::string expect = header_value(text, "expect");
    ASSERT_FALSE(expect.empty()) << "first line must be '# expect: <fragment>'";
    std::string kind = header_value(text, "kind");
    try {
      Program p = parse_assembly(text, file);
      verify(p, testing::trn2_like());
      ADD_FAILURE() << "no error; expected: " << expect;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(expect), std::string::npos) << "got: " << e.what();
      EXPECT_FALSE(e.hint().empty()) << e.what();
      if (!kind.empty()) EXPECT_EQ(kind_name(e.kind()), kind) << e.what();
    }
  }
  EXPECT_GE(cases, 25);
}

}  // namespace
}  // namespace trnsim::isa
