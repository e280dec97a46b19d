// libcurl client of the API tests: one easy handle per object, so consecutive requests
// reuse one keep-alive connection.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <string_view>

#include "harness.hpp"
#include "server_probe.hpp"

namespace reel::test {
namespace {

// curl_global_init is not thread-safe: run it once before main (and before any test
// thread exists). SIGPIPE is ignored so that a server dying mid-write is an error code,
// not the end of the test process.
struct process_setup {
  process_setup() {
    curl_global_init(CURL_GLOBAL_ALL);
    std::signal(SIGPIPE, SIG_IGN);
  }
};
const process_setup setup_once;

std::size_t append_to_string(char* data, std::size_t size, std::size_t count, void* target) {
  static_cast<std::string*>(target)->append(data, size * count);
  return size * count;
}

// One header line per call; a status line starts a new response (after 100 Continue).
std::size_t collect_header(char* data, std::size_t size, std::size_t count, void* target) {
  auto& headers = *static_cast<std::vector<std::pair<std::string, std::string>>*>(target);
  std::string_view line(data, size * count);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.rfind("HTTP/", 0) == 0) {
    headers.clear();
  } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
    auto value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  return size * count;
}

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::optional<std::int64_t> response::int_member(const char* key) const {
  if (!json_ok || !json.IsObject()) return std::nullopt;
  auto it = json.FindMember(key);
  if (it == json.MemberEnd() || !it->value.IsInt64()) return std::nullopt;
  return it->value.GetInt64();
}

std::optional<std::int64_t> response::status_code() const { return int_member("status_code"); }

std::string response::string_member(const char* key) const {
  if (!json_ok || !json.IsObject()) return {};
  auto it = json.FindMember(key);
  if (it == json.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

std::string response::status_msg() const { return string_member("status_msg"); }

std::string response::header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (same_name(key, name)) return value;
  return {};
}

std::string response::describe() const {
  std::string text = request + " -> ";
  if (!transport_ok()) return text + "transport error: " + curl_error;
  text += "HTTP " + std::to_string(http_status) + " body: ";
  constexpr std::size_t shown = 400;
  text += body.size() > shown ? body.substr(0, shown) + "..." : body;
  return text;
}

http_client::http_client(std::string base_url, long timeout_ms)
    : base_url_(std::move(base_url)), timeout_ms_(timeout_ms), handle_(curl_easy_init()) {
  if (handle_ == nullptr) throw std::runtime_error("curl_easy_init failed");
}

http_client::~http_client() { curl_easy_cleanup(handle_); }

std::string http_client::escape(const std::string& text) {
  char* escaped = curl_easy_escape(handle_, text.data(), static_cast<int>(text.size()));
  if (escaped == nullptr) throw std::runtime_error("curl_easy_escape failed");
  std::string out(escaped);
  curl_free(escaped);
  return out;
}

std::string http_client::encode(const params& fields) {
  std::string out;
  for (const auto& [key, value] : fields) {
    if (!out.empty()) out += '&';
    out += escape(key) + '=' + escape(value);
  }
  return out;
}

std::string http_client::with_query(const std::string& path, const params& query) {
  return query.empty() ? path : path + '?' + encode(query);
}

response http_client::get(const std::string& path_and_query) {
  return perform("GET", path_and_query, nullptr, nullptr, nullptr);
}

response http_client::get_with_body(const std::string& path_and_query, const std::string& content_type,
                                    const std::string& body) {
  return perform("GET", path_and_query, &content_type, &body, nullptr);
}

response http_client::post_form(const std::string& path, const params& fields) {
  const std::string content_type = "application/x-www-form-urlencoded";
  const std::string body = encode(fields);
  return perform("POST", path, &content_type, &body, nullptr);
}

response http_client::post_multipart(const std::string& path, const params& fields) {
  curl_mime* mime = curl_mime_init(handle_);
  for (const auto& [key, value] : fields) {
    curl_mimepart* part = curl_mime_addpart(mime);
    curl_mime_name(part, key.c_str());
    curl_mime_data(part, value.data(), value.size());
  }
  response r = perform("POST", path, nullptr, nullptr, mime);
  curl_mime_free(mime);
  return r;
}

response http_client::post_multipart_file(const std::string& path, const params& fields, const file_part& file) {
  curl_mime* mime = curl_mime_init(handle_);
  for (const auto& [key, value] : fields) {
    curl_mimepart* part = curl_mime_addpart(mime);
    curl_mime_name(part, key.c_str());
    curl_mime_data(part, value.data(), value.size());
  }
  curl_mimepart* part = curl_mime_addpart(mime);
  curl_mime_name(part, file.field.c_str());
  curl_mime_data(part, file.bytes.data(), file.bytes.size());
  curl_mime_filename(part, file.filename.c_str());
  curl_mime_type(part, file.content_type.c_str());
  response r = perform("POST", path, nullptr, nullptr, mime);
  curl_mime_free(mime);
  return r;
}

response http_client::post_raw(const std::string& path, const std::string& content_type, const std::string& body) {
  return perform("POST", path, &content_type, &body, nullptr);
}

response http_client::get_with_headers(const std::string& path_and_query,
                                       const std::vector<std::string>& header_lines) {
  return perform("GET", path_and_query, nullptr, nullptr, nullptr, &header_lines);
}

response http_client::head(const std::string& path_and_query, const std::vector<std::string>& header_lines) {
  return perform("HEAD", path_and_query, nullptr, nullptr, nullptr, &header_lines);
}

response http_client::perform(const char* method, const std::string& path_and_query, const std::string* content_type,
                              const std::string* body, curl_mime* mime, const std::vector<std::string>* header_lines) {
  response r;
  r.request = std::string(method) + ' ' + path_and_query;
  r.base_url = base_url_;
  // Reset drops the previous request's options but keeps the live connection.
  curl_easy_reset(handle_);
  const std::string url = base_url_ + path_and_query;
  char error_text[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(handle_, CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle_, CURLOPT_ERRORBUFFER, error_text);
  curl_easy_setopt(handle_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle_, CURLOPT_TIMEOUT_MS, timeout_ms_);
  curl_easy_setopt(handle_, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms_, 5000L));
  curl_easy_setopt(handle_, CURLOPT_WRITEFUNCTION, append_to_string);
  curl_easy_setopt(handle_, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(handle_, CURLOPT_HEADERFUNCTION, collect_header);
  curl_easy_setopt(handle_, CURLOPT_HEADERDATA, &r.headers);
  // No "Expect: 100-continue": it would stall every body over 1 KiB by a second.
  curl_slist* headers = curl_slist_append(nullptr, "Expect:");
  if (content_type != nullptr) {
    headers = curl_slist_append(headers, ("Content-Type: " + *content_type).c_str());
  }
  if (header_lines != nullptr) {
    for (const auto& line : *header_lines) headers = curl_slist_append(headers, line.c_str());
  }
  curl_easy_setopt(handle_, CURLOPT_HTTPHEADER, headers);
  if (mime != nullptr) {
    curl_easy_setopt(handle_, CURLOPT_MIMEPOST, mime);
  } else if (body != nullptr) {
    curl_easy_setopt(handle_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
    curl_easy_setopt(handle_, CURLOPT_POSTFIELDS, body->data());
  }
  const bool is_get = std::string_view(method) == "GET";
  if (is_get && (mime != nullptr || body != nullptr)) {
    curl_easy_setopt(handle_, CURLOPT_CUSTOMREQUEST, "GET");
  } else if (is_get) {
    curl_easy_setopt(handle_, CURLOPT_HTTPGET, 1L);
  } else if (std::string_view(method) == "HEAD") {
    curl_easy_setopt(handle_, CURLOPT_NOBODY, 1L);
  }
  r.curl_code = curl_easy_perform(handle_);
  // The handle outlives this call: leave it no pointers into this frame.
  curl_easy_setopt(handle_, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(handle_, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(handle_, CURLOPT_WRITEDATA, nullptr);
  curl_easy_setopt(handle_, CURLOPT_HEADERDATA, nullptr);
  curl_slist_free_all(headers);
  if (r.curl_code != CURLE_OK) {
    r.curl_error = error_text[0] != '\0' ? error_text : curl_easy_strerror(r.curl_code);
    return r;
  }
  curl_easy_getinfo(handle_, CURLINFO_RESPONSE_CODE, &r.http_status);
  char* type = nullptr;
  curl_easy_getinfo(handle_, CURLINFO_CONTENT_TYPE, &type);
  if (type != nullptr) r.content_type = type;
  curl_easy_getinfo(handle_, CURLINFO_NUM_CONNECTS, &r.new_connections);
  r.json.Parse(r.body.data(), r.body.size());
  r.json_ok = !r.json.HasParseError();
  return r;
}

namespace {

// Splits a whole HTTP/1.1 answer into status, headers and body (up to Content-Length).
void parse_answer(std::string_view bytes, response& r) {
  auto head_end = bytes.find("\r\n\r\n");
  if (bytes.rfind("HTTP/1.", 0) != 0 || head_end == std::string_view::npos) {
    r.curl_code = CURLE_RECV_ERROR;
    r.curl_error = "no HTTP answer head in " + std::to_string(bytes.size()) + " bytes";
    return;
  }
  auto head = bytes.substr(0, head_end);
  auto status_end = head.find("\r\n");
  auto status_line = head.substr(0, status_end);
  r.http_status = std::strtol(std::string(status_line.substr(status_line.find(' ') + 1, 3)).c_str(), nullptr, 10);
  for (auto at = status_end; at != std::string_view::npos && at < head.size();) {
    auto next = head.find("\r\n", at + 2);
    std::string line(head.substr(at + 2, next == std::string_view::npos ? std::string_view::npos : next - at - 2));
    collect_header(line.data(), 1, line.size(), &r.headers);
    at = next;
  }
  r.body = std::string(bytes.substr(head_end + 4));
  if (auto length = r.header("Content-Length"); !length.empty())
    r.body.resize(std::min<std::size_t>(r.body.size(), std::stoul(length)));
  r.content_type = r.header("Content-Type");
  r.json.Parse(r.body.data(), r.body.size());
  r.json_ok = !r.json.HasParseError();
}

}  // namespace

response raw_exchange(int port, const std::string& request, long timeout_ms) {
  response r;
  r.request = request.substr(0, request.find("\r\n"));
  r.new_connections = 1;
  raw_connection c(port);
  if (!c.send_bytes(request)) {
    r.curl_code = CURLE_SEND_ERROR;
    r.curl_error = std::string("send: ") + std::strerror(errno);
    return r;
  }
  parse_answer(c.read_until_closed(std::chrono::milliseconds(timeout_ms)), r);
  return r;
}

}  // namespace reel::test
