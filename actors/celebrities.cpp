#include "actors/celebrities.hpp"

#include "storage/keys.hpp"

namespace reel::actors {

void celebrity_set::load(const storage::store& db) {
  auto prefix = storage::keys::celebrity_prefix();
  std::lock_guard lock(mutex_);
  db.scan(prefix, prefix.prefix_end(), [&](std::string_view key, std::string_view) {
    authors_.insert(user_id(storage::read_u64(key, storage::key_header_bytes)));
    return true;
  });
}

void celebrity_set::add(user_id author) {
  std::lock_guard lock(mutex_);
  authors_.insert(author);
}

bool celebrity_set::contains(user_id author) const {
  std::lock_guard lock(mutex_);
  return authors_.count(author) > 0;
}

std::vector<user_id> celebrity_set::all() const {
  std::lock_guard lock(mutex_);
  return {authors_.begin(), authors_.end()};
}

}  // namespace reel::actors
