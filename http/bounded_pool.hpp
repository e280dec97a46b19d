// A few worker threads with a bounded queue, for work that must never run on reactor or
// actor threads (Argon2id, FFmpeg). A full queue refuses at once: callers answer "busy"
// instead of piling up memory and latency. Batch work can run at a lower CPU priority
// (a nice value), so that a burst of it does not slow the requests the reactors serve.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace reel::http {

class bounded_pool {
 public:
  // `niceness`: the workers' nice value (0 = as the rest of the process, up to 19 = lowest).
  bounded_pool(unsigned threads, std::size_t queue_limit, int niceness = 0);
  // Runs what is queued, then joins the threads.
  ~bounded_pool();
  bounded_pool(const bounded_pool&) = delete;
  bounded_pool& operator=(const bounded_pool&) = delete;

  // False, without running `job`, when the queue is full.
  bool submit(std::function<void()> job);

 private:
  void run(int niceness);

  std::size_t queue_limit_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace reel::http
