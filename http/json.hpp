// JSON bodies of the client API (API.md "Objects"): exactly the listed keys, no others.
#pragma once

#include <string>
#include <vector>

#include "actors/service.hpp"
#include "schema/errors.hpp"

namespace reel::http::json {

// {"status_code":N,"status_msg":"..."}
std::string status(const error& e);
std::string success();
// Register and login carry user_id and token on failure too (user_id 0, token "").
std::string login_result(const error& e, user_id id, const std::string& token);

// Users carry absolute URLs of their images built from the configured public base URL (the
// user's own when set, else the generated defaults: http/user_images.hpp); videos carry
// absolute media URLs built from it.
std::string user(const user_view& u, const std::string& public_url);
std::string user_list(const std::vector<user_view>& users, const std::string& public_url);
std::string friend_list(const std::vector<friend_view>& friends, const std::string& public_url);
std::string message_list(const std::vector<message_view>& messages);

std::string video_list(const std::vector<video_view>& videos, const std::string& public_url);
std::string feed(const feed_page& page, const std::string& public_url);
std::string comment(const comment_view& c, const std::string& public_url);
std::string comment_list(const std::vector<comment_view>& comments, const std::string& public_url);

std::string play_url(const std::string& public_url, const std::string& media_hash);
std::string cover_url(const std::string& public_url, const std::string& media_hash);
// "MM-DD" of a time, in UTC.
std::string month_day(millis time);

std::string pong();

}  // namespace reel::http::json
