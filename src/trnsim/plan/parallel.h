// Internal to plan/: runs fn(i) for i in [0, n) on `threads` std::threads. Work is handed out in
// small blocks; each i writes only its own result slot, so results do not depend on the threads.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace trnsim::plan::detail {

template <typename Fn>
void parallel_for(int64_t n, int threads, Fn&& fn, int64_t block = 16) {
  std::atomic<int64_t> next{0};
  std::exception_ptr error;
  std::mutex error_mu;
  auto work = [&] {
    try {
      for (;;) {
        const int64_t begin = next.fetch_add(block);
        if (begin >= n) return;
        for (int64_t i = begin; i < std::min(n, begin + block); ++i) fn(i);
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mu);
      if (!error) error = std::current_exception();
      next.store(n);
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

inline int thread_count(int asked) {
  if (asked > 0) return asked;
  return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace trnsim::plan::detail
