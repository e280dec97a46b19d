// What Reel keeps in etcd, and its key layout. Values are JSON so that `etcdctl get` and the
// status command show them as they are.
//
//   <prefix>/map/<pp>             a partition's configuration (pp: two digits, 64 = shared)
//   <prefix>/nodes/<incarnation>  a live node (under its lease: gone when the lease is)
//   <prefix>/numbers/<name>       the node number of a node name (allocated once)
//   <prefix>/owners/<n>           the name that owns node number n
//   <prefix>/controller           the elected controller (under its lease)
//   <prefix>/reports/<pp>/<inc>-<kind>   a primary's report to the controller (under its lease)
//   <prefix>/evictions/<inc>      an incarnation whose lease the controller revoked
//   <prefix>/token-key            the secret that signs login tokens (every node checks them)
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "cluster/replication/types.hpp"

namespace reel::cluster::membership {

struct node_record {
  std::string name;
  replication::member who;
  std::string host;        // where peers reach its cluster port
  std::uint16_t port = 0;  // its cluster port
  std::string http;        // its HTTP base URL
};

struct keys {
  std::string prefix;  // "/reel/<cluster name>"

  std::string map() const { return prefix + "/map/"; }
  std::string map(std::uint16_t partition) const;
  std::string nodes() const { return prefix + "/nodes/"; }
  std::string node(std::uint64_t incarnation) const { return nodes() + std::to_string(incarnation); }
  std::string numbers() const { return prefix + "/numbers/"; }
  std::string number(const std::string& name) const { return numbers() + name; }
  std::string owner(std::uint16_t number) const { return prefix + "/owners/" + std::to_string(number); }
  std::string controller() const { return prefix + "/controller"; }
  std::string reports() const { return prefix + "/reports/"; }
  std::string report(const replication::report& r) const;
  std::string evictions() const { return prefix + "/evictions/"; }
  std::string eviction(std::uint64_t incarnation) const { return evictions() + std::to_string(incarnation); }
  std::string token_key() const { return prefix + "/token-key"; }
  // The partition number of a map key, or nullopt.
  std::optional<std::uint16_t> partition_of_map_key(const std::string& key) const;
};

std::string encode(const replication::configuration& c);
std::optional<replication::configuration> decode_configuration(const std::string& json);
std::string encode(const node_record& n);
std::optional<node_record> decode_node(const std::string& json);
std::string encode(const replication::report& r);
std::optional<replication::report> decode_report(const std::string& json);

}  // namespace reel::cluster::membership
