#include <charconv>

#include "trnsim/base/error.h"
#include "trnsim/kernels/kernel.h"

namespace trnsim::kernels {
namespace {

std::string list_names(const std::vector<ParamSpec>& specs) {
  std::string s;
  for (const auto& p : specs) s += (s.empty() ? "" : ", ") + p.name;
  return s.empty() ? "(none)" : s;
}

bool parse_int(const std::string& text, int64_t& out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end && !text.empty();
}

}  // namespace

KernelParams& KernelParams::set(const std::string& key, int64_t v) {
  values_[key] = std::to_string(v);
  return *this;
}

KernelParams& KernelParams::set(const std::string& key, const std::string& v) {
  values_[key] = v;
  return *this;
}

KernelParams& KernelParams::set_text(const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw input_error("kernel option '" + assignment + "'", "is not of the form key=value", "write e.g. m=1024");
  }
  return set(assignment.substr(0, eq), assignment.substr(eq + 1));
}

ResolvedParams::ResolvedParams(const std::string& kernel, const std::vector<ParamSpec>& specs,
                               const KernelParams& given)
    : kernel_(kernel) {
  for (const auto& [key, value] : given.values()) {
    bool known = false;
    for (const auto& p : specs) known = known || p.name == key;
    if (!known) {
      throw input_error("kernel " + kernel + ": option '" + key + "'", "is not an option of this kernel",
                        "valid options: " + list_names(specs));
    }
  }
  for (const auto& p : specs) {
    auto it = given.values().find(p.name);
    if (!p.is_int) {
      strs_[p.name] = it == given.values().end() ? p.str_default : it->second;
      continue;
    }
    int64_t v = p.int_default;
    if (it != given.values().end() && !parse_int(it->second, v)) {
      throw input_error("kernel " + kernel + ": option '" + p.name + "'", "'" + it->second + "' is not an integer",
                        p.doc);
    }
    ints_[p.name] = v;
  }
}

int64_t ResolvedParams::i(const std::string& key) const { return ints_.at(key); }
const std::string& ResolvedParams::s(const std::string& key) const { return strs_.at(key); }

isa::DType ResolvedParams::dtype(const std::string& key) const {
  const std::string& v = s(key);
  auto t = numerics::parse_dtype(v);
  if (!t) {
    throw input_error("kernel " + kernel_ + ": option '" + key + "'", "'" + v + "' is not a dtype",
                      "use one of f32, bf16, f16, fp8e4m3, fp8e5m2");
  }
  return *t;
}

}  // namespace trnsim::kernels
