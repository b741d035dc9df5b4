#include "trnsim/base/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "trnsim/base/error.h"
#include "trnsim/base/text.h"

namespace trnsim {

namespace {
// Limits on what a configuration may expand to: nesting (an alias that contains itself nests
// without end) and nodes (aliases nested in aliases multiply).
constexpr int kMaxDepth = 64;
constexpr int64_t kMaxNodes = 1'000'000;
// Largest configuration file read (configuration, not data: a few hundred kilobytes at most).
constexpr std::streamsize kMaxFileBytes = 64 << 20;
}  // namespace

struct ConfigBuilder {
  std::string file;
  int64_t nodes = 0;

  ConfigNode from_yaml(const YAML::Node& y, const std::string& path, int depth) {
    if (depth > kMaxDepth) {
      const std::string at = file + (y.Mark().line >= 0 ? ":" + std::to_string(y.Mark().line + 1) : "");
      throw input_error(at, "nests deeper than " + std::to_string(kMaxDepth) + " levels (an alias that contains itself?)",
                        "write the values out without self-referring aliases");
    }
    if (++nodes > kMaxNodes) {
      throw input_error(file, "expands to more than " + std::to_string(kMaxNodes) + " values (aliases within aliases?)",
                        "write the configuration without nested aliases");
    }
    ConfigNode n;
    n.file_ = file;
    n.path_ = path;
    n.line_ = y.Mark().line >= 0 ? y.Mark().line + 1 : 0;
    switch (y.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        n.kind_ = ConfigNode::Kind::kNull;
        break;
      case YAML::NodeType::Scalar:
        n.kind_ = ConfigNode::Kind::kScalar;
        n.scalar_ = y.Scalar();
        break;
      case YAML::NodeType::Sequence: {
        n.kind_ = ConfigNode::Kind::kList;
        int i = 0;
        for (const auto& item : y) {
          n.items_.push_back(from_yaml(item, path + "[" + std::to_string(i++) + "]", depth + 1));
        }
        break;
      }
      case YAML::NodeType::Map:
        n.kind_ = ConfigNode::Kind::kMap;
        for (const auto& kv : y) {
          if (!kv.first.IsScalar()) {
            throw input_error(file + ":" + std::to_string(kv.first.Mark().line + 1) +
                                  (path.empty() ? "" : " key '" + path + "'"),
                              "has a key that is not a plain name (a list or map used as a key)",
                              "write keys as plain names, 'key: value'");
          }
          std::string key = kv.first.Scalar();
          for (const auto& e : n.entries_) {
            if (e.first == key) {
              throw input_error(file + ":" + std::to_string(kv.first.Mark().line + 1),
                                "key '" + key + "' appears twice", "keep one of them");
            }
          }
          n.entries_.emplace_back(key, from_yaml(kv.second, path.empty() ? key : path + "." + key, depth + 1));
        }
        break;
    }
    return n;
  }
};

ConfigNode ConfigNode::parse_yaml(const std::string& text, const std::string& source_name) {
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    throw input_error(source_name + (e.mark.line >= 0 ? ":" + std::to_string(e.mark.line + 1) : ""),
                      "is not valid YAML: " + e.msg, "check indentation, colons and brackets there");
  }
  if (docs.size() > 1) {
    throw input_error(source_name + ":" + std::to_string(docs[1].Mark().line + 1),
                      "holds " + std::to_string(docs.size()) + " YAML documents ('---' separated); one is read",
                      "keep one document per file");
  }
  ConfigBuilder b{source_name};
  return b.from_yaml(docs.empty() ? YAML::Node() : docs[0], "", 0);
}

std::string read_text_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw input_error(path, "is a directory, not a file", "give the path of a file in it");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw input_error(path, "cannot be read", "check that the file exists and is readable");
  std::string text;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (static_cast<std::streamsize>(text.size()) > kMaxFileBytes) {
      throw input_error(path, "is larger than " + std::to_string(kMaxFileBytes >> 20) + " MiB, too large for a configuration",
                        "give a configuration file (YAML or JSON text)");
    }
  }
  return text;
}

ConfigNode ConfigNode::load_yaml_file(const std::string& path) { return parse_yaml(read_text_file(path), path); }

const ConfigNode* ConfigNode::find(const std::string& key) const {
  for (const auto& e : entries_) {
    if (e.first == key) return &e.second;
  }
  return nullptr;
}

std::string ConfigNode::location() const {
  std::string s = file_;
  if (line_ > 0) s += ":" + std::to_string(line_);
  if (!path_.empty()) s += " key '" + path_ + "'";
  return s;
}

ConfigNode ConfigNode::make_scalar(std::string value, std::string file, std::string path) {
  ConfigNode n;
  n.kind_ = Kind::kScalar;
  n.scalar_ = std::move(value);
  n.file_ = std::move(file);
  n.path_ = std::move(path);
  return n;
}

ConfigNode ConfigNode::make_map(std::string file, std::string path) {
  ConfigNode n;
  n.kind_ = Kind::kMap;
  n.file_ = std::move(file);
  n.path_ = std::move(path);
  return n;
}

void ConfigNode::set(const std::string& key, ConfigNode value) {
  kind_ = Kind::kMap;
  for (auto& e : entries_) {
    if (e.first == key) {
      e.second = std::move(value);
      return;
    }
  }
  entries_.emplace_back(key, std::move(value));
}


ConfigReader::ConfigReader(const ConfigNode& node, std::shared_ptr<std::vector<ParamInfo>> log)
    : node_(node), log_(log ? std::move(log) : std::make_shared<std::vector<ParamInfo>>()) {
  if (!node.is_map()) fail(node, "must be a map of keys to values", "write it as 'key: value' lines");
}

void ConfigReader::fail(const ConfigNode& at, const std::string& message, const std::string& hint) const {
  throw input_error(at.location(), message, hint);
}

bool ConfigReader::has(const std::string& key) const { return node_.find(key) != nullptr; }

bool ConfigReader::absent(const std::string& key) {
  declared_.push_back(key);
  const ConfigNode* n = node_.find(key);
  return !n || n->kind() == ConfigNode::Kind::kNull;
}

const ConfigNode& ConfigReader::node(const std::string& key) {
  declared_.push_back(key);
  const ConfigNode* n = node_.find(key);
  if (!n) {
    std::string where = node_.location();
    throw input_error(where, "required key '" + key + "' is missing",
                      "add '" + key + ":' to " + (node_.path().empty() ? "the top level" : "'" + node_.path() + "'"));
  }
  return *n;
}

// A value may be written plainly or as {value, source, note}; returns the value node and logs it.
const ConfigNode& ConfigReader::value_node(const std::string& key) {
  const ConfigNode& n = node(key);
  const ConfigNode* v = &n;
  std::string source, note;
  if (n.is_map()) {
    ConfigReader sub(n);  // its own log: `source` and `note` are not parameters
    v = &sub.node("value");
    source = sub.has("source") ? sub.str("source") : "";
    note = sub.has("note") ? sub.str("note") : "";
    sub.finish();
  }
  if (!v->is_scalar()) fail(*v, "must be a single value", "write 'key: value' or 'key: {value: ..., source: ...}'");
  if (require_sources_ && source.empty()) {
    fail(n, "has no source", "write it as {value: " + v->scalar() + ", source: \"<document and section>\"}");
  }
  log_->push_back({n.path(), v->scalar(), source, note});
  return *v;
}

std::string ConfigReader::str(const std::string& key) { return value_node(key).scalar(); }

std::string ConfigReader::str(const std::string& key, const std::string& dflt) {
  if (!has(key)) {
    declared_.push_back(key);
    return dflt;
  }
  return str(key);
}

std::string ConfigReader::choice(const std::string& key, const std::vector<std::string>& choices) {
  const ConfigNode& v = value_node(key);
  if (std::find(choices.begin(), choices.end(), v.scalar()) != choices.end()) return v.scalar();
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
  fail(v, "'" + v.scalar() + "' is not a valid choice", "use one of: " + list);
}

int64_t ConfigReader::integer(const std::string& key, int64_t lo, int64_t hi) {
  const ConfigNode& v = value_node(key);
  const std::string& s = v.scalar();
  char* end = nullptr;
  errno = 0;
  // Base 10 always: a leading zero is not octal here.
  long long x = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || end != s.c_str() + s.size()) fail(v, "'" + s + "' is not an integer", "write a whole number");
  if (errno == ERANGE) {
    fail(v, "value " + s + " is out of range", "use a value in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  if (x < lo || x > hi) {
    fail(v, "value " + s + " is out of range", "use a value in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return x;
}

int64_t ConfigReader::integer(const std::string& key, int64_t lo, int64_t hi, int64_t dflt) {
  if (!has(key)) {
    declared_.push_back(key);
    return dflt;
  }
  return integer(key, lo, hi);
}

double ConfigReader::number(const std::string& key, double lo, double hi) {
  const ConfigNode& v = value_node(key);
  const std::string& s = v.scalar();
  char* end = nullptr;
  double x = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(x)) fail(v, "'" + s + "' is not a number", "write a decimal number");
  if (x < lo || x > hi) {
    auto g = [](double d) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%g", d);
      return std::string(buf);
    };
    fail(v, "value " + s + " is out of range", "use a value in [" + g(lo) + ", " + g(hi) + "]");
  }
  return x;
}

double ConfigReader::number(const std::string& key, double lo, double hi, double dflt) {
  if (!has(key)) {
    declared_.push_back(key);
    return dflt;
  }
  return number(key, lo, hi);
}

bool ConfigReader::boolean(const std::string& key) {
  const ConfigNode& v = value_node(key);
  if (v.scalar() == "true") return true;
  if (v.scalar() == "false") return false;
  fail(v, "'" + v.scalar() + "' is not a boolean", "write true or false");
}

bool ConfigReader::boolean(const std::string& key, bool dflt) {
  if (!has(key)) {
    declared_.push_back(key);
    return dflt;
  }
  return boolean(key);
}

namespace {
template <typename F>
auto parse_at(const ConfigNode& v, F parse) {
  try {
    return parse(v.scalar());
  } catch (const Error& e) {
    throw input_error(v.location(), e.message(), e.hint());
  }
}
}  // namespace

Bytes ConfigReader::bytes(const std::string& key) { return parse_at(value_node(key), parse_bytes); }
Frequency ConfigReader::frequency(const std::string& key) { return parse_at(value_node(key), parse_frequency); }
Bandwidth ConfigReader::bandwidth(const std::string& key) { return parse_at(value_node(key), parse_bandwidth); }
Time ConfigReader::time(const std::string& key) { return parse_at(value_node(key), parse_time); }

std::vector<std::string> ConfigReader::str_list(const std::string& key) {
  const ConfigNode& n = node(key);
  if (!n.is_list()) fail(n, "must be a list", "write it as [a, b, c]");
  std::vector<std::string> out;
  for (const auto& item : n.items()) {
    if (!item.is_scalar()) fail(item, "must be a single value", "write plain values in the list");
    out.push_back(item.scalar());
  }
  return out;
}

ConfigReader ConfigReader::child(const std::string& key) {
  ConfigReader r(node(key), log_);
  r.require_sources_ = require_sources_;
  return r;
}

void ConfigReader::finish() const {
  std::vector<std::string> known;
  for (const auto& k : declared_) {
    if (std::find(known.begin(), known.end(), k) == known.end()) known.push_back(k);
  }
  reject_unknown_keys(node_, known);
}

void reject_unknown_keys(const ConfigNode& map, const std::vector<std::string>& known) {
  for (const auto& [key, value] : map.entries()) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    throw input_error(value.location(), "unknown key '" + key + "'", did_you_mean(key, known));
  }
}

}  // namespace trnsim
