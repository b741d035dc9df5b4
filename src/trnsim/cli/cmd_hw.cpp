// `trnsim hw`: show a chip preset or file with the source of every figure, or list the presets.
#include <cstdio>
#include <string>
#include <vector>

#include "trnsim/io/json_text.h"
#include "trnsim/base/error.h"
#include "trnsim/cli/commands.h"
#include "trnsim/cli/options.h"
#include "trnsim/hw/chip_loader.h"
#include "trnsim/hw/chip_report.h"

namespace trnsim::cli {
namespace {

constexpr const char* kUsage =
    "usage: trnsim hw show <chip|file.yaml> [--json] [--allow-unsourced]\n"
    "       trnsim hw list\n"
    "  --json             print the chip as JSON\n"
    "  --allow-unsourced  accept a user file whose figures carry no source\n";

int show(const std::vector<std::string>& args) {
  bool json = false;
  hw::ChipLoadOptions options;
  std::string chip;
  for (const auto& a : args) {
    if (a == "--json") {
      json = true;
    } else if (a == "--allow-unsourced") {
      options.require_sources = false;
    } else if (a.starts_with("-")) {
      throw input_error("trnsim hw show", "unknown option '" + a + "'",
                        "the options are --json and --allow-unsourced");
    } else if (chip.empty()) {
      chip = a;
    } else {
      throw input_error("trnsim hw show", "takes one chip, got '" + chip + "' and '" + a + "'",
                        "give one preset name or one .yaml file");
    }
  }
  if (chip.empty()) {
    throw input_error("trnsim hw show", "needs a chip", "e.g. 'trnsim hw show trn2'; 'trnsim hw list' lists presets");
  }
  hw::ChipSpec spec;
  try {
    spec = hw::load_chip(chip, options);
  } catch (const Error& e) {
    if (e.message() != "has no source") throw;
    throw input_error(e.where(), e.message(), e.hint() + ", or pass --allow-unsourced for a what-if file");
  }
  if (json) std::printf("%s\n", io::json_text(hw::chip_report_json(spec)).c_str());
  else std::fputs(hw::chip_report_text(spec).c_str(), stdout);
  return 0;
}

int list(const std::vector<std::string>& args) {
  if (!args.empty()) throw input_error("trnsim hw list", "takes no arguments, got '" + args[0] + "'", "run 'trnsim hw list'");
  for (const auto& name : hw::list_chip_presets()) {
    hw::ChipSpec spec = hw::load_chip(name);
    std::printf("%-8s %s\n", name.c_str(), spec.description.c_str());
  }
  return 0;
}

}  // namespace

int run_hw(const std::vector<std::string>& args) {
  if (auto rc = help_exit(args, kUsage)) return *rc;
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "show") return show(rest);
  if (args[0] == "list") return list(rest);
  throw input_error("trnsim hw", "unknown subcommand '" + args[0] + "'", "use 'trnsim hw show <chip>' or 'trnsim hw list'");
}

}  // namespace trnsim::cli
