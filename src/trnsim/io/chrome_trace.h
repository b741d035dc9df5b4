// Writes a core simulation's per-instruction timeline as a Chrome / Perfetto trace (JSON array
// format): one track per engine and per DMA queue, each instruction a slice named by its mnemonic
// with its operands in the slice's arguments. Open it in ui.perfetto.dev or chrome://tracing.
#pragma once

#include <string>

#include "trnsim/core/simulator.h"
#include "trnsim/isa/program.h"

namespace trnsim::io {

// The trace as JSON text.
std::string chrome_trace_json(const isa::Program& program, const core::RunResult& result);

// Writes the trace to `path` atomically (a temporary file renamed into place), so a failed run
// never leaves half a file. Throws Error(kInput) naming the path if it cannot be written.
void write_chrome_trace(const std::string& path, const isa::Program& program, const core::RunResult& result);

// Writes `text` to `path` through a temporary file and a rename.
void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace trnsim::io
