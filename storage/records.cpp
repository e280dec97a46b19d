#include "storage/records.hpp"

#include "schema/records.capnp.h"
#include "storage/codec.hpp"

namespace reel::storage {

namespace {

std::uint64_t ms(millis t) { return static_cast<std::uint64_t>(t.value); }
millis ms(std::uint64_t v) { return millis(static_cast<std::int64_t>(v)); }
std::string text(capnp::Text::Reader t) { return std::string(t.cStr(), t.size()); }
// Explicit length: the implicit conversion goes through c_str() and would cut at a NUL byte.
capnp::Text::Reader text(const std::string& s) { return capnp::Text::Reader(s.data(), s.size()); }

}  // namespace

user_record new_user(user_id id, std::string name, std::string password_hash, millis created) {
  user_record r;
  r.id = id;
  r.signature = "Hi, I'm " + name + " on Reel.";
  r.name = std::move(name);
  r.password_hash = std::move(password_hash);
  r.created = created;
  return r;
}

std::string encode(const user_record& r) {
  return encode<schema::UserRecord>([&](schema::UserRecord::Builder b) {
    b.setId(r.id.value);
    b.setName(text(r.name));
    b.setPasswordHash(text(r.password_hash));
    b.setSignature(text(r.signature));
    b.setAvatar(text(r.avatar));
    b.setBackgroundImage(text(r.background_image));
    b.setFollowCount(r.follow_count);
    b.setFollowerCount(r.follower_count);
    b.setWorkCount(r.work_count);
    b.setFavoriteCount(r.favorite_count);
    b.setTotalFavorited(r.total_favorited);
    b.setCreatedMs(ms(r.created));
  });
}

std::optional<user_record> decode_user(std::string_view bytes) {
  auto d = decoded<schema::UserRecord>::from(bytes);
  if (!d) return std::nullopt;
  try {
    auto r = d->root();
    return user_record{user_id(r.getId()), text(r.getName()), text(r.getPasswordHash()),
                       text(r.getSignature()), text(r.getAvatar()), text(r.getBackgroundImage()),
                       r.getFollowCount(), r.getFollowerCount(), r.getWorkCount(), r.getFavoriteCount(),
                       r.getTotalFavorited(), ms(r.getCreatedMs())};
  } catch (const kj::Exception&) {
    return std::nullopt;
  }
}

std::string encode(const chat_room_record& r) {
  return encode<schema::ChatRoomRecord>([&](schema::ChatRoomRecord::Builder b) {
    b.setLowUser(r.low.value);
    b.setHighUser(r.high.value);
    b.setLastMessageId(r.last_message.value);
    b.setLastFromUser(r.last_from.value);
    b.setLastContent(text(r.last_content));
    b.setLastTimeMs(ms(r.last_time));
    b.setMessageCount(r.message_count);
  });
}

std::optional<chat_room_record> decode_chat_room(std::string_view bytes) {
  auto d = decoded<schema::ChatRoomRecord>::from(bytes);
  if (!d) return std::nullopt;
  try {
    auto r = d->root();
    return chat_room_record{user_id(r.getLowUser()), user_id(r.getHighUser()), message_id(r.getLastMessageId()),
                            user_id(r.getLastFromUser()), text(r.getLastContent()), ms(r.getLastTimeMs()),
                            r.getMessageCount()};
  } catch (const kj::Exception&) {
    return std::nullopt;
  }
}

std::string encode(const chat_message_record& r) {
  return encode<schema::ChatMessage>([&](schema::ChatMessage::Builder b) {
    b.setId(r.id.value);
    b.setFromUser(r.from.value);
    b.setToUser(r.to.value);
    b.setContent(text(r.content));
    b.setCreateMs(ms(r.created));
  });
}

std::optional<chat_message_record> decode_chat_message(std::string_view bytes) {
  auto d = decoded<schema::ChatMessage>::from(bytes);
  if (!d) return std::nullopt;
  try {
    auto r = d->root();
    return chat_message_record{message_id(r.getId()), user_id(r.getFromUser()), user_id(r.getToUser()),
                               text(r.getContent()), ms(r.getCreateMs())};
  } catch (const kj::Exception&) {
    return std::nullopt;
  }
}

std::string encode(const outbox_entry& r) {
  return encode<schema::OutboxEntry>([&](schema::OutboxEntry::Builder b) {
    b.setOpId(r.op.value);
    b.setTarget(r.target);
    if (auto* change = std::get_if<follower_change>(&r.effect)) {
      auto c = b.initFollowerChange();
      c.setFollower(change->follower.value);
      c.setFollowing(change->following);
      c.setSinceMs(ms(change->since));
    } else if (auto* create = std::get_if<create_user>(&r.effect)) {
      auto c = b.initCreateUser();
      c.setName(text(create->name));
      c.setPasswordHash(text(create->password_hash));
      c.setCreatedMs(ms(create->created));
    } else if (auto* like = std::get_if<like_change>(&r.effect)) {
      auto c = b.initLikeChange();
      c.setUser(like->user.value);
      c.setLiked(like->liked);
      c.setSinceMs(ms(like->since));
    } else {
      const auto& report = std::get<favorites_report>(r.effect);
      auto c = b.initFavoritesReport();
      c.setVideo(report.video.value);
      c.setCount(report.count);
      c.setVersion(report.version);
    }
  });
}

std::optional<outbox_entry> decode_outbox_entry(std::string_view bytes) {
  auto d = decoded<schema::OutboxEntry>::from(bytes);
  if (!d) return std::nullopt;
  try {
    auto r = d->root();
    outbox_entry e{op_id(r.getOpId()), r.getTarget(), follower_change{}};
    switch (r.which()) {
      case schema::OutboxEntry::FOLLOWER_CHANGE: {
        auto c = r.getFollowerChange();
        e.effect = follower_change{user_id(c.getFollower()), c.getFollowing(), ms(c.getSinceMs())};
        break;
      }
      case schema::OutboxEntry::CREATE_USER: {
        auto c = r.getCreateUser();
        e.effect = create_user{text(c.getName()), text(c.getPasswordHash()), ms(c.getCreatedMs())};
        break;
      }
      case schema::OutboxEntry::LIKE_CHANGE: {
        auto c = r.getLikeChange();
        e.effect = like_change{user_id(c.getUser()), c.getLiked(), ms(c.getSinceMs())};
        break;
      }
      case schema::OutboxEntry::FAVORITES_REPORT: {
        auto c = r.getFavoritesReport();
        e.effect = favorites_report{video_id(c.getVideo()), c.getCount(), c.getVersion()};
        break;
      }
      default:
        return std::nullopt;  // written by a newer version: refuse rather than misapply
    }
    return e;
  } catch (const kj::Exception&) {
    return std::nullopt;
  }
}

std::string encode(const video_record& r) {
  return encode<schema::VideoRecord>([&](schema::VideoRecord::Builder b) {
    b.setId(r.id.value);
    b.setAuthor(r.author.value);
    b.setTitle(text(r.title));
    b.setMediaHash(text(r.media_hash));
    b.setCreatedMs(ms(r.created));
    b.setFavoriteCount(r.favorite_count);
    b.setCommentCount(r.comment_count);
    b.setLikeVersion(r.like_version);
  });
}

std::optional<video_record> decode_video(std::string_view bytes) {
  auto d = decoded<schema::VideoRecord>::from(bytes);
  if (!d) return std::nullopt;
  try {
    auto r = d->root();
    return video_record{video_id(r.getId()), user_id(r.getAuthor()), text(r.getTitle()), text(r.getMediaHash()),
                        ms(r.getCreatedMs()), r.getFavoriteCount(), r.getCommentCount(), r.getLikeVersion()};
  } catch (const kj::Exception&) {
    return std::nullopt;
  }
}

std::string encode(const comment_record& r) {
  return encode<schema::CommentRecord>([&](schema::CommentRecord::Builder b) {
    b.setId(r.id.value);
    b.setUser(r.user.value);
    b.setContent(text(r.content));
    b.setCreatedMs(ms(r.created));
  });
}

std::optional<comment_record> decode_comment(std::string_view bytes) {
  auto d = decoded<schema::CommentRecord>::from(bytes);
  if (!d) return std::nullopt;
  try {
    auto r = d->root();
    return comment_record{comment_id(r.getId()), user_id(r.getUser()), text(r.getContent()), ms(r.getCreatedMs())};
  } catch (const kj::Exception&) {
    return std::nullopt;
  }
}

std::string encode(const fanout_job& r) {
  return encode<schema::FanoutJob>([&](schema::FanoutJob::Builder b) {
    b.setVideo(r.video.value);
    b.setAuthor(r.author.value);
    b.setCreatedMs(ms(r.created));
    b.setCursor(r.cursor);
  });
}

std::optional<fanout_job> decode_fanout_job(std::string_view bytes) {
  auto d = decoded<schema::FanoutJob>::from(bytes);
  if (!d) return std::nullopt;
  auto r = d->root();
  return fanout_job{video_id(r.getVideo()), user_id(r.getAuthor()), ms(r.getCreatedMs()), r.getCursor()};
}

std::string encode(const favorites_seen& r) {
  return encode<schema::FavoritesSeen>([&](schema::FavoritesSeen::Builder b) {
    b.setCount(r.count);
    b.setVersion(r.version);
  });
}

std::optional<favorites_seen> decode_favorites_seen(std::string_view bytes) {
  auto d = decoded<schema::FavoritesSeen>::from(bytes);
  if (!d) return std::nullopt;
  return favorites_seen{d->root().getCount(), d->root().getVersion()};
}

std::string encode_inbox_entry(user_id author) {
  return encode<schema::InboxEntry>([&](schema::InboxEntry::Builder b) { b.setAuthor(author.value); });
}

std::optional<user_id> decode_inbox_entry(std::string_view bytes) {
  auto d = decoded<schema::InboxEntry>::from(bytes);
  if (!d) return std::nullopt;
  return user_id(d->root().getAuthor());
}

std::string encode_inbox_meta(std::uint64_t count) {
  return encode<schema::InboxMeta>([&](schema::InboxMeta::Builder b) { b.setCount(count); });
}

std::optional<std::uint64_t> decode_inbox_meta(std::string_view bytes) {
  auto d = decoded<schema::InboxMeta>::from(bytes);
  if (!d) return std::nullopt;
  return d->root().getCount();
}

std::string encode_follow_edge(millis since) {
  return encode<schema::FollowEdge>([&](schema::FollowEdge::Builder b) { b.setSinceMs(ms(since)); });
}

std::optional<millis> decode_follow_edge(std::string_view bytes) {
  auto d = decoded<schema::FollowEdge>::from(bytes);
  if (!d) return std::nullopt;
  return ms(d->root().getSinceMs());
}

std::string encode_name_claim(user_id u) {
  return encode<schema::NameClaim>([&](schema::NameClaim::Builder b) { b.setUserId(u.value); });
}

std::optional<user_id> decode_name_claim(std::string_view bytes) {
  auto d = decoded<schema::NameClaim>::from(bytes);
  if (!d) return std::nullopt;
  return user_id(d->root().getUserId());
}

std::string encode_partition_meta(std::uint64_t applied_seq) {
  return encode<schema::PartitionMeta>([&](schema::PartitionMeta::Builder b) { b.setAppliedSeq(applied_seq); });
}

std::optional<std::uint64_t> decode_partition_meta(std::string_view bytes) {
  auto d = decoded<schema::PartitionMeta>::from(bytes);
  if (!d) return std::nullopt;
  return d->root().getAppliedSeq();
}

std::string encode_id_reservation(millis reserved_until) {
  return encode<schema::IdReservation>(
      [&](schema::IdReservation::Builder b) { b.setReservedUntilMs(ms(reserved_until)); });
}

std::optional<millis> decode_id_reservation(std::string_view bytes) {
  auto d = decoded<schema::IdReservation>::from(bytes);
  if (!d) return std::nullopt;
  return ms(d->root().getReservedUntilMs());
}

std::string encode_revoked_token(millis expires) {
  return encode<schema::RevokedToken>([&](schema::RevokedToken::Builder b) { b.setExpiresMs(ms(expires)); });
}

std::optional<millis> decode_revoked_token(std::string_view bytes) {
  auto d = decoded<schema::RevokedToken>::from(bytes);
  if (!d) return std::nullopt;
  return ms(d->root().getExpiresMs());
}

std::string encode_log_entry(std::uint64_t epoch, std::string_view payload) {
  return encode<schema::LogEntry>([&](schema::LogEntry::Builder b) {
    b.setEpoch(epoch);
    b.setPayload(capnp::Data::Reader(reinterpret_cast<const kj::byte*>(payload.data()), payload.size()));
  });
}

std::optional<log_record> decode_log_entry(std::string_view bytes) {
  auto d = decoded<schema::LogEntry>::from(bytes);
  if (!d) return std::nullopt;
  try {
    auto payload = d->root().getPayload();
    return log_record{d->root().getEpoch(), std::string(reinterpret_cast<const char*>(payload.begin()), payload.size())};
  } catch (const kj::Exception&) {
    return std::nullopt;
  }
}

std::string encode_log_base(log_point base) {
  return encode<schema::LogBase>([&](schema::LogBase::Builder b) {
    b.setIndex(base.index);
    b.setEpoch(base.epoch);
  });
}

std::optional<log_point> decode_log_base(std::string_view bytes) {
  auto d = decoded<schema::LogBase>::from(bytes);
  if (!d) return std::nullopt;
  return log_point{d->root().getIndex(), d->root().getEpoch()};
}

}  // namespace reel::storage
