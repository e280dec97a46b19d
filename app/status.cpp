#include "app/status.hpp"

#include <curl/curl.h>
#include <fmt/format.h>
#include <rapidjson/document.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/membership/etcd_client.hpp"
#include "cluster/membership/records.hpp"
#include "storage/keys.hpp"

namespace reel::app {

namespace {

using cluster::membership::etcd_client;
using cluster::membership::node_record;
using cluster::replication::configuration;
using cluster::replication::member;

constexpr auto node_timeout = std::chrono::milliseconds(2000);  // per node's /reel/v1/cluster

struct status_options {
  std::string etcd;
  std::string cluster = "reel";
};

// What a primary reports of one of its partitions.
struct led_partition {
  std::uint64_t epoch = 0;
  bool serving = false;
  std::map<std::uint16_t, std::uint64_t> lag;  // entries each backup or learner lacks, by node number
};

// A live node (its record in etcd) and what it answered on /reel/v1/cluster.
struct node_view {
  node_record record;
  bool answered = false;
  bool readable = false;
  std::map<std::uint16_t, led_partition> led;  // partitions it says it is primary of
};

struct cluster_view {
  std::map<std::uint16_t, configuration> map;  // by partition
  std::vector<node_view> nodes;                // by node number
  std::optional<std::uint64_t> controller;     // its incarnation
};

std::vector<std::string> split_endpoints(const std::string& list) {
  std::vector<std::string> out;
  for (std::size_t at = 0; at <= list.size();) {
    auto comma = std::min(list.find(',', at), list.size());
    if (comma > at) out.push_back(list.substr(at, comma - at));
    at = comma + 1;
  }
  return out;
}

// The election key's value is "<node> <incarnation>" (cluster/membership/controller.cpp).
std::optional<std::uint64_t> controller_incarnation(const std::string& value) {
  auto space = value.find(' ');
  if (space == std::string::npos) return std::nullopt;
  try {
    return std::stoull(value.substr(space + 1));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

cluster_view read_etcd(etcd_client& etcd, const cluster::membership::keys& keys) {
  cluster_view view;
  for (const auto& kv : etcd.range_prefix(keys.map()).kvs) {
    auto partition = keys.partition_of_map_key(kv.key);
    auto config = cluster::membership::decode_configuration(kv.value);
    if (partition && config) view.map[*partition] = *config;
  }
  for (const auto& kv : etcd.range_prefix(keys.nodes()).kvs)
    if (auto record = cluster::membership::decode_node(kv.value)) {
      node_view node;
      node.record = *record;
      view.nodes.push_back(std::move(node));
    }
  std::sort(view.nodes.begin(), view.nodes.end(),
            [](const node_view& a, const node_view& b) { return a.record.who.node < b.record.who.node; });
  if (auto election = etcd.get(keys.controller())) view.controller = controller_incarnation(election->value);
  return view;
}

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

// The body of a 200 answer to GET url within the timeout, or nullopt.
std::optional<std::string> http_get(const std::string& url) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return std::nullopt;
  std::string body;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(node_timeout.count()));
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &body);
  long status = 0;
  if (curl_easy_perform(curl.get()) != CURLE_OK) return std::nullopt;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) return std::nullopt;
  return body;
}

std::optional<led_partition> read_led(const rapidjson::Value& p) {
  if (!p["partition"].IsUint() || !p["epoch"].IsUint64() || !p["serving"].IsBool() || !p["peers"].IsArray())
    return std::nullopt;
  led_partition led;
  led.epoch = p["epoch"].GetUint64();
  led.serving = p["serving"].GetBool();
  for (const auto& peer : p["peers"].GetArray()) {
    if (!peer.IsObject() || !peer.HasMember("node") || !peer["node"].IsUint() || !peer.HasMember("lag") ||
        !peer["lag"].IsUint64())
      return std::nullopt;
    led.lag[static_cast<std::uint16_t>(peer["node"].GetUint())] = peer["lag"].GetUint64();
  }
  return led;
}

// Fills `node` from its /reel/v1/cluster JSON (actors/node_metrics.cpp); false if malformed.
bool read_answer(const std::string& json, node_view& node) {
  rapidjson::Document d;
  d.Parse(json.c_str(), json.size());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("partitions") || !d["partitions"].IsArray()) return false;
  if (d.HasMember("readable") && d["readable"].IsBool()) node.readable = d["readable"].GetBool();
  for (const auto& p : d["partitions"].GetArray()) {
    if (!p.IsObject() || !p.HasMember("role") || !p["role"].IsString()) return false;
    if (std::string_view(p["role"].GetString()) != "primary") continue;
    for (const char* field : {"partition", "epoch", "serving", "peers"})
      if (!p.HasMember(field)) return false;
    auto led = read_led(p);
    if (!led) return false;
    node.led[static_cast<std::uint16_t>(p["partition"].GetUint())] = *led;
  }
  return true;
}

// Asks every node at once, so that silent ones cost one timeout in all.
void ask_nodes(std::vector<node_view>& nodes) {
  std::vector<std::future<std::optional<std::string>>> answers;
  for (const auto& n : nodes)
    answers.push_back(std::async(std::launch::async, http_get, n.record.http + "/reel/v1/cluster"));
  for (std::size_t i = 0; i < nodes.size(); ++i)
    if (auto body = answers[i].get()) nodes[i].answered = read_answer(*body, nodes[i]);
}

const node_view* live_node(const cluster_view& view, const member& m) {
  for (const auto& n : view.nodes)
    if (n.record.who.node == m.node && n.record.who.incarnation == m.incarnation) return &n;
  return nullptr;
}

// "ok" when the partition's primary is live, answers and serves it at the map's epoch, with
// enough replicas to take writes.
std::string partition_state(const cluster_view& view, std::uint16_t partition) {
  auto config = view.map.find(partition);
  if (config == view.map.end() || config->second.epoch == 0) return "no primary";
  const auto* primary = live_node(view, config->second.primary);
  if (!primary) return "primary gone";
  if (!primary->answered) return "no answer";
  auto led = primary->led.find(partition);
  if (led == primary->led.end() || led->second.epoch != config->second.epoch || !led->second.serving)
    return "not serving";
  // The primary refuses writes below min_replicas: an acknowledged write is on that many disks.
  if (config->second.replicas.size() < config->second.min_replicas) return "too few replicas";
  return "ok";
}

// Node numbers; "*" marks a member whose incarnation is not a live node.
std::string members(const cluster_view& view, const std::vector<member>& ms) {
  if (ms.empty()) return "-";
  std::string out;
  for (const auto& m : ms)
    out += fmt::format("{}{}{}", out.empty() ? "" : ",", m.node.value, live_node(view, m) ? "" : "*");
  return out;
}

// "node:entries" for every backup and learner, as the primary reports it ("?": unknown).
std::string lags(const cluster_view& view, std::uint16_t partition, const configuration& c) {
  const led_partition* led = nullptr;
  if (const auto* primary = live_node(view, c.primary); primary && primary->answered)
    if (auto it = primary->led.find(partition); it != primary->led.end()) led = &it->second;
  std::string out;
  auto add = [&](const member& m) {
    if (m == c.primary) return;
    std::string lag = "?";
    if (led)
      if (auto it = led->lag.find(m.node.value); it != led->lag.end()) lag = std::to_string(it->second);
    out += fmt::format("{}{}:{}", out.empty() ? "" : " ", m.node.value, lag);
  };
  for (const auto& m : c.replicas) add(m);
  for (const auto& m : c.learners) add(m);
  return out.empty() ? "-" : out;
}

using table = std::vector<std::vector<std::string>>;

// Left-aligned columns, two spaces apart; the last column is not padded.
void print_table(const table& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (widths.size() <= i) widths.push_back(0);
      widths[i] = std::max(widths[i], row[i].size());
    }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i)
      line += i + 1 < row.size() ? fmt::format("{:<{}}  ", row[i], widths[i]) : row[i];
    fmt::print("{}\n", line);
  }
}

const char* yes_no(bool b) { return b ? "yes" : "no"; }

void print_nodes(const std::string& cluster, const cluster_view& view) {
  fmt::print("cluster {}: {} live node{}\n", cluster, view.nodes.size(), view.nodes.size() == 1 ? "" : "s");
  table rows{{"node", "name", "incarnation", "http", "controller", "answers", "readable", "leads"}};
  for (const auto& n : view.nodes) {
    const auto& who = n.record.who;
    auto leads =
        std::count_if(view.map.begin(), view.map.end(), [&](const auto& p) { return p.second.primary == who; });
    rows.push_back({std::to_string(who.node.value), n.record.name, std::to_string(who.incarnation), n.record.http,
                    yes_no(view.controller == who.incarnation), yes_no(n.answered),
                    n.answered ? yes_no(n.readable) : "?", std::to_string(leads)});
  }
  print_table(rows);
}

// One line per partition; returns how many are not served, by state.
std::map<std::string, std::size_t> print_partitions(const cluster_view& view) {
  table rows{{"partition", "epoch", "primary", "state", "replicas", "learners", "lag (node:entries)"}};
  std::map<std::string, std::size_t> failing;
  for (std::uint16_t p = 0; p <= storage::shared_partition; ++p) {
    auto state = partition_state(view, p);
    if (state != "ok") ++failing[state];
    auto name = p == storage::shared_partition ? std::to_string(p) + " (shared)" : std::to_string(p);
    auto it = view.map.find(p);
    if (it == view.map.end()) {
      rows.push_back({name, "-", "-", state, "-", "-", "-"});
      continue;
    }
    const auto& c = it->second;
    rows.push_back({name, std::to_string(c.epoch), members(view, {c.primary}), state, members(view, c.replicas),
                    members(view, c.learners), lags(view, p, c)});
  }
  fmt::print("\n");
  print_table(rows);
  auto starred = [](const std::string& cell) { return cell.find('*') != std::string::npos; };
  auto stale = [&](const auto& row) { return std::any_of(row.begin(), row.end(), starred); };
  if (std::any_of(rows.begin(), rows.end(), stale)) fmt::print("* its incarnation is not a live node\n");
  return failing;
}

void print_summary(const std::map<std::string, std::size_t>& failing) {
  constexpr std::size_t total = storage::shared_partition + 1;
  std::size_t bad = 0;
  std::string reasons;
  for (const auto& [state, count] : failing) {
    bad += count;
    reasons += fmt::format("{}{} {}", reasons.empty() ? "" : ", ", count, state);
  }
  fmt::print("\n");
  if (bad == 0)
    fmt::print("All {} partitions have a live primary that serves them.\n", total);
  else
    fmt::print("{} of {} partitions not served: {}.\n", bad, total, reasons);
}

}  // namespace

int run_status(int argc, char** argv) {
  status_options o;
  CLI::App cli{"reeld status: a cluster's partition map in etcd, and each primary's view of its backups"};
  cli.add_option("--etcd", o.etcd, "etcd endpoints, comma-separated (e.g. http://127.0.0.1:2379)")->required();
  cli.add_option("--cluster", o.cluster, "the cluster's name: its keys in etcd live under /reel/<name>")
      ->capture_default_str();
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }
  try {
    curl_global_init(CURL_GLOBAL_DEFAULT);  // before any thread uses curl
    etcd_client etcd(split_endpoints(o.etcd));
    auto view = read_etcd(etcd, cluster::membership::keys{"/reel/" + o.cluster});
    ask_nodes(view.nodes);
    print_nodes(o.cluster, view);
    auto failing = print_partitions(view);
    print_summary(failing);
    return failing.empty() ? 0 : 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "reeld status: {}\n", e.what());
    return 1;
  }
}

}  // namespace reel::app
