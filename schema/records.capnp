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
  target @1 :UInt64;           # user id the effect applies to
  union {
    followerChange @2 :FollowerChange;
    createUser @3 :CreateUser;
  }
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
