// Edge-disjoint Hamiltonian cycles of a 2-D torus. The Neuron runtime runs a ring over a whole
// instance's 16 chips as several cycles on mutually exclusive wires at once ("2 non-overlapping
// Hamiltonian cycles on 2D Torus", RTINTRA: neuron-runtime/explore/intranode-collective-comm.rst),
// so that a ring drives every NeuronLink rather than the half that one cycle crosses.
#pragma once

#include <vector>

namespace trnsim::net {

// Two cycles that each visit every accelerator of an m x n torus (row-major indices, the last
// dimension fastest) once, with consecutive entries (and last and first) torus neighbours, and
// that share no link: together they use all 2mn links. Empty when the shape is not two-
// dimensional with both sides at least 3, or when the construction (a staircase, see the .cpp)
// does not close for it: it closes on every square torus (4 x 4, 16 x 16) and on some others
// (8 x 4, 9 x 3), not on 6 x 3 or 3 x 5.
std::vector<std::vector<int>> disjoint_hamiltonian_cycles(const std::vector<int>& dims);

}  // namespace trnsim::net
