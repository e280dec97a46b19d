// A small etcd v3 client over etcd's JSON gateway (HTTP/1.1 + JSON through libcurl, no gRPC).
// Membership, the partition map and the controller keep their shared state here; etcd holds
// control decisions only, never the data path.
//
// Not thread-safe: one client owns one CURL handle and one keep-alive connection. Give each
// thread (the watcher, the lease keeper, the controller) its own client.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace reel::cluster::membership {

// Transport failures on every endpoint, gateway errors ({"error","code","message"}), and
// answers that are not what etcd's API promises.
struct etcd_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct key_value {
  std::string key, value;  // raw bytes, base64 only on the wire
  std::int64_t create_revision = 0, mod_revision = 0, version = 0, lease = 0;
};

struct range_result {
  std::vector<key_value> kvs;
  std::int64_t revision = 0;  // the store's revision when the range was served
};

struct watch_event {
  enum class type { put, del } kind;
  key_value kv;  // a deletion carries only key and mod_revision (the deleting revision)
};

class etcd_client {
 public:
  // Endpoints like "http://127.0.0.1:2379". Each call tries the endpoint that last worked first,
  // then the others; a request gets at most `timeout` per endpoint (connect + transfer).
  //
  // A write whose endpoint timed out may still have been applied before the client moved on;
  // the compare-and-swap calls then report false on the retry, so callers re-read after false.
  explicit etcd_client(std::vector<std::string> endpoints,
                       std::chrono::milliseconds timeout = std::chrono::milliseconds(1000));
  ~etcd_client();
  etcd_client(const etcd_client&) = delete;
  etcd_client& operator=(const etcd_client&) = delete;

  std::int64_t grant_lease(std::int64_t ttl_seconds);  // returns the lease id
  struct keepalive_result {
    bool alive = false;
    std::int64_t ttl = 0;  // seconds granted from now
    std::int64_t revision = 0;
  };
  // One request per renewal: the gateway honours only the first message of a stream (etcd#8237).
  keepalive_result keepalive(std::int64_t lease);  // alive=false once the lease is gone
  void revoke_lease(std::int64_t lease);           // a missing lease is not an error

  std::int64_t put(const std::string& key, const std::string& value, std::int64_t lease = 0);  // header revision
  std::optional<key_value> get(const std::string& key);
  range_result range_prefix(const std::string& prefix);  // every key starting with prefix
  std::int64_t delete_key(const std::string& key);       // number deleted
  std::int64_t delete_prefix(const std::string& prefix);

  // Compare-and-swap transactions: each returns whether the comparison held (and the write happened).
  bool create(const std::string& key, const std::string& value, std::int64_t lease = 0);  // only if absent
  bool put_if_mod_revision(const std::string& key, const std::string& value, std::int64_t mod_revision,
                           std::int64_t lease = 0);  // mod_revision 0 = must not exist
  bool delete_if_mod_revision(const std::string& key, std::int64_t mod_revision);
  // Several puts/deletes in one transaction, each guarded by its key's expected mod_revision
  // (0 = must not exist). etcd rejects (etcd_error) a key named twice and more than its
  // --max-txn-ops (128 by default) writes.
  struct guarded_write {
    std::string key;
    std::optional<std::string> value;  // nullopt = delete
    std::int64_t expected_mod_revision;
    std::int64_t lease = 0;
  };
  bool write_all_if_unchanged(const std::vector<guarded_write>& writes);

  // Blocks streaming events of keys under `prefix` from `start_revision` (0 = from now) until
  // on_events returns false, `stop` becomes true (checked every 100 ms), or the connection
  // breaks (TCP keepalive notices a silent peer within ~11 s). Returns the revision to
  // resume from: the last event's revision + 1; when no event came, start_revision, or for
  // start_revision 0 the revision after the one the watch started at, so that no event between
  // two watches is lost. Throws etcd_error if no endpoint could be reached at all, or when the
  // start revision was compacted. The gateway cannot cancel a watch (etcd#12333): stopping
  // closes the connection, so the next request opens a fresh one.
  using events_handler = std::function<bool(const std::vector<watch_event>&, std::int64_t header_revision)>;
  std::int64_t watch_prefix(const std::string& prefix, std::int64_t start_revision, const events_handler& on_events,
                            const std::atomic<bool>& stop);

 private:
  struct reply {
    long status = 0;  // HTTP status
    std::string body;
  };
  struct transport;

  reply post(std::string_view path, const std::string& body);        // first endpoint that answers
  std::string call(std::string_view path, const std::string& body);  // post + gateway error check
  bool txn(const std::string& body);

  std::vector<std::string> endpoints_;
  std::chrono::milliseconds timeout_;
  std::size_t preferred_ = 0;  // index of the endpoint that answered last
  std::unique_ptr<transport> transport_;
};

}  // namespace reel::cluster::membership
