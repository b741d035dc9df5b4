#include "trnsim/plan/sweep_progress.h"

#include <unistd.h>

namespace trnsim::plan {
namespace {

constexpr auto kTtyEvery = std::chrono::milliseconds(100);
constexpr auto kLineEvery = std::chrono::seconds(10);
constexpr int kBarWidth = 30;

std::string duration(double s) {
  char buf[32];
  if (s < 120) std::snprintf(buf, sizeof buf, "%.0fs", s);
  else if (s < 7200) std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  else std::snprintf(buf, sizeof buf, "%.1fh", s / 3600);
  return buf;
}

}  // namespace

SweepProgress::SweepProgress(std::FILE* stream, int64_t total, int64_t done, std::string label)
    : stream_(stream), tty_(stream && ::isatty(::fileno(stream)) == 1), total_(total), done_(done), resumed_(done),
      label_(std::move(label)), start_(std::chrono::steady_clock::now()), last_(start_) {
  if (stream_ && resumed_ > 0 && !tty_) {
    std::fprintf(stream_, "%ssweep: resuming, %lld of %lld points already done\n", label_.c_str(),
                 static_cast<long long>(resumed_), static_cast<long long>(total_));
  }
}

void SweepProgress::tick(bool error) {
  ++done_;
  errors_ += error;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ >= (tty_ ? std::chrono::duration_cast<std::chrono::steady_clock::duration>(kTtyEvery)
                           : std::chrono::duration_cast<std::chrono::steady_clock::duration>(kLineEvery))) {
    last_ = now;
    show(false);
  }
}

void SweepProgress::finish() { show(true); }

void SweepProgress::show(bool final) {
  if (!stream_) return;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const int64_t ran = done_ - resumed_;
  const double eta = ran > 0 ? elapsed / ran * (total_ - done_) : 0;
  const double frac = total_ > 0 ? static_cast<double>(done_) / total_ : 1;
  std::string text = std::to_string(done_) + "/" + std::to_string(total_) + " points";
  if (errors_) text += ", " + std::to_string(errors_) + " invalid";
  text += ", " + duration(elapsed) + (final ? "" : ", about " + duration(eta) + " left");
  if (tty_) {
    const int fill = static_cast<int>(frac * kBarWidth);
    std::fprintf(stream_, "\r%s[%s%s] %3.0f%% %s\033[K%s", label_.c_str(), std::string(fill, '#').c_str(),
                 std::string(kBarWidth - fill, ' ').c_str(), 100 * frac, text.c_str(), final ? "\n" : "");
  } else {
    std::fprintf(stream_, "%ssweep: %s%s\n", label_.c_str(), text.c_str(), final ? " (done)" : "");
  }
  std::fflush(stream_);
}

}  // namespace trnsim::plan
