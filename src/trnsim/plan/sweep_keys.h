// Sweep parameter keys: which tree a dotted key edits, writing a value into a tree, and the check
// that every key names something a reader declares (sweep.h describes the key namespaces).
#pragma once

#include <string>
#include <vector>

#include "trnsim/base/config.h"

namespace trnsim::plan {

enum class KeyTree { kExperiment, kAccelerator, kChip };

struct KeyPath {
  KeyTree tree = KeyTree::kExperiment;
  std::vector<std::string> parts;  // within the tree: {"training", "tp"}, {"hbm_bandwidth"}, {"sbuf", "partition_bytes"}
};

KeyPath split_key(const std::string& key);
// Rejects empty parts and a first part that is no tree, with the closest tree name as the hint.
void check_key_syntax(const std::string& key, const std::string& where);

// Writes `value` at `parts` under `root`, creating missing maps. A value written as
// {value: ..., source: ...} keeps that form; in a preset (`preset`) its source becomes the sweep.
void write_key(ConfigNode& root, const std::vector<std::string>& parts, const std::string& value,
               const std::string& sweep_path, bool preset);

// The tree of an accelerator (dir "accelerators") or chip ("hw") preset, or of a file path.
ConfigNode preset_tree(const std::string& name_or_path, const char* dir);

}  // namespace trnsim::plan
