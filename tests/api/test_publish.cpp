// Publish: accepted formats, media served at play_url/cover_url, content addressing,
// validation of what is not a video, size and duration limits, parameters, publish lists.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "clips.hpp"
#include "feeds.hpp"

using namespace reel::test;

namespace {

using title_list = std::vector<std::string>;

bool is_hex64(const std::string& text) {
  return text.size() == 64 && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// play_url and cover_url are absolute URLs under the public URL, named by the SHA-256 of the
// bytes, and both answer at once: the video byte for byte, the cover as a JPEG.
void check_media(http_client& c, const video_view& v, const clip& uploaded) {
  INFO("video '", v.title, "' from ", uploaded.name, ": play_url ", v.play_url, ", cover_url ", v.cover_url);
  const std::string media = c.base_url() + "/reel/v1/media/";
  REQUIRE(v.play_url.rfind(media, 0) == 0);
  const std::string hash = v.play_url.substr(media.size());
  CHECK(is_hex64(hash));
  CHECK(hash == uploaded.sha256);
  CHECK(v.cover_url == v.play_url + "/cover.jpg");

  const response play = get_absolute(c, v.play_url);
  REQUIRE(play.transport_ok());
  CHECK_MESSAGE(play.http_status == 200, play.describe());
  if (play.http_status == 200) {
    CHECK_MESSAGE(play.content_type.rfind("video/mp4", 0) == 0, "Content-Type '", play.content_type, "'");
    const bool same_bytes = play.body == uploaded.bytes;
    CHECK_MESSAGE(same_bytes, "play_url serves ", play.body.size(), " bytes, not the ", uploaded.bytes.size(),
                  " uploaded ones");
  }

  const response cover = get_absolute(c, v.cover_url);
  REQUIRE(cover.transport_ok());
  CHECK_MESSAGE(cover.http_status == 200, cover.describe());
  if (cover.http_status == 200) {
    CHECK_MESSAGE(cover.content_type.rfind("image/jpeg", 0) == 0, "Content-Type '", cover.content_type, "'");
    const bool jpeg = cover.body.size() > 2 && static_cast<unsigned char>(cover.body[0]) == 0xFF &&
                      static_cast<unsigned char>(cover.body[1]) == 0xD8;
    CHECK_MESSAGE(jpeg, "the cover does not start with the JPEG SOI marker FF D8");
  }
}

// Files under `dir` whose bytes are exactly `bytes`.
std::size_t stored_copies(const std::string& dir, const std::string& bytes) {
  std::size_t copies = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.file_size() != bytes.size()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string content{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (content == bytes) ++copies;
  }
  return copies;
}

// Nothing at all was published on the server.
void check_nothing_published(http_client& c, const account& who) {
  CHECK(fetch_user(c, who.token, who.user_id).work_count == 0);
  CHECK(fetch_publish_list(c, who.user_id).empty());
  CHECK(fetch_feed(c, "").videos.empty());
}

}  // namespace

TEST_CASE("publish accepts H.264 and MPEG-4 mp4 with and without audio and serves them at once") {
  const clip_set& set = clips();
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);

  title_list published;
  for (const clip* uploaded :
       {&set.h264_aac, &set.h264_silent, &set.mpeg4_aac, &set.mpeg4_silent, &set.real_world, &set.large_h264}) {
    INFO("upload of ", uploaded->name, " (", uploaded->bytes.size(), " bytes)");
    next_millisecond();
    const std::string title = "clip " + uploaded->name;
    const video_view v = must_publish(c, a, uploaded->bytes, title);
    published.insert(published.begin(), title);
    CHECK(v.author.id == a.user_id);
    CHECK(v.author.name == a.name);
    CHECK(v.favorite_count == 0);
    CHECK(v.comment_count == 0);
    CHECK_FALSE(v.is_favorite);
    check_media(c, v, *uploaded);
  }
  CHECK(titles_of(fetch_publish_list(c, a.user_id)) == published);
  CHECK(titles_of(fetch_feed(c, "").videos) == published);
  const user_view author = fetch_user(c, a.token, a.user_id);
  CHECK(author.work_count == static_cast<std::int64_t>(published.size()));
  CHECK(author.total_favorited == 0);
  CHECK(author.favorite_count == 0);
}

TEST_CASE("the same bytes are stored once and a re-upload is a new video with the same play_url") {
  const clip_set& set = clips();
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  const account b = register_fresh(c);

  const video_view first = must_publish(c, a, set.real_world.bytes, "first upload");
  next_millisecond();
  const video_view again = must_publish(c, b, set.real_world.bytes, "same bytes by b");
  next_millisecond();
  const video_view third = must_publish(c, a, set.real_world.bytes, "same bytes by a");
  CHECK(std::set<std::uint64_t>{first.id, again.id, third.id}.size() == 3);
  for (const video_view* v : {&again, &third}) {
    CHECK(v->play_url == first.play_url);
    CHECK(v->cover_url == first.cover_url);
    check_media(c, *v, set.real_world);
  }
  CHECK(again.author.id == b.user_id);
  CHECK(titles_of(fetch_publish_list(c, a.user_id)) == title_list{"same bytes by a", "first upload"});
  CHECK(titles_of(fetch_publish_list(c, b.user_id)) == title_list{"same bytes by b"});
  CHECK(ids_of(fetch_feed(c, "").videos) == std::vector<std::uint64_t>{third.id, again.id, first.id});
  CHECK(fetch_user(c, a.token, a.user_id).work_count == 2);
  CHECK(fetch_user(c, b.token, b.user_id).work_count == 1);
  CHECK_MESSAGE(stored_copies(srv.data_dir(), set.real_world.bytes) == 1,
                "the uploaded bytes are not stored exactly once under the data dir");
}

TEST_CASE("uploads that are not decodable videos are rejected with a clear message") {
  const clip_set& set = clips();
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);

  std::set<std::string> messages;
  for (const clip* bad : {&set.garbage, &set.audio_only, &set.empty, &set.truncated}) {
    INFO("upload of ", bad->name);
    const response r = api::publish(c, a.token, bad->bytes, "not a video");
    CHECK_API_ERROR(r, 200, status::unsupported_media);
    CHECK(r.status_msg() != "success");
    messages.insert(r.status_msg());
  }
  // Each kind of bad upload says what is wrong with it.
  CHECK_MESSAGE(messages.size() == 4, "garbage, audio-only, empty and truncated uploads share status messages");
  check_nothing_published(c, a);
  // The server still takes a good video afterwards.
  must_publish(c, a, set.h264_aac.bytes, "good one");
  CHECK(fetch_user(c, a.token, a.user_id).work_count == 1);
}

TEST_CASE("videos longer than --max-video-seconds are rejected") {
  const clip_set& set = clips();
  reeld_process srv({"--max-video-seconds", "1"});
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);

  const response r = api::publish(c, a.token, set.long_h264.bytes, "three seconds");
  CHECK_API_ERROR(r, 200, status::unsupported_media);
  check_nothing_published(c, a);
  const video_view v = must_publish(c, a, set.short_h264.bytes, "half a second");
  check_media(c, v, set.short_h264);
  CHECK(titles_of(fetch_publish_list(c, a.user_id)) == title_list{"half a second"});
}

TEST_CASE("uploads over --max-upload-bytes answer 413 with the JSON envelope") {
  const clip_set& set = clips();
  REQUIRE(set.real_world.bytes.size() > 300000);
  reeld_process srv({"--max-upload-bytes", "300000"});
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);

  CHECK_API_ERROR(api::publish(c, a.token, set.real_world.bytes, "too big"), 413, status::too_large);
  // Far over the limit (and over any buffer sized from it) the answer is the same.
  http_client c2(srv.base_url());
  CHECK_API_ERROR(api::publish(c2, a.token, std::string(3 << 20, 'x'), "far too big"), 413, status::too_large);
  http_client c3(srv.base_url());
  check_nothing_published(c3, a);
  const video_view v = must_publish(c3, a, set.h264_aac.bytes, "small enough");
  check_media(c3, v, set.h264_aac);
}

TEST_CASE("the default upload limit is 64 MiB") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  // Just under the limit, garbage is judged as media; just over, it is refused unread.
  const std::string under(64 * 1024 * 1024 - 64 * 1024, 'x');
  CHECK_API_ERROR(api::publish(c, a.token, under, "under 64 MiB"), 200, status::unsupported_media);
  const std::string over(64 * 1024 * 1024 + 1024, 'x');
  CHECK_API_ERROR(api::publish(c, a.token, over, "over 64 MiB"), 413, status::too_large);
  http_client c2(srv.base_url());
  check_nothing_published(c2, a);
}

TEST_CASE("publish rejects bad parameters and accepts any title up to 256 bytes") {
  const clip_set& set = clips();
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  const std::string path = "/douyin/publish/action/";
  const std::string& video = set.h264_silent.bytes;
  file_part file;
  file.bytes = video;

  // No file part.
  CHECK_API_ERROR(c.post_multipart(path, {{"token", a.token}, {"title", "no data"}}), 200, status::bad_parameter);
  // No title parameter at all.
  CHECK_API_ERROR(c.post_multipart_file(path, {{"token", a.token}}, file), 200, status::bad_parameter);
  // A title over 256 bytes (UTF-8 bytes, not characters).
  CHECK_API_ERROR(api::publish(c, a.token, video, std::string(257, 't')), 200, status::bad_parameter);
  std::string multibyte;
  while (multibyte.size() + 3 <= 256) multibyte += "\xE7\x8C\xAB";  // 85 x U+732B = 255 bytes
  CHECK_API_ERROR(api::publish(c, a.token, video, multibyte + "\xE7\x8C\xAB"), 200, status::bad_parameter);
  // No token, a forged one.
  CHECK_API_ERROR(api::publish(c, "", video, "anonymous"), 200, status::not_logged_in);
  CHECK_API_ERROR(api::publish(c, a.token + "x", video, "forged"), 200, status::not_logged_in);
  check_nothing_published(c, a);

  const title_list accepted = {"", std::string(256, 'm'), multibyte, "caf\xC3\xA9 & = + % \xF0\x9F\x8E\xAC"};
  for (const auto& title : accepted) {
    next_millisecond();
    INFO("title '", title, "'");
    CHECK_API_OK(api::publish(c, a.token, video, title));
  }
  // Token and title from the query string, the file from the multipart body.
  next_millisecond();
  CHECK_API_OK(c.post_multipart_file(c.with_query(path, {{"token", a.token}, {"title", "from the query"}}), {}, file));

  title_list expected(accepted.rbegin(), accepted.rend());
  expected.insert(expected.begin(), "from the query");
  CHECK(titles_of(fetch_publish_list(c, a.user_id)) == expected);
  CHECK(fetch_user(c, a.token, a.user_id).work_count == static_cast<std::int64_t>(expected.size()));
}

TEST_CASE("publish list is the whole list, newest first, relative to the viewer") {
  const clip_set& set = clips();
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  const account v = register_fresh(c);  // follows a and likes one video
  const account other = register_fresh(c);

  CHECK(fetch_publish_list(c, a.user_id).empty());
  title_list expected;
  for (int i = 0; i < 33; ++i) {
    next_millisecond();
    const std::string title = "a-" + std::to_string(i);
    REQUIRE_API_OK(api::publish(c, a.token, set.h264_silent.bytes, title));
    expected.insert(expected.begin(), title);
  }
  auto list = fetch_publish_list(c, a.user_id);
  REQUIRE(titles_of(list) == expected);  // all 33, no paging
  const std::uint64_t liked = list[5].id;
  must_follow(c, v, a.user_id);
  must_like(c, v, liked);

  for (const account* viewer : {&v, &other, &a}) {
    INFO("viewer ", viewer->name);
    for (const auto& video : fetch_publish_list(c, a.user_id, viewer->token)) {
      INFO("video ", video.title);
      CHECK(video.author.id == a.user_id);
      CHECK(video.author.is_follow == (viewer == &v));
      CHECK(video.author.work_count == 33);
      CHECK(video.author.follower_count == 1);
      CHECK(video.author.total_favorited == 1);
      CHECK(video.is_favorite == (viewer == &v && video.id == liked));
      CHECK(video.favorite_count == (video.id == liked ? 1 : 0));
    }
  }
  for (const auto& video : fetch_publish_list(c, a.user_id)) {
    CHECK_FALSE(video.author.is_follow);
    CHECK_FALSE(video.is_favorite);
  }
  CHECK(fetch_publish_list(c, v.user_id).empty());
  CHECK_API_ERROR(api::publish_list(c, absent_user_id({a.user_id, v.user_id, other.user_id, list.front().id})), 200,
                  status::not_found);
}
