// Read side: builds what clients see from committed state in storage, no actor involved.
// Actors reply to writes only once durable, so these reads see every acknowledged write.
#pragma once

#include <optional>
#include <vector>

#include "actors/service.hpp"
#include "storage/records.hpp"
#include "storage/store.hpp"

namespace reel::actors {

std::optional<storage::user_record> load_user(const storage::store& db, user_id id);
std::optional<user_id> find_user_by_name(const storage::store& db, std::string_view name);

user_view to_view(storage::user_record r, bool is_follow);

// Views of `ids` in the same order, relative to `viewer` (0 = anonymous); unknown ids are skipped.
std::vector<user_view> user_views(const storage::store& db, const std::vector<user_id>& ids, user_id viewer);

// Edge lists, newest first.
std::vector<user_id> following_ids(const storage::store& db, user_id owner);
std::vector<user_id> follower_ids(const storage::store& db, user_id owner);

// Mutual follows of `owner`, newest follow first; messages are those between `viewer` and
// each friend (a viewer never sees someone else's chats).
std::vector<friend_view> friends(const storage::store& db, user_id owner, user_id viewer);

// Messages between a and b with create_time > after, ascending.
std::vector<message_view> chat_after(const storage::store& db, user_id a, user_id b, millis after);

}  // namespace reel::actors
