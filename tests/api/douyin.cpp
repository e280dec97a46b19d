// Views and calls of the Douyin API for the black-box tests.
#include "douyin.hpp"

#include <algorithm>

namespace reel::test {
namespace {

std::string text_of(const rapidjson::Value& object, const char* key) {
  auto it = object.FindMember(key);
  if (it == object.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

std::int64_t int_of(const rapidjson::Value& object, const char* key, std::int64_t fallback) {
  auto it = object.FindMember(key);
  if (it == object.MemberEnd() || !it->value.IsInt64()) return fallback;
  return it->value.GetInt64();
}

std::uint64_t id_of(const rapidjson::Value& object, const char* key) {
  auto it = object.FindMember(key);
  if (it == object.MemberEnd() || !it->value.IsUint64()) return 0;
  return it->value.GetUint64();
}

std::string caller(const std::source_location& where) {
  const std::string file = where.file_name();
  return file.substr(file.find_last_of('/') + 1) + ":" + std::to_string(where.line());
}

void add_token(params& p, const std::string& token) {
  if (!token.empty()) p.emplace_back("token", token);
}

}  // namespace

user_view to_user_view(const rapidjson::Value& user) {
  user_view u;
  if (!user.IsObject()) return u;
  u.id = id_of(user, "id");
  u.name = text_of(user, "name");
  u.follow_count = int_of(user, "follow_count", -1);
  u.follower_count = int_of(user, "follower_count", -1);
  auto is_follow = user.FindMember("is_follow");
  u.is_follow = is_follow != user.MemberEnd() && is_follow->value.IsBool() && is_follow->value.GetBool();
  u.avatar = text_of(user, "avatar");
  u.background_image = text_of(user, "background_image");
  u.signature = text_of(user, "signature");
  u.total_favorited = int_of(user, "total_favorited", -1);
  u.work_count = int_of(user, "work_count", -1);
  u.favorite_count = int_of(user, "favorite_count", -1);
  u.message = text_of(user, "message");
  u.msg_type = int_of(user, "msgType", -1);
  return u;
}

message_view to_message_view(const rapidjson::Value& message) {
  message_view m;
  if (!message.IsObject()) return m;
  m.id = id_of(message, "id");
  m.to_user_id = id_of(message, "to_user_id");
  m.from_user_id = id_of(message, "from_user_id");
  m.content = text_of(message, "content");
  m.create_time = int_of(message, "create_time", 0);
  return m;
}

std::vector<user_view> user_list_of(const response& r) {
  std::vector<user_view> out;
  if (!r.json_ok || !r.json.IsObject() || !r.json.HasMember("user_list")) return out;
  const auto& list = r.json["user_list"];
  if (!list.IsArray()) return out;
  for (const auto& v : list.GetArray()) out.push_back(to_user_view(v));
  return out;
}

std::vector<message_view> message_list_of(const response& r) {
  std::vector<message_view> out;
  if (!r.json_ok || !r.json.IsObject() || !r.json.HasMember("message_list")) return out;
  const auto& list = r.json["message_list"];
  if (!list.IsArray()) return out;
  for (const auto& v : list.GetArray()) out.push_back(to_message_view(v));
  return out;
}

std::vector<std::uint64_t> ids_of(const std::vector<user_view>& users) {
  std::vector<std::uint64_t> ids;
  for (const auto& u : users) ids.push_back(u.id);
  return ids;
}

video_view to_video_view(const rapidjson::Value& video) {
  video_view v;
  if (!video.IsObject()) return v;
  v.id = id_of(video, "id");
  auto author = video.FindMember("author");
  if (author != video.MemberEnd()) v.author = to_user_view(author->value);
  v.play_url = text_of(video, "play_url");
  v.cover_url = text_of(video, "cover_url");
  v.favorite_count = int_of(video, "favorite_count", -1);
  v.comment_count = int_of(video, "comment_count", -1);
  auto liked = video.FindMember("is_favorite");
  v.is_favorite = liked != video.MemberEnd() && liked->value.IsBool() && liked->value.GetBool();
  v.title = text_of(video, "title");
  return v;
}

comment_view to_comment_view(const rapidjson::Value& comment) {
  comment_view c;
  if (!comment.IsObject()) return c;
  c.id = id_of(comment, "id");
  auto user = comment.FindMember("user");
  if (user != comment.MemberEnd()) c.user = to_user_view(user->value);
  c.content = text_of(comment, "content");
  c.create_date = text_of(comment, "create_date");
  return c;
}

std::vector<video_view> video_list_of(const response& r) {
  std::vector<video_view> out;
  if (!r.json_ok || !r.json.IsObject() || !r.json.HasMember("video_list")) return out;
  const auto& list = r.json["video_list"];
  if (!list.IsArray()) return out;
  for (const auto& v : list.GetArray()) out.push_back(to_video_view(v));
  return out;
}

std::vector<comment_view> comment_list_of(const response& r) {
  std::vector<comment_view> out;
  if (!r.json_ok || !r.json.IsObject() || !r.json.HasMember("comment_list")) return out;
  const auto& list = r.json["comment_list"];
  if (!list.IsArray()) return out;
  for (const auto& v : list.GetArray()) out.push_back(to_comment_view(v));
  return out;
}

std::vector<std::uint64_t> ids_of(const std::vector<video_view>& videos) {
  std::vector<std::uint64_t> ids;
  for (const auto& v : videos) ids.push_back(v.id);
  return ids;
}

std::vector<std::uint64_t> ids_of(const std::vector<comment_view>& comments) {
  std::vector<std::uint64_t> ids;
  for (const auto& c : comments) ids.push_back(c.id);
  return ids;
}

std::vector<std::string> titles_of(const std::vector<video_view>& videos) {
  std::vector<std::string> titles;
  for (const auto& v : videos) titles.push_back(v.title);
  return titles;
}

std::uint64_t absent_user_id(std::initializer_list<std::uint64_t> known) { return std::max(known) + 1000003; }

namespace api {

response ping(http_client& c) { return c.get("/ping"); }

response user_register(http_client& c, const std::string& username, const std::string& password) {
  return c.post_form("/douyin/user/register/", {{"username", username}, {"password", password}});
}

response user_login(http_client& c, const std::string& username, const std::string& password) {
  return c.post_form("/douyin/user/login/", {{"username", username}, {"password", password}});
}

response user_info(http_client& c, const std::string& token, std::optional<std::uint64_t> user_id) {
  params q;
  if (user_id) q.emplace_back("user_id", std::to_string(*user_id));
  add_token(q, token);
  return c.get(c.with_query("/douyin/user/", q));
}

response relation_action(http_client& c, const std::string& token, std::uint64_t to_user_id, int action_type) {
  params p;
  add_token(p, token);
  p.emplace_back("to_user_id", std::to_string(to_user_id));
  p.emplace_back("action_type", std::to_string(action_type));
  return c.post_form("/douyin/relation/action/", p);
}

response follow(http_client& c, const std::string& token, std::uint64_t to_user_id) {
  return relation_action(c, token, to_user_id, 1);
}

response unfollow(http_client& c, const std::string& token, std::uint64_t to_user_id) {
  return relation_action(c, token, to_user_id, 2);
}

response follow_list(http_client& c, std::uint64_t user_id, const std::string& token) {
  params q = {{"user_id", std::to_string(user_id)}};
  add_token(q, token);
  return c.get(c.with_query("/douyin/relation/follow/list/", q));
}

response follower_list(http_client& c, std::uint64_t user_id, const std::string& token) {
  params q = {{"user_id", std::to_string(user_id)}};
  add_token(q, token);
  return c.get(c.with_query("/douyin/relation/follower/list/", q));
}

response friend_list(http_client& c, const std::string& token, std::optional<std::uint64_t> user_id) {
  params q;
  if (user_id) q.emplace_back("user_id", std::to_string(*user_id));
  add_token(q, token);
  return c.get(c.with_query("/douyin/relation/friend/list/", q));
}

response send_message(http_client& c, const std::string& token, std::uint64_t to_user_id, const std::string& content) {
  params p;
  add_token(p, token);
  p.emplace_back("to_user_id", std::to_string(to_user_id));
  p.emplace_back("action_type", "1");
  p.emplace_back("content", content);
  return c.post_form("/douyin/message/action/", p);
}

response chat(http_client& c, const std::string& token, std::uint64_t to_user_id,
              std::optional<std::int64_t> pre_msg_time) {
  params q;
  add_token(q, token);
  q.emplace_back("to_user_id", std::to_string(to_user_id));
  if (pre_msg_time) q.emplace_back("pre_msg_time", std::to_string(*pre_msg_time));
  return c.get(c.with_query("/douyin/message/chat/", q));
}

response logout(http_client& c, const std::string& token) {
  params p;
  add_token(p, token);
  return c.post_form("/reel/v1/logout", p);
}

response publish(http_client& c, const std::string& token, const std::string& bytes, const std::string& title) {
  params p;
  add_token(p, token);
  p.emplace_back("title", title);
  file_part file;
  file.bytes = bytes;
  return c.post_multipart_file("/douyin/publish/action/", p, file);
}

response publish_list(http_client& c, std::uint64_t user_id, const std::string& token) {
  params q = {{"user_id", std::to_string(user_id)}};
  add_token(q, token);
  return c.get(c.with_query("/douyin/publish/list/", q));
}

response feed(http_client& c, const params& query) { return c.get(c.with_query("/douyin/feed/", query)); }

response feed(http_client& c, const std::string& token, std::optional<std::int64_t> latest_time,
              const std::string& feed_type) {
  params q;
  if (latest_time) q.emplace_back("latest_time", std::to_string(*latest_time));
  add_token(q, token);
  if (!feed_type.empty()) q.emplace_back("feed_type", feed_type);
  return feed(c, q);
}

response favorite_action(http_client& c, const std::string& token, std::uint64_t video_id, int action_type) {
  params p;
  add_token(p, token);
  p.emplace_back("video_id", std::to_string(video_id));
  p.emplace_back("action_type", std::to_string(action_type));
  return c.post_form("/douyin/favorite/action/", p);
}

response like(http_client& c, const std::string& token, std::uint64_t video_id) {
  return favorite_action(c, token, video_id, 1);
}

response unlike(http_client& c, const std::string& token, std::uint64_t video_id) {
  return favorite_action(c, token, video_id, 2);
}

response favorite_list(http_client& c, std::uint64_t user_id, const std::string& token) {
  params q = {{"user_id", std::to_string(user_id)}};
  add_token(q, token);
  return c.get(c.with_query("/douyin/favorite/list/", q));
}

response comment_add(http_client& c, const std::string& token, std::uint64_t video_id, const std::string& text) {
  params p;
  add_token(p, token);
  p.emplace_back("video_id", std::to_string(video_id));
  p.emplace_back("action_type", "1");
  p.emplace_back("comment_text", text);
  return c.post_form("/douyin/comment/action/", p);
}

response comment_delete(http_client& c, const std::string& token, std::uint64_t video_id, std::uint64_t comment_id) {
  params p;
  add_token(p, token);
  p.emplace_back("video_id", std::to_string(video_id));
  p.emplace_back("action_type", "2");
  p.emplace_back("comment_id", std::to_string(comment_id));
  return c.post_form("/douyin/comment/action/", p);
}

response comment_list(http_client& c, std::uint64_t video_id, const std::string& token) {
  params q = {{"video_id", std::to_string(video_id)}};
  add_token(q, token);
  return c.get(c.with_query("/douyin/comment/list/", q));
}

response metrics(http_client& c) { return c.get("/metrics"); }

}  // namespace api

user_view fetch_user(http_client& c, const std::string& token, std::uint64_t user_id, here where) {
  INFO("called from ", caller(where));
  response r = api::user_info(c, token, user_id);
  REQUIRE_API_OK(r, "user");
  REQUIRE_NO_PROBLEM(with_request(r, problem_user(r.json["user"], r.base_url)));
  return to_user_view(r.json["user"]);
}

std::vector<user_view> fetch_follow_list(http_client& c, std::uint64_t user_id, const std::string& token, here where) {
  INFO("called from ", caller(where));
  response r = api::follow_list(c, user_id, token);
  REQUIRE_NO_PROBLEM(problem_user_list(r));
  return user_list_of(r);
}

std::vector<user_view> fetch_follower_list(http_client& c, std::uint64_t user_id, const std::string& token,
                                           here where) {
  INFO("called from ", caller(where));
  response r = api::follower_list(c, user_id, token);
  REQUIRE_NO_PROBLEM(problem_user_list(r));
  return user_list_of(r);
}

std::vector<user_view> fetch_friend_list(http_client& c, const std::string& token, here where) {
  INFO("called from ", caller(where));
  response r = api::friend_list(c, token);
  REQUIRE_NO_PROBLEM(problem_friend_list(r));
  return user_list_of(r);
}

std::vector<message_view> fetch_chat(http_client& c, const std::string& token, std::uint64_t to_user_id,
                                     std::optional<std::int64_t> pre_msg_time, here where) {
  INFO("called from ", caller(where));
  response r = api::chat(c, token, to_user_id, pre_msg_time);
  REQUIRE_NO_PROBLEM(problem_message_list(r));
  return message_list_of(r);
}

void must_follow(http_client& c, const account& who, std::uint64_t whom, here where) {
  INFO("called from ", caller(where));
  REQUIRE_API_OK(api::follow(c, who.token, whom));
}

void must_unfollow(http_client& c, const account& who, std::uint64_t whom, here where) {
  INFO("called from ", caller(where));
  REQUIRE_API_OK(api::unfollow(c, who.token, whom));
}

void must_send(http_client& c, const account& from, std::uint64_t to, const std::string& content, here where) {
  INFO("called from ", caller(where));
  REQUIRE_API_OK(api::send_message(c, from.token, to, content));
}

std::vector<video_view> fetch_publish_list(http_client& c, std::uint64_t user_id, const std::string& token,
                                           here where) {
  INFO("called from ", caller(where));
  response r = api::publish_list(c, user_id, token);
  REQUIRE_NO_PROBLEM(problem_video_list(r));
  return video_list_of(r);
}

std::vector<video_view> fetch_favorite_list(http_client& c, std::uint64_t user_id, const std::string& token,
                                            here where) {
  INFO("called from ", caller(where));
  response r = api::favorite_list(c, user_id, token);
  REQUIRE_NO_PROBLEM(problem_video_list(r));
  return video_list_of(r);
}

std::vector<comment_view> fetch_comment_list(http_client& c, std::uint64_t video_id, const std::string& token,
                                             here where) {
  INFO("called from ", caller(where));
  response r = api::comment_list(c, video_id, token);
  REQUIRE_NO_PROBLEM(problem_comment_list(r));
  return comment_list_of(r);
}

feed_page fetch_feed(http_client& c, const std::string& token, std::optional<std::int64_t> latest_time,
                     const std::string& feed_type, here where) {
  INFO("called from ", caller(where));
  response r = api::feed(c, token, latest_time, feed_type);
  REQUIRE_NO_PROBLEM(problem_feed(r));
  return {r.int_member("next_time").value_or(-1), video_list_of(r)};
}

video_view must_publish(http_client& c, const account& author, const std::string& bytes, const std::string& title,
                        here where) {
  INFO("called from ", caller(where));
  REQUIRE_API_OK(api::publish(c, author.token, bytes, title));
  const auto list = fetch_publish_list(c, author.user_id, author.token, where);
  const auto found = std::find_if(list.begin(), list.end(), [&](const video_view& v) { return v.title == title; });
  REQUIRE_MESSAGE(found != list.end(), "published video '", title, "' is not in its author's publish list");
  return *found;
}

void must_like(http_client& c, const account& who, std::uint64_t video_id, here where) {
  INFO("called from ", caller(where));
  REQUIRE_API_OK(api::like(c, who.token, video_id));
}

void must_unlike(http_client& c, const account& who, std::uint64_t video_id, here where) {
  INFO("called from ", caller(where));
  REQUIRE_API_OK(api::unlike(c, who.token, video_id));
}

comment_view must_comment(http_client& c, const account& who, std::uint64_t video_id, const std::string& text,
                          here where) {
  INFO("called from ", caller(where));
  response r = api::comment_add(c, who.token, video_id, text);
  REQUIRE_NO_PROBLEM(problem_comment_added(r));
  return to_comment_view(r.json["comment"]);
}

}  // namespace reel::test
