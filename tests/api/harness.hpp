// Harness for the black-box API tests: a real `reeld` child process on its own loopback
// port and data dir, and a small libcurl HTTP client that keeps its connection alive.
#pragma once

#include <curl/curl.h>
#include <rapidjson/document.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace reel::test {

// Request parameters in the order they are sent (repeated keys allowed).
using params = std::vector<std::pair<std::string, std::string>>;

// The file part of a multipart/form-data upload.
struct file_part {
  std::string field = "data";
  std::string filename = "video.mp4";
  std::string content_type = "video/mp4";
  std::string bytes;
};

struct response {
  long http_status = 0;
  std::string body;
  rapidjson::Document json;
  bool json_ok = false;  // body parsed as JSON

  // Below the API, for diagnostics and keep-alive checks.
  CURLcode curl_code = CURLE_OK;
  std::string curl_error;
  std::string content_type;
  long new_connections = 0;  // connections curl had to open for this request (0 = reused)
  std::string request;       // "METHOD /path?query", for failure messages
  // The base URL the request went to; every harness starts reeld with it as --public-url, so
  // it is also what absolute URLs in the answer must start with.
  std::string base_url;
  // Header fields of the final response, in order; `header` finds one (case-insensitive) and
  // gives "" when it is absent.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string header(std::string_view name) const;

  bool transport_ok() const { return curl_code == CURLE_OK; }
  // `status_code` of the JSON envelope when present and an integer.
  std::optional<std::int64_t> status_code() const;
  std::string status_msg() const;
  // Integer member of the top-level object, when present.
  std::optional<std::int64_t> int_member(const char* key) const;
  std::string string_member(const char* key) const;
  // One line for failure messages: request, HTTP status, start of the body.
  std::string describe() const;
};

// One CURL easy handle per object: requests made through the same object reuse the
// same keep-alive connection. Not thread-safe; give each thread its own client.
class http_client {
 public:
  explicit http_client(std::string base_url, long timeout_ms = 30000);
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  response get(const std::string& path_and_query);
  // A GET that carries a body (some clients send their form on GET too).
  response get_with_body(const std::string& path_and_query, const std::string& content_type, const std::string& body);
  // application/x-www-form-urlencoded body.
  response post_form(const std::string& path, const params& fields);
  // multipart/form-data with one text part per field.
  response post_multipart(const std::string& path, const params& fields);
  // multipart/form-data with one text part per field, then `file` as a file part.
  response post_multipart_file(const std::string& path, const params& fields, const file_part& file);
  response post_raw(const std::string& path, const std::string& content_type, const std::string& body);
  // GET and HEAD with extra request header lines such as "Range: bytes=0-99".
  response get_with_headers(const std::string& path_and_query, const std::vector<std::string>& header_lines);
  response head(const std::string& path_and_query, const std::vector<std::string>& header_lines = {});

  // Percent-encoding of one component (curl_easy_escape: only unreserved bytes stay).
  std::string escape(const std::string& text);
  // "k=v&k2=v2" with keys and values escaped.
  std::string encode(const params& fields);
  // "path?k=v&..." (just `path` when `query` is empty).
  std::string with_query(const std::string& path, const params& query);

  const std::string& base_url() const { return base_url_; }

 private:
  response perform(const char* method, const std::string& path_and_query, const std::string* content_type,
                   const std::string* body, curl_mime* mime, const std::vector<std::string>* header_lines = nullptr);

  std::string base_url_;
  long timeout_ms_;
  CURL* handle_;
};

// Sends `request`, a whole HTTP/1.1 request written out byte for byte (for what curl would
// refuse or escape, such as a path that is not UTF-8), on a new connection to 127.0.0.1:
// `port` and reads the answer until the server closes the connection, so the request should
// say "Connection: close". Fills the status, headers, body and JSON as http_client does.
response raw_exchange(int port, const std::string& request, long timeout_ms = 30000);

// A `reeld` child process with its own free loopback port and temporary data dir.
// Started by the constructor, which returns once GET /ping and GET /readyz answer 200.
class reeld_process {
 public:
  // `data_dir`: use this directory (created if missing, left in place at the end) instead
  // of a temporary one, e.g. on a file system the test mounted.
  explicit reeld_process(std::vector<std::string> extra_args = {}, std::string data_dir = {});
  ~reeld_process();
  reeld_process(const reeld_process&) = delete;
  reeld_process& operator=(const reeld_process&) = delete;

  int port() const { return port_; }
  std::string base_url() const;
  const std::string& data_dir() const { return data_dir_; }
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  // SIGTERM, wait up to 10 s, then SIGKILL. Returns the waitpid status.
  int stop();
  // SIGKILL and reap.
  void kill9();
  // Stops it if running, then starts it again on the same port and data dir with
  // `extra_args` (they replace the previous extra args) and waits until ready.
  void restart(std::vector<std::string> extra_args = {});

  // waitpid status of the last exit, and whether stop() had to escalate to SIGKILL.
  int last_wait_status() const { return last_status_; }
  bool last_stop_needed_kill() const { return last_stop_needed_kill_; }

  // The last `lines` lines of the server's stdout/stderr.
  std::string log_tail(std::size_t lines = 30) const;

 private:
  void spawn(const std::vector<std::string>& extra_args);
  void wait_until_ready();
  bool try_reap();

  std::string root_dir_;  // mkdtemp dir: holds data/ and reeld.log
  std::string data_dir_;
  std::string log_path_;
  int port_ = 0;
  pid_t pid_ = -1;
  int last_status_ = 0;
  bool last_stop_needed_kill_ = false;
  int starts_ = 0;
};

// A registered user.
struct account {
  std::uint64_t user_id = 0;
  std::string token;
  std::string name;
  std::string password;
};

// Registers `name` (form body) and REQUIREs success; returns its id and token.
account register_user(http_client& client, const std::string& name, const std::string& password = "secret-pw-1",
                      std::source_location where = std::source_location::current());
// Registers a user with a fresh unique name.
account register_fresh(http_client& client, const std::string& prefix = "u",
                       std::source_location where = std::source_location::current());
// A fresh username (<= 32 bytes) unique within this test process.
std::string unique_name(const std::string& prefix = "u");

// Wall clock in Unix epoch milliseconds.
std::int64_t now_ms();
// Returns once the wall clock has moved past the millisecond in which it was called, so
// that the server stamps the next write with a later millisecond than every write it
// already acknowledged. Lasts at most ~1 ms; ordering checks need distinct times.
void next_millisecond();

}  // namespace reel::test
