#include "cluster/membership/etcd_client.hpp"

#include <curl/curl.h>

#include <mutex>
#include <utility>

#include "cluster/membership/etcd_json.hpp"

namespace reel::cluster::membership {
namespace {

constexpr long http_ok = 200;
constexpr long http_unavailable = 503;  // the gateway's mapping of gRPC UNAVAILABLE (no leader, ...)
constexpr int grpc_not_found = 5;
constexpr auto stop_poll = std::chrono::milliseconds(100);  // how often a quiet watch looks at `stop`

size_t append_to(char* data, size_t size, size_t count, void* sink) {
  static_cast<std::string*>(sink)->append(data, size * count);
  return size * count;
}

std::string describe(std::string_view path, long status, std::string_view body) {
  std::string text = "etcd " + std::string(path) + ": ";
  if (auto error = json::parse_error(body)) {
    return text + error->message + " (code " + std::to_string(error->code) + ", HTTP " + std::to_string(status) + ")";
  }
  return text + "HTTP " + std::to_string(status) + ": " + std::string(body.substr(0, 200));
}

struct easy_cleanup {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct multi_cleanup {
  void operator()(CURLM* multi) const { curl_multi_cleanup(multi); }
};
struct slist_cleanup {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// Keeps the easy handle in the multi handle for one watch; removing it mid-transfer closes the
// connection, the only way to end a watch over the gateway.
class attached {
 public:
  attached(CURLM* multi, CURL* easy) : multi_(multi), easy_(easy) {
    if (curl_multi_add_handle(multi, easy) != CURLM_OK) throw etcd_error("etcd: cannot start a watch transfer");
  }
  ~attached() { curl_multi_remove_handle(multi_, easy_); }
  attached(const attached&) = delete;
  attached& operator=(const attached&) = delete;

 private:
  CURLM* multi_;
  CURL* easy_;
};

// Hands every complete line of `sink` to on_line and drops it; false once on_line asks to stop.
template <class OnLine>
bool deliver_lines(std::string& sink, OnLine& on_line) {
  std::size_t begin = 0;
  bool more = true;
  for (auto end = sink.find('\n'); more && end != std::string::npos; end = sink.find('\n', begin)) {
    std::string_view line(sink.data() + begin, end - begin);
    begin = end + 1;
    if (line.find_first_not_of(" \t\r") != std::string_view::npos) more = on_line(line);
  }
  sink.erase(0, begin);
  return more;
}

}  // namespace

// One easy handle, so that consecutive calls reuse one keep-alive connection, and a multi
// handle for the watch: curl_easy_perform calls its progress callback only about once a
// second on an idle stream, too rarely to honour `stop` promptly.
struct etcd_client::transport {
  std::unique_ptr<curl_slist, slist_cleanup> headers;
  std::unique_ptr<CURLM, multi_cleanup> multi;
  std::unique_ptr<CURL, easy_cleanup> easy;

  transport() {
    static std::once_flag global;
    std::call_once(global, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    headers.reset(curl_slist_append(nullptr, "Content-Type: application/json"));
    // Without this libcurl may wait for a "100 Continue" before sending a large body.
    if (headers && !curl_slist_append(headers.get(), "Expect:")) headers.reset();
    multi.reset(curl_multi_init());
    easy.reset(curl_easy_init());
    if (!headers || !multi || !easy) throw etcd_error("etcd: cannot initialise libcurl");
  }

  // transfer_limit 0 = none (the watch).
  void prepare(const std::string& url, const std::string& body, std::chrono::milliseconds timeout,
               std::chrono::milliseconds transfer_limit, std::string* sink) {
    CURL* h = easy.get();
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());  // not copied: body outlives the transfer
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(h, CURLOPT_PROXY, "");  // etcd is never behind an http_proxy from the environment
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(transfer_limit.count()));
    // A peer that vanished without closing (power loss, partition) would leave a watch silent
    // forever; keepalive probes (2 s idle, then every 1 s, 9 tries) break such a connection.
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPIDLE, 2L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPINTVL, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, append_to);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, sink);
  }

  CURLcode perform(const std::string& url, const std::string& body, std::chrono::milliseconds timeout, reply& out) {
    prepare(url, body, timeout, timeout, &out.body);
    const CURLcode code = curl_easy_perform(easy.get());
    curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &out.status);
    return code;
  }

  // Streams one watch connection, handing each line of a 200 answer to on_line, until the
  // transfer ends, on_line returns false or `stop` is set. out.status stays 0 when no HTTP
  // answer came within `timeout`; out.body holds the body of any other answer.
  template <class OnLine>
  CURLcode stream(const std::string& url, const std::string& body, std::chrono::milliseconds timeout,
                  const std::atomic<bool>& stop, OnLine& on_line, reply& out) {
    prepare(url, body, timeout, std::chrono::milliseconds(0), &out.body);
    attached guard(multi.get(), easy.get());
    const auto answer_deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      int running = 0;
      curl_multi_perform(multi.get(), &running);
      curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &out.status);
      if (out.status == http_ok && !deliver_lines(out.body, on_line)) return CURLE_OK;
      if (running == 0) return finished_code();
      if (stop.load()) return CURLE_OK;
      if (out.status == 0 && std::chrono::steady_clock::now() > answer_deadline) return CURLE_OPERATION_TIMEDOUT;
      curl_multi_poll(multi.get(), nullptr, 0, static_cast<int>(stop_poll.count()), nullptr);
    }
  }

  CURLcode finished_code() {
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi.get(), &left)) {
      if (msg->msg == CURLMSG_DONE) return msg->data.result;
    }
    return CURLE_OK;
  }
};

etcd_client::etcd_client(std::vector<std::string> endpoints, std::chrono::milliseconds timeout)
    : endpoints_(std::move(endpoints)), timeout_(timeout), transport_(std::make_unique<transport>()) {
  if (endpoints_.empty()) throw etcd_error("etcd: no endpoints given");
  for (auto& endpoint : endpoints_) {
    while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  }
}

etcd_client::~etcd_client() = default;

etcd_client::reply etcd_client::post(std::string_view path, const std::string& body) {
  std::string failures;
  for (std::size_t attempt = 0; attempt < endpoints_.size(); ++attempt) {
    const std::size_t index = (preferred_ + attempt) % endpoints_.size();
    reply answer;
    const CURLcode code = transport_->perform(endpoints_[index] + std::string(path), body, timeout_, answer);
    // A member without a leader answers 503; another member may still have one.
    if (code == CURLE_OK && answer.status != http_unavailable) {
      preferred_ = index;
      return answer;
    }
    failures += "; " + endpoints_[index] + ": " +
                (code != CURLE_OK ? curl_easy_strerror(code) : describe(path, answer.status, answer.body));
  }
  throw etcd_error("etcd " + std::string(path) + ": no endpoint answered" + failures);
}

std::string etcd_client::call(std::string_view path, const std::string& body) {
  reply answer = post(path, body);
  if (answer.status != http_ok) throw etcd_error(describe(path, answer.status, answer.body));
  return std::move(answer.body);
}

std::int64_t etcd_client::grant_lease(std::int64_t ttl_seconds) {
  return json::parse_grant(call("/v3/lease/grant", json::grant_request(ttl_seconds)));
}

etcd_client::keepalive_result etcd_client::keepalive(std::int64_t lease) {
  return json::parse_keepalive(call("/v3/lease/keepalive", json::lease_request(lease)));
}

void etcd_client::revoke_lease(std::int64_t lease) {
  constexpr std::string_view path = "/v3/lease/revoke";
  const reply answer = post(path, json::lease_request(lease));
  if (answer.status == http_ok) return;
  auto error = json::parse_error(answer.body);
  if (error && error->code == grpc_not_found) return;  // already expired or revoked
  throw etcd_error(describe(path, answer.status, answer.body));
}

std::int64_t etcd_client::put(const std::string& key, const std::string& value, std::int64_t lease) {
  return json::parse_header_revision(call("/v3/kv/put", json::put_request(key, value, lease)));
}

std::optional<key_value> etcd_client::get(const std::string& key) {
  auto result = json::parse_range(call("/v3/kv/range", json::range_request(key, "")));
  if (result.kvs.empty()) return std::nullopt;
  return std::move(result.kvs.front());
}

range_result etcd_client::range_prefix(const std::string& prefix) {
  const auto range = json::prefix_range(prefix);
  return json::parse_range(call("/v3/kv/range", json::range_request(range.key, range.end)));
}

std::int64_t etcd_client::delete_key(const std::string& key) {
  return json::parse_deleted(call("/v3/kv/deleterange", json::delete_request(key, "")));
}

std::int64_t etcd_client::delete_prefix(const std::string& prefix) {
  const auto range = json::prefix_range(prefix);
  return json::parse_deleted(call("/v3/kv/deleterange", json::delete_request(range.key, range.end)));
}

bool etcd_client::create(const std::string& key, const std::string& value, std::int64_t lease) {
  return put_if_mod_revision(key, value, 0, lease);  // a missing key compares as mod_revision 0
}

bool etcd_client::put_if_mod_revision(const std::string& key, const std::string& value, std::int64_t mod_revision,
                                      std::int64_t lease) {
  return write_all_if_unchanged({{key, value, mod_revision, lease}});
}

bool etcd_client::delete_if_mod_revision(const std::string& key, std::int64_t mod_revision) {
  return write_all_if_unchanged({{key, std::nullopt, mod_revision}});
}

bool etcd_client::write_all_if_unchanged(const std::vector<guarded_write>& writes) {
  if (writes.empty()) return true;
  return json::parse_txn_succeeded(call("/v3/kv/txn", json::txn_request(writes)));
}

std::int64_t etcd_client::watch_prefix(const std::string& prefix, std::int64_t start_revision,
                                       const events_handler& on_events, const std::atomic<bool>& stop) {
  constexpr std::string_view path = "/v3/watch";
  const auto range = json::prefix_range(prefix);
  const std::string body = json::watch_request(range.key, range.end, start_revision);
  std::int64_t resume = start_revision;
  auto on_line = [&](std::string_view line) {
    auto message = json::parse_watch_message(line);
    if (message.error) throw etcd_error("etcd watch: " + *message.error);
    if (message.compact_revision > 0) {
      throw etcd_error("etcd watch: start revision " + std::to_string(start_revision) +
                       " was compacted (compact revision " + std::to_string(message.compact_revision) + ")");
    }
    if (message.canceled) throw etcd_error("etcd watch: canceled by etcd: " + message.cancel_reason);
    // A watch "from now" starts after the creation's revision; resuming there loses nothing.
    if (message.created && start_revision == 0) resume = message.header_revision + 1;
    if (message.events.empty()) return true;
    resume = message.events.back().kv.mod_revision + 1;
    return on_events(message.events, message.header_revision);
  };
  std::string failures;
  for (std::size_t attempt = 0; attempt < endpoints_.size() && !stop.load(); ++attempt) {
    const std::size_t index = (preferred_ + attempt) % endpoints_.size();
    reply answer;
    const CURLcode code =
        transport_->stream(endpoints_[index] + std::string(path), body, timeout_, stop, on_line, answer);
    if (answer.status == 0 || answer.status == http_unavailable) {
      failures += "; " + endpoints_[index] + ": " +
                  (answer.status == 0 ? curl_easy_strerror(code) : describe(path, answer.status, answer.body));
      continue;
    }
    if (answer.status != http_ok) throw etcd_error(describe(path, answer.status, answer.body));
    preferred_ = index;
    return resume;
  }
  if (stop.load()) return resume;
  throw etcd_error("etcd " + std::string(path) + ": no endpoint answered" + failures);
}

}  // namespace reel::cluster::membership
