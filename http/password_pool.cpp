#include "http/password_pool.hpp"

#include <sodium.h>

#include <stdexcept>

namespace reel::http {

namespace {

std::optional<std::string> argon2id(const std::string& password) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    return std::nullopt;  // out of memory
  return std::string(out);
}

}  // namespace

password_pool::password_pool(unsigned threads, std::size_t queue_limit) : queue_limit_(queue_limit) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  decoy_hash_ = argon2id("reel decoy password").value_or("");
  for (unsigned i = 0; i < std::max(1u, threads); ++i) threads_.emplace_back([this] { run(); });
}

password_pool::~password_pool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
}

bool password_pool::hash(std::string password, std::function<void(std::optional<std::string>)> done) {
  return submit([password = std::move(password), done = std::move(done)] { done(argon2id(password)); });
}

bool password_pool::verify(std::string hash, std::string password, std::function<void(bool)> done) {
  return submit([hash = std::move(hash), password = std::move(password), done = std::move(done)] {
    done(crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0);
  });
}

bool password_pool::verify_nothing(std::string password, std::function<void()> done) {
  return verify(decoy_hash_, std::move(password), [done = std::move(done)](bool) { done(); });
}

bool password_pool::submit(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= queue_limit_) return false;
    queue_.push_back(std::move(job));
  }
  wake_.notify_one();
  return true;
}

void password_pool::run() {
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
