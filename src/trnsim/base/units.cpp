#include "trnsim/base/units.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <utility>
#include <vector>

#include "trnsim/base/error.h"

namespace trnsim {
namespace {

struct Suffix {
  std::string_view name;
  double scale;
};

// Splits "2.9TB/s" into 2.9 and "TB/s"; the suffix must be one of `suffixes` (exact case).
double parse_scaled(std::string_view text, const std::vector<Suffix>& suffixes, const char* what,
                    const char* forms) {
  std::string_view s = text;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  size_t i = 0;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.' ||
                          s[i] == 'e' || s[i] == 'E' || s[i] == '+' || s[i] == '-')) {
    // An 'E' that starts a suffix ("EB") is not an exponent; we have no such suffix, so accept.
    ++i;
  }
  std::string number(s.substr(0, i));
  std::string_view unit = s.substr(i);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  char* end = nullptr;
  double value = number.empty() ? NAN : std::strtod(number.c_str(), &end);
  if (number.empty() || end != number.c_str() + number.size() || !std::isfinite(value) || value < 0) {
    throw input_error("'" + std::string(text) + "'", std::string("is not a valid ") + what,
                      std::string("write a non-negative number with a unit, e.g. ") + forms);
  }
  for (const auto& suf : suffixes) {
    if (unit != suf.name) continue;
    // Sizes, rates and frequencies are held as 64-bit integers or used as such.
    if (value * suf.scale > 9.0e18) {
      throw input_error("'" + std::string(text) + "'", std::string("is too large a ") + what + " (above 9e18 in base units)",
                        "write the real figure");
    }
    return value * suf.scale;
  }
  throw input_error("'" + std::string(text) + "'", std::string("has no known ") + what + " unit",
                    std::string("use one of ") + forms);
}

}  // namespace

Time Time::from_seconds(double s) {
  // Integer picoseconds hold about 106 days; a figure far outside real hardware (a latency of
  // hours, a bandwidth of bytes per second) can make a time beyond that.
  if (!std::isfinite(s) || std::fabs(s) > 9.2e6) {
    throw input_error("a simulated duration", "of " + std::to_string(s) + " s is beyond what the simulator represents (106 days)",
                      "check the experiment's figures (sizes, bandwidths, latencies, rates) for values far from real hardware");
  }
  return Time(static_cast<int64_t>(std::llround(s * 1e12)));
}

Time Frequency::cycles(int64_t n) const {
  if (hz <= 0) return Time::ps(0);
  __int128 num = static_cast<__int128>(n) * 1000000000000LL;
  return Time::ps(static_cast<int64_t>((num + hz - 1) / hz));
}

Time Bandwidth::transfer(int64_t n) const {
  if (n <= 0 || bytes_per_s <= 0) return Time::ps(0);
  return Time::ps(static_cast<int64_t>(std::ceil(static_cast<double>(n) * 1e12 / bytes_per_s)));
}

Bytes parse_bytes(std::string_view text) {
  static const std::vector<Suffix> k = {
      {"B", 1},          {"KB", 1e3},          {"MB", 1e6},          {"GB", 1e9},
      {"TB", 1e12},      {"KiB", 1024.0},      {"MiB", 1048576.0},   {"GiB", 1073741824.0},
      {"TiB", 1099511627776.0}};
  return Bytes{static_cast<int64_t>(std::llround(
      parse_scaled(text, k, "size", "\"24MiB\", \"96GiB\", \"512B\", \"2KB\"")))};
}

Frequency parse_frequency(std::string_view text) {
  static const std::vector<Suffix> k = {{"Hz", 1}, {"kHz", 1e3}, {"MHz", 1e6}, {"GHz", 1e9}};
  return Frequency{static_cast<int64_t>(
      std::llround(parse_scaled(text, k, "frequency", "\"2.4GHz\", \"960MHz\"")))};
}

Bandwidth parse_bandwidth(std::string_view text) {
  static const std::vector<Suffix> k = {
      {"B/s", 1},           {"KB/s", 1e3},          {"MB/s", 1e6},          {"GB/s", 1e9},
      {"TB/s", 1e12},       {"KiB/s", 1024.0},      {"MiB/s", 1048576.0},   {"GiB/s", 1073741824.0},
      {"TiB/s", 1099511627776.0}, {"Gbps", 1e9 / 8}, {"Tbps", 1e12 / 8},   {"Gb/s", 1e9 / 8},
      {"Tb/s", 1e12 / 8}};
  return Bandwidth{
      parse_scaled(text, k, "bandwidth", "\"2.9TB/s\", \"820GiB/s\", \"3200Gbps\"")};
}

Time parse_time(std::string_view text) {
  static const std::vector<Suffix> k = {{"ps", 1e-12}, {"ns", 1e-9}, {"us", 1e-6}, {"ms", 1e-3},
                                        {"s", 1}};
  return Time::from_seconds(parse_scaled(text, k, "duration", "\"1300ns\", \"1.5us\""));
}

std::string format_bytes(double bytes) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  constexpr int kLast = 6;
  char buf[64];
  double v = bytes;
  int u = 0;
  while (v >= 1024.0 && u < kLast) {
    v /= 1024.0;
    ++u;
  }
  if (!std::isfinite(bytes) || v >= 1024.0) {
    std::snprintf(buf, sizeof buf, "%.3g B", bytes);
    return buf;
  }
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.2f %s", v, units[u]);
  return buf;
}

std::string format_time(Time t) {
  char buf[64];
  int64_t ps = t.ps();
  if (ps < 1000) std::snprintf(buf, sizeof buf, "%lld ps", static_cast<long long>(ps));
  else if (ps < 1000000) std::snprintf(buf, sizeof buf, "%.3f ns", t.ns());
  else if (ps < 1000000000) std::snprintf(buf, sizeof buf, "%.3f us", t.us());
  else std::snprintf(buf, sizeof buf, "%.3f ms", t.seconds() * 1e3);
  return buf;
}

}  // namespace trnsim
