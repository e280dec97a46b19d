#include "actors/revocations.hpp"

#include <rocksdb/write_batch.h>

#include <algorithm>

#include "storage/keys.hpp"
#include "storage/records.hpp"

namespace reel::actors {

void revocation_list::load(storage::store& db, millis now, bool delete_expired) {
  auto prefix = storage::keys::revoked_token_prefix();
  rocksdb::WriteBatch expired;
  std::lock_guard lock(mutex_);
  db.scan(prefix, prefix.prefix_end(), [&](std::string_view key, std::string_view value) {
    auto expires = storage::decode_revoked_token(value);
    // Kept when they may not be deleted here: the next revocation takes them out.
    if (expires && (*expires > now || !delete_expired))
      revoked_[storage::read_u64(key, storage::key_header_bytes)] = *expires;
    else
      expired.Delete(rocksdb::Slice(key.data(), key.size()));
    return true;
  });
  // Cleanup only: on a full disk the expired entries stay until a later start removes them.
  if (delete_expired && expired.Count() > 0) {
    try {
      db.write_buffered(expired);
    } catch (const std::exception&) {
    }
  }
  look_again_at_double();
}

void revocation_list::add(std::uint64_t token_id, millis expires) {
  std::lock_guard lock(mutex_);
  revoked_[token_id] = expires;
}

void revocation_list::forget(std::uint64_t token_id) {
  std::lock_guard lock(mutex_);
  revoked_.erase(token_id);
}

bool revocation_list::contains(std::uint64_t token_id) const {
  std::lock_guard lock(mutex_);
  return revoked_.count(token_id) > 0;
}

std::size_t revocation_list::size() const {
  std::lock_guard lock(mutex_);
  return revoked_.size();
}

std::vector<std::uint64_t> revocation_list::take_expired(millis now) {
  std::lock_guard lock(mutex_);
  std::vector<std::uint64_t> expired;
  if (revoked_.size() < look_at_size_) return expired;
  for (auto it = revoked_.begin(); it != revoked_.end();) {
    if (it->second <= now) {
      expired.push_back(it->first);
      it = revoked_.erase(it);
    } else {
      ++it;
    }
  }
  look_again_at_double();
  return expired;
}

void revocation_list::look_again_at_double() { look_at_size_ = std::max(min_look_size, revoked_.size() * 2); }

}  // namespace reel::actors
