#include "trnsim/plan/sweep_csv.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <unordered_set>

#include "trnsim/base/error.h"

namespace trnsim::plan {
namespace {

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

Error io_error(const std::string& path, const std::string& what) {
  return Error(ErrorKind::kRuntime, path, what + ": " + std::strerror(errno), "check the path, the disk space and permissions");
}

// The whole of `text`, however many write() calls it takes, then fsync.
void write_synced(int fd, const std::string& text, const std::string& path) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw io_error(path, "cannot be written");
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) throw io_error(path, "cannot be synced to disk");
}

bool parse_index(const std::string& text, int64_t& out) {
  if (text.empty() || text.size() > 18) return false;
  out = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  return true;
}

// A field as a row holds it: line breaks, which would split the row, become spaces.
std::string one_line(std::string f) {
  std::replace(f.begin(), f.end(), '\n', ' ');
  std::replace(f.begin(), f.end(), '\r', ' ');
  return f;
}

}  // namespace

std::vector<std::string> sweep_csv_columns(const SweepSpec& spec) {
  std::vector<std::string> cols = {"index"};
  for (const auto& p : spec.parameters) cols.push_back(p.key);
  for (const char* c : {"step_time_s", "tokens_per_s", "mfu", "memory_per_chip_bytes", "fits", "error"}) cols.push_back(c);
  return cols;
}

std::string csv_line(const std::vector<std::string>& fields) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) {
    const std::string f = one_line(fields[i]);
    if (i) line += ',';
    if (f.find_first_of(",\"") == std::string::npos) {
      line += f;
      continue;
    }
    line += '"';
    for (char c : f) line += c == '"' ? std::string("\"\"") : std::string(1, c);
    line += '"';
  }
  return line + '\n';
}

bool parse_csv_line(const std::string& line, std::vector<std::string>& fields) {
  fields.assign(1, "");
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c != '"') fields.back() += c;
      else if (i + 1 < line.size() && line[i + 1] == '"') fields.back() += '"', ++i;
      else quoted = false;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return !quoted;
}

std::string format_row(const PointResult& p) {
  std::vector<std::string> f = {std::to_string(p.index)};
  f.insert(f.end(), p.values.begin(), p.values.end());
  const bool ok = p.error.empty();
  f.push_back(p.simulated ? number(p.step_time_s) : "");
  f.push_back(p.simulated ? number(p.tokens_per_s) : "");
  f.push_back(p.simulated ? number(p.mfu) : "");
  f.push_back(ok ? number(p.memory_per_chip_bytes) : "");
  f.push_back(ok ? (p.fits ? "true" : "false") : "");
  f.push_back(p.error);
  return csv_line(f);
}

ResultsFile read_results(const std::string& path, const SweepSpec& spec) {
  ResultsFile out;
  std::ifstream in(path, std::ios::binary);
  if (!in) return out;
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  const std::string header = csv_line(sweep_csv_columns(spec));
  const size_t header_end = text.find('\n');
  if (header_end == std::string::npos) {  // empty, or killed while writing the header
    out.torn_bytes = static_cast<int64_t>(text.size());
    return out;
  }
  if (text.compare(0, header_end + 1, header) != 0) {
    throw input_error(path, "was written by another sweep: its header is not this sweep's columns (" +
                                header.substr(0, header.size() - 1) + ")",
                      "use another --out file, or delete this one to start over");
  }
  out.valid_bytes = static_cast<int64_t>(header_end + 1);
  std::unordered_set<int64_t> seen;
  const size_t columns = sweep_csv_columns(spec).size();
  int line_no = 1;
  for (size_t start = header_end + 1; start < text.size();) {
    const size_t end = text.find('\n', start);
    ++line_no;
    if (end == std::string::npos) {  // the last line, cut by a kill
      out.torn_bytes = static_cast<int64_t>(text.size() - start);
      break;
    }
    const std::string line = text.substr(start, end - start);
    const std::string where = path + ":" + std::to_string(line_no);
    std::vector<std::string> f;
    int64_t index = -1;
    if (!parse_csv_line(line, f) || f.size() != columns || !parse_index(f[0], index) || index >= spec.size()) {
      throw input_error(where, "is not a row of this sweep", "delete the line (the point will run again), or use another --out file");
    }
    const std::vector<std::string> values = spec.point(index);
    if (!std::equal(values.begin(), values.end(), f.begin() + 1,
                    [](const std::string& value, const std::string& field) { return one_line(value) == field; })) {
      throw input_error(where, "point " + f[0] + " has other parameter values than this sweep's point " + f[0],
                        "the file is from another sweep: use another --out file, or delete this one");
    }
    if (!seen.insert(index).second) {
      throw input_error(where, "point " + f[0] + " appears twice", "delete one of the two lines");
    }
    out.rows.push_back(text.substr(start, end + 1 - start));
    out.indices.push_back(index);
    out.valid_bytes = static_cast<int64_t>(end + 1);
    start = end + 1;
  }
  return out;
}

ResultsWriter::ResultsWriter(const std::string& path, const SweepSpec& spec, const ResultsFile& existing) : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw io_error(path, "cannot be opened for writing");
  // A torn line (or a torn header) is dropped before anything is appended after it.
  if (::ftruncate(fd_, existing.valid_bytes) != 0) throw io_error(path, "cannot be truncated");
  if (existing.valid_bytes == 0) append(csv_line(sweep_csv_columns(spec)));
}

ResultsWriter::~ResultsWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void ResultsWriter::append(const std::string& line) {
  std::lock_guard<std::mutex> lock(mu_);
  write_synced(fd_, line, path_);
}

std::string sorted_results(const SweepSpec& spec, std::vector<std::string> rows) {
  auto index_of = [](const std::string& row) {
    int64_t i = -1;
    parse_index(row.substr(0, row.find(',')), i);
    return i;
  };
  std::sort(rows.begin(), rows.end(), [&](const auto& a, const auto& b) { return index_of(a) < index_of(b); });
  std::string text = csv_line(sweep_csv_columns(spec));
  for (const auto& r : rows) text += r;
  return text;
}

void write_results_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw io_error(tmp, "cannot be opened for writing");
  try {
    write_synced(fd, text, tmp);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw io_error(path, "cannot be replaced");
}

}  // namespace trnsim::plan
