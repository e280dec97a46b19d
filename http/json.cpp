#include "http/json.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdio>
#include <ctime>

namespace reel::http::json {

namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

void str(writer& w, std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }

void key(writer& w, std::string_view k) { w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size())); }

void envelope(writer& w, const error& e) {
  key(w, "status_code");
  w.Int(info(e.code).status_code);
  key(w, "status_msg");
  str(w, e.code == errc::ok ? std::string_view("success") : e.text());
}

void user_fields(writer& w, const user_view& u) {
  key(w, "id");
  w.Uint64(u.id.value);
  key(w, "name");
  str(w, u.name);
  key(w, "follow_count");
  w.Uint64(u.follow_count);
  key(w, "follower_count");
  w.Uint64(u.follower_count);
  key(w, "is_follow");
  w.Bool(u.is_follow);
  key(w, "avatar");
  str(w, u.avatar);
  key(w, "background_image");
  str(w, u.background_image);
  key(w, "signature");
  str(w, u.signature);
  key(w, "total_favorited");
  w.Uint64(u.total_favorited);
  key(w, "work_count");
  w.Uint64(u.work_count);
  key(w, "favorite_count");
  w.Uint64(u.favorite_count);
}

// {"status_code":0,"status_msg":"success", ...} with `fields` writing the rest.
template <class Fields>
std::string success_with(Fields fields) {
  rapidjson::StringBuffer buffer;
  writer w(buffer);
  w.StartObject();
  envelope(w, make_error(errc::ok));
  fields(w);
  w.EndObject();
  return buffer.GetString();
}

// A list member "<name>":[...] with `item` writing each element.
template <class List, class Item>
void list_member(writer& w, std::string_view name, const List& list, Item item) {
  key(w, name);
  w.StartArray();
  for (const auto& x : list) item(w, x);
  w.EndArray();
}

template <class List, class Item>
std::string success_with_list(std::string_view name, const List& list, Item item) {
  return success_with([&](writer& w) { list_member(w, name, list, item); });
}

}  // namespace

std::string status(const error& e) {
  rapidjson::StringBuffer buffer;
  writer w(buffer);
  w.StartObject();
  envelope(w, e);
  w.EndObject();
  return buffer.GetString();
}

std::string success() { return status(make_error(errc::ok)); }

std::string login_result(const error& e, user_id id, const std::string& token) {
  rapidjson::StringBuffer buffer;
  writer w(buffer);
  w.StartObject();
  envelope(w, e);
  key(w, "user_id");
  w.Uint64(e.code == errc::ok ? id.value : 0);
  key(w, "token");
  str(w, e.code == errc::ok ? token : std::string());
  w.EndObject();
  return buffer.GetString();
}

std::string user(const user_view& u) {
  return success_with([&](writer& w) {
    key(w, "user");
    w.StartObject();
    user_fields(w, u);
    w.EndObject();
  });
}

std::string user_list(const std::vector<user_view>& users) {
  return success_with_list("user_list", users, [](writer& w, const user_view& u) {
    w.StartObject();
    user_fields(w, u);
    w.EndObject();
  });
}

std::string friend_list(const std::vector<friend_view>& friends) {
  return success_with_list("user_list", friends, [](writer& w, const friend_view& f) {
    w.StartObject();
    user_fields(w, f.user);
    key(w, "message");
    str(w, f.message);
    key(w, "msgType");
    w.Int(f.msg_type);
    w.EndObject();
  });
}

std::string message_list(const std::vector<message_view>& messages) {
  return success_with_list("message_list", messages, [](writer& w, const message_view& m) {
    w.StartObject();
    key(w, "id");
    w.Uint64(m.id.value);
    key(w, "to_user_id");
    w.Uint64(m.to.value);
    key(w, "from_user_id");
    w.Uint64(m.from.value);
    key(w, "content");
    str(w, m.content);
    key(w, "create_time");
    w.Int64(m.create_time.value);
    w.EndObject();
  });
}

namespace {

void video_object(writer& w, const video_view& v, const std::string& public_url) {
  w.StartObject();
  key(w, "id");
  w.Uint64(v.id.value);
  key(w, "author");
  w.StartObject();
  user_fields(w, v.author);
  w.EndObject();
  key(w, "play_url");
  str(w, play_url(public_url, v.media_hash));
  key(w, "cover_url");
  str(w, cover_url(public_url, v.media_hash));
  key(w, "favorite_count");
  w.Uint64(v.favorite_count);
  key(w, "comment_count");
  w.Uint64(v.comment_count);
  key(w, "is_favorite");
  w.Bool(v.is_favorite);
  key(w, "title");
  str(w, v.title);
  w.EndObject();
}

void comment_object(writer& w, const comment_view& c) {
  w.StartObject();
  key(w, "id");
  w.Uint64(c.id.value);
  key(w, "user");
  w.StartObject();
  user_fields(w, c.user);
  w.EndObject();
  key(w, "content");
  str(w, c.content);
  key(w, "create_date");
  str(w, month_day(c.created));
  w.EndObject();
}

}  // namespace

std::string video_list(const std::vector<video_view>& videos, const std::string& public_url) {
  return success_with_list("video_list", videos,
                           [&](writer& w, const video_view& v) { video_object(w, v, public_url); });
}

std::string feed(const feed_page& page, const std::string& public_url) {
  return success_with([&](writer& w) {
    key(w, "next_time");
    w.Int64(page.next_time.value);
    list_member(w, "video_list", page.videos, [&](writer& w, const video_view& v) { video_object(w, v, public_url); });
  });
}

std::string comment(const comment_view& c) {
  return success_with([&](writer& w) {
    key(w, "comment");
    comment_object(w, c);
  });
}

std::string comment_list(const std::vector<comment_view>& comments) {
  return success_with_list("comment_list", comments, [](writer& w, const comment_view& c) { comment_object(w, c); });
}

std::string play_url(const std::string& public_url, const std::string& media_hash) {
  return public_url + "/reel/v1/media/" + media_hash;
}

std::string cover_url(const std::string& public_url, const std::string& media_hash) {
  return public_url + "/reel/v1/media/" + media_hash + "/cover.jpg";
}

std::string month_day(millis time) {
  std::time_t seconds = static_cast<std::time_t>(time.value / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char out[8];
  std::snprintf(out, sizeof out, "%02d-%02d", utc.tm_mon + 1, utc.tm_mday);
  return out;
}

std::string pong() { return R"({"message":"pong"})"; }

}  // namespace reel::http::json
