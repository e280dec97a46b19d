// Real etcd servers for tests: one member, or a cluster of three, on free loopback ports with
// their data in a fresh /tmp folder. The constructor returns once every member reports healthy
// (a leader is elected); the destructor kills and reaps every member and deletes the folder.
// Each member's log (warnings and up) is <folder>/<name>/etcd.log.
//
// Members die with the thread that started them (PR_SET_PDEATHSIG), so a crashed test run
// leaves no etcd behind: create an etcd_process on the thread that outlives its use.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "temp_dir.hpp"

namespace reel::unit {

class etcd_process {
 public:
  // Throws std::runtime_error (with the end of the failing member's log) when etcd is not
  // installed, a member exits early, or the cluster is not healthy within 20 s.
  explicit etcd_process(std::size_t members = 1);
  ~etcd_process();
  etcd_process(const etcd_process&) = delete;
  etcd_process& operator=(const etcd_process&) = delete;

  // "http://127.0.0.1:PORT" of every member, killed ones included, in member order.
  std::vector<std::string> endpoints() const;
  std::string endpoint(std::size_t index) const;
  std::size_t size() const { return members_.size(); }

  // SIGKILL, as a crash would: no goodbye to the peers. Reaps the process before returning,
  // so its ports refuse connections afterwards.
  void kill_member(std::size_t index);
  bool alive(std::size_t index) const { return members_.at(index).pid > 0; }

  // The index of the member that leads, as the living members report it; nullopt while they
  // disagree or have none (during an election).
  std::optional<std::size_t> leader() const;

  // Raw HTTP to one member for what etcd_client does not offer (/metrics, compaction): GET, or
  // POST when post_body is not empty. nullopt unless the member answered 200.
  std::optional<std::string> request(std::size_t member, const std::string& path,
                                     const std::string& post_body = "") const;

  // An endpoint on which nothing listens (a port just released), for failover tests.
  static std::string unused_endpoint();

 private:
  struct member {
    std::string name;
    int client_port = 0, peer_port = 0;
    pid_t pid = -1;
  };

  void spawn(member& m, const std::string& initial_cluster);
  void await_healthy();
  std::string log_tail(const member& m) const;
  void kill_all();

  temp_dir dir_{"etcd"};  // declared first: removed only after every member is dead
  std::vector<member> members_;
};

}  // namespace reel::unit
