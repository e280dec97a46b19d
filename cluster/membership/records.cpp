#include "cluster/membership/records.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdio>

namespace reel::cluster::membership {

namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;
using replication::member;

// 64-bit ids as strings: JSON readers (and jq) lose precision above 2^53.
void write_u64(writer& w, const char* name, std::uint64_t v) {
  w.Key(name);
  w.String(std::to_string(v).c_str());
}

void write_member(writer& w, const member& m) {
  w.StartObject();
  w.Key("node");
  w.Uint(m.node.value);
  write_u64(w, "incarnation", m.incarnation);
  write_u64(w, "storage", m.storage);
  w.EndObject();
}

std::optional<std::uint64_t> read_u64(const rapidjson::Value& o, const char* name) {
  if (!o.IsObject() || !o.HasMember(name)) return std::nullopt;
  const auto& v = o[name];
  if (v.IsUint64()) return v.GetUint64();
  if (!v.IsString()) return std::nullopt;
  try {
    std::size_t used = 0;
    auto parsed = std::stoull(v.GetString(), &used);
    if (used != v.GetStringLength()) return std::nullopt;
    return parsed;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<member> read_member(const rapidjson::Value& o) {
  auto node = read_u64(o, "node");
  auto incarnation = read_u64(o, "incarnation");
  auto storage = read_u64(o, "storage");
  if (!node || !incarnation || !storage || *node > 0xFFFF) return std::nullopt;
  return member{replication::node_id(static_cast<std::uint16_t>(*node)), *incarnation, *storage};
}

bool read_members(const rapidjson::Value& o, const char* name, std::vector<member>& out) {
  if (!o.HasMember(name) || !o[name].IsArray()) return false;
  for (const auto& m : o[name].GetArray()) {
    auto parsed = read_member(m);
    if (!parsed) return false;
    out.push_back(*parsed);
  }
  return true;
}

std::optional<rapidjson::Document> parse(const std::string& json) {
  rapidjson::Document d;
  d.Parse(json.c_str(), json.size());
  if (d.HasParseError() || !d.IsObject()) return std::nullopt;
  return d;
}

std::string two_digits(std::uint16_t n) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "%02u", static_cast<unsigned>(n));
  return buffer;
}

}  // namespace

std::string keys::map(std::uint16_t partition) const { return map() + two_digits(partition); }

std::string keys::report(const replication::report& r) const {
  auto kind = r.what == replication::report::kind::replica_lost ? "lost" : "caught-up";
  return reports() + two_digits(r.partition) + "/" + std::to_string(r.subject.incarnation) + "-" + kind;
}

std::optional<std::uint16_t> keys::partition_of_map_key(const std::string& key) const {
  auto base = map();
  if (key.size() <= base.size() || key.compare(0, base.size(), base) != 0) return std::nullopt;
  try {
    std::size_t used = 0;
    auto n = std::stoul(key.substr(base.size()), &used);
    if (used != key.size() - base.size() || n > 0xFFFF) return std::nullopt;
    return static_cast<std::uint16_t>(n);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string encode(const replication::configuration& c) {
  rapidjson::StringBuffer out;
  writer w(out);
  w.StartObject();
  write_u64(w, "epoch", c.epoch);
  w.Key("primary");
  write_member(w, c.primary);
  w.Key("replicas");
  w.StartArray();
  for (const auto& m : c.replicas) write_member(w, m);
  w.EndArray();
  w.Key("learners");
  w.StartArray();
  for (const auto& m : c.learners) write_member(w, m);
  w.EndArray();
  w.Key("min_replicas");
  w.Uint(c.min_replicas);
  w.EndObject();
  return out.GetString();
}

std::optional<replication::configuration> decode_configuration(const std::string& json) {
  auto d = parse(json);
  if (!d) return std::nullopt;
  replication::configuration c;
  auto epoch = read_u64(*d, "epoch");
  auto min_replicas = read_u64(*d, "min_replicas");
  if (!epoch || !min_replicas || !d->HasMember("primary")) return std::nullopt;
  auto primary = read_member((*d)["primary"]);
  if (!primary || !read_members(*d, "replicas", c.replicas) || !read_members(*d, "learners", c.learners))
    return std::nullopt;
  c.epoch = *epoch;
  c.primary = *primary;
  c.min_replicas = static_cast<std::uint32_t>(*min_replicas);
  return c;
}

std::string encode(const node_record& n) {
  rapidjson::StringBuffer out;
  writer w(out);
  w.StartObject();
  w.Key("name");
  w.String(n.name.c_str());
  w.Key("member");
  write_member(w, n.who);
  w.Key("host");
  w.String(n.host.c_str());
  w.Key("port");
  w.Uint(n.port);
  w.Key("http");
  w.String(n.http.c_str());
  w.EndObject();
  return out.GetString();
}

std::optional<node_record> decode_node(const std::string& json) {
  auto d = parse(json);
  if (!d || !d->HasMember("member") || !d->HasMember("name") || !(*d)["name"].IsString() || !d->HasMember("host") ||
      !(*d)["host"].IsString() || !d->HasMember("http") || !(*d)["http"].IsString())
    return std::nullopt;
  auto who = read_member((*d)["member"]);
  auto port = read_u64(*d, "port");
  if (!who || !port || *port > 0xFFFF) return std::nullopt;
  return node_record{(*d)["name"].GetString(), *who, (*d)["host"].GetString(), static_cast<std::uint16_t>(*port),
                     (*d)["http"].GetString()};
}

std::string encode(const replication::report& r) {
  rapidjson::StringBuffer out;
  writer w(out);
  w.StartObject();
  w.Key("what");
  w.String(r.what == replication::report::kind::replica_lost ? "replica_lost" : "learner_caught_up");
  w.Key("partition");
  w.Uint(r.partition);
  w.Key("subject");
  write_member(w, r.subject);
  write_u64(w, "epoch", r.epoch);
  w.EndObject();
  return out.GetString();
}

std::optional<replication::report> decode_report(const std::string& json) {
  auto d = parse(json);
  if (!d || !d->HasMember("what") || !(*d)["what"].IsString() || !d->HasMember("subject")) return std::nullopt;
  std::string what = (*d)["what"].GetString();
  auto partition = read_u64(*d, "partition");
  auto epoch = read_u64(*d, "epoch");
  auto subject = read_member((*d)["subject"]);
  if (!partition || !epoch || !subject || *partition > 0xFFFF) return std::nullopt;
  replication::report r;
  if (what == "replica_lost")
    r.what = replication::report::kind::replica_lost;
  else if (what == "learner_caught_up")
    r.what = replication::report::kind::learner_caught_up;
  else
    return std::nullopt;
  r.partition = static_cast<std::uint16_t>(*partition);
  r.subject = *subject;
  r.epoch = *epoch;
  return r;
}

}  // namespace reel::cluster::membership
