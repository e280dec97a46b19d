// Shapes, views and calls of the Douyin API for the black-box tests.
#include "douyin.hpp"

#include <algorithm>

namespace reel::test {
namespace {

constexpr std::uint64_t two_pow_53 = std::uint64_t{1} << 53;

std::string join_sorted(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  std::string out;
  for (const auto& name : names) {
    if (!out.empty()) out += ',';
    out += name;
  }
  return out;
}

std::string keys_problem(const rapidjson::Value& object, std::vector<std::string> expected,
                         const std::string& what) {
  const std::string actual = keys_of(object);
  const std::string wanted = join_sorted(std::move(expected));
  if (actual == wanted) return {};
  return what + " has keys {" + actual + "}, expected exactly {" + wanted + "}";
}

// Transport, HTTP status, content type and "the body is a JSON object".
std::string base_problem(const response& r, long http_status) {
  if (!r.transport_ok()) return r.describe();
  if (r.http_status != http_status) {
    return "expected HTTP " + std::to_string(http_status) + ": " + r.describe();
  }
  if (r.content_type.rfind("application/json", 0) != 0) {
    return "Content-Type '" + r.content_type + "' is not application/json: " + r.describe();
  }
  if (!r.json_ok || !r.json.IsObject()) return "body is not a JSON object: " + r.describe();
  return {};
}

std::string status_problem(const response& r, std::int64_t code) {
  const auto actual = r.status_code();
  if (!actual) return "status_code missing or not an integer: " + r.describe();
  if (*actual != code) {
    return "status_code " + std::to_string(*actual) + ", expected " + std::to_string(code) +
           ": " + r.describe();
  }
  auto msg = r.json.FindMember("status_msg");
  if (msg == r.json.MemberEnd() || !msg->value.IsString() || msg->value.GetStringLength() == 0) {
    return "status_msg missing, not a string or empty: " + r.describe();
  }
  if (code == status::ok && r.status_msg() != "success") {
    return "status_msg of a success is not \"success\": " + r.describe();
  }
  return {};
}

std::string with_request(const response& r, std::string problem) {
  return problem.empty() ? problem : problem + " [in " + r.describe() + "]";
}

std::string member_problem(const rapidjson::Value& object, const char* key, const char* kind) {
  auto it = object.FindMember(key);
  if (it == object.MemberEnd()) return std::string(key) + " missing";
  const rapidjson::Value& v = it->value;
  const std::string k = kind;
  bool good = true;
  if (k == "id") {
    const std::string p = problem_id(v);
    return p.empty() ? p : std::string(key) + ": " + p;
  }
  if (k == "count") good = v.IsInt64() && v.GetInt64() >= 0;
  if (k == "time") good = v.IsInt64() && v.GetInt64() > 0;
  if (k == "bool") good = v.IsBool();
  if (k == "string") good = v.IsString();
  if (k == "text") good = v.IsString() && v.GetStringLength() > 0;
  if (k == "int") good = v.IsInt64();
  return good ? std::string() : std::string(key) + " is not a " + k;
}

std::string first_problem(const rapidjson::Value& object,
                          std::initializer_list<std::pair<const char*, const char*>> members) {
  for (const auto& [key, kind] : members) {
    std::string p = member_problem(object, key, kind);
    if (!p.empty()) return p;
  }
  return {};
}

std::string user_problem(const rapidjson::Value& user, bool friend_user) {
  if (!user.IsObject()) return "user is not an object";
  std::vector<std::string> keys = {"id",        "name",           "follow_count",
                                   "follower_count", "is_follow", "avatar",
                                   "background_image", "signature", "total_favorited",
                                   "work_count",   "favorite_count"};
  if (friend_user) {
    keys.emplace_back("message");
    keys.emplace_back("msgType");
  }
  std::string p = keys_problem(user, keys, friend_user ? "FriendUser" : "User");
  if (!p.empty()) return p;
  p = first_problem(user, {{"id", "id"},
                           {"name", "text"},
                           {"follow_count", "count"},
                           {"follower_count", "count"},
                           {"is_follow", "bool"},
                           {"avatar", "string"},
                           {"background_image", "string"},
                           {"signature", "text"},
                           {"total_favorited", "count"},
                           {"work_count", "count"},
                           {"favorite_count", "count"}});
  if (!p.empty() || !friend_user) return p;
  return first_problem(user, {{"message", "string"}, {"msgType", "int"}});
}

template <typename F>
std::string list_problem(const response& r, const char* key, F element_problem) {
  std::string p = problem_ok(r, {key});
  if (!p.empty()) return p;
  const rapidjson::Value& list = r.json[key];
  if (!list.IsArray()) return with_request(r, std::string(key) + " is not an array");
  for (rapidjson::SizeType i = 0; i < list.Size(); ++i) {
    p = element_problem(list[i]);
    if (!p.empty()) return with_request(r, std::string(key) + "[" + std::to_string(i) + "]: " + p);
  }
  return {};
}

std::string text_of(const rapidjson::Value& object, const char* key) {
  auto it = object.FindMember(key);
  if (it == object.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

std::int64_t int_of(const rapidjson::Value& object, const char* key, std::int64_t fallback) {
  auto it = object.FindMember(key);
  if (it == object.MemberEnd() || !it->value.IsInt64()) return fallback;
  return it->value.GetInt64();
}

std::uint64_t id_of(const rapidjson::Value& object, const char* key) {
  auto it = object.FindMember(key);
  if (it == object.MemberEnd() || !it->value.IsUint64()) return 0;
  return it->value.GetUint64();
}

void add_token(params& p, const std::string& token) {
  if (!token.empty()) p.emplace_back("token", token);
}

}  // namespace

std::string keys_of(const rapidjson::Value& object) {
  if (!object.IsObject()) return "(not an object)";
  std::vector<std::string> names;
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
    names.emplace_back(it->name.GetString(), it->name.GetStringLength());
  }
  return join_sorted(std::move(names));
}

std::string problem_ok(const response& r, std::initializer_list<const char*> payload_keys) {
  std::string p = base_problem(r, 200);
  if (p.empty()) p = status_problem(r, status::ok);
  if (!p.empty()) return p;
  std::vector<std::string> keys = {"status_code", "status_msg"};
  keys.insert(keys.end(), payload_keys.begin(), payload_keys.end());
  return with_request(r, keys_problem(r.json, keys, "response"));
}

std::string problem_error(const response& r, long http_status, std::int64_t code) {
  std::string p = base_problem(r, http_status);
  if (p.empty()) p = status_problem(r, code);
  if (!p.empty()) return p;
  return with_request(r, keys_problem(r.json, {"status_code", "status_msg"}, "error response"));
}

std::string problem_auth_error(const response& r, long http_status, std::int64_t code) {
  std::string p = base_problem(r, http_status);
  if (p.empty()) p = status_problem(r, code);
  if (!p.empty()) return p;
  p = keys_problem(r.json, {"status_code", "status_msg", "user_id", "token"},
                   "failed register/login response");
  if (p.empty() && r.int_member("user_id") != std::optional<std::int64_t>(0)) {
    p = "user_id of a failure is not the number 0";
  }
  if (p.empty() && !(r.json["token"].IsString() && r.json["token"].GetStringLength() == 0)) {
    p = "token of a failure is not \"\"";
  }
  return with_request(r, p);
}

std::string problem_id(const rapidjson::Value& value) {
  if (!value.IsUint64()) return "id is not an integer JSON number";
  if (value.GetUint64() == 0) return "id is 0";
  if (value.GetUint64() >= two_pow_53) return "id " + std::to_string(value.GetUint64()) + " >= 2^53";
  return {};
}

std::string problem_user(const rapidjson::Value& user) { return user_problem(user, false); }

std::string problem_friend_user(const rapidjson::Value& user) { return user_problem(user, true); }

std::string problem_message(const rapidjson::Value& message) {
  if (!message.IsObject()) return "message is not an object";
  std::string p = keys_problem(
      message, {"id", "to_user_id", "from_user_id", "content", "create_time"}, "Message");
  if (!p.empty()) return p;
  return first_problem(message, {{"id", "id"},
                                 {"to_user_id", "id"},
                                 {"from_user_id", "id"},
                                 {"content", "string"},
                                 {"create_time", "time"}});
}

std::string problem_user_list(const response& r) {
  return list_problem(r, "user_list", [](const rapidjson::Value& v) { return problem_user(v); });
}

std::string problem_friend_list(const response& r) {
  return list_problem(r, "user_list",
                      [](const rapidjson::Value& v) { return problem_friend_user(v); });
}

std::string problem_message_list(const response& r) {
  return list_problem(r, "message_list",
                      [](const rapidjson::Value& v) { return problem_message(v); });
}

user_view to_user_view(const rapidjson::Value& user) {
  user_view u;
  if (!user.IsObject()) return u;
  u.id = id_of(user, "id");
  u.name = text_of(user, "name");
  u.follow_count = int_of(user, "follow_count", -1);
  u.follower_count = int_of(user, "follower_count", -1);
  auto is_follow = user.FindMember("is_follow");
  u.is_follow = is_follow != user.MemberEnd() && is_follow->value.IsBool() && is_follow->value.GetBool();
  u.signature = text_of(user, "signature");
  u.total_favorited = int_of(user, "total_favorited", -1);
  u.work_count = int_of(user, "work_count", -1);
  u.favorite_count = int_of(user, "favorite_count", -1);
  u.message = text_of(user, "message");
  u.msg_type = int_of(user, "msgType", -1);
  return u;
}

message_view to_message_view(const rapidjson::Value& message) {
  message_view m;
  if (!message.IsObject()) return m;
  m.id = id_of(message, "id");
  m.to_user_id = id_of(message, "to_user_id");
  m.from_user_id = id_of(message, "from_user_id");
  m.content = text_of(message, "content");
  m.create_time = int_of(message, "create_time", 0);
  return m;
}

std::vector<user_view> user_list_of(const response& r) {
  std::vector<user_view> out;
  if (!r.json_ok || !r.json.IsObject() || !r.json.HasMember("user_list")) return out;
  const auto& list = r.json["user_list"];
  if (!list.IsArray()) return out;
  for (const auto& v : list.GetArray()) out.push_back(to_user_view(v));
  return out;
}

std::vector<message_view> message_list_of(const response& r) {
  std::vector<message_view> out;
  if (!r.json_ok || !r.json.IsObject() || !r.json.HasMember("message_list")) return out;
  const auto& list = r.json["message_list"];
  if (!list.IsArray()) return out;
  for (const auto& v : list.GetArray()) out.push_back(to_message_view(v));
  return out;
}

std::vector<std::uint64_t> ids_of(const std::vector<user_view>& users) {
  std::vector<std::uint64_t> ids;
  for (const auto& u : users) ids.push_back(u.id);
  return ids;
}

std::uint64_t absent_user_id(std::initializer_list<std::uint64_t> known) {
  return std::max(known) + 1000003;
}

namespace api {

response ping(http_client& c) { return c.get("/ping"); }

response user_register(http_client& c, const std::string& username, const std::string& password) {
  return c.post_form("/douyin/user/register/", {{"username", username}, {"password", password}});
}

response user_login(http_client& c, const std::string& username, const std::string& password) {
  return c.post_form("/douyin/user/login/", {{"username", username}, {"password", password}});
}

response user_info(http_client& c, const std::string& token, std::optional<std::uint64_t> user_id) {
  params q;
  if (user_id) q.emplace_back("user_id", std::to_string(*user_id));
  add_token(q, token);
  return c.get(c.with_query("/douyin/user/", q));
}

response relation_action(http_client& c, const std::string& token, std::uint64_t to_user_id,
                         int action_type) {
  params p;
  add_token(p, token);
  p.emplace_back("to_user_id", std::to_string(to_user_id));
  p.emplace_back("action_type", std::to_string(action_type));
  return c.post_form("/douyin/relation/action/", p);
}

response follow(http_client& c, const std::string& token, std::uint64_t to_user_id) {
  return relation_action(c, token, to_user_id, 1);
}

response unfollow(http_client& c, const std::string& token, std::uint64_t to_user_id) {
  return relation_action(c, token, to_user_id, 2);
}

response follow_list(http_client& c, std::uint64_t user_id, const std::string& token) {
  params q = {{"user_id", std::to_string(user_id)}};
  add_token(q, token);
  return c.get(c.with_query("/douyin/relation/follow/list/", q));
}

response follower_list(http_client& c, std::uint64_t user_id, const std::string& token) {
  params q = {{"user_id", std::to_string(user_id)}};
  add_token(q, token);
  return c.get(c.with_query("/douyin/relation/follower/list/", q));
}

response friend_list(http_client& c, const std::string& token, std::optional<std::uint64_t> user_id) {
  params q;
  if (user_id) q.emplace_back("user_id", std::to_string(*user_id));
  add_token(q, token);
  return c.get(c.with_query("/douyin/relation/friend/list/", q));
}

response send_message(http_client& c, const std::string& token, std::uint64_t to_user_id,
                      const std::string& content) {
  params p;
  add_token(p, token);
  p.emplace_back("to_user_id", std::to_string(to_user_id));
  p.emplace_back("action_type", "1");
  p.emplace_back("content", content);
  return c.post_form("/douyin/message/action/", p);
}

response chat(http_client& c, const std::string& token, std::uint64_t to_user_id,
              std::optional<std::int64_t> pre_msg_time) {
  params q;
  add_token(q, token);
  q.emplace_back("to_user_id", std::to_string(to_user_id));
  if (pre_msg_time) q.emplace_back("pre_msg_time", std::to_string(*pre_msg_time));
  return c.get(c.with_query("/douyin/message/chat/", q));
}

response logout(http_client& c, const std::string& token) {
  params p;
  add_token(p, token);
  return c.post_form("/reel/v1/logout", p);
}

}  // namespace api

user_view fetch_user(http_client& c, const std::string& token, std::uint64_t user_id) {
  response r = api::user_info(c, token, user_id);
  REQUIRE_API_OK(r, "user");
  REQUIRE_NO_PROBLEM(with_request(r, problem_user(r.json["user"])));
  return to_user_view(r.json["user"]);
}

std::vector<user_view> fetch_follow_list(http_client& c, std::uint64_t user_id,
                                         const std::string& token) {
  response r = api::follow_list(c, user_id, token);
  REQUIRE_NO_PROBLEM(problem_user_list(r));
  return user_list_of(r);
}

std::vector<user_view> fetch_follower_list(http_client& c, std::uint64_t user_id,
                                           const std::string& token) {
  response r = api::follower_list(c, user_id, token);
  REQUIRE_NO_PROBLEM(problem_user_list(r));
  return user_list_of(r);
}

std::vector<user_view> fetch_friend_list(http_client& c, const std::string& token) {
  response r = api::friend_list(c, token);
  REQUIRE_NO_PROBLEM(problem_friend_list(r));
  return user_list_of(r);
}

std::vector<message_view> fetch_chat(http_client& c, const std::string& token,
                                     std::uint64_t to_user_id,
                                     std::optional<std::int64_t> pre_msg_time) {
  response r = api::chat(c, token, to_user_id, pre_msg_time);
  REQUIRE_NO_PROBLEM(problem_message_list(r));
  return message_list_of(r);
}

void must_follow(http_client& c, const account& who, std::uint64_t whom) {
  REQUIRE_API_OK(api::follow(c, who.token, whom));
}

void must_unfollow(http_client& c, const account& who, std::uint64_t whom) {
  REQUIRE_API_OK(api::unfollow(c, who.token, whom));
}

void must_send(http_client& c, const account& from, std::uint64_t to, const std::string& content) {
  REQUIRE_API_OK(api::send_message(c, from.token, to, content));
}

}  // namespace reel::test
