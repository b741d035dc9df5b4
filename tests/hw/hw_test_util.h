// Helpers for the chip-loader tests: broken variants of a preset written to temporary files.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "trnsim/base/error.h"
#include "trnsim/hw/chip_loader.h"

namespace trnsim::hw::testing {

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string preset_text(const std::string& name) { return read_text(config_dir() + "/hw/" + name + ".yaml"); }

// Writes `text` to a file named after the running test, so parallel tests never share one.
inline std::string write_temp(const std::string& text, const std::string& tag) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string path = ::testing::TempDir() + "/" + info->test_suite_name() + "_" + info->name() + "_" + tag + ".yaml";
  std::ofstream(path) << text;
  return path;
}

// `text` with the first occurrence of `from` replaced by `to`; fails the test if absent.
inline std::string replace_once(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "'" << from << "' not in the preset";
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// 1-based line of the first occurrence of `needle`.
inline int line_of(const std::string& text, const std::string& needle) {
  size_t at = text.find(needle);
  if (at == std::string::npos) return -1;
  int line = 1;
  for (size_t i = 0; i < at; ++i) line += text[i] == '\n';
  return line;
}

// The message of the Error that loading `path` throws ("" if it loads).
inline std::string load_error(const std::string& path, ChipLoadOptions options = {}) {
  try {
    load_chip(path, options);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    return e.what();
  }
  return "";
}

}  // namespace trnsim::hw::testing
