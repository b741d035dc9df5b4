// JSON text for output files and stdout: bytes that are not UTF-8 (a run id or model name copied
// from a file as written) become U+FFFD instead of failing the whole command.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace trnsim::io {

inline std::string json_text(const nlohmann::json& j, int indent = 2) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace trnsim::io
