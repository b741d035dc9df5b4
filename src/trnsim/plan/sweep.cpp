// Sweep files and the experiment of one point: values are written into the base experiment's
// tree (or into the accelerator or chip preset's tree) before the strict readers see it, so a
// swept value is checked exactly as if it had been written in the file.
#include "trnsim/plan/sweep.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "trnsim/base/error.h"
#include "trnsim/hw/chip_loader.h"
#include "trnsim/hw/system_spec.h"
#include "trnsim/plan/sweep_keys.h"
#include "trnsim/train/step.h"

namespace trnsim::plan {
namespace fs = std::filesystem;
namespace {

constexpr int64_t kMaxPoints = 100'000'000;

std::string format_number(double v, bool integral) {
  char buf[64];
  if (integral) std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(std::llround(v)));
  else std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

// {from, to, step} (arithmetic) or {from, to, times} (geometric), `to` included when reached.
std::vector<std::string> expand_range(const ConfigNode& node) {
  ConfigReader r(node);
  const double from = r.number("from", -1e18, 1e18);
  const double to = r.number("to", -1e18, 1e18);
  const bool geometric = r.has("times");
  if (geometric == r.has("step")) {
    r.absent("step");
    r.absent("times");
    throw input_error(node.location(), "a range needs exactly one of 'step' and 'times'",
                      "write {from: 1, to: 8, step: 1} or {from: 1, to: 64, times: 2}");
  }
  const double by = geometric ? r.number("times", 1.0000001, 1e18) : r.number("step", -1e18, 1e18);
  r.finish();
  if (!geometric && (by == 0 || (to - from) * by < 0)) {
    throw input_error(node.location(), "step does not lead from 'from' to 'to'", "give a step with the sign of to - from");
  }
  if (geometric && (from <= 0 || to < from)) {
    throw input_error(node.location(), "a 'times' range needs 0 < from <= to", "e.g. {from: 1, to: 64, times: 2}");
  }
  const bool integral = from == std::floor(from) && by == std::floor(by);
  const double slack = 1e-9 * std::max({std::fabs(from), std::fabs(to), 1.0});
  std::vector<std::string> out;
  for (int64_t i = 0;; ++i) {
    const double v = geometric ? from * std::pow(by, static_cast<double>(i)) : from + by * static_cast<double>(i);
    if ((by > 0 || geometric) ? v > to + slack : v < to - slack) break;
    if (out.size() >= 1'000'000) throw input_error(node.location(), "range has over a million values", "use a larger step");
    out.push_back(format_number(v, integral));
  }
  return out;
}

std::vector<std::string> read_values(const ConfigNode& node) {
  if (node.is_scalar()) return {node.scalar()};
  if (node.is_map()) return expand_range(node);
  if (!node.is_list() || node.items().empty()) {
    throw input_error(node.location(), "needs a list of values, one value or a range",
                      "write [100, 200, 400] or {from: 1, to: 8, step: 1}");
  }
  std::vector<std::string> values;
  for (const ConfigNode& item : node.items()) {
    if (!item.is_scalar()) throw input_error(item.location(), "must be a single value", "write each value as a scalar");
    values.push_back(item.scalar());
  }
  return values;
}

ConfigNode load_base(const ConfigNode& node, const std::string& sweep_path) {
  if (node.is_map()) return node;
  if (!node.is_scalar()) {
    throw input_error(node.location(), "must be an experiment file or an inline experiment",
                      "write 'base: llama3-8b-trn2.yaml' or a map with system, model and training");
  }
  fs::path p(node.scalar());
  if (p.is_relative()) p = fs::path(sweep_path).parent_path() / p;
  ConfigNode root = ConfigNode::load_yaml_file(p.string());
  if (!root.is_map()) throw input_error(p.string(), "is not an experiment", "see configs/examples/ for the format");
  return root;
}

}  // namespace

int64_t SweepSpec::size() const {
  int64_t n = 1;
  for (const auto& p : parameters) n *= static_cast<int64_t>(p.values.size());
  return n;
}

std::vector<std::string> SweepSpec::point(int64_t index) const {
  std::vector<std::string> out(parameters.size());
  for (size_t i = parameters.size(); i-- > 0;) {
    const auto n = static_cast<int64_t>(parameters[i].values.size());
    out[i] = parameters[i].values[static_cast<size_t>(index % n)];
    index /= n;
  }
  return out;
}

SweepSpec sweep_from_config(const ConfigNode& root, const std::string& path) {
  ConfigReader r(root);
  SweepSpec s;
  s.path = path;
  r.str("description", "");
  s.base = load_base(r.node("base"), path);
  s.ignore_memory = r.boolean("ignore_memory", false);
  const ConfigNode& params = r.node("parameters");
  if (!params.is_map() || params.entries().empty()) {
    throw input_error(params.location(), "must map parameter keys to values",
                      "e.g. 'training.tp: [4, 8]' (docs/sweeps.md lists the keys)");
  }
  r.finish();
  int64_t points = 1;
  for (const auto& [key, node] : params.entries()) {
    check_key_syntax(key, node.location());
    s.parameters.push_back({key, read_values(node)});
    points *= static_cast<int64_t>(s.parameters.back().values.size());
    if (points > kMaxPoints) {
      throw input_error(params.location(), "the sweep has over " + std::to_string(kMaxPoints) + " points",
                        "sweep fewer values, or split the sweep into several files");
    }
  }
  return s;
}

SweepSpec load_sweep(const std::string& path) {
  const ConfigNode root = ConfigNode::load_yaml_file(path);
  if (!root.is_map()) {
    throw input_error(path, "is not a sweep: expected a map with base and parameters", "see docs/sweeps.md");
  }
  SweepSpec s = sweep_from_config(root, path);
  check_sweep_keys(s);
  return s;
}

train::Experiment experiment_for_point(const SweepSpec& spec, int64_t index) {
  const std::vector<std::string> values = spec.point(index);
  ConfigNode tree = spec.base;
  bool hw_edit = false;
  for (size_t i = 0; i < values.size(); ++i) {
    const KeyPath k = split_key(spec.parameters[i].key);
    if (k.tree == KeyTree::kExperiment) write_key(tree, k.parts, values[i], spec.path, false);
    else hw_edit = true;
  }
  train::Experiment e = train::experiment_from_config(tree, false);
  if (!hw_edit) return e;

  ConfigNode accel_tree;
  ConfigNode chip_tree;
  bool accel_edit = false, chip_edit = false;
  const bool trainium = e.system.accel.family == hw::AcceleratorFamily::kTrainium;
  auto edit_chip = [&](const std::vector<std::string>& parts, const std::string& value) {
    if (!chip_edit) chip_tree = preset_tree(e.system.accel.chip, "hw");
    chip_edit = true;
    write_key(chip_tree, parts, value, spec.path, true);
  };
  for (size_t i = 0; i < values.size(); ++i) {
    const KeyPath k = split_key(spec.parameters[i].key);
    if (k.tree != KeyTree::kAccelerator) continue;
    if (!accel_edit) accel_tree = preset_tree(e.system.accel.name, "accelerators");
    accel_edit = true;
    write_key(accel_tree, k.parts, values[i], spec.path, true);
    // The accelerator and chip presets describe the same HBM; the NeuronCore model reads the chip's.
    const bool hbm = k.parts.size() == 1 && (k.parts[0] == "hbm_bandwidth" || k.parts[0] == "hbm_capacity");
    if (trainium && hbm) edit_chip(k.parts, values[i]);
  }
  for (size_t i = 0; i < values.size(); ++i) {
    const KeyPath k = split_key(spec.parameters[i].key);
    if (k.tree != KeyTree::kChip) continue;
    if (!trainium) {
      throw input_error(spec.path + " parameter '" + spec.parameters[i].key + "'",
                        "chip.* parameters apply to Trainium accelerators only, not " + e.system.accel.name,
                        "use accelerator.* keys for this accelerator");
    }
    edit_chip(k.parts, values[i]);
  }
  if (accel_edit) e.system.accel = hw::accelerator_from_config(accel_tree, false);
  if (chip_edit) {
    auto chip = std::make_shared<const hw::ChipSpec>(hw::chip_from_config(chip_tree, {.require_sources = false}));
    if (chip->cores_per_chip != e.system.accel.cores_per_chip) {
      throw input_error(spec.path + " parameter chip.cores_per_chip",
                        "chip has " + std::to_string(chip->cores_per_chip) + " cores but accelerator " +
                            e.system.accel.name + " says " + std::to_string(e.system.accel.cores_per_chip),
                        "sweep accelerator.cores_per_chip with it, or leave the core count alone");
    }
    e.system.accel.chip_override = std::move(chip);
  }
  // The rank count follows the accelerator's cores; the plan was checked against the preset's.
  train::check_plan(e.plan, e.model, e.system, spec.path);
  return e;
}

PointResult run_point(const SweepSpec& spec, int64_t index) {
  PointResult p;
  p.index = index;
  p.values = spec.point(index);
  try {
    const train::Experiment e = experiment_for_point(spec, index);
    train::StepOptions so;
    so.ignore_memory = spec.ignore_memory;
    const train::StepResult r = train::simulate_step(e, so);
    p.fits = r.fits;
    p.memory_per_chip_bytes = r.memory.per_accel();
    p.simulated = r.fits || spec.ignore_memory;
    if (p.simulated) {
      p.step_time_s = r.step_time_s;
      p.tokens_per_s = r.tokens_per_s;
      p.mfu = r.mfu;
    }
  } catch (const Error& err) {
    p.error = err.what();
  } catch (const std::exception& err) {
    // A bug on one point should not lose the others; the row says what happened.
    p.error = std::string("internal error: ") + err.what();
  }
  return p;
}

}  // namespace trnsim::plan
