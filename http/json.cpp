#include "http/json.hpp"

#include <charconv>
#include <cstdio>
#include <ctime>

#include "http/json_writer.hpp"
#include "http/user_images.hpp"

namespace reel::http::json {

namespace {

using writer = json_writer;

void str(writer& w, std::string_view s) { w.string(s); }

void key(writer& w, std::string_view k) { w.key(k); }

void envelope(writer& w, const error& e) {
  key(w, "status_code");
  w.i64(info(e.code).status_code);
  key(w, "status_msg");
  str(w, e.code == errc::ok ? std::string_view("success") : e.text());
}

// A user's image: the one the user set, else the generated default at
// <public_url>/reel/v1/user/<id><suffix> (http/user_images.hpp). `id` is the id's digits.
void image_url(writer& w, const std::string& set, const std::string& public_url, std::string_view id,
               std::string_view suffix) {
  if (!set.empty()) return str(w, set);
  w.string({public_url, user_image_prefix, id, suffix});
}

void user_fields(writer& w, const user_view& u, const std::string& public_url) {
  char digits[20];
  const std::string_view id(digits, std::to_chars(digits, digits + sizeof digits, u.id.value).ptr - digits);
  key(w, "id");
  w.u64(u.id.value);
  key(w, "name");
  str(w, u.name);
  key(w, "follow_count");
  w.u64(u.follow_count);
  key(w, "follower_count");
  w.u64(u.follower_count);
  key(w, "is_follow");
  w.boolean(u.is_follow);
  key(w, "avatar");
  image_url(w, u.avatar, public_url, id, avatar_suffix);
  key(w, "background_image");
  image_url(w, u.background_image, public_url, id, background_suffix);
  key(w, "signature");
  str(w, u.signature);
  key(w, "total_favorited");
  w.u64(u.total_favorited);
  key(w, "work_count");
  w.u64(u.work_count);
  key(w, "favorite_count");
  w.u64(u.favorite_count);
}

// {"status_code":0,"status_msg":"success", ...} with `fields` writing the rest.
// `reserve`: the expected size, so that a long list is not copied as it grows.
template <class Fields>
std::string success_with(Fields fields, std::size_t reserve = 256) {
  writer w(reserve);
  w.start_object();
  envelope(w, make_error(errc::ok));
  fields(w);
  w.end_object();
  return w.take();
}

// A list member "<name>":[...] with `item` writing each element.
template <class List, class Item>
void list_member(writer& w, std::string_view name, const List& list, Item item) {
  key(w, name);
  w.start_array();
  for (const auto& x : list) item(w, x);
  w.end_array();
}

// Bytes of JSON per list element to reserve for: a video with its author is about 720, of
// which the author's two image URLs are about 120 (with a 21-byte public URL).
constexpr std::size_t element_bytes = 768;

template <class List, class Item>
std::string success_with_list(std::string_view name, const List& list, Item item) {
  return success_with([&](writer& w) { list_member(w, name, list, item); }, 128 + element_bytes * list.size());
}

}  // namespace

std::string status(const error& e) {
  writer w;
  w.start_object();
  envelope(w, e);
  w.end_object();
  return w.take();
}

std::string success() { return status(make_error(errc::ok)); }

std::string login_result(const error& e, user_id id, const std::string& token) {
  writer w;
  w.start_object();
  envelope(w, e);
  key(w, "user_id");
  w.u64(e.code == errc::ok ? id.value : 0);
  key(w, "token");
  str(w, e.code == errc::ok ? token : std::string());
  w.end_object();
  return w.take();
}

std::string user(const user_view& u, const std::string& public_url) {
  return success_with([&](writer& w) {
    key(w, "user");
    w.start_object();
    user_fields(w, u, public_url);
    w.end_object();
  });
}

std::string user_list(const std::vector<user_view>& users, const std::string& public_url) {
  return success_with_list("user_list", users, [&](writer& w, const user_view& u) {
    w.start_object();
    user_fields(w, u, public_url);
    w.end_object();
  });
}

std::string friend_list(const std::vector<friend_view>& friends, const std::string& public_url) {
  return success_with_list("user_list", friends, [&](writer& w, const friend_view& f) {
    w.start_object();
    user_fields(w, f.user, public_url);
    key(w, "message");
    str(w, f.message);
    key(w, "msgType");
    w.i64(f.msg_type);
    w.end_object();
  });
}

std::string message_list(const std::vector<message_view>& messages) {
  return success_with_list("message_list", messages, [](writer& w, const message_view& m) {
    w.start_object();
    key(w, "id");
    w.u64(m.id.value);
    key(w, "to_user_id");
    w.u64(m.to.value);
    key(w, "from_user_id");
    w.u64(m.from.value);
    key(w, "content");
    str(w, m.content);
    key(w, "create_time");
    w.i64(m.create_time.value);
    w.end_object();
  });
}

namespace {

constexpr std::string_view media_path = "/reel/v1/media/";
constexpr std::string_view cover_suffix = "/cover.jpg";

void video_object(writer& w, const video_view& v, const std::string& public_url) {
  w.start_object();
  key(w, "id");
  w.u64(v.id.value);
  key(w, "author");
  w.start_object();
  user_fields(w, v.author, public_url);
  w.end_object();
  key(w, "play_url");
  w.string({public_url, media_path, v.media_hash});
  key(w, "cover_url");
  w.string({public_url, media_path, v.media_hash, cover_suffix});
  key(w, "favorite_count");
  w.u64(v.favorite_count);
  key(w, "comment_count");
  w.u64(v.comment_count);
  key(w, "is_favorite");
  w.boolean(v.is_favorite);
  key(w, "title");
  str(w, v.title);
  w.end_object();
}

void comment_object(writer& w, const comment_view& c, const std::string& public_url) {
  w.start_object();
  key(w, "id");
  w.u64(c.id.value);
  key(w, "user");
  w.start_object();
  user_fields(w, c.user, public_url);
  w.end_object();
  key(w, "content");
  str(w, c.content);
  key(w, "create_date");
  str(w, month_day(c.created));
  w.end_object();
}

}  // namespace

std::string video_list(const std::vector<video_view>& videos, const std::string& public_url) {
  return success_with_list("video_list", videos,
                           [&](writer& w, const video_view& v) { video_object(w, v, public_url); });
}

std::string feed(const feed_page& page, const std::string& public_url) {
  return success_with(
      [&](writer& w) {
        key(w, "next_time");
        w.i64(page.next_time.value);
        list_member(w, "video_list", page.videos,
                    [&](writer& w, const video_view& v) { video_object(w, v, public_url); });
      },
      128 + element_bytes * page.videos.size());
}

std::string comment(const comment_view& c, const std::string& public_url) {
  return success_with([&](writer& w) {
    key(w, "comment");
    comment_object(w, c, public_url);
  });
}

std::string comment_list(const std::vector<comment_view>& comments, const std::string& public_url) {
  return success_with_list("comment_list", comments,
                           [&](writer& w, const comment_view& c) { comment_object(w, c, public_url); });
}

std::string play_url(const std::string& public_url, const std::string& media_hash) {
  return public_url + std::string(media_path) + media_hash;
}

std::string cover_url(const std::string& public_url, const std::string& media_hash) {
  return public_url + std::string(media_path) + media_hash + std::string(cover_suffix);
}

std::string month_day(millis time) {
  std::time_t seconds = static_cast<std::time_t>(time.value / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char out[16];
  std::snprintf(out, sizeof out, "%02d-%02d", utc.tm_mon + 1, utc.tm_mday);
  return out;
}

std::string pong() { return R"({"message":"pong"})"; }

}  // namespace reel::http::json
