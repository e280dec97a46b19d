// Exact shapes of the Douyin API responses: every check returns "" or what is wrong.
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

std::string keys_problem(const rapidjson::Value& object, std::vector<std::string> expected, const std::string& what) {
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
    return "status_code " + std::to_string(*actual) + ", expected " + std::to_string(code) + ": " + r.describe();
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

// API.md: avatar and background_image are never empty. Reel links every user to their own
// images under its public URL, and the two are different images.
std::string image_urls_problem(const rapidjson::Value& user, const std::string& public_url) {
  for (const char* key : {"avatar", "background_image"}) {
    const std::string url = user[key].GetString();
    if (url.rfind(public_url + "/", 0) != 0 || url.size() == public_url.size() + 1)
      return std::string(key) + " '" + url + "' is not a URL under the public URL " + public_url;
  }
  if (user["avatar"] == user["background_image"]) return "avatar and background_image are the same URL";
  return {};
}

std::string user_problem(const rapidjson::Value& user, bool friend_user, const std::string& public_url) {
  if (!user.IsObject()) return "user is not an object";
  std::vector<std::string> keys = {"id",
                                   "name",
                                   "follow_count",
                                   "follower_count",
                                   "is_follow",
                                   "avatar",
                                   "background_image",
                                   "signature",
                                   "total_favorited",
                                   "work_count",
                                   "favorite_count"};
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
                           {"avatar", "text"},
                           {"background_image", "text"},
                           {"signature", "text"},
                           {"total_favorited", "count"},
                           {"work_count", "count"},
                           {"favorite_count", "count"}});
  if (p.empty()) p = image_urls_problem(user, public_url);
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

// "MM-DD" with a month 01..12 and a day 01..31.
bool is_month_day(const rapidjson::Value& v) {
  if (!v.IsString() || v.GetStringLength() != 5) return false;
  const std::string d = v.GetString();
  auto digit = [&](std::size_t i) { return d[i] >= '0' && d[i] <= '9'; };
  if (!digit(0) || !digit(1) || d[2] != '-' || !digit(3) || !digit(4)) return false;
  const int month = (d[0] - '0') * 10 + (d[1] - '0');
  const int day = (d[3] - '0') * 10 + (d[4] - '0');
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

}  // namespace

std::string with_request(const response& r, std::string problem) {
  return problem.empty() ? problem : problem + " [in " + r.describe() + "]";
}

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
  p = keys_problem(r.json, {"status_code", "status_msg", "user_id", "token"}, "failed register/login response");
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

std::string problem_user(const rapidjson::Value& user, const std::string& public_url) {
  return user_problem(user, false, public_url);
}

std::string problem_friend_user(const rapidjson::Value& user, const std::string& public_url) {
  return user_problem(user, true, public_url);
}

std::string problem_message(const rapidjson::Value& message) {
  if (!message.IsObject()) return "message is not an object";
  std::string p = keys_problem(message, {"id", "to_user_id", "from_user_id", "content", "create_time"}, "Message");
  if (!p.empty()) return p;
  return first_problem(
      message,
      {{"id", "id"}, {"to_user_id", "id"}, {"from_user_id", "id"}, {"content", "string"}, {"create_time", "time"}});
}

std::string problem_user_list(const response& r) {
  return list_problem(r, "user_list", [&](const rapidjson::Value& v) { return problem_user(v, r.base_url); });
}

std::string problem_friend_list(const response& r) {
  return list_problem(r, "user_list", [&](const rapidjson::Value& v) { return problem_friend_user(v, r.base_url); });
}

std::string problem_message_list(const response& r) {
  return list_problem(r, "message_list", [](const rapidjson::Value& v) { return problem_message(v); });
}

std::string problem_video(const rapidjson::Value& video, const std::string& public_url) {
  if (!video.IsObject()) return "video is not an object";
  std::string p = keys_problem(
      video, {"id", "author", "play_url", "cover_url", "favorite_count", "comment_count", "is_favorite", "title"},
      "Video");
  if (!p.empty()) return p;
  p = first_problem(video, {{"id", "id"},
                            {"play_url", "text"},
                            {"cover_url", "text"},
                            {"favorite_count", "count"},
                            {"comment_count", "count"},
                            {"is_favorite", "bool"},
                            {"title", "string"}});
  if (!p.empty()) return p;
  p = problem_user(video["author"], public_url);
  return p.empty() ? p : "author: " + p;
}

std::string problem_comment(const rapidjson::Value& comment, const std::string& public_url) {
  if (!comment.IsObject()) return "comment is not an object";
  std::string p = keys_problem(comment, {"id", "user", "content", "create_date"}, "Comment");
  if (!p.empty()) return p;
  p = first_problem(comment, {{"id", "id"}, {"content", "string"}});
  if (!p.empty()) return p;
  if (!is_month_day(comment["create_date"])) return "create_date is not \"MM-DD\"";
  p = problem_user(comment["user"], public_url);
  return p.empty() ? p : "user: " + p;
}

std::string problem_video_list(const response& r) {
  return list_problem(r, "video_list", [&](const rapidjson::Value& v) { return problem_video(v, r.base_url); });
}

std::string problem_feed(const response& r) {
  std::string p = problem_ok(r, {"next_time", "video_list"});
  if (!p.empty()) return p;
  if (!r.json["next_time"].IsInt64()) return with_request(r, "next_time is not an integer");
  const rapidjson::Value& list = r.json["video_list"];
  if (!list.IsArray()) return with_request(r, "video_list is not an array");
  if (list.Size() > 30) return with_request(r, "video_list holds " + std::to_string(list.Size()) + " videos, over 30");
  for (rapidjson::SizeType i = 0; i < list.Size(); ++i) {
    p = problem_video(list[i], r.base_url);
    if (!p.empty()) return with_request(r, "video_list[" + std::to_string(i) + "]: " + p);
  }
  return {};
}

std::string problem_comment_list(const response& r) {
  return list_problem(r, "comment_list", [&](const rapidjson::Value& v) { return problem_comment(v, r.base_url); });
}

std::string problem_comment_added(const response& r) {
  std::string p = problem_ok(r, {"comment"});
  if (!p.empty()) return p;
  return with_request(r, problem_comment(r.json["comment"], r.base_url));
}

}  // namespace reel::test
