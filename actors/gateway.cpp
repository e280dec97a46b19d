#include "actors/gateway.hpp"
#include "actors/gateway_ask.hpp"

#include "actors/views.hpp"
#include "cluster/clock.hpp"
#include "storage/keys.hpp"
#include "storage/records.hpp"

namespace reel::actors {

namespace {

caf::behavior gateway_behavior(caf::event_based_actor* self) {
  return {[=](gateway_job& job) { job.run(self); }};
}

}  // namespace

gateway_service::gateway_service(caf::actor_system& sys, context& ctx, revocation_list& revoked)
    : ctx_(ctx), revoked_(revoked) {
  for (unsigned i = 0; i < std::max(1u, ctx.cfg.gateway_actors); ++i) gateways_.push_back(sys.spawn(gateway_behavior));
}

gateway_service::~gateway_service() { stop(); }

void gateway_service::stop() {
  for (auto& g : gateways_) caf::anon_send_exit(g, caf::exit_reason::user_shutdown);
  gateways_.clear();
}

void gateway_service::post(std::function<void(caf::event_based_actor*)> job) {
  auto& gateway = gateways_[next_.fetch_add(1, std::memory_order_relaxed) % gateways_.size()];
  caf::anon_send(gateway, gateway_job{std::move(job)});
}

void gateway_service::register_user(std::string name, std::string password_hash, reply<user_id> done) {
  if (refuse_if_behind(done)) return;
  post([this, name = std::move(name), hash = std::move(password_hash), done](caf::event_based_actor* self) {
    auto shard = storage::partition_of(name);
    ask(
        self, ctx_, [this, shard] { return ctx_.dir.name_index(shard); }, [done](user_id id) { done(id); },
        fail_with(done), 2, claim_atom::value, name, hash);
  });
}

void gateway_service::find_credentials(std::string name, reply<credentials> done) {
  if (refuse_if_behind(done)) return;
  auto id = find_user_by_name(ctx_.db, name);
  auto record = id ? load_user(ctx_.db, *id) : std::nullopt;
  if (!record) return done(make_error(errc::not_found, "user not found"));
  done(credentials{record->id, record->password_hash});
}

void gateway_service::get_user(user_id target, user_id viewer, reply<user_view> done) {
  if (refuse_if_behind(done)) return;
  auto views = user_views(ctx_.db, {target}, viewer);
  if (views.empty()) return done(make_error(errc::not_found, "user not found"));
  done(std::move(views.front()));
}

void gateway_service::follow(user_id from, user_id to, follow_action action, reply<success> done) {
  if (refuse_if_behind(done)) return;
  post([this, from, to, action, done](caf::event_based_actor* self) {
    if (from == to) return done(make_error(errc::forbidden, "you cannot follow yourself"));
    if (!load_user(ctx_.db, to)) return done(make_error(errc::not_found, "user to follow not found"));
    ask(
        self, ctx_, [this, from] { return ctx_.dir.user(from); }, [done](caf::ok_atom) { done(success{}); },
        fail_with(done), 2, follow_atom::value, to, action == follow_action::follow);
  });
}

void gateway_service::follow_list(user_id owner, user_id viewer, reply<std::vector<user_view>> done) {
  if (refuse_if_behind(done)) return;
  if (!load_user(ctx_.db, owner)) return done(make_error(errc::not_found, "user not found"));
  done(user_views(ctx_.db, following_ids(ctx_.db, owner), viewer));
}

void gateway_service::follower_list(user_id owner, user_id viewer, reply<std::vector<user_view>> done) {
  if (refuse_if_behind(done)) return;
  if (!load_user(ctx_.db, owner)) return done(make_error(errc::not_found, "user not found"));
  done(user_views(ctx_.db, follower_ids(ctx_.db, owner), viewer));
}

void gateway_service::friend_list(user_id owner, user_id viewer, reply<std::vector<friend_view>> done) {
  if (refuse_if_behind(done)) return;
  if (!load_user(ctx_.db, owner)) return done(make_error(errc::not_found, "user not found"));
  done(friends(ctx_.db, owner, viewer));
}

void gateway_service::send_message(user_id from, user_id to, std::string content, reply<success> done) {
  if (refuse_if_behind(done)) return;
  post([this, from, to, content = std::move(content), done](caf::event_based_actor* self) {
    if (from == to) return done(make_error(errc::forbidden, "you cannot message yourself"));
    if (!load_user(ctx_.db, to)) return done(make_error(errc::not_found, "recipient not found"));
    ask(
        self, ctx_, [this, from, to] { return ctx_.dir.chat_room(from, to); },
        [done](caf::ok_atom) { done(success{}); }, fail_with(done), 2, message_atom::value, from, to, content);
  });
}

void gateway_service::chat(user_id viewer, user_id other, millis after, reply<std::vector<message_view>> done) {
  if (refuse_if_behind(done)) return;
  if (!load_user(ctx_.db, other)) return done(make_error(errc::not_found, "user not found"));
  done(chat_after(ctx_.db, viewer, other, after));
}

// The shared partition's primary records it; every node's revocation list learns of it
// from the write itself (node.cpp: the store's observer), before the reply.
void gateway_service::revoke_token(std::uint64_t token_id, millis expires, reply<success> done) {
  if (refuse_if_behind(done)) return;
  post([this, token_id, expires, done](caf::event_based_actor* self) {
    ask(
        self, ctx_, [this] { return ctx_.dir.shared_facts(); }, [done](caf::ok_atom) { done(success{}); },
        fail_with(done), 2, revoke_atom::value, token_id, expires);
  });
}

void gateway_service::admit_attempt(std::string client, reply<bool> done) {
  auto owner = ctx_.replicated ? ctx_.routing.owner_of(storage::partition_of(client)) : cluster::owner{};
  if (owner.at == cluster::owner::where::here) return done(ctx_.admit(client));
  auto router = owner.at == cluster::owner::where::elsewhere ? ctx_.peer_router(owner.node) : caf::actor();
  if (!router) return done(true);
  // Admitted when the owner does not answer soon: a login must not wait out a dead node.
  auto patience = std::min<std::chrono::milliseconds>(ctx_.cfg.request_timeout, std::chrono::seconds(1));
  post([router, patience, client = std::move(client), done](caf::event_based_actor* self) {
    self->request(router, patience, admit_atom::value, client)
        .then([done](bool admitted) { done(admitted); }, [done](caf::error&) { done(true); });
  });
}

bool gateway_service::is_revoked(std::uint64_t token_id) const { return revoked_.contains(token_id); }

outcome<bool> gateway_service::has_account(user_id user) const {
  if (!ctx_.routing.can_read_all()) return behind();
  return ctx_.db.contains(storage::keys::user(user));
}

}  // namespace reel::actors
