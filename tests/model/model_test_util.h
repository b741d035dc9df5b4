// Helpers shared by the model tests.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "trnsim/base/error.h"

namespace trnsim::model::testing {

inline std::string data_path(const std::string& name) { return std::string(TRNSIM_SOURCE_DIR) + "/tests/data/model/" + name; }

// Runs `f`, expects Error(kInput), and returns its message for assertions.
inline std::string input_error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    return e.what();
  }
  ADD_FAILURE() << "no error thrown";
  return "";
}

}  // namespace trnsim::model::testing
