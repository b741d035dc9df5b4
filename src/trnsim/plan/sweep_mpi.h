// MPI for sweeps: ranks split the points (sweep_run.h) and rank 0 gathers every rank's rows.
// Compiled with MPI only when CMake finds it (TRNSIM_HAVE_MPI); without it the session cannot
// start, and a launch by mpirun is refused rather than run N times over the same file.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace trnsim::plan {

// True when this build has MPI.
bool mpi_built();
// Processes in this launch according to the launcher's environment (Open MPI, MPICH, PMIx,
// Slurm); 1 when not launched by an MPI launcher.
int launched_ranks();

class MpiSession {
 public:
  // MPI_Init; throws trnsim::Error when the build has no MPI.
  MpiSession();
  ~MpiSession();  // MPI_Finalize
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  // Every rank's `text`, in rank order, on rank 0; an empty list on the others. Collective.
  std::vector<std::string> gather(const std::string& text) const;
  // Whether every rank passed true (collective): a failed rank must not leave the others waiting.
  bool all(bool ok) const;

 private:
  int rank_ = 0, size_ = 1;
};

// An MPI session when launched by mpirun with more than one process, else null.
std::unique_ptr<MpiSession> start_mpi_if_launched();

}  // namespace trnsim::plan
