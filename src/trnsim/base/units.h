// Strong unit types. Time is integer picoseconds; every other quantity keeps its own type so that
// bytes, seconds, FLOPs and rates cannot be mixed by accident. Text units ("1.4GHz", "2.9TB/s",
// "32GiB") are parsed only at the config edge (see parse_* below).
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace trnsim {

// A point in or a span of simulated time, in integer picoseconds.
class Time {
 public:
  constexpr Time() = default;
  static constexpr Time ps(int64_t v) { return Time(v); }
  static constexpr Time ns(int64_t v) { return Time(v * 1000); }
  static constexpr Time us(int64_t v) { return Time(v * 1000000); }
  static constexpr Time max() { return Time(INT64_MAX); }
  // Rounded to the nearest picosecond; Error(kInput) beyond about 106 days either way.
  static Time from_seconds(double s);

  constexpr int64_t ps() const { return ps_; }
  constexpr double seconds() const { return static_cast<double>(ps_) * 1e-12; }
  constexpr double ns() const { return static_cast<double>(ps_) * 1e-3; }
  constexpr double us() const { return static_cast<double>(ps_) * 1e-6; }

  constexpr Time operator+(Time o) const { return Time(ps_ + o.ps_); }
  constexpr Time operator-(Time o) const { return Time(ps_ - o.ps_); }
  constexpr Time& operator+=(Time o) { ps_ += o.ps_; return *this; }
  constexpr Time& operator-=(Time o) { ps_ -= o.ps_; return *this; }
  constexpr Time operator*(int64_t k) const { return Time(ps_ * k); }
  constexpr auto operator<=>(const Time&) const = default;

 private:
  constexpr explicit Time(int64_t v) : ps_(v) {}
  int64_t ps_ = 0;
};

inline constexpr Time max(Time a, Time b) { return a < b ? b : a; }
inline constexpr Time min(Time a, Time b) { return a < b ? a : b; }

// A count of bytes.
struct Bytes {
  int64_t v = 0;
  constexpr auto operator<=>(const Bytes&) const = default;
  constexpr Bytes operator+(Bytes o) const { return {v + o.v}; }
  constexpr Bytes& operator+=(Bytes o) { v += o.v; return *this; }
};

// A clock frequency in Hz (integer: every clock we model is a whole number of Hz).
struct Frequency {
  int64_t hz = 0;
  constexpr auto operator<=>(const Frequency&) const = default;
  // The time `cycles` cycles take, rounded up to a whole picosecond.
  Time cycles(int64_t cycles) const;
  double ghz() const { return static_cast<double>(hz) * 1e-9; }
};

// A data rate in bytes per second.
struct Bandwidth {
  double bytes_per_s = 0;
  constexpr auto operator<=>(const Bandwidth&) const = default;
  // Time to move `n` bytes at this rate, rounded up to a whole picosecond.
  Time transfer(int64_t n) const;
  double gb_per_s() const { return bytes_per_s * 1e-9; }
};

// Parsers for text units. Each throws trnsim::Error naming the text and the accepted forms.
// Sizes: B, KB, MB, GB, TB (powers of 1000) and KiB, MiB, GiB, TiB (powers of 1024).
Bytes parse_bytes(std::string_view text);
// Frequencies: Hz, kHz, MHz, GHz.
Frequency parse_frequency(std::string_view text);
// Rates: B/s, KB/s, MB/s, GB/s, TB/s, KiB/s ... TiB/s, and bits: Gbps, Tbps (also Gb/s).
Bandwidth parse_bandwidth(std::string_view text);
// Durations: ps, ns, us, ms, s.
Time parse_time(std::string_view text);

// Bytes in binary units up to EiB; sizes past that (only absurd inputs reach them) in scientific notation.
std::string format_bytes(double bytes);
std::string format_time(Time t);

}  // namespace trnsim
