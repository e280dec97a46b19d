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

password_pool::password_pool(unsigned threads, std::size_t queue_limit, int niceness)
    : pool_(threads, queue_limit, niceness) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  decoy_hash_ = argon2id("reel decoy password").value_or("");
}

password_pool::~password_pool() = default;

bool password_pool::hash(std::string password, std::function<void(std::optional<std::string>)> done) {
  return pool_.submit([password = std::move(password), done = std::move(done)] { done(argon2id(password)); });
}

bool password_pool::verify(std::string hash, std::string password, std::function<void(bool)> done) {
  return pool_.submit([hash = std::move(hash), password = std::move(password), done = std::move(done)] {
    done(crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0);
  });
}

bool password_pool::verify_nothing(std::string password, std::function<void()> done) {
  return verify(decoy_hash_, std::move(password), [done = std::move(done)](bool) { done(); });
}

}  // namespace reel::http
