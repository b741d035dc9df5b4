// Sweep keys. An experiment key is checked by the experiment's own strict readers: the key is
// written into the base and the base is read; an "unknown key" error at the written node means
// no reader declares it. Preset keys (accelerator.*, chip.*) must exist in the preset's tree,
// which holds every key its reader takes.
#include "trnsim/plan/sweep_keys.h"
#include "trnsim/base/text.h"

#include <algorithm>

#include "trnsim/base/error.h"
#include "trnsim/hw/chip_loader.h"
#include "trnsim/hw/system_spec.h"
#include "trnsim/plan/sweep.h"
#include "trnsim/train/experiment.h"

namespace trnsim::plan {
namespace {

const std::vector<std::string> kTrees = {"system", "model", "training", "accelerator", "chip"};

std::string closest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = SIZE_MAX;
  for (const auto& c : candidates) {
    const size_t d = edit_distance(word, c);
    if (d < best_d) best_d = d, best = c;
  }
  return best_d <= std::max<size_t>(2, word.size() / 3) ? best : "";
}

std::string join(const std::vector<std::string>& parts, size_t n, const char* sep) {
  std::string s;
  for (size_t i = 0; i < n && i < parts.size(); ++i) s += (i ? sep : "") + parts[i];
  return s;
}

std::vector<std::string> split(const std::string& key) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t dot = key.find('.');; dot = key.find('.', start)) {
    parts.push_back(key.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

Error unknown_key(const SweepSpec& spec, const std::string& key, const std::string& what, const std::string& hint) {
  return input_error(spec.path + " parameters", "unknown parameter key '" + key + "': " + what, hint);
}

// The base experiment's strict readers decide: write the key, read the tree, look for an
// "unknown key" error at a node this write created.
void check_experiment_key(const SweepSpec& spec, const SweepParameter& p, const KeyPath& k) {
  ConfigNode tree = spec.base;
  write_key(tree, k.parts, p.values.front(), spec.path, false);
  try {
    train::experiment_from_config(tree, false);
  } catch (const Error& e) {
    if (!e.message().starts_with("unknown key '")) return;  // a bad value: that point's row says so
    for (size_t n = 1; n <= k.parts.size(); ++n) {
      if (e.where() != spec.path + " key '" + join(k.parts, n, ".") + "'") continue;
      std::string hint = e.hint();
      const std::string lead = "did you mean '";
      if (hint.starts_with(lead) && n > 1) hint = lead + join(k.parts, n - 1, ".") + "." + hint.substr(lead.size());
      const std::string block = n > 1 ? "'" + join(k.parts, n - 1, ".") + "'" : "the experiment";
      throw unknown_key(spec, p.key, block + " has no key '" + k.parts[n - 1] + "'", hint);
    }
  }
}

void check_preset_key(const SweepSpec& spec, const SweepParameter& p, const KeyPath& k, const ConfigNode& tree,
                      const std::string& what) {
  const std::string prefix = k.tree == KeyTree::kChip ? "chip." : "accelerator.";
  const ConfigNode* node = &tree;
  for (size_t i = 0; i < k.parts.size(); ++i) {
    const ConfigNode* next = node->is_map() && !node->find("value") ? node->find(k.parts[i]) : nullptr;
    if (!next) {
      std::vector<std::string> keys;
      for (const auto& [name, child] : node->entries()) keys.push_back(name);
      const std::string near = closest(k.parts[i], keys);
      const std::string at = i ? prefix + join(k.parts, i, ".") + "." : prefix;
      throw unknown_key(spec, p.key, what + " has no key '" + join(k.parts, i + 1, ".") + "'",
                        near.empty() ? "keys there: " + join(keys, keys.size(), ", ") : "did you mean '" + at + near + "'?");
    }
    node = next;
  }
  if (node->is_map() && !node->find("value")) {
    std::vector<std::string> keys;
    for (const auto& [name, child] : node->entries()) keys.push_back(p.key + "." + name);
    throw unknown_key(spec, p.key, "it names a block of " + what + ", not one value",
                      "name one of its keys: " + join(keys, keys.size(), ", "));
  }
}

}  // namespace

KeyPath split_key(const std::string& key) {
  std::vector<std::string> parts = split(key);
  KeyPath k;
  if (parts.front() == "accelerator" || parts.front() == "chip") {
    k.tree = parts.front() == "chip" ? KeyTree::kChip : KeyTree::kAccelerator;
    parts.erase(parts.begin());
  }
  k.parts = std::move(parts);
  return k;
}

void check_key_syntax(const std::string& key, const std::string& where) {
  const std::vector<std::string> parts = split(key);
  for (const auto& part : parts) {
    if (part.empty()) throw input_error(where, "parameter key '" + key + "' has an empty part", "write keys as block.key, e.g. training.tp");
  }
  if (std::find(kTrees.begin(), kTrees.end(), parts.front()) == kTrees.end()) {
    const std::string near = closest(parts.front(), kTrees);
    throw input_error(where, "unknown parameter key '" + key + "': it must start with one of system, model, training, "
                             "accelerator, chip",
                      near.empty() ? "e.g. training.tp or system.scale_out.bw_Gbps_per_accel"
                                   : "did you mean '" + near + key.substr(parts.front().size()) + "'?");
  }
  const bool whole_model = parts.size() == 1 && parts.front() == "model";
  if (parts.size() == 1 && !whole_model) {
    throw input_error(where, "parameter key '" + key + "' names a whole block",
                      parts.front() == "accelerator" ? "sweep accelerators with system.accelerator, or name a key: accelerator.hbm_bandwidth"
                                                     : "name one key in it, e.g. " + parts.front() + "." +
                                                           (parts.front() == "chip" ? "sbuf.partition_bytes" : "tp"));
  }
}

void write_key(ConfigNode& root, const std::vector<std::string>& parts, const std::string& value,
               const std::string& sweep_path, bool preset) {
  ConfigNode* node = &root;
  // Children are held by value: edit a copy of each level on the way down, set them back on the way up.
  std::vector<ConfigNode> chain;
  chain.reserve(parts.size());
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    const std::string path = join(parts, i + 1, ".");
    const ConfigNode* child = node->find(parts[i]);
    if (child && child->is_scalar()) {
      throw input_error(sweep_path + " parameter '" + join(parts, parts.size(), ".") + "'",
                        "'" + path + "' is the single value '" + child->scalar() + "' in the base, not a block of keys",
                        "write the " + path + " block out in the base experiment to sweep its keys");
    }
    chain.push_back(child && child->is_map() ? *child : ConfigNode::make_map(sweep_path, path));
    node = &chain.back();
  }
  const std::string path = join(parts, parts.size(), ".");
  ConfigNode leaf = ConfigNode::make_scalar(value, sweep_path, path);
  const ConfigNode* old = node->find(parts.back());
  if (old && old->is_map() && old->find("value")) {
    // A preset's figure keeps the {value, source} form its reader wants, with the sweep as source.
    ConfigNode wrapped = preset ? ConfigNode::make_map(sweep_path, path) : *old;
    wrapped.set("value", std::move(leaf));
    if (preset) wrapped.set("source", ConfigNode::make_scalar("sweep " + sweep_path, sweep_path, path + ".source"));
    leaf = std::move(wrapped);
  }
  node->set(parts.back(), std::move(leaf));
  for (size_t i = chain.size(); i-- > 0;) {
    ConfigNode& parent = i ? chain[i - 1] : root;
    parent.set(parts[i], std::move(chain[i]));
  }
}

ConfigNode preset_tree(const std::string& name_or_path, const char* dir) {
  const bool path = name_or_path.ends_with(".yaml") || name_or_path.ends_with(".yml") ||
                    name_or_path.find('/') != std::string::npos;
  return ConfigNode::load_yaml_file(path ? name_or_path : hw::config_dir() + "/" + dir + "/" + name_or_path + ".yaml");
}

void check_sweep_keys(const SweepSpec& spec) {
  bool preset_keys = false;
  for (const auto& p : spec.parameters) {
    const KeyPath k = split_key(p.key);
    if (k.tree == KeyTree::kExperiment) check_experiment_key(spec, p, k);
    else preset_keys = true;
  }
  if (!preset_keys) return;
  // Preset keys are checked against the presets of the base experiment.
  hw::AcceleratorSpec accel;
  const ConfigNode* system = spec.base.find("system");
  if (!system) return;
  try {
    accel = hw::system_from_config(*system).accel;
  } catch (const Error&) {
    return;  // no usable base system: every point's row will say why
  }
  for (const auto& p : spec.parameters) {
    const KeyPath k = split_key(p.key);
    if (k.tree == KeyTree::kAccelerator) {
      check_preset_key(spec, p, k, preset_tree(accel.name, "accelerators"), "accelerator preset " + accel.name);
    } else if (k.tree == KeyTree::kChip && accel.family == hw::AcceleratorFamily::kTrainium) {
      check_preset_key(spec, p, k, preset_tree(accel.chip, "hw"), "chip preset " + accel.chip);
    }
  }
}

}  // namespace trnsim::plan
