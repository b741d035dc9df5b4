// Small text helpers shared by the config readers and messages.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace trnsim {

// "a, b, c"
std::string join(const std::vector<std::string>& items, std::string_view sep = ", ");
// Lower-case letters and digits only, for matching names loosely: "H100-SXM5" -> "h100sxm5".
std::string normalise_name(std::string_view s);
// Levenshtein distance, for did-you-mean hints.
size_t edit_distance(std::string_view a, std::string_view b);
// The hint for an unknown name: "did you mean 'x'?" when one of `known` is close, else the list.
std::string did_you_mean(const std::string& name, const std::vector<std::string>& known, std::string_view what = "known keys here");

}  // namespace trnsim
