// Chip presets load with sources, and every kind of bad chip file gives a message that names the
// file, the line, the key and the fix.
#include <gtest/gtest.h>

#include <algorithm>

#include "hw_test_util.h"
#include "trnsim/hw/chip_loader.h"

namespace trnsim::hw {
namespace {

using testing::line_of;
using testing::load_error;
using testing::preset_text;
using testing::replace_once;
using testing::write_temp;

const std::string kDataDir = std::string(TRNSIM_SOURCE_DIR) + "/tests/data/hw/";

TEST(HwPresets, ListsTheFourChips) {
  EXPECT_EQ(list_chip_presets(), (std::vector<std::string>{"inf2", "trn1", "trn2", "trn3"}));
}

TEST(HwPresets, EveryPresetLoadsWithASourceForEveryFigure) {
  for (const auto& name : list_chip_presets()) {
    SCOPED_TRACE(name);
    ChipSpec chip = load_chip(name);
    EXPECT_EQ(chip.name, name);
    EXPECT_EQ(chip.params.size(), 38u);  // every ChipSpec figure, once
    for (const auto& p : chip.params) {
      EXPECT_FALSE(p.source.empty()) << p.path;
      EXPECT_FALSE(p.path.ends_with(".source") || p.path.ends_with(".note")) << p.path;
    }
    EXPECT_EQ(chip.psum.bank_bytes(), 2048);
    EXPECT_EQ(chip.psum.partitions, 128);
    EXPECT_EQ(chip.dma.queues_per_core, 16);
    EXPECT_EQ(chip.dma.fixed_cost, Time::ns(1300));
  }
}

TEST(HwPresets, Trn2Figures) {
  ChipSpec c = load_chip("trn2");
  EXPECT_EQ(c.neuron_core, "NC-v3");
  EXPECT_EQ(c.cores_per_chip, 8);
  EXPECT_EQ(c.tensor.clock.hz, 2'400'000'000);
  EXPECT_EQ(c.vector.clock.hz, 960'000'000);
  EXPECT_TRUE(c.tensor.fp8_double_row);
  EXPECT_EQ(c.sbuf.partition_bytes, 224 * 1024);
  EXPECT_EQ(c.hbm_capacity.v, int64_t{96} << 30);
  EXPECT_DOUBLE_EQ(c.dma.queue_bandwidth.bytes_per_s, 23e9);
  EXPECT_TRUE(c.dma.has_transpose);
  EXPECT_DOUBLE_EQ(c.dma.transpose_hbm_efficiency, 0.9);
  EXPECT_DOUBLE_EQ(c.dma.transpose_sbuf_efficiency, 0.5);
  EXPECT_GT(c.vector.perf_mode_factor, 1.0);
}

TEST(HwPresets, NcV2HasNoDmaTransposeNorDoubleRow) {
  for (const char* name : {"trn1", "inf2"}) {
    ChipSpec c = load_chip(name);
    EXPECT_FALSE(c.dma.has_transpose) << name;
    EXPECT_FALSE(c.tensor.fp8_double_row) << name;
    EXPECT_DOUBLE_EQ(c.vector.perf_mode_factor, 1.0) << name;
    EXPECT_DOUBLE_EQ(c.dma.queue_bandwidth.bytes_per_s, 17e9) << name;
  }
  EXPECT_TRUE(load_chip("trn3").tensor.fp8_double_row);
}

TEST(HwPresets, EstimatesAreMarked) {
  ChipSpec c = load_chip("trn3");
  auto it = std::find_if(c.params.begin(), c.params.end(), [](const ParamInfo& p) { return p.path == "sbuf.partition_bytes"; });
  ASSERT_NE(it, c.params.end());
  EXPECT_EQ(it->value, "256KiB");
  EXPECT_NE(it->note.find("estimate:"), std::string::npos);
}

TEST(HwLoader, PathFormLoadsAUserFile) {
  std::string path = write_temp(preset_text("trn2"), "copy");
  EXPECT_EQ(load_chip(path).name, "trn2");
}

TEST(HwLoader, UnknownChipNameListsPresets) {
  std::string msg = load_error("nosuchchip");
  EXPECT_NE(msg.find("chip 'nosuchchip'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("not a known chip preset"), std::string::npos) << msg;
  EXPECT_NE(msg.find("inf2, trn1, trn2, trn3"), std::string::npos) << msg;
}

TEST(HwLoader, MissingFileIsNamed) {
  std::string msg = load_error("no/such/chip.yaml");
  EXPECT_NE(msg.find("no/such/chip.yaml"), std::string::npos) << msg;
  EXPECT_NE(msg.find("cannot be read"), std::string::npos) << msg;
}

TEST(HwLoader, BadYamlSyntaxNamesFileAndLine) {
  std::string msg = load_error(kDataDir + "bad_syntax.yaml");
  EXPECT_NE(msg.find("bad_syntax.yaml:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("not valid YAML"), std::string::npos) << msg;
}

TEST(HwLoader, UnknownKeyNamesFileLineKeyAndSuggestion) {
  std::string text = replace_once(preset_text("trn2"), "  queue_bandwidth:", "  queue_bandwith:");
  std::string path = write_temp(text, "typo");
  std::string msg = load_error(path);
  std::string where = path + ":" + std::to_string(line_of(text, "queue_bandwith"));
  EXPECT_NE(msg.find(where), std::string::npos) << msg;
  EXPECT_NE(msg.find("unknown key 'queue_bandwith'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("did you mean 'queue_bandwidth'?"), std::string::npos) << msg;
}

TEST(HwLoader, UnknownTopLevelKeyIsRejected) {
  std::string text = preset_text("trn2") + "hbm_stacks: {value: 4, source: \"TRN2\"}\n";
  std::string msg = load_error(write_temp(text, "extra"));
  EXPECT_NE(msg.find("unknown key 'hbm_stacks'"), std::string::npos) << msg;
}

TEST(HwLoader, MissingKeyIsNamedWithTheSection) {
  std::string text = preset_text("trn2");
  int line = line_of(text, "  min_ii_cycles:");  // the first one is in tensor
  size_t at = text.find("  min_ii_cycles:");
  text.erase(at, text.find('\n', at) - at + 1);
  std::string msg = load_error(write_temp(text, "missing"));
  EXPECT_GT(line, 0);
  EXPECT_NE(msg.find("required key 'min_ii_cycles' is missing"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'tensor'"), std::string::npos) << msg;
}

TEST(HwLoader, BadUnitNamesKeyAndAcceptedForms) {
  std::string text = replace_once(preset_text("trn2"), "{value: 224KiB", "{value: 224KiBs");
  std::string path = write_temp(text, "unit");
  std::string msg = load_error(path);
  EXPECT_NE(msg.find(path + ":" + std::to_string(line_of(text, "224KiBs"))), std::string::npos) << msg;
  EXPECT_NE(msg.find("sbuf.partition_bytes"), std::string::npos) << msg;
  EXPECT_NE(msg.find("has no known size unit"), std::string::npos) << msg;
  EXPECT_NE(msg.find("MiB"), std::string::npos) << msg;
}

TEST(HwLoader, OutOfRangeValueGivesTheRange) {
  std::string text = replace_once(preset_text("trn2"), "partitions: {value: 128", "partitions: {value: 256");
  std::string msg = load_error(write_temp(text, "range"));
  EXPECT_NE(msg.find("sbuf.partitions"), std::string::npos) << msg;
  EXPECT_NE(msg.find("value 256 is out of range"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[1, 128]"), std::string::npos) << msg;
}

TEST(HwLoader, ZeroClockIsRejected) {
  std::string text = replace_once(preset_text("trn2"), "{value: 960MHz", "{value: 0MHz");
  std::string msg = load_error(write_temp(text, "clock"));
  EXPECT_NE(msg.find("vector.clock"), std::string::npos) << msg;
  EXPECT_NE(msg.find("out of range"), std::string::npos) << msg;
}

TEST(HwLoader, BanksMustDividePartition) {
  std::string text = replace_once(preset_text("trn2"), "banks: {value: 8", "banks: {value: 3");
  std::string msg = load_error(write_temp(text, "banks"));
  EXPECT_NE(msg.find("psum.banks"), std::string::npos) << msg;
  EXPECT_NE(msg.find("do not split into 3 equal banks"), std::string::npos) << msg;
}

TEST(HwLoader, TransposeNeedsEfficiencies) {
  std::string text = replace_once(preset_text("trn2"), "transpose_sbuf_efficiency: {value: 0.5", "transpose_sbuf_efficiency: {value: 0");
  std::string msg = load_error(write_temp(text, "transpose"));
  EXPECT_NE(msg.find("dma.transpose_sbuf_efficiency"), std::string::npos) << msg;
  EXPECT_NE(msg.find("has_transpose is true"), std::string::npos) << msg;
}

TEST(HwLoader, UnsourcedFigureIsAnErrorByDefault) {
  std::string text = preset_text("trn2");
  size_t at = text.find("hbm_capacity: {");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, text.find('\n', at) - at, "hbm_capacity: 96GiB");
  std::string path = write_temp(text, "unsourced");
  std::string msg = load_error(path);
  EXPECT_NE(msg.find(path + ":" + std::to_string(line_of(text, "hbm_capacity: 96GiB"))), std::string::npos) << msg;
  EXPECT_NE(msg.find("hbm_capacity"), std::string::npos) << msg;
  EXPECT_NE(msg.find("has no source"), std::string::npos) << msg;
}

TEST(HwLoader, UnsourcedUserFileLoadsWhenAllowed) {
  std::string path = kDataDir + "what_if_unsourced.yaml";
  EXPECT_NE(load_error(path).find("has no source"), std::string::npos);
  ChipSpec c = load_chip(path, ChipLoadOptions{.require_sources = false});
  EXPECT_EQ(c.name, "what_if");
  EXPECT_EQ(c.sbuf.total_bytes(), int64_t{48} << 20);
  ASSERT_FALSE(c.params.empty());
  EXPECT_TRUE(c.params.front().source.empty());
}

TEST(HwLoader, ConfigDirHoldsThePresets) {
  std::string preset = testing::read_text(config_dir() + "/hw/trn1.yaml");
  EXPECT_NE(preset.find("name: \"trn1\""), std::string::npos);
}

}  // namespace
}  // namespace trnsim::hw
