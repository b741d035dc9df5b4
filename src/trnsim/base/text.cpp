#include "trnsim/base/text.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace trnsim {

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string s;
  for (const auto& i : items) {
    if (!s.empty()) s += sep;
    s += i;
  }
  return s;
}

std::string normalise_name(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c))) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string did_you_mean(const std::string& name, const std::vector<std::string>& known, std::string_view what) {
  std::string best;
  size_t best_d = SIZE_MAX;
  for (const auto& k : known) {
    if (const size_t d = edit_distance(name, k); d < best_d) {
      best_d = d;
      best = k;
    }
  }
  if (!best.empty() && best_d <= std::max<size_t>(2, name.size() / 3)) return "did you mean '" + best + "'?";
  if (known.empty()) return "remove it";
  return "remove it; " + std::string(what) + ": " + join(known);
}

}  // namespace trnsim
