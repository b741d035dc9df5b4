// validation/runs.yaml is the project's copy of the shared validation set; when the shared set is
// beside the checkout (as in CI), the copy must be in step with it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ValidationCopy, MatchesTheSharedSetWhenItIsPresent) {
  const std::filesystem::path root = TRNSIM_SOURCE_DIR;
  const std::filesystem::path shared = root.parent_path() / "shared" / "validation" / "runs.yaml";
  if (!std::filesystem::exists(shared)) GTEST_SKIP() << "no shared validation set beside the checkout";
  EXPECT_EQ(slurp(root / "validation" / "runs.yaml"), slurp(shared))
      << "validation/runs.yaml is out of step with " << shared << ": copy it over";
}

}  // namespace
