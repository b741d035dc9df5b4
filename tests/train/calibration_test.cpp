// validation/calibration.yaml holds the published steps that cost presets were fitted to. A preset
// or model change that moves one of them by more than 5% has to re-fit the preset (and say so in
// docs/cost.md) rather than drift silently.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

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

}  // namespace
}  // namespace trnsim::train
