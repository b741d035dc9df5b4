// The results file of a sweep: CSV, one row per point, appended a whole line at a time (one
// write and an fsync), so a killed run leaves complete rows and at most one torn last line, which
// the next run drops before it appends (docs/sweeps.md gives the columns).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "trnsim/plan/sweep.h"

namespace trnsim::plan {

// index, the parameter keys, step_time_s, tokens_per_s, mfu, memory_per_chip_bytes, fits, error.
std::vector<std::string> sweep_csv_columns(const SweepSpec& spec);
// One CSV line ending in '\n'; fields with a comma, quote or line break are quoted (RFC 4180),
// line breaks inside a field become spaces so that one line is one row.
std::string csv_line(const std::vector<std::string>& fields);
// Splits one line (without its '\n'); false when a quote is not closed.
bool parse_csv_line(const std::string& line, std::vector<std::string>& fields);
std::string format_row(const PointResult& p);

struct ResultsFile {
  std::vector<std::string> rows;  // complete rows, each with its '\n'
  std::vector<int64_t> indices;   // point index of each row
  int64_t valid_bytes = 0;        // bytes up to the end of the last complete line (0: no header)
  int64_t torn_bytes = 0;         // bytes after it: a line cut by a kill
};

// Reads the results of `spec` written so far (a missing file has none). Throws trnsim::Error when
// the header is not this sweep's, or a row's values are not its point's, or a point appears twice.
ResultsFile read_results(const std::string& path, const SweepSpec& spec);

// Appends rows to a results file: drops a torn tail and writes the header of a new file first.
class ResultsWriter {
 public:
  ResultsWriter(const std::string& path, const SweepSpec& spec, const ResultsFile& existing);
  ~ResultsWriter();
  ResultsWriter(const ResultsWriter&) = delete;
  ResultsWriter& operator=(const ResultsWriter&) = delete;
  // One complete line, written with one write() and made durable with fsync; thread-safe.
  void append(const std::string& line);

 private:
  std::string path_;
  int fd_ = -1;
  std::mutex mu_;
};

// The header and `rows` sorted by point index: a gathered results file.
std::string sorted_results(const SweepSpec& spec, std::vector<std::string> rows);
// Writes `text` to `path` through a temporary file, fsync and rename: readers never see half of it.
void write_results_file(const std::string& path, const std::string& text);

}  // namespace trnsim::plan
