#include "actors/relations.hpp"

#include "storage/keys.hpp"
#include "storage/records.hpp"

namespace reel::actors {

namespace {

storage::key by_id(edge_direction dir, user_id owner, user_id other) {
  return dir == edge_direction::following ? storage::keys::following(owner, other)
                                          : storage::keys::follower(owner, other);
}

storage::key by_time(edge_direction dir, user_id owner, millis since, user_id other) {
  return dir == edge_direction::following ? storage::keys::following_by_time(owner, since, other)
                                          : storage::keys::follower_by_time(owner, since, other);
}

}  // namespace

std::optional<millis> read_edge(const storage::store& db, edge_direction dir, user_id owner, user_id other) {
  auto value = db.get(by_id(dir, owner, other));
  if (!value) return std::nullopt;
  // An undecodable edge still exists: keep it counted rather than silently dropping it.
  return storage::decode_follow_edge(*value).value_or(millis(0));
}

int stage_edge(rocksdb::WriteBatch& batch, edge_direction dir, user_id owner, user_id other,
               std::optional<millis> before, std::optional<millis> after) {
  if (before.has_value() == after.has_value()) return 0;
  if (before) {
    batch.Delete(by_id(dir, owner, other).str());
    batch.Delete(by_time(dir, owner, *before, other).str());
    return -1;
  }
  batch.Put(by_id(dir, owner, other).str(), storage::encode_follow_edge(*after));
  batch.Put(by_time(dir, owner, *after, other).str(), "");
  return +1;
}

}  // namespace reel::actors
