// Helpers of the sweep tests: data files, a scratch directory per test, reading a results file.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace trnsim::testing {

inline std::string sweep_data(const std::string& name) { return std::string(TRNSIM_SOURCE_DIR) + "/tests/data/sweep/" + name; }

// A fresh directory named for the running test, removed when the test ends.
class SweepScratch {
 public:
  SweepScratch() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() / ("trnsim_sweep_" + std::string(info->test_suite_name()) + "_" +
                                                     info->name() + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  ~SweepScratch() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  SweepScratch(const SweepScratch&) = delete;
  SweepScratch& operator=(const SweepScratch&) = delete;
  std::filesystem::path operator/(const std::string& name) const { return dir_ / name; }
  const std::filesystem::path& path() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::vector<std::string> text_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream ss(text);
  for (std::string line; std::getline(ss, line);) lines.push_back(line);
  return lines;
}

// Rows of a results file keyed by point index (the first column); duplicates fail the test.
inline std::map<long, std::string> rows_by_index(const std::string& text) {
  std::map<long, std::string> rows;
  const auto lines = text_lines(text);
  for (size_t i = 1; i < lines.size(); ++i) {
    const long index = std::stol(lines[i].substr(0, lines[i].find(',')));
    EXPECT_TRUE(rows.emplace(index, lines[i]).second) << "point " << index << " appears twice";
  }
  return rows;
}

}  // namespace trnsim::testing
