#include "http/bounded_pool.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>

namespace reel::http {

bounded_pool::bounded_pool(unsigned threads, std::size_t queue_limit, int niceness) : queue_limit_(queue_limit) {
  for (unsigned i = 0; i < std::max(1u, threads); ++i) threads_.emplace_back([this, niceness] { run(niceness); });
}

bounded_pool::~bounded_pool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
}

bool bounded_pool::submit(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= queue_limit_) return false;
    queue_.push_back(std::move(job));
  }
  wake_.notify_one();
  return true;
}

void bounded_pool::run(int niceness) {
  // On Linux a nice value belongs to the thread: this lowers only this worker. Failure
  // (a sandbox without the right) leaves the worker at normal priority.
  if (niceness != 0) (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), niceness);
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job();
  }
}

}  // namespace reel::http
