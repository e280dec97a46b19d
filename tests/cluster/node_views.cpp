// Parsing of GET /reel/v1/cluster (actors/node_metrics.cpp writes it) and questions on it.
#include "tests/cluster/node_views.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <thread>

namespace reel::cluster_test {
namespace {

member_view member_of(const rapidjson::Value& v) {
  member_view m;
  if (!v.IsObject()) return m;
  if (v.HasMember("node") && v["node"].IsInt()) m.node = v["node"].GetInt();
  if (v.HasMember("incarnation") && v["incarnation"].IsString()) m.incarnation = v["incarnation"].GetString();
  return m;
}

std::vector<member_view> members_of(const rapidjson::Value& object, const char* key) {
  std::vector<member_view> out;
  if (!object.HasMember(key) || !object[key].IsArray()) return out;
  for (const auto& v : object[key].GetArray()) out.push_back(member_of(v));
  return out;
}

bool flag(const rapidjson::Value& object, const char* key) {
  return object.HasMember(key) && object[key].IsBool() && object[key].GetBool();
}

partition_view partition_of(const rapidjson::Value& p) {
  partition_view out;
  if (p.HasMember("partition") && p["partition"].IsInt()) out.partition = p["partition"].GetInt();
  if (p.HasMember("epoch") && p["epoch"].IsUint64()) out.epoch = p["epoch"].GetUint64();
  if (p.HasMember("role") && p["role"].IsString()) out.role = p["role"].GetString();
  out.serving = flag(p, "serving");
  out.readable = flag(p, "readable");
  if (p.HasMember("primary")) out.primary = member_of(p["primary"]);
  out.replicas = members_of(p, "replicas");
  out.learners = members_of(p, "learners");
  return out;
}

// The highest epoch any of `views` knows per partition.
std::map<int, std::uint64_t> newest_epochs(const std::vector<node_view>& views) {
  std::map<int, std::uint64_t> newest;
  for (const auto& v : views) {
    for (const auto& [p, pv] : v.partitions) newest[p] = std::max(newest[p], pv.epoch);
  }
  return newest;
}

}  // namespace

node_view parse_view(const std::string& body) {
  node_view out;
  out.raw = body.empty() ? "(no answer)" : body;
  rapidjson::Document doc;
  if (body.empty() || doc.Parse(body.c_str()).HasParseError() || !doc.IsObject()) return out;
  if (!doc.HasMember("node") || !doc["node"].IsInt() || !doc.HasMember("partitions") || !doc["partitions"].IsArray()) {
    return out;
  }
  out.answered = true;
  out.node = doc["node"].GetInt();
  if (doc.HasMember("incarnation") && doc["incarnation"].IsString()) out.incarnation = doc["incarnation"].GetString();
  out.controller = flag(doc, "controller");
  out.readable = flag(doc, "readable");
  for (const auto& p : doc["partitions"].GetArray()) {
    partition_view pv = partition_of(p);
    out.partitions[pv.partition] = std::move(pv);
  }
  return out;
}

node_view view_of(const cluster& c, std::size_t i) { return parse_view(c.cluster_view(i)); }

std::vector<node_view> views_of(const cluster& c, const std::vector<std::size_t>& which) {
  std::vector<node_view> out;
  for (std::size_t i : which) out.push_back(view_of(c, i));
  return out;
}

std::map<int, int> serving_primaries(const std::vector<node_view>& views) {
  const auto newest = newest_epochs(views);
  std::map<int, int> out;
  for (const auto& v : views) {
    for (const auto& [p, pv] : v.partitions) {
      if (pv.role == "primary" && pv.serving && pv.epoch == newest.at(p)) out[p] = v.node;
    }
  }
  return out;
}

std::vector<int> unserved(const std::vector<node_view>& views) {
  const auto served = serving_primaries(views);
  std::vector<int> out;
  for (int p = 0; p < static_cast<int>(partitions); ++p) {
    if (!served.contains(p)) out.push_back(p);
  }
  return out;
}

std::vector<int> led_by(const node_view& view) {
  std::vector<int> out;
  for (const auto& [p, pv] : view.partitions) {
    if (pv.role == "primary") out.push_back(p);
  }
  return out;
}

std::string replica_problem(const node_view& view, const std::vector<node_view>& others) {
  if (!view.answered) return "node gives no view: " + view.raw.substr(0, 200);
  std::string problem;
  const member_view me{view.node, view.incarnation};
  for (int p = 0; p < static_cast<int>(partitions); ++p) {
    const auto it = view.partitions.find(p);
    const std::string role = it == view.partitions.end() ? "(absent)" : it->second.role;
    if (role != "primary" && role != "backup") problem += " p" + std::to_string(p) + ":" + role;
    for (const auto& other : others) {
      const auto there = other.partitions.find(p);
      const bool listed =
          there != other.partitions.end() &&
          std::find(there->second.replicas.begin(), there->second.replicas.end(), me) != there->second.replicas.end();
      if (!listed) problem += " p" + std::to_string(p) + ":not-a-replica-for-node-number-" + std::to_string(other.node);
    }
  }
  return problem.empty()
             ? problem
             : "node number " + std::to_string(view.node) + " incarnation " + view.incarnation + ":" + problem;
}

std::string summary(const node_view& view) {
  if (!view.answered) return "no view: " + view.raw.substr(0, 200) + "\n";
  std::map<std::string, int> roles;
  std::size_t serving = 0, readable = 0;
  for (const auto& [p, pv] : view.partitions) {
    ++roles[pv.role];
    serving += pv.serving;
    readable += pv.readable;
  }
  std::string out = "node number " + std::to_string(view.node) + " incarnation " + view.incarnation +
                    (view.controller ? " controller" : "") + (view.readable ? " readable" : " NOT readable") + ":";
  for (const auto& [role, count] : roles) out += " " + role + "=" + std::to_string(count);
  out += " serving=" + std::to_string(serving) + " readable=" + std::to_string(readable);
  std::string unreadable;  // which partitions, in which role and epoch
  for (const auto& [p, pv] : view.partitions) {
    if (!pv.readable) unreadable += " p" + std::to_string(p) + "(" + pv.role + "@" + std::to_string(pv.epoch) + ")";
  }
  if (unreadable.size() > 300) unreadable = unreadable.substr(0, 300) + " ...";
  return out + (unreadable.empty() ? "" : "; unreadable:" + unreadable) + "\n";
}

view_timeline::view_timeline(steady_time origin) : origin_(origin) {}

void view_timeline::record(const std::vector<node_view>& views) {
  const auto at = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - origin_);
  for (const auto& v : views) {
    std::string line = summary(v);
    std::string& last = last_[v.node];
    if (line == last) continue;
    last = line;
    text_ += "  +" + std::to_string(at.count()) + " ms " + line;
  }
}

bool await(const std::function<bool()>& done, std::chrono::milliseconds limit, std::chrono::milliseconds every) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(every);
  }
}

}  // namespace reel::cluster_test
