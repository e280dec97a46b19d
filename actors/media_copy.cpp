#include "actors/media_copy.hpp"

#include <atomic>
#include <memory>
#include <mutex>
#include <unordered_set>

namespace reel::actors {

namespace {

constexpr std::size_t piece_bytes = 1 << 20;
constexpr std::uint8_t parts = 3;  // video, cover, metadata: in this order

// Which peers are known to hold which videos: files are content-addressed and never
// deleted, so once a peer has a video it always will, and a publish of the same bytes again
// skips asking it. Bounded: forgotten wholesale when full (then asked again).
class known_copies {
 public:
  bool has(std::uint16_t node, const std::string& hash) {
    std::lock_guard lock(mutex_);
    return known_.count(key(node, hash)) > 0;
  }
  void add(std::uint16_t node, const std::string& hash) {
    std::lock_guard lock(mutex_);
    if (known_.size() >= limit) known_.clear();
    known_.insert(key(node, hash));
  }

 private:
  static std::string key(std::uint16_t node, const std::string& hash) { return std::to_string(node) + ':' + hash; }
  static constexpr std::size_t limit = 100'000;
  std::mutex mutex_;
  std::unordered_set<std::string> known_;
};

known_copies& known() {
  static known_copies copies;
  return copies;
}

// Names the incoming files of one transfer: two copies of the same video at once (two
// publishes of the same bytes) never write into each other's.
std::string transfer_name(const context& ctx, const char* what) {
  static std::atomic<std::uint64_t> transfers{0};
  return std::string(what) + "-n" + std::to_string(ctx.cfg.node) + "-" + std::to_string(++transfers);
}

// One node's copy: every part in pieces, each acknowledged before the next.
struct copy_job {
  caf::event_based_actor* self;
  context& ctx;
  std::string hash;
  caf::actor router;
  std::string sender;  // names this copy's incoming files on the receiver
  std::function<void(bool)> done;

  void send(std::uint8_t part, std::uint64_t offset) {
    if (part == parts) return done(true);
    auto piece = ctx.media->read(hash, part, offset, piece_bytes);
    if (!piece) return done(false);
    auto next_offset = offset + piece->first.size();
    bool last = piece->second;
    auto job = *this;
    self->request(router, ctx.cfg.request_timeout, media_put_atom::value, hash, part, offset, std::move(piece->first),
                  last, sender)
        .then(
            [job, part, next_offset, last](bool ok) mutable {
              if (!ok) return job.done(false);
              if (last)
                job.send(static_cast<std::uint8_t>(part + 1), 0);
              else
                job.send(part, next_offset);
            },
            [job](caf::error&) mutable { job.done(false); });
  }
};

// A fetch: asks the peers in turn, then pulls every part from the first that has it.
struct fetch_job {
  caf::event_based_actor* self;
  context& ctx;
  std::string hash;
  std::vector<caf::actor> peers;
  std::size_t at = 0;
  std::string name;  // this fetch's incoming files
  std::function<void(bool)> done;

  void ask() {
    if (at == peers.size()) return done(false);
    auto job = *this;
    self->request(peers[at], ctx.cfg.request_timeout, media_has_atom::value, hash)
        .then(
            [job](bool has) mutable {
              if (has) return job.pull(0, 0);
              ++job.at;
              job.ask();
            },
            [job](caf::error&) mutable {
              ++job.at;
              job.ask();
            });
  }

  void pull(std::uint8_t part, std::uint64_t offset) {
    if (part == parts) return done(true);
    auto job = *this;
    self->request(peers[at], ctx.cfg.request_timeout, media_get_atom::value, hash, part, offset)
        .then(
            [job, part, offset](std::string& bytes, bool last) mutable {
              if (!job.ctx.media->write(job.hash, part, offset, bytes, last, job.name)) return job.done(false);
              if (last)
                job.pull(static_cast<std::uint8_t>(part + 1), 0);
              else
                job.pull(part, offset + bytes.size());
            },
            [job](caf::error&) mutable { job.done(false); });
  }
};

}  // namespace

void copy_media(caf::event_based_actor* self, context& ctx, const std::string& hash, std::vector<std::uint16_t> nodes,
                std::function<void(bool)> done) {
  if (nodes.empty()) return done(true);
  // Shared by the copies to each node: done once all have answered.
  auto waiting = std::make_shared<std::size_t>(nodes.size());
  auto ok = std::make_shared<bool>(true);
  auto one_done = [waiting, ok, done](bool copied) {
    *ok = *ok && copied;
    if (--*waiting == 0) done(*ok);
  };
  for (auto node : nodes) {
    if (known().has(node, hash)) {
      one_done(true);
      continue;
    }
    auto router = ctx.peer_router(node);
    if (!router) {
      one_done(false);
      continue;
    }
    auto copied = [node, hash, one_done](bool ok) {
      if (ok) known().add(node, hash);
      one_done(ok);
    };
    self->request(router, ctx.cfg.request_timeout, media_has_atom::value, hash)
        .then(
            [self, &ctx, hash, router, copied](bool has) {
              if (has) return copied(true);
              copy_job{self, ctx, hash, router, transfer_name(ctx, "copy"), copied}.send(0, 0);
            },
            [one_done](caf::error&) { one_done(false); });
  }
}

void fetch_media(caf::event_based_actor* self, context& ctx, const std::string& hash, std::function<void(bool)> done) {
  std::vector<caf::actor> peers;
  for (std::uint16_t node = 0; node < 16; ++node)
    if (node != ctx.cfg.node)
      if (auto router = ctx.peer_router(node)) peers.push_back(router);
  fetch_job{self, ctx, hash, std::move(peers), 0, transfer_name(ctx, "fetch"), std::move(done)}.ask();
}

caf::message_handler media_handlers(context& ctx) {
  return {
      [&ctx](media_has_atom, const std::string& hash) { return ctx.media->has(hash); },
      [&ctx](media_put_atom, const std::string& hash, std::uint8_t part, std::uint64_t offset, const std::string& bytes,
             bool last, const std::string& sender) {
        return part < parts && ctx.media->write(hash, part, offset, bytes, last, sender);
      },
      [&ctx](media_get_atom, const std::string& hash, std::uint8_t part,
             std::uint64_t offset) -> caf::result<std::string, bool> {
        auto piece = part < parts ? ctx.media->read(hash, part, offset, piece_bytes) : std::nullopt;
        if (!piece) return caf_error(errc::not_found, "no such media here");
        return {std::move(piece->first), piece->second};
      },
  };
}

}  // namespace reel::actors
