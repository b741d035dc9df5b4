#include "trnsim/plan/sweep_mpi.h"

#include <climits>
#include <cstdlib>

#include "trnsim/base/error.h"

#ifdef TRNSIM_HAVE_MPI
#include <mpi.h>
#endif

namespace trnsim::plan {

bool mpi_built() {
#ifdef TRNSIM_HAVE_MPI
  return true;
#else
  return false;
#endif
}

int launched_ranks() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS"}) {
    if (const char* v = std::getenv(var)) {
      const long n = std::strtol(v, nullptr, 10);
      if (n > 1 && n < INT_MAX) return static_cast<int>(n);
    }
  }
  return 1;
}

std::unique_ptr<MpiSession> start_mpi_if_launched() {
  if (launched_ranks() <= 1) return nullptr;
  return std::make_unique<MpiSession>();
}

#ifdef TRNSIM_HAVE_MPI

MpiSession::MpiSession() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) MPI_Init(nullptr, nullptr);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiSession::~MpiSession() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

std::vector<std::string> MpiSession::gather(const std::string& text) const {
  if (text.size() > static_cast<size_t>(INT_MAX)) {
    throw Error(ErrorKind::kRuntime, "sweep gather", "rank " + std::to_string(rank_) + " has over 2 GiB of rows",
                "split the sweep into several files");
  }
  int len = static_cast<int>(text.size());
  std::vector<int> lens(rank_ == 0 ? size_ : 0);
  MPI_Gather(&len, 1, MPI_INT, lens.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
  std::vector<int> offsets(lens.size());
  long long total = 0;
  for (size_t r = 0; r < lens.size(); ++r) {
    offsets[r] = static_cast<int>(total);
    total += lens[r];
  }
  if (total > INT_MAX) {
    throw Error(ErrorKind::kRuntime, "sweep gather", "the rows of all ranks exceed 2 GiB", "split the sweep into several files");
  }
  std::string all(static_cast<size_t>(total), '\0');
  MPI_Gatherv(text.data(), len, MPI_CHAR, all.data(), lens.data(), offsets.data(), MPI_CHAR, 0, MPI_COMM_WORLD);
  std::vector<std::string> out;
  for (size_t r = 0; r < lens.size(); ++r) out.push_back(all.substr(offsets[r], lens[r]));
  return out;
}

bool MpiSession::all(bool ok) const {
  int mine = ok ? 1 : 0, every = 0;
  MPI_Allreduce(&mine, &every, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  return every == 1;
}

#else

MpiSession::MpiSession() {
  throw input_error("trnsim sweep", "was started by mpirun with " + std::to_string(launched_ranks()) +
                                        " processes, but this trnsim was built without MPI",
                    "install libopenmpi-dev (scripts/setup.sh) and rebuild, or run without mpirun (--jobs N uses every core)");
}
MpiSession::~MpiSession() = default;
std::vector<std::string> MpiSession::gather(const std::string&) const { return {}; }
bool MpiSession::all(bool ok) const { return ok; }

#endif

}  // namespace trnsim::plan
