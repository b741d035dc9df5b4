// The one config tree type, and the strict reader every component uses to declare its parameters.
//
// A ConfigNode is a YAML document turned into plain data that remembers where each value came
// from (file and line) and its key path. A ConfigReader walks one map: each parameter is read by
// name with its type, unit and limits, and finish() rejects every key nobody declared, naming the
// file, the line, the key path and the closest declared key.
//
// A hardware figure may carry its source: `clock: {value: 2.4GHz, source: "NKI arch guide"}`;
// the reader returns the value and keeps the source for reports (`trnsim hw show`).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "trnsim/base/units.h"

namespace trnsim {

class ConfigNode {
 public:
  enum class Kind { kNull, kScalar, kList, kMap };

  // Throw trnsim::Error (kInput) naming the file and line on unreadable files or bad YAML.
  static ConfigNode load_yaml_file(const std::string& path);
  static ConfigNode parse_yaml(const std::string& text, const std::string& source_name);

  Kind kind() const { return kind_; }
  bool is_map() const { return kind_ == Kind::kMap; }
  bool is_list() const { return kind_ == Kind::kList; }
  bool is_scalar() const { return kind_ == Kind::kScalar; }
  const std::string& scalar() const { return scalar_; }
  const std::vector<ConfigNode>& items() const { return items_; }
  const std::vector<std::pair<std::string, ConfigNode>>& entries() const { return entries_; }
  const ConfigNode* find(const std::string& key) const;

  // "file.yaml:12" and "sbuf.partition_bytes": for messages.
  std::string location() const;
  const std::string& path() const { return path_; }
  const std::string& source_file() const { return file_; }

  // Builders (tests and programmatic front ends).
  static ConfigNode make_scalar(std::string value, std::string file = "<memory>", std::string path = "");
  static ConfigNode make_map(std::string file = "<memory>", std::string path = "");
  void set(const std::string& key, ConfigNode value);

 private:
  friend struct ConfigBuilder;
  Kind kind_ = Kind::kNull;
  std::string scalar_;
  std::vector<ConfigNode> items_;
  std::vector<std::pair<std::string, ConfigNode>> entries_;
  std::string file_;
  std::string path_;
  int line_ = 0;
};

// A declared parameter, for documentation and reports.
struct ParamInfo {
  std::string path;    // full key path
  std::string value;   // the text as written
  std::string source;  // where the figure comes from (may be empty)
  std::string note;    // e.g. "estimate: ..."
};

class ConfigReader {
 public:
  // `node` must be a map; otherwise an error names its location.
  explicit ConfigReader(const ConfigNode& node, std::shared_ptr<std::vector<ParamInfo>> log = nullptr);

  bool has(const std::string& key) const;
  // True when `key` is missing or written as null (~ / null); declares it either way, so an
  // optional key whose default is computed elsewhere is still a known key.
  bool absent(const std::string& key);

  std::string str(const std::string& key);
  std::string str(const std::string& key, const std::string& dflt);
  // One of `choices`, or an error listing them.
  std::string choice(const std::string& key, const std::vector<std::string>& choices);
  int64_t integer(const std::string& key, int64_t lo, int64_t hi);
  int64_t integer(const std::string& key, int64_t lo, int64_t hi, int64_t dflt);
  double number(const std::string& key, double lo, double hi);
  double number(const std::string& key, double lo, double hi, double dflt);
  bool boolean(const std::string& key);
  bool boolean(const std::string& key, bool dflt);
  Bytes bytes(const std::string& key);
  Frequency frequency(const std::string& key);
  Bandwidth bandwidth(const std::string& key);
  Time time(const std::string& key);
  std::vector<std::string> str_list(const std::string& key);

  ConfigReader child(const std::string& key);
  const ConfigNode& node(const std::string& key);
  const ConfigNode& self() const { return node_; }

  // When set, every value read must carry a `source` (presets in configs/ do).
  void require_sources(bool on) { require_sources_ = on; }
  // Rejects keys that were never read, naming the closest declared one.
  void finish() const;
  const std::shared_ptr<std::vector<ParamInfo>>& log() const { return log_; }

 private:
  const ConfigNode& value_node(const std::string& key);
  [[noreturn]] void fail(const ConfigNode& at, const std::string& message, const std::string& hint) const;

  const ConfigNode& node_;
  std::shared_ptr<std::vector<ParamInfo>> log_;
  std::vector<std::string> declared_;
  bool require_sources_ = false;
};

// The whole text of a configuration file; Error(kInput) naming the path if it is a directory,
// cannot be read, or exceeds the size a configuration can have (64 MiB).
std::string read_text_file(const std::string& path);

// Rejects every key of `map` not in `known`, naming file, line and key with a did-you-mean. For
// blocks whose keys are all required: checked before reading, a typo is reported as itself rather
// than as a missing key.
void reject_unknown_keys(const ConfigNode& map, const std::vector<std::string>& known);

}  // namespace trnsim
