// The gateway's video operations: publish, lists, feed, likes and comments.
#include <limits>

#include "actors/gateway.hpp"
#include "actors/gateway_ask.hpp"
#include "actors/media_copy.hpp"
#include "actors/timelines.hpp"
#include "actors/video_views.hpp"
#include "actors/views.hpp"
#include "cluster/clock.hpp"

namespace reel::actors {

// On a cluster the video's files first go to every node holding the author's partition, so
// that any of them can serve them once the publish is acknowledged.
void gateway_service::publish(user_id author, std::string title, std::string media_hash, reply<video_id> done) {
  if (refuse_if_behind(done)) return;
  post([this, author, title = std::move(title), hash = std::move(media_hash), done](caf::event_based_actor* self) {
    auto then_publish = [this, self, author, title, hash, done](bool copied) {
      if (!copied) return done(make_error(errc::unavailable, "the video could not be copied to its replicas; retry"));
      ask(
          self, ctx_, [this, author] { return ctx_.dir.user(author); }, [done](video_id id) { done(id); },
          fail_with(done), 2, publish_atom::value, title, hash);
    };
    if (!ctx_.replicated) return then_publish(true);
    copy_media(self, ctx_, hash, ctx_.routing.other_members(storage::partition_of(author)), then_publish);
  });
}

void gateway_service::fetch_media(std::string hash, reply<success> done) {
  if (!ctx_.replicated) return done(make_error(errc::not_found, "no such media"));
  post([this, hash = std::move(hash), done](caf::event_based_actor* self) {
    actors::fetch_media(self, ctx_, hash, [done](bool fetched) {
      if (fetched) return done(success{});
      done(make_error(errc::not_found, "no such media on any node"));
    });
  });
}

void gateway_service::publish_list(user_id author, user_id viewer, reply<std::vector<video_view>> done) {
  if (refuse_if_behind(done)) return;
  if (!load_user(ctx_.db, author)) return done(make_error(errc::not_found, "user not found"));
  done(video_views(ctx_.db, works_ids(ctx_.db, author), viewer));
}

void gateway_service::feed(user_id viewer, millis before, feed_kind kind, std::size_t limit, reply<feed_page> done) {
  if (refuse_if_behind(done)) return;
  if (kind == feed_kind::following && !viewer)
    return done(make_error(errc::not_logged_in, "the following feed needs a token"));
  constexpr millis end_of_time(std::numeric_limits<std::int64_t>::max());
  std::vector<timeline_item> items;
  bool home = kind == feed_kind::following || (kind == feed_kind::automatic && viewer);
  if (home) items = home_timeline(ctx_.db, ctx_.celebrities, viewer, before, limit);
  // An empty home page is the end of a non-empty home timeline, unless that timeline is
  // empty altogether: then the automatic feed is the global one.
  if (home && items.empty() && kind == feed_kind::automatic)
    home = !home_timeline(ctx_.db, ctx_.celebrities, viewer, end_of_time, 1).empty();
  if (!home) {
    auto cached = ctx_.recent.page(before, limit);
    items = cached ? std::move(*cached) : global_timeline(ctx_.db, before, limit);
  }
  std::vector<video_id> ids;
  for (const auto& item : items) ids.push_back(item.video);
  auto cursor = before == end_of_time ? cluster::wall_clock() : before;
  done(feed_page{video_views(ctx_.db, ids, viewer), items.empty() ? cursor : items.back().time});
}

void gateway_service::favorite(user_id user, video_id video, bool like, reply<success> done) {
  if (refuse_if_behind(done)) return;
  post([this, user, video, like, done](caf::event_based_actor* self) {
    if (!load_video(ctx_.db, video)) return done(make_error(errc::not_found, "video not found"));
    ask(
        self, ctx_, [this, user] { return ctx_.dir.user(user); }, [done](caf::ok_atom) { done(success{}); },
        fail_with(done), 2, like_atom::value, video, like);
  });
}

void gateway_service::favorite_list(user_id owner, user_id viewer, reply<std::vector<video_view>> done) {
  if (refuse_if_behind(done)) return;
  if (!load_user(ctx_.db, owner)) return done(make_error(errc::not_found, "user not found"));
  done(video_views(ctx_.db, favorite_ids(ctx_.db, owner), viewer));
}

void gateway_service::add_comment(user_id user, video_id video, std::string text, reply<comment_view> done) {
  if (refuse_if_behind(done)) return;
  post([this, user, video, text = std::move(text), done](caf::event_based_actor* self) {
    // The commenter's view (the reply shows it) is read before the write, not after: a
    // comment by a user without an account would be counted in comment_count while every
    // list hides it (comment_views drops comments whose author it cannot show).
    auto users = user_views(ctx_.db, {user}, user);
    if (users.empty()) return done(no_account());
    auto on_added = [commenter = std::move(users.front()), text, done](comment_id id, millis created) {
      done(comment_view{id, commenter, text, created});
    };
    ask(
        self, ctx_, [this, video] { return ctx_.dir.video(video); }, on_added, fail_with(done), 2, comment_atom::value,
        user, text);
  });
}

void gateway_service::delete_comment(user_id user, video_id video, comment_id comment, reply<success> done) {
  if (refuse_if_behind(done)) return;
  post([this, user, video, comment, done](caf::event_based_actor* self) {
    ask(
        self, ctx_, [this, video] { return ctx_.dir.video(video); }, [done](caf::ok_atom) { done(success{}); },
        fail_with(done), 2, uncomment_atom::value, user, comment);
  });
}

void gateway_service::comment_list(video_id video, user_id viewer, reply<std::vector<comment_view>> done) {
  if (refuse_if_behind(done)) return;
  if (!load_video(ctx_.db, video)) return done(make_error(errc::not_found, "video not found"));
  done(comment_views(ctx_.db, video, viewer));
}

}  // namespace reel::actors
