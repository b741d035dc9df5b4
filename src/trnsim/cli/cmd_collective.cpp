// `trnsim collective`: one collective swept over message sizes on a system preset, printed the way
// nccl-tests prints it (size, count, type, time, algbw, busbw) plus the algorithm chosen.
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "trnsim/io/json_text.h"
#include "trnsim/base/error.h"
#include "trnsim/base/units.h"
#include "trnsim/cli/commands.h"
#include "trnsim/cli/options.h"
#include "trnsim/hw/system_spec.h"
#include "trnsim/net/collective.h"

namespace trnsim::cli {
namespace {

constexpr const char* kUsage =
    "usage: trnsim collective --system <preset> [options]\n"
    "  --count N          accelerators in the system (default: the preset's)\n"
    "  --op NAME          all_reduce (default), reduce_scatter, all_gather, all_to_all, sendrecv, broadcast\n"
    "  --algorithm NAME   force an algorithm (default: chosen by size, as NCCL / the Neuron runtime do)\n"
    "  --group N          ranks in the group (default: every rank of the system)\n"
    "  --stride S         rank distance between group members (default 1)\n"
    "  --min-bytes B      smallest size (default 8); K, M, G suffixes are powers of 1024\n"
    "  --max-bytes B      largest size (default 8G)\n"
    "  --factor F         size multiplier per row (default 2)\n"
    "  --json             print the rows as JSON\n";

// nccl-tests style sizes: a plain number, or K/M/G (powers of 1024), or any unit parse_bytes takes.
int64_t parse_size(const std::string& key, const std::string& text) {
  if (!text.empty()) {
    char last = text.back();
    if (last == 'K' || last == 'M' || last == 'G' || last == 'k' || last == 'm' || last == 'g') {
      std::string unit = last == 'K' || last == 'k' ? "KiB" : last == 'M' || last == 'm' ? "MiB" : "GiB";
      return parse_bytes(text.substr(0, text.size() - 1) + unit).v;
    }
    if (text.find_first_not_of("0123456789") == std::string::npos) return parse_bytes(text + "B").v;
  }
  try {
    return parse_bytes(text).v;
  } catch (const Error& e) {
    throw input_error("--" + key, "'" + text + "' " + e.message(), "write e.g. 8, 64K, 1M, 8G or 512MiB");
  }
}

}  // namespace

int run_collective(const std::vector<std::string>& args) {
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
  }
  Options opts("collective", args, {"json"});
  auto system_name = opts.take("system");
  if (!system_name) {
    std::string names;
    for (const auto& n : hw::list_system_presets()) names += (names.empty() ? "" : ", ") + n;
    throw input_error("trnsim collective", "needs --system", "e.g. --system p5.48xlarge; presets: " + names);
  }
  int64_t count = opts.take_int("count", 0, 1, hw::kMaxAccelerators);  // 0: the preset's
  net::CollectiveKind kind = net::parse_collective_kind(opts.take("op", "all_reduce"));
  auto algorithm = opts.take("algorithm");
  int64_t min_bytes = parse_size("min-bytes", opts.take("min-bytes", "8"));
  int64_t max_bytes = parse_size("max-bytes", opts.take("max-bytes", "8G"));
  int64_t factor = opts.take_int("factor", 2, 2, 1 << 20);
  int64_t group_size = opts.take_int("group", 0, 1, hw::kMaxAccelerators);  // 0: every rank
  int64_t stride = opts.take_int("stride", 1, 1, hw::kMaxAccelerators);
  bool json = opts.flag("json");
  if (!opts.positional().empty())
    throw input_error("trnsim collective", "unexpected argument '" + opts.positional().front() + "'", "see 'trnsim collective --help'");
  opts.finish();
  if (min_bytes < 1 || max_bytes < min_bytes)
    throw input_error("--min-bytes/--max-bytes", "need 1 <= min-bytes <= max-bytes", "e.g. --min-bytes 8 --max-bytes 8G");
  constexpr int64_t kMostBytes = int64_t{1} << 50;  // 1 PiB, beyond any accelerator's memory
  if (max_bytes > kMostBytes) {
    throw input_error("--max-bytes", std::to_string(max_bytes) + " bytes is more than any accelerator holds (1 PiB)",
                      "e.g. --max-bytes 8G");
  }

  hw::SystemSpec system = hw::load_system(*system_name, count);
  net::Group group{group_size > 0 ? group_size : system.ranks(), stride};
  net::NetworkModel model(system);

  // Every row is computed before anything is printed: a bad group or algorithm fails with nothing
  // half-written.
  nlohmann::json rows = nlohmann::json::array();
  std::string text;
  char line[256];
  for (int64_t bytes = min_bytes; bytes <= max_bytes; bytes *= factor) {
    net::CollectiveResult r = algorithm ? model.collective(kind, bytes, group, *algorithm) : model.collective(kind, bytes, group);
    double algbw = r.algbw * 1e-9, busbw = r.busbw * 1e-9;
    rows.push_back({{"size", bytes}, {"count", bytes / 4}, {"type", "float"}, {"time_us", r.time.us()},
                    {"algbw_gbps", algbw}, {"busbw_gbps", busbw}, {"algorithm", r.algorithm}});
    std::snprintf(line, sizeof line, "%14lld %13lld %6s %12.2f %9.2f %9.2f  ", static_cast<long long>(bytes),
                  static_cast<long long>(bytes / 4), "float", r.time.us(), algbw, busbw);
    text += line + r.algorithm + "\n";
    if (bytes > max_bytes / factor) break;
  }
  if (json) {
    nlohmann::json out = {{"system", system.name}, {"op", std::string(net::collective_name(kind))},
                          {"ranks", system.ranks()}, {"group", group.size}, {"stride", group.stride}, {"rows", rows}};
    std::printf("%s\n", io::json_text(out).c_str());
  } else {
    std::printf("# %s on %s: %lld ranks in groups of %lld (stride %lld)\n", std::string(net::collective_name(kind)).c_str(),
                system.name.c_str(), static_cast<long long>(system.ranks()), static_cast<long long>(group.size),
                static_cast<long long>(group.stride));
    std::printf("%14s %13s %6s %12s %9s %9s  %s\n", "size(B)", "count", "type", "time(us)", "algbw", "busbw", "algorithm");
    std::fputs(text.c_str(), stdout);
  }
  return 0;
}

}  // namespace trnsim::cli
