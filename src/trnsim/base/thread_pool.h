// A small fork-join pool for the functional simulator's heavy instructions. Work is split into
// fixed, disjoint ranges, so results do not depend on the number of threads or their timing.
// Jobs are short (a matmul instruction is ~0.1-1 ms) and come back to back, so idle workers spin
// briefly on an atomic before they sleep: waking a sleeping thread costs more than a job's gain.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace trnsim {

class ThreadPool {
 public:
  // `threads` <= 0 means one per host core. The calling thread is one of them.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }
  // Calls fn(begin, end) on contiguous, disjoint parts of [0, n), one part per thread; returns when
  // all are done. Not reentrant.
  void parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn);

 private:
  void worker(int index);

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable wake_;
  const std::function<void(int64_t, int64_t)>* job_ = nullptr;
  int64_t job_n_ = 0;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
};

}  // namespace trnsim
