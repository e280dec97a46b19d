@0xb6f4a1c27d9e3f50;
# Records stored in RocksDB. Field numbers are forever: add fields, never renumber.
using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("reel::schema");

struct UserRecord {
  id @0 :UInt64;
  name @1 :Text;
  passwordHash @2 :Text;       # Argon2id string from crypto_pwhash_str
  signature @3 :Text;
  avatar @4 :Text;
  backgroundImage @5 :Text;
  followCount @6 :UInt64;      # users this user follows
  followerCount @7 :UInt64;    # users following this user
  workCount @8 :UInt64;
  favoriteCount @9 :UInt64;
  totalFavorited @10 :UInt64;
  createdMs @11 :UInt64;
}

# Value of both directions of a follow edge; the key says who follows whom.
struct FollowEdge {
  sinceMs @0 :UInt64;
}

struct NameClaim {
  userId @0 :UInt64;
}

struct ChatRoomRecord {
  lowUser @0 :UInt64;
  highUser @1 :UInt64;
  lastMessageId @2 :UInt64;
  lastFromUser @3 :UInt64;
  lastContent @4 :Text;
  lastTimeMs @5 :UInt64;
  messageCount @6 :UInt64;
}

struct ChatMessage {
  id @0 :UInt64;
  fromUser @1 :UInt64;
  toUser @2 :UInt64;
  content @3 :Text;
  createMs @4 :UInt64;
}

# A cross-actor effect, written in the same batch as the change that caused it and
# deleted once the target acknowledged it (at-least-once; targets apply idempotently).
struct OutboxEntry {
  opId @0 :UInt64;
  target @1 :UInt64;           # id of the entity the effect applies to
  union {
    followerChange @2 :FollowerChange;   # target: user
    createUser @3 :CreateUser;           # target: user
    likeChange @4 :LikeChange;           # target: video
    favoritesReport @5 :FavoritesReport; # target: user (the video's author)
  }
}

struct LikeChange {
  user @0 :UInt64;             # who liked or unliked the target video
  liked @1 :Bool;              # the like's state after the change
  sinceMs @2 :UInt64;
}

# A video's like count as of `version` (the video's like sequence): absolute, so a
# redelivered or stale report never counts twice.
struct FavoritesReport {
  video @0 :UInt64;
  count @1 :UInt64;
  version @2 :UInt64;
}

struct VideoRecord {
  id @0 :UInt64;
  author @1 :UInt64;
  title @2 :Text;
  mediaHash @3 :Text;          # SHA-256 of the video bytes (media library key)
  createdMs @4 :UInt64;
  favoriteCount @5 :UInt64;
  commentCount @6 :UInt64;
  likeVersion @7 :UInt64;      # bumped on every like count change
}

struct CommentRecord {
  id @0 :UInt64;
  user @1 :UInt64;
  content @2 :Text;
  createdMs @3 :UInt64;
}

# Value of a home-timeline (inbox) entry; the key holds owner, time and video.
struct InboxEntry {
  author @0 :UInt64;
}

# A publish's fan-out, stored with the video and advanced page by page.
struct FanoutJob {
  video @0 :UInt64;
  author @1 :UInt64;
  createdMs @2 :UInt64;
  cursor @3 :UInt64;           # followers with ids <= cursor have the video in their inbox
}

# The last like count an author's user actor applied for one of its videos.
struct FavoritesSeen {
  count @0 :UInt64;
  version @1 :UInt64;
}

struct FollowerChange {
  follower @0 :UInt64;         # the user who followed or unfollowed `target`
  following @1 :Bool;          # the edge's state after the change
  sinceMs @2 :UInt64;
}

struct CreateUser {
  name @0 :Text;
  passwordHash @1 :Text;
  createdMs @2 :UInt64;
}

# Per-partition bookkeeping, written in the same batch as the partition's data.
struct PartitionMeta {
  appliedSeq @0 :UInt64;       # number of batches applied to this partition
}

# Node-wide: the id generator never hands out ids below this time again.
struct IdReservation {
  reservedUntilMs @0 :UInt64;
}

struct RevokedToken {
  expiresMs @0 :UInt64;        # the entry may be dropped after the token expires anyway
}

# Number of entries in one user's inbox, kept by the partition's inbox shard.
struct InboxMeta {
  count @0 :UInt64;
}

# One entry of a partition's replication log (cluster mode), under its index.
struct LogEntry {
  epoch @0 :UInt64;            # the configuration epoch whose primary created it
  payload @1 :Data;            # a RocksDB WriteBatch's representation; empty for a barrier
}

# What a partition's log starts after (cluster mode): its last compacted entry, or the point
# of the snapshot it was installed from.
struct LogBase {
  index @0 :UInt64;
  epoch @1 :UInt64;
}
