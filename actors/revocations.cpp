#include "actors/revocations.hpp"

#include "storage/keys.hpp"
#include "storage/records.hpp"

namespace reel::actors {

void revocation_list::load(const storage::store& db, millis now) {
  auto prefix = storage::keys::revoked_token_prefix();
  std::lock_guard lock(mutex_);
  db.scan(prefix, prefix.prefix_end(), [&](std::string_view key, std::string_view value) {
    auto expires = storage::decode_revoked_token(value);
    if (expires && *expires > now) revoked_[storage::read_u64(key, storage::key_header_bytes)] = *expires;
    return true;
  });
}

void revocation_list::add(std::uint64_t token_id, millis expires, millis now) {
  std::lock_guard lock(mutex_);
  revoked_[token_id] = expires;
  if (revoked_.size() >= prune_at_) prune(now);
}

bool revocation_list::contains(std::uint64_t token_id) const {
  std::lock_guard lock(mutex_);
  return revoked_.count(token_id) > 0;
}

std::size_t revocation_list::size() const {
  std::lock_guard lock(mutex_);
  return revoked_.size();
}

void revocation_list::prune(millis now) {
  std::erase_if(revoked_, [now](const auto& entry) { return entry.second <= now; });
  prune_at_ = std::max<std::size_t>(1024, revoked_.size() * 2);
}

}  // namespace reel::actors
