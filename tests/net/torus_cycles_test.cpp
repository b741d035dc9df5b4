#include "trnsim/net/torus_cycles.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <utility>

namespace trnsim::net {
namespace {

// Whether a and b (row-major on an m x n torus) are one link apart.
bool neighbours(int a, int b, int m, int n) {
  const int ra = a / n, ca = a % n, rb = b / n, cb = b % n;
  const bool row_step = ra == rb && ((ca + 1) % n == cb || (cb + 1) % n == ca);
  const bool col_step = ca == cb && ((ra + 1) % m == rb || (rb + 1) % m == ra);
  return row_step || col_step;
}

void expect_decomposition(int m, int n) {
  SCOPED_TRACE(std::to_string(m) + " x " + std::to_string(n));
  const auto cycles = disjoint_hamiltonian_cycles({m, n});
  ASSERT_EQ(cycles.size(), 2u);
  std::set<std::pair<int, int>> used;
  for (const auto& cycle : cycles) {
    ASSERT_EQ(static_cast<int>(cycle.size()), m * n);
    EXPECT_EQ(std::set<int>(cycle.begin(), cycle.end()).size(), cycle.size());  // each chip once
    for (size_t i = 0; i < cycle.size(); ++i) {
      const int a = cycle[i], b = cycle[(i + 1) % cycle.size()];
      EXPECT_TRUE(neighbours(a, b, m, n)) << a << " -> " << b;
      EXPECT_TRUE(used.insert({std::min(a, b), std::max(a, b)}).second) << "link used twice: " << a << "-" << b;
    }
  }
  EXPECT_EQ(static_cast<int>(used.size()), 2 * m * n);  // every link of the torus, once
}

TEST(TorusCycles, SquareToriSplitIntoTwoHamiltonianCycles) {
  for (int k : {3, 4, 5, 8, 16}) expect_decomposition(k, k);
}

TEST(TorusCycles, OtherShapesAreCheckedNotAssumed) {
  // Some other shapes close, along one dimension or the other.
  for (auto [m, n] : {std::pair{8, 4}, std::pair{4, 8}, std::pair{9, 3}, std::pair{3, 9}}) expect_decomposition(m, n);
  // Where it does not close no pair is offered (the ring keeps one cycle), even where one side
  // divides the other (6 x 3).
  for (auto [m, n] : {std::pair{6, 3}, std::pair{3, 5}, std::pair{5, 3}, std::pair{4, 6}, std::pair{6, 9}})
    EXPECT_TRUE(disjoint_hamiltonian_cycles({m, n}).empty()) << m << " x " << n;
  // No decomposition for shapes that are not 2-D tori with sides of at least 3.
  EXPECT_TRUE(disjoint_hamiltonian_cycles({4, 4, 4}).empty());
  EXPECT_TRUE(disjoint_hamiltonian_cycles({2, 8}).empty());
  EXPECT_TRUE(disjoint_hamiltonian_cycles({16}).empty());
}

}  // namespace
}  // namespace trnsim::net
