// Read side of videos: what clients see of videos, likes and comments, from committed state.
#pragma once

#include <optional>
#include <vector>

#include "actors/service.hpp"
#include "storage/records.hpp"
#include "storage/store.hpp"

namespace reel::actors {

std::optional<storage::video_record> load_video(const storage::store& db, video_id id);

// Views of `ids` in the same order, relative to `viewer` (0 = anonymous); unknown ids skipped.
std::vector<video_view> video_views(const storage::store& db, const std::vector<video_id>& ids, user_id viewer);

// Newest first.
std::vector<video_id> works_ids(const storage::store& db, user_id author);
std::vector<video_id> favorite_ids(const storage::store& db, user_id user);
std::vector<comment_view> comment_views(const storage::store& db, video_id video, user_id viewer);

}  // namespace reel::actors
