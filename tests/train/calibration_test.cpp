// validation/calibration.yaml holds the published steps that cost presets were fitted to. A preset
// or model change that moves one of them by more than 5% has to re-fit the preset (and say so in
// docs/cost.md) rather than drift silently. validation/heldout.yaml holds published steps kept out
// of both fitting and the validation set: they must load, score and stay apart from the others.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <set>
#include <string>

#include "trnsim/train/experiment.h"
#include "trnsim/train/validation.h"

namespace trnsim::train {
namespace {

TEST(CalibrationRuns, PresetsStillReproduceTheStepsTheyWereFittedTo) {
  const std::filesystem::path path = std::filesystem::path(TRNSIM_SOURCE_DIR) / "validation" / "calibration.yaml";
  const ValidationReport rep = validate_runs(load_validation_runs(path.string()));
  ASSERT_GE(rep.scored, 2);
  for (const auto& r : rep.runs) {
    ASSERT_TRUE(r.error.has_value()) << r.id << " has no measured step time";
    EXPECT_LT(std::fabs(*r.error), 0.05) << r.id << ": predicted " << r.predicted_step_time_s << " s, measured "
                                         << *r.measured_step_time_s << " s";
  }
}

std::vector<Experiment> runs_in(const char* file) {
  return load_validation_runs((std::filesystem::path(TRNSIM_SOURCE_DIR) / "validation" / file).string());
}

TEST(HeldOutRuns, EveryRunIsScoredAndAppearsInNoOtherSet) {
  const std::vector<Experiment> held = runs_in("heldout.yaml");
  const ValidationReport rep = validate_runs(held);
  EXPECT_EQ(rep.scored, static_cast<int>(held.size()));
  std::set<std::string> elsewhere;
  for (const char* f : {"runs.yaml", "calibration.yaml"}) {
    for (const Experiment& e : runs_in(f)) elsewhere.insert(e.id);
  }
  for (const Experiment& e : held) EXPECT_EQ(elsewhere.count(e.id), 0u) << e.id << " is also fitted or validated";
}

}  // namespace
}  // namespace trnsim::train
