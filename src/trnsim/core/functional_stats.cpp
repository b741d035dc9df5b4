// Statistics and randomness: bn_stats, bn_aggr, random, dropout.
//
// bn_stats layout (this simulator's; the hardware's 6-value record is not documented): per
// partition, 3 values {count, mean, M2}, where M2 = sum((x - mean)^2) over the row's free elements.
// bn_aggr reads k such records (3k values per partition, e.g. from several bn_stats calls written
// side by side) and writes {mean, variance} with the population variance M2_total / count_total,
// combining records exactly as Chan et al.'s parallel algorithm does. Both accumulate in double
// and round once to the destination dtype.
//
// random and dropout draw one Rng::next_float() per element, row-major over the pattern, before
// any rounding bits of the write; the same seed gives the same result. dropout zeroes an element
// with probability `prob` and does not rescale the survivors (as NKI's dropout).
#include <algorithm>
#include <array>
#include <cmath>

#include "trnsim/core/functional_ap.h"

namespace trnsim::core::detail {

namespace {

// Reads `src`, reduces each partition's row to the K values `record(row, cols)` returns, and
// writes them to the first K columns of `dst` (the rest zero), rounded once.
template <size_t K, typename Record>
void per_partition(const AccessPattern& src, const AccessPattern& dst, CoreState& s, Record&& record) {
  const int64_t rows = src.partitions, cols = src.free_elems();
  const std::vector<float> v = read_tile(src, s);
  const int64_t out_cols = dst.free_elems();
  std::vector<float> out(static_cast<size_t>(rows * out_cols), 0.0f);
  for (int64_t p = 0; p < rows; ++p) {
    const std::array<double, K> rec = record(v.data() + p * cols, cols);
    for (int64_t j = 0; j < out_cols && j < static_cast<int64_t>(K); ++j) out[p * out_cols + j] = static_cast<float>(rec[j]);
  }
  write_tile(dst, s, out.data());
}

}  // namespace

void exec_bn_stats(const isa::BnStats& in, CoreState& s) {
  per_partition<3>(in.src, in.dst, s, [](const float* row, int64_t cols) {
    double sum = 0.0;
    for (int64_t i = 0; i < cols; ++i) sum += row[i];
    const double mean = cols > 0 ? sum / static_cast<double>(cols) : 0.0;
    double m2 = 0.0;
    for (int64_t i = 0; i < cols; ++i) m2 += (row[i] - mean) * (row[i] - mean);
    return std::array<double, 3>{static_cast<double>(cols), mean, m2};
  });
}

void exec_bn_aggr(const isa::BnAggr& in, CoreState& s) {
  per_partition<2>(in.src, in.dst, s, [](const float* row, int64_t cols) {
    double n = 0.0, mean = 0.0, m2 = 0.0;
    for (int64_t g = 0; g + 2 < cols; g += 3) {
      const double nb = row[g], mb = row[g + 1], m2b = row[g + 2];
      if (nb <= 0.0) continue;
      const double total = n + nb, delta = mb - mean;
      mean += delta * nb / total;
      m2 += m2b + delta * delta * n * nb / total;
      n = total;
    }
    return std::array<double, 2>{mean, n > 0.0 ? m2 / n : 0.0};
  });
}

// The largest value below 1 that `t` holds exactly: clamping to it keeps a narrow destination's
// rounding (nearest or stochastic) from producing 1.0, so random stays in [0, 1).
float below_one(numerics::DType t) {
  switch (t) {
    case numerics::DType::kBF16: return 1.0f - 0x1p-8f;
    case numerics::DType::kF16: return 1.0f - 0x1p-11f;
    case numerics::DType::kFP8E4M3: return 1.0f - 0x1p-4f;
    case numerics::DType::kFP8E5M2: return 1.0f - 0x1p-3f;
    default: return 1.0f - 0x1p-24f;
  }
}

void exec_random(const isa::Random& in, CoreState& s) {
  std::vector<float> v(static_cast<size_t>(in.dst.elems()));
  const float hi = below_one(in.dst.dtype);
  for (float& x : v) x = std::min(s.rng.next_float(), hi);
  write_tile(in.dst, s, v.data());
}

void exec_dropout(const isa::Dropout& in, CoreState& s) {
  std::vector<float> v = read_tile(in.src, s);
  for (float& x : v) {
    if (s.rng.next_float() < in.prob) x = 0.0f;
  }
  write_tile(in.dst, s, v.data());
}

}  // namespace trnsim::core::detail
