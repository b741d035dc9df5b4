#include "trnsim/io/json_text.h"
#include "trnsim/io/chrome_trace.h"

#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

#include "trnsim/base/error.h"
#include "trnsim/isa/assembly_printer.h"

namespace trnsim::io {

std::string chrome_trace_json(const isa::Program& program, const core::RunResult& result) {
  using nlohmann::json;
  json events = json::array();
  const std::string core_name = "NeuronCore 0" + (program.name.empty() ? "" : " (" + program.name + ")");
  events.push_back({{"ph", "M"}, {"name", "process_name"}, {"pid", 0}, {"args", {{"name", core_name}}}});
  for (size_t t = 0; t < result.tracks.size(); ++t) {
    events.push_back({{"ph", "M"}, {"name", "thread_name"}, {"pid", 0}, {"tid", t},
                      {"args", {{"name", result.tracks[t]}}}});
    events.push_back({{"ph", "M"}, {"name", "thread_sort_index"}, {"pid", 0}, {"tid", t},
                      {"args", {{"sort_index", t}}}});
  }
  for (const auto& ev : result.trace) {
    if (ev.track < 0) continue;
    const isa::Instruction& inst = program.instructions[ev.instruction];
    json args = {{"index", ev.instruction}, {"instruction", isa::print_instruction(program, inst)}};
    if (inst.line > 0) args["line"] = inst.line;
    events.push_back({{"ph", "X"},
                      {"name", std::string(isa::mnemonic(inst))},
                      {"pid", 0},
                      {"tid", ev.track},
                      {"ts", ev.start.us()},
                      {"dur", (ev.end - ev.start).us()},
                      {"args", std::move(args)}});
  }
  json doc = {{"traceEvents", std::move(events)}, {"displayTimeUnit", "ns"}};
  return json_text(doc, -1);
}

void write_file_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw input_error(path, "cannot be written", "check that the directory exists and is writable");
    out << text;
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      throw input_error(path, "could not be written completely", "check free disk space");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw input_error(path, "cannot be replaced", "check permissions of the file and its directory");
  }
}

void write_chrome_trace(const std::string& path, const isa::Program& program, const core::RunResult& result) {
  write_file_atomically(path, chrome_trace_json(program, result));
}

}  // namespace trnsim::io
