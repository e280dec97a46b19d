#include "cluster/membership/etcd_json.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sodium.h>

#include <charconv>

namespace reel::cluster::membership::json {
namespace {

constexpr int base64_variant = sodium_base64_VARIANT_ORIGINAL;

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

void string_field(writer& w, const char* name, std::string_view text) {
  w.Key(name);
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}
void bytes_field(writer& w, const char* name, std::string_view bytes) { string_field(w, name, base64(bytes)); }
// The gateway takes int64 as strings too, and strings survive any JSON reader unrounded.
void int64_field(writer& w, const char* name, std::int64_t v) { string_field(w, name, std::to_string(v)); }

template <class Fill>
std::string object(Fill fill) {
  rapidjson::StringBuffer buffer;
  writer w(buffer);
  w.StartObject();
  fill(w);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string excerpt(std::string_view body) {
  constexpr std::size_t limit = 200;
  return std::string(body.substr(0, limit)) + (body.size() > limit ? "..." : "");
}

rapidjson::Document parse(std::string_view body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) throw etcd_error("etcd: unreadable answer: " + excerpt(body));
  return doc;
}

const rapidjson::Value* find(const rapidjson::Value& obj, const char* name) {
  if (!obj.IsObject()) return nullptr;
  auto it = obj.FindMember(name);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

// An absent member reads as an empty object, so that paths like header.revision need no checks.
const rapidjson::Value& member(const rapidjson::Value& obj, const char* name) {
  static const rapidjson::Value absent(rapidjson::kObjectType);
  const auto* found = find(obj, name);
  return found ? *found : absent;
}

std::int64_t int64_of(const rapidjson::Value& obj, const char* name) {
  const auto* found = find(obj, name);
  if (!found) return 0;
  const auto& v = *found;
  if (v.IsInt64()) return v.GetInt64();
  std::int64_t out = 0;
  if (v.IsString()) {
    const char* end = v.GetString() + v.GetStringLength();
    auto [ptr, ec] = std::from_chars(v.GetString(), end, out);
    if (ec == std::errc() && ptr == end) return out;
  }
  throw etcd_error(std::string("etcd: field ") + name + " is not an int64");
}

bool bool_of(const rapidjson::Value& obj, const char* name) {
  const auto& v = member(obj, name);
  return v.IsBool() && v.GetBool();
}

std::string string_of(const rapidjson::Value& obj, const char* name) {
  const auto& v = member(obj, name);
  return v.IsString() ? std::string(v.GetString(), v.GetStringLength()) : std::string();
}

std::string bytes_of(const rapidjson::Value& obj, const char* name) { return unbase64(string_of(obj, name)); }

std::int64_t header_revision(const rapidjson::Value& obj) { return int64_of(member(obj, "header"), "revision"); }

key_value kv_of(const rapidjson::Value& obj) {
  key_value kv;
  kv.key = bytes_of(obj, "key");
  kv.value = bytes_of(obj, "value");
  kv.create_revision = int64_of(obj, "create_revision");
  kv.mod_revision = int64_of(obj, "mod_revision");
  kv.version = int64_of(obj, "version");
  kv.lease = int64_of(obj, "lease");
  return kv;
}

// Streamed answers wrap each message; an {"error":{...}} in place of the result ends the stream.
const rapidjson::Value& unwrap_result(const rapidjson::Value& doc) {
  const auto& error = member(doc, "error");
  if (error.IsObject() && error.MemberCount() > 0) throw etcd_error("etcd: " + string_of(error, "message"));
  return member(doc, "result");
}

void write_op(writer& w, const etcd_client::guarded_write& write) {
  w.StartObject();
  w.Key(write.value ? "request_put" : "request_delete_range");
  w.StartObject();
  bytes_field(w, "key", write.key);
  if (write.value) {
    bytes_field(w, "value", *write.value);
    if (write.lease != 0) int64_field(w, "lease", write.lease);
  }
  w.EndObject();
  w.EndObject();
}

}  // namespace

std::string base64(std::string_view bytes) {
  const std::size_t size = sodium_base64_ENCODED_LEN(bytes.size(), base64_variant);
  std::string out(size, '\0');
  sodium_bin2base64(out.data(), size, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    base64_variant);
  out.resize(size - 1);  // sodium counts the terminating NUL
  return out;
}

std::string unbase64(std::string_view text) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  std::size_t size = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr,
                        &size, nullptr, base64_variant) != 0) {
    throw etcd_error("etcd: malformed base64 in an answer: " + excerpt(text));
  }
  out.resize(size);
  return out;
}

key_range prefix_range(std::string_view prefix) {
  if (prefix.empty()) return {std::string(1, '\0'), std::string(1, '\0')};
  std::string end(prefix);
  while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xff) end.pop_back();
  if (end.empty()) return {std::string(prefix), std::string(1, '\0')};
  end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
  return {std::string(prefix), end};
}

std::string put_request(const std::string& key, const std::string& value, std::int64_t lease) {
  return object([&](writer& w) {
    bytes_field(w, "key", key);
    bytes_field(w, "value", value);
    if (lease != 0) int64_field(w, "lease", lease);
  });
}

std::string range_request(const std::string& key, const std::string& range_end) {
  return object([&](writer& w) {
    bytes_field(w, "key", key);
    if (!range_end.empty()) bytes_field(w, "range_end", range_end);
  });
}

std::string delete_request(const std::string& key, const std::string& range_end) {
  return range_request(key, range_end);  // DeleteRangeRequest names its fields like RangeRequest
}

std::string grant_request(std::int64_t ttl_seconds) {
  return object([&](writer& w) { int64_field(w, "TTL", ttl_seconds); });
}

std::string lease_request(std::int64_t lease) {
  return object([&](writer& w) { int64_field(w, "ID", lease); });
}

std::string txn_request(const std::vector<etcd_client::guarded_write>& writes) {
  return object([&](writer& w) {
    w.Key("compare");
    w.StartArray();
    for (const auto& write : writes) {
      w.StartObject();
      bytes_field(w, "key", write.key);
      string_field(w, "target", "MOD");
      string_field(w, "result", "EQUAL");
      int64_field(w, "mod_revision", write.expected_mod_revision);
      w.EndObject();
    }
    w.EndArray();
    w.Key("success");
    w.StartArray();
    for (const auto& write : writes) write_op(w, write);
    w.EndArray();
  });
}

std::string watch_request(const std::string& key, const std::string& range_end, std::int64_t start_revision) {
  return object([&](writer& w) {
    w.Key("create_request");
    w.StartObject();
    bytes_field(w, "key", key);
    if (!range_end.empty()) bytes_field(w, "range_end", range_end);
    if (start_revision != 0) int64_field(w, "start_revision", start_revision);
    w.EndObject();
  });
}

std::optional<gateway_error> parse_error(std::string_view body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
  const auto& inner = member(doc, "error");
  const auto& source = inner.IsObject() && inner.MemberCount() > 0 ? inner : doc;  // streamed form nests it
  gateway_error error;
  error.code = static_cast<int>(int64_of(source, find(source, "grpc_code") ? "grpc_code" : "code"));
  error.message = string_of(source, "message");
  if (error.message.empty()) error.message = string_of(source, "error");
  if (error.message.empty() && error.code == 0) return std::nullopt;
  return error;
}

std::int64_t parse_header_revision(std::string_view body) { return header_revision(parse(body)); }

range_result parse_range(std::string_view body) {
  const auto doc = parse(body);
  range_result result;
  result.revision = header_revision(doc);
  const auto& kvs = member(doc, "kvs");
  if (kvs.IsArray()) {
    for (const auto& kv : kvs.GetArray()) result.kvs.push_back(kv_of(kv));
  }
  return result;
}

std::int64_t parse_deleted(std::string_view body) { return int64_of(parse(body), "deleted"); }

bool parse_txn_succeeded(std::string_view body) { return bool_of(parse(body), "succeeded"); }

std::int64_t parse_grant(std::string_view body) {
  const auto doc = parse(body);
  const auto refusal = string_of(doc, "error");
  if (!refusal.empty()) throw etcd_error("etcd: lease grant refused: " + refusal);
  const auto id = int64_of(doc, "ID");
  if (id == 0) throw etcd_error("etcd: lease grant answered without a lease id: " + excerpt(body));
  return id;
}

etcd_client::keepalive_result parse_keepalive(std::string_view body) {
  const auto doc = parse(body);
  const auto& result = unwrap_result(doc);
  etcd_client::keepalive_result out;
  out.ttl = int64_of(result, "TTL");
  out.alive = out.ttl > 0;
  out.revision = header_revision(result);
  return out;
}

watch_message parse_watch_message(std::string_view line) {
  const auto doc = parse(line);
  watch_message out;
  if (const auto& error = member(doc, "error"); error.IsObject() && error.MemberCount() > 0) {
    out.error = string_of(error, "message");
    return out;
  }
  const auto& result = member(doc, "result");
  out.created = bool_of(result, "created");
  out.canceled = bool_of(result, "canceled");
  out.compact_revision = int64_of(result, "compact_revision");
  out.cancel_reason = string_of(result, "cancel_reason");
  out.header_revision = header_revision(result);
  const auto& events = member(result, "events");
  if (!events.IsArray()) return out;
  for (const auto& event : events.GetArray()) {
    // The default type, PUT, is left out of the JSON like every proto3 default.
    const bool deletion = string_of(event, "type") == "DELETE";
    out.events.push_back({deletion ? watch_event::type::del : watch_event::type::put, kv_of(member(event, "kv"))});
  }
  return out;
}

}  // namespace reel::cluster::membership::json
