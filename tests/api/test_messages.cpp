// Messages: send, chat in both directions, pre_msg_time, errors and content fidelity.
#include <set>

#include "douyin.hpp"

using namespace reel::test;

namespace {

std::vector<std::string> contents_of(const std::vector<message_view>& messages) {
  std::vector<std::string> out;
  for (const auto& m : messages) out.push_back(m.content);
  return out;
}

std::vector<message_view> newer_than(const std::vector<message_view>& messages, std::int64_t t) {
  std::vector<message_view> out;
  for (const auto& m : messages) {
    if (m.create_time > t) out.push_back(m);
  }
  return out;
}

std::vector<std::uint64_t> message_ids(const std::vector<message_view>& messages) {
  std::vector<std::uint64_t> out;
  for (const auto& m : messages) out.push_back(m.id);
  return out;
}

}  // namespace

TEST_CASE("chat returns both directions in ascending time without friendship") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  const account b = register_fresh(c);
  const account d = register_fresh(c);

  const std::int64_t before = now_ms();
  must_send(c, a, b.user_id, "m1 from a");
  next_millisecond();
  must_send(c, b, a.user_id, "m2 from b");
  next_millisecond();
  must_send(c, a, b.user_id, "m3 from a");
  next_millisecond();
  must_send(c, a, d.user_id, "to d");
  const std::int64_t after = now_ms();

  const auto seen_by_a = fetch_chat(c, a.token, b.user_id);
  REQUIRE(contents_of(seen_by_a) == std::vector<std::string>{"m1 from a", "m2 from b", "m3 from a"});
  const std::vector<std::pair<std::uint64_t, std::uint64_t>> from_to = {
      {a.user_id, b.user_id}, {b.user_id, a.user_id}, {a.user_id, b.user_id}};
  std::set<std::uint64_t> ids;
  for (std::size_t i = 0; i < seen_by_a.size(); ++i) {
    INFO("message #", i);
    CHECK(seen_by_a[i].from_user_id == from_to[i].first);
    CHECK(seen_by_a[i].to_user_id == from_to[i].second);
    // create_time is in milliseconds of the wall clock (the server runs on this machine).
    CHECK(seen_by_a[i].create_time >= before - 2000);
    CHECK(seen_by_a[i].create_time <= after + 2000);
    if (i > 0) CHECK(seen_by_a[i].create_time > seen_by_a[i - 1].create_time);
    ids.insert(seen_by_a[i].id);
  }
  CHECK(ids.size() == 3);

  // The other side sees the same messages, in the same order.
  const auto seen_by_b = fetch_chat(c, b.token, a.user_id);
  CHECK(message_ids(seen_by_b) == message_ids(seen_by_a));
  // Other conversations are separate; a conversation without messages is an empty list.
  const auto with_d = fetch_chat(c, d.token, a.user_id);
  REQUIRE(with_d.size() == 1);
  CHECK(with_d[0].content == "to d");
  CHECK(ids.count(with_d[0].id) == 0);
  CHECK(fetch_chat(c, b.token, d.user_id).empty());

  // Messages made no relation.
  CHECK(fetch_friend_list(c, a.token).empty());
  CHECK(fetch_user(c, a.token, a.user_id).follow_count == 0);
}

TEST_CASE("pre_msg_time returns only strictly newer messages") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  const account b = register_fresh(c);
  for (int i = 0; i < 5; ++i) {
    next_millisecond();
    must_send(c, i % 2 == 0 ? a : b, i % 2 == 0 ? b.user_id : a.user_id, "n" + std::to_string(i));
  }
  const auto all = fetch_chat(c, a.token, b.user_id);
  REQUIRE(all.size() == 5);
  CHECK(message_ids(fetch_chat(c, a.token, b.user_id, 0)) == message_ids(all));

  for (const auto& pivot : all) {
    INFO("pre_msg_time ", pivot.create_time);
    const auto after = fetch_chat(c, a.token, b.user_id, pivot.create_time);
    CHECK(message_ids(after) == message_ids(newer_than(all, pivot.create_time)));
    const auto from_b = fetch_chat(c, b.token, a.user_id, pivot.create_time);
    CHECK(message_ids(from_b) == message_ids(after));
  }
  CHECK(fetch_chat(c, a.token, b.user_id, all.back().create_time).empty());
  CHECK(message_ids(fetch_chat(c, a.token, b.user_id, all.front().create_time - 1)) == message_ids(all));
  CHECK(contents_of(newer_than(all, all[1].create_time)) == std::vector<std::string>{"n2", "n3", "n4"});
}

TEST_CASE("message action rejects bad input and stores nothing") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  const account b = register_fresh(c);
  const std::string path = "/douyin/message/action/";
  const std::string to = std::to_string(b.user_id);

  CHECK_API_ERROR(api::send_message(c, a.token, b.user_id, ""), 200, status::bad_parameter);
  CHECK_API_ERROR(c.post_form(path, {{"token", a.token}, {"to_user_id", to}, {"action_type", "1"}}), 200,
                  status::bad_parameter);
  for (const char* action : {"2", "0", "x", ""}) {
    INFO("action_type='", action, "'");
    CHECK_API_ERROR(
        c.post_form(path, {{"token", a.token}, {"to_user_id", to}, {"action_type", action}, {"content", "hi"}}), 200,
        status::bad_parameter);
  }
  CHECK_API_ERROR(c.post_form(path, {{"token", a.token}, {"action_type", "1"}, {"content", "hi"}}), 200,
                  status::bad_parameter);
  CHECK_API_ERROR(
      c.post_form(path, {{"token", a.token}, {"to_user_id", "nope"}, {"action_type", "1"}, {"content", "hi"}}), 200,
      status::bad_parameter);
  CHECK_API_ERROR(api::send_message(c, a.token, absent_user_id({a.user_id, b.user_id}), "hi"), 200, status::not_found);
  CHECK_API_ERROR(api::send_message(c, a.token, a.user_id, "hi me"), 200, status::forbidden);
  CHECK_API_ERROR(api::send_message(c, "", b.user_id, "hi"), 200, status::not_logged_in);

  CHECK_API_ERROR(api::chat(c, "", b.user_id), 200, status::not_logged_in);
  CHECK_API_ERROR(c.get(c.with_query("/douyin/message/chat/", {{"token", a.token}, {"to_user_id", "x"}})), 200,
                  status::bad_parameter);
  CHECK_API_ERROR(c.get(c.with_query("/douyin/message/chat/", {{"token", a.token}})), 200, status::bad_parameter);

  CHECK(fetch_chat(c, a.token, b.user_id).empty());
  CHECK(fetch_chat(c, b.token, a.user_id).empty());
}

TEST_CASE("message content round-trips byte for byte") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  const account b = register_fresh(c);
  const std::vector<std::string> contents = {
      "\xe4\xbd\xa0\xe5\xa5\xbd, world! \xf0\x9f\x98\x80",
      "a+b & c=d; 100% \"quoted\" back\\slash",
      "line one\nline two\ttabbed",
      " leading and trailing spaces ",
      "<script>alert(1)</script>",
  };
  for (const auto& content : contents) {
    next_millisecond();
    must_send(c, a, b.user_id, content);
  }
  next_millisecond();
  const std::string by_parts = "multipart \xc3\xa9t\xc3\xa9 & more";
  REQUIRE_API_OK(c.post_multipart(
      "/douyin/message/action/",
      {{"token", b.token}, {"to_user_id", std::to_string(a.user_id)}, {"action_type", "1"}, {"content", by_parts}}));
  auto expected = contents;
  expected.push_back(by_parts);
  CHECK(contents_of(fetch_chat(c, b.token, a.user_id)) == expected);
}
