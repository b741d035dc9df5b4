// System presets (configs/systems/<name>.yaml) and the `system:` block of an experiment. Both are
// read into the same optional fields; a block's unset or null fields come from a preset (named by
// `preset:`, else the accelerator's default_system), then the whole is checked once.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <system_error>

#include "trnsim/base/error.h"
#include "trnsim/base/presets.h"
#include "trnsim/base/text.h"
#include "trnsim/hw/chip_loader.h"
#include "trnsim/hw/system_spec.h"

namespace trnsim::hw {
namespace fs = std::filesystem;
namespace {

constexpr ScaleUpKind kUpKinds[] = {ScaleUpKind::kNvSwitch,          ScaleUpKind::kNvl72,
                                    ScaleUpKind::kTorus2d,           ScaleUpKind::kTorus3d,
                                    ScaleUpKind::kNeuronLinkTorus2d, ScaleUpKind::kNeuronLinkTorus3d,
                                    ScaleUpKind::kNeuronSwitch};
constexpr ScaleOutKind kOutKinds[] = {ScaleOutKind::kIbFatTree, ScaleOutKind::kRoce, ScaleOutKind::kEfa,
                                      ScaleOutKind::kIci, ScaleOutKind::kDcn};

template <typename Kind, size_t N>
std::vector<std::string> names_of(const Kind (&kinds)[N]) {
  std::vector<std::string> out;
  for (Kind k : kinds) out.push_back(to_string(k));
  return out;
}

template <typename Kind, size_t N>
Kind kind_named(const Kind (&kinds)[N], const std::string& name) {
  for (Kind k : kinds) {
    if (name == to_string(k)) return k;
  }
  return kinds[0];  // unreachable: ConfigReader::choice() has checked the name
}

int torus_rank(ScaleUpKind k) {
  if (k == ScaleUpKind::kTorus2d || k == ScaleUpKind::kNeuronLinkTorus2d) return 2;
  if (k == ScaleUpKind::kTorus3d || k == ScaleUpKind::kNeuronLinkTorus3d) return 3;
  return 0;
}

// Latencies for a block that changes a preset's fabric kind without giving one; the presets hold
// the sourced figures, these are the same estimates (docs/systems.md lists them).
Time default_hop_latency(ScaleUpKind k) {
  bool ici = k == ScaleUpKind::kTorus2d || k == ScaleUpKind::kTorus3d;
  return ici ? Time::us(1) : Time::ns(1500);
}

Time default_scale_out_latency(ScaleOutKind k) {
  switch (k) {
    case ScaleOutKind::kEfa: return Time::us(15);
    case ScaleOutKind::kIci: return Time::us(1);
    case ScaleOutKind::kDcn: return Time::us(10);
    case ScaleOutKind::kRoce: return Time::us(4);
    case ScaleOutKind::kIbFatTree: break;
  }
  return Time::us(3);
}

// The most nearly cubic (square) shape with `rank` dimensions and `n` chips, largest first:
// 3072 -> 16x16x12. Used when a block resizes a torus domain without giving its shape.
std::vector<int> balanced_dims(int64_t n, int rank) {
  std::vector<int> best;
  int64_t best_spread = INT64_MAX;
  auto consider = [&](std::vector<int64_t> d) {
    std::sort(d.rbegin(), d.rend());
    if (d.front() - d.back() < best_spread) {
      best_spread = d.front() - d.back();
      best.assign(d.begin(), d.end());
    }
  };
  for (int64_t a = 1; a * a <= n; ++a) {
    if (n % a) continue;
    if (rank == 2) {
      consider({a, n / a});
      continue;
    }
    for (int64_t b = a; a * b * b <= n; ++b) {
      if ((n / a) % b == 0) consider({a, b, n / a / b});
    }
  }
  return best;
}

// What a preset file or a block writes; unset = absent or null.
struct Fields {
  std::optional<std::string> name, accelerator;
  std::optional<int64_t> count, per_node, neuron_cores;
  std::optional<ScaleUpKind> up_kind;
  std::optional<double> up_GBps;
  std::optional<Time> hop_latency;
  std::optional<std::vector<int>> dims;
  std::optional<ScaleOutKind> out_kind;
  std::optional<double> out_Gbps;
  std::optional<Time> out_latency;
  std::optional<bool> rail;
  std::optional<double> price;
  std::map<std::string, std::string> where;  // key path -> location, for messages
  std::vector<ParamInfo> params;
};

// True when `key` has a value to read, and records where it is. In a preset every key not marked
// optional is required and null is not allowed; in a block every key may be absent or null.
bool wants(ConfigReader& r, Fields& f, const std::string& key, bool preset, bool optional_in_preset = false) {
  if (!r.has(key)) {
    if (preset && !optional_in_preset) r.node(key);  // throws "required key ... is missing"
    r.str(key, "");  // declares the key, so a misspelling of it gets "did you mean"
    return false;
  }
  const ConfigNode& n = r.node(key);
  f.where[n.path()] = n.location();
  const ConfigNode* v = n.is_map() ? n.find("value") : &n;
  bool null = n.kind() == ConfigNode::Kind::kNull || (v && v->kind() == ConfigNode::Kind::kNull);
  if (null && preset) throw input_error(n.location(), "must not be null in a preset", "give its value");
  return !null;
}

// "4x4x4", {value: 4x4x4, source: ...} or [4, 4, 4].
std::vector<int> read_dims(ConfigReader& r) {
  const ConfigNode& n = r.node("torus_dims");
  std::vector<std::string> parts;
  if (n.is_list()) {
    parts = r.str_list("torus_dims");
  } else {
    std::string text = r.str("torus_dims");
    size_t start = 0;
    for (size_t x = text.find('x'); ; x = text.find('x', start)) {
      parts.push_back(text.substr(start, x == std::string::npos ? std::string::npos : x - start));
      if (x == std::string::npos) break;
      start = x + 1;
    }
  }
  std::vector<int> dims;
  for (const auto& p : parts) {
    char* end = nullptr;
    long d = std::strtol(p.c_str(), &end, 10);
    if (p.empty() || end != p.c_str() + p.size() || d < 1 || d > 1000000) {
      throw input_error(n.location(), "'" + p + "' is not a torus dimension", "write the shape as 4x4 or [4, 4]");
    }
    dims.push_back(static_cast<int>(d));
  }
  return dims;
}

Bandwidth gb_per_s(double v) { return Bandwidth{v * 1e9}; }
Bandwidth gbit_per_s(double v) { return Bandwidth{v * 1e9 / 8}; }

Fields read_fields(const ConfigNode& root, bool preset) {
  Fields f;
  ConfigReader r(root);
  // Links from 1 MB/s to 1 PB/s; latencies up to a second: beyond those the simulated times of
  // real collectives overflow or vanish.
  auto positive = [](ConfigReader& rr, const std::string& key) {
    double v = rr.number(key, 0, 1e6);
    if (v <= 0) throw input_error(rr.node(key).location(), "must be positive", "give a bandwidth above 0, or null for the default");
    if (v < 1e-3) throw input_error(rr.node(key).location(), "is below 1 MB/s", "write the link's real bandwidth");
    return v;
  };
  auto latency = [](ConfigReader& rr, const std::string& key) {
    const Time t = rr.time(key);
    if (t > Time::from_seconds(1)) throw input_error(rr.node(key).location(), "is over a second", "write the real latency");
    return t;
  };
  if (preset) {
    f.name = r.str("name");
    r.str("description", "");
  } else if (wants(r, f, "preset", false)) {
    f.name = r.str("preset");
  }
  if (wants(r, f, "accelerator", preset)) f.accelerator = r.str("accelerator");
  if (wants(r, f, "count", preset)) f.count = r.integer("count", 1, kMaxAccelerators);
  if (!preset && wants(r, f, "neuron_cores", false)) f.neuron_cores = r.integer("neuron_cores", 1, int64_t{1} << 44);
  r.require_sources(preset);
  if (wants(r, f, "per_node", preset)) f.per_node = r.integer("per_node", 1, 1000000);
  if (wants(r, f, "scale_up", preset)) {
    ConfigReader u = r.child("scale_up");
    if (wants(u, f, "kind", preset)) f.up_kind = kind_named(kUpKinds, u.choice("kind", names_of(kUpKinds)));
    if (wants(u, f, "bw_GBps_per_accel_unidir", preset)) f.up_GBps = positive(u, "bw_GBps_per_accel_unidir");
    if (wants(u, f, "hop_latency", preset)) f.hop_latency = latency(u, "hop_latency");
    if (wants(u, f, "torus_dims", preset, true)) f.dims = read_dims(u);
    u.finish();
  }
  if (wants(r, f, "scale_out", preset)) {
    ConfigReader o = r.child("scale_out");
    if (wants(o, f, "kind", preset)) f.out_kind = kind_named(kOutKinds, o.choice("kind", names_of(kOutKinds)));
    if (wants(o, f, "bw_Gbps_per_accel", preset)) f.out_Gbps = positive(o, "bw_Gbps_per_accel");
    if (wants(o, f, "latency", preset)) f.out_latency = latency(o, "latency");
    if (wants(o, f, "rail_optimized", preset)) f.rail = o.boolean("rail_optimized");
    o.finish();
  }
  if (wants(r, f, "price_per_accel_hour", preset, true)) f.price = r.number("price_per_accel_hour", 0, 1e6);
  r.finish();
  f.params = *r.log();
  f.where[""] = root.location();
  return f;
}

Fields read_preset(const std::string& name) {
  std::vector<std::string> presets = list_system_presets();
  if (std::find(presets.begin(), presets.end(), name) == presets.end()) {
    throw input_error("system '" + name + "'", "is not a known system preset",
                      presets.empty() ? "no presets in " + config_dir() + "/systems; set TRNSIM_CONFIG_DIR"
                                      : "use one of: " + join(presets));
  }
  std::string path = config_dir() + "/systems/" + name + ".yaml";
  Fields f = read_fields(ConfigNode::load_yaml_file(path), true);
  if (*f.name != name) {
    throw input_error(path, "preset declares name '" + *f.name + "'", "set 'name: " + name + "' to match the file name");
  }
  return f;
}

// `over` written on top of `base`; a changed fabric kind drops the base's kind-specific values.
Fields merge(Fields base, const Fields& over) {
  if (over.accelerator && *over.accelerator != *base.accelerator) {
    base.price.reset();  // a preset's price is for its own hardware
  }
  if (over.up_kind && *over.up_kind != *base.up_kind) {
    base.hop_latency = default_hop_latency(*over.up_kind);
    base.dims.reset();
  }
  if (over.out_kind && *over.out_kind != *base.out_kind) {
    base.out_latency = default_scale_out_latency(*over.out_kind);
    base.rail = false;
  }
  if (over.per_node && *over.per_node != *base.per_node) base.dims.reset();
  auto take = [](auto& dst, const auto& src) {
    if (src) dst = src;
  };
  take(base.accelerator, over.accelerator);
  take(base.count, over.count);
  take(base.per_node, over.per_node);
  take(base.neuron_cores, over.neuron_cores);
  take(base.up_kind, over.up_kind);
  take(base.up_GBps, over.up_GBps);
  take(base.hop_latency, over.hop_latency);
  take(base.dims, over.dims);
  take(base.out_kind, over.out_kind);
  take(base.out_Gbps, over.out_Gbps);
  take(base.out_latency, over.out_latency);
  take(base.rail, over.rail);
  take(base.price, over.price);
  for (const auto& [k, v] : over.where) base.where[k] = v;
  base.params.insert(base.params.end(), over.params.begin(), over.params.end());
  return base;
}

std::string where(const Fields& f, const std::string& key) {
  auto it = f.where.find(key);
  return it != f.where.end() ? it->second : f.where.at("");
}

std::string shape(const std::vector<int>& dims) {
  std::string s;
  for (int d : dims) s += (s.empty() ? "" : "x") + std::to_string(d);
  return s;
}

SystemSpec build(const Fields& f, std::string name) {
  SystemSpec s;
  s.name = std::move(name);
  s.accel = load_accelerator(*f.accelerator);
  s.count = *f.count;
  s.per_node = static_cast<int>(*f.per_node);
  s.scale_up = {*f.up_kind, gb_per_s(*f.up_GBps), *f.hop_latency, f.dims.value_or(std::vector<int>{})};
  s.scale_out = {*f.out_kind, gbit_per_s(*f.out_Gbps), *f.out_latency, f.rail.value_or(false)};
  s.price_per_accel_hour = f.price.value_or(0);
  s.params = f.params;

  // One scale-up domain may be partly used (64 GPUs of an NVL72 rack); beyond one, whole domains.
  if (s.count > s.per_node && s.count % s.per_node != 0) {
    int64_t lo = s.count / s.per_node * s.per_node;
    throw input_error(where(f, "count"), "count " + std::to_string(s.count) + " is not a multiple of per_node " +
                                             std::to_string(s.per_node),
                      "use whole scale-up domains (" + std::to_string(lo) + " or " + std::to_string(lo + s.per_node) +
                          "), or a count below per_node for one partial domain");
  }
  int rank = torus_rank(s.scale_up.kind);
  std::vector<int>& dims = s.scale_up.torus_dims;
  if (rank == 0 && !dims.empty()) {
    throw input_error(where(f, "scale_up.torus_dims"),
                      std::string("torus_dims does not apply to scale_up kind ") + to_string(s.scale_up.kind),
                      "remove torus_dims, or use a torus kind");
  }
  if (rank > 0 && dims.empty()) dims = balanced_dims(s.per_node, rank);
  if (rank > 0) {
    int64_t product = 1;
    for (int d : dims) product *= d;
    if (static_cast<int>(dims.size()) != rank || product != s.per_node) {
      throw input_error(where(f, "scale_up.torus_dims"),
                        "torus_dims " + shape(dims) + " does not fit a " + std::to_string(rank) + "-D torus of per_node " +
                            std::to_string(s.per_node) + " accelerators",
                        "give " + std::to_string(rank) + " dimensions whose product is per_node, e.g. " +
                            shape(balanced_dims(s.per_node, rank)));
    }
  }
  // A job on part of one torus domain runs on a slice of it (as TPU slices are carved from a
  // pod): the domain is the slice, in its most nearly cubic shape.
  if (rank > 0 && s.count > 0 && s.count < s.per_node) {
    s.per_node = static_cast<int>(s.count);
    dims = balanced_dims(s.count, rank);
  }
  if (f.neuron_cores) {
    if (s.accel.family != AcceleratorFamily::kTrainium) {
      throw input_error(where(f, "neuron_cores"), "neuron_cores applies to Trainium accelerators only",
                        "remove it; " + s.accel.name + " counts one rank per accelerator");
    }
    if (*f.neuron_cores != s.ranks()) {
      throw input_error(where(f, "neuron_cores"),
                        "neuron_cores " + std::to_string(*f.neuron_cores) + " does not match count " +
                            std::to_string(s.count) + " x " + std::to_string(s.ranks_per_accel()) +
                            " logical NeuronCores per " + s.accel.name + " chip",
                        "set neuron_cores: " + std::to_string(s.ranks()) + " (or change count)");
    }
  }
  return s;
}

}  // namespace

std::vector<std::string> list_system_presets() { return preset_names("systems"); }

SystemSpec load_system(const std::string& name, int64_t count) {
  Fields f = read_preset(name);
  if (count < 0 || count > kMaxAccelerators) {
    throw input_error("system '" + name + "'", "count " + std::to_string(count) + " is out of range",
                      "use 0 for the preset's default or a count from 1 to 2^40");
  }
  if (count > 0) {
    f.count = count;
    f.where["count"] = "system '" + name + "' count";
  }
  return build(f, name);
}

SystemSpec system_from_config(const ConfigNode& block) {
  Fields over = read_fields(block, false);
  std::string preset;
  if (over.name) {
    preset = *over.name;
  } else if (!over.accelerator) {
    throw input_error(block.location(), "names neither an accelerator nor a preset",
                      "add 'accelerator: <name>' (one of: " + join(list_accelerator_presets()) + ") or 'preset: <system>'");
  } else {
    AcceleratorSpec a = load_accelerator(*over.accelerator);
    if (a.default_system.empty()) {
      throw input_error(where(over, "accelerator"), "accelerator '" + a.name + "' has no default system",
                        "add 'preset: <system>' (one of: " + join(list_system_presets()) + ")");
    }
    preset = a.default_system;
  }
  Fields base = read_preset(preset);
  base.where.clear();
  base.where[""] = block.location();
  return build(merge(std::move(base), over), preset);
}

}  // namespace trnsim::hw
