// Fuzz target: HTTP/1.1 request framing (http/request_parser.hpp).
//
// The input is what a client sends on one connection: pipelined requests and their bodies.
// It is read the way http/connection.cpp reads it (parse the head from the buffer, drop what
// it consumed, then the body by its framing), once with all bytes at hand and again with them
// arriving in pieces: cut at random points, right after every CR, and one byte at a time.
// Every way must see the same requests, bodies and final state. Each complete head must:
// claim no more bytes than it was given; parse again, identical, from its own bytes and from
// its canonical form; be incomplete in every prefix; and hold only what framing relies on.
// The input is also decoded as a chunked body alone, whole and in the same kinds of pieces.
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/check.hpp"
#include "http/request_parser.hpp"

using namespace reel;
using namespace reel::http;
using reel::fuzz::input_random;

namespace {

using state = head_result::state;

struct settings {
  head_limits limits;
  std::uint64_t body_limit = 1 << 20;
};

std::string canonical(const request_head& h) {
  std::string s = h.method + " " + h.target + " HTTP/1." + std::to_string(h.minor_version) + "\r\n";
  for (const auto& f : h.fields) s += f.name + ": " + f.value + "\r\n";
  return s + "\r\n";
}

// Everything parse_head derives, as one comparable string.
std::string describe(const request_head& h) {
  return canonical(h) + "framing=" + std::to_string(static_cast<int>(h.framing)) +
         " length=" + std::to_string(h.content_length) + " keep_alive=" + std::to_string(h.keep_alive) +
         " continue=" + std::to_string(h.expects_continue);
}

bool is_space(char c) { return c == ' ' || c == '\t'; }

void check_fields(const request_head& h, const head_limits& limits) {
  FUZZ_CHECK(is_token(h.method));
  FUZZ_CHECK(h.minor_version == 0 || h.minor_version == 1);
  FUZZ_CHECK(!h.target.empty() && (h.target.front() == '/' || h.target == "*"));
  for (char ch : h.target) FUZZ_CHECK(static_cast<unsigned char>(ch) > 0x20 && ch != 0x7f);
  const auto q = h.target.find('?');
  FUZZ_CHECK(std::string(h.path()) + (q == std::string::npos ? "" : "?" + std::string(h.query())) == h.target);
  FUZZ_CHECK(h.fields.size() <= limits.max_fields);
  for (const auto& f : h.fields) {
    FUZZ_CHECK(is_token(f.name));
    for (char ch : f.name) FUZZ_CHECK(!(ch >= 'A' && ch <= 'Z'));
    for (char ch : f.value) {
      const auto c = static_cast<unsigned char>(ch);
      FUZZ_CHECK(c == '\t' || (c >= 0x20 && c != 0x7f));
    }
    FUZZ_CHECK(f.value.empty() || (!is_space(f.value.front()) && !is_space(f.value.back())));
  }
  if (h.framing == body_framing::chunked) {
    FUZZ_CHECK(h.minor_version == 1);
    FUZZ_CHECK(h.field("content-length") == nullptr);
    FUZZ_CHECK(h.field("transfer-encoding") != nullptr);
  } else if (h.framing == body_framing::length) {
    FUZZ_CHECK(h.content_length > 0 && h.content_length <= 0x7fffffffffffffffULL);
    FUZZ_CHECK(h.field("content-length") != nullptr);
  } else {
    FUZZ_CHECK(h.content_length == 0);
  }
  if (h.minor_version == 0 && h.field("connection") == nullptr) FUZZ_CHECK(!h.keep_alive);
}

// A complete head found at the front of `bytes`.
void check_complete(const head_result& r, std::string_view bytes, const head_limits& limits, input_random& rng) {
  FUZZ_CHECK(r.consumed >= 4 && r.consumed <= bytes.size());
  FUZZ_CHECK(bytes.substr(r.consumed - 4, 4) == "\r\n\r\n");
  check_fields(r.head, limits);
  const auto own = bytes.substr(0, r.consumed);
  const auto again = parse_head(own, limits);
  FUZZ_CHECK(again.status == state::complete && again.consumed == r.consumed);
  FUZZ_CHECK(describe(again.head) == describe(r.head));
  // The canonical form may be longer ("name:value" gains a space): no size limit for it.
  const auto text = canonical(r.head);
  const auto reparsed = parse_head(text, head_limits{text.size(), limits.max_fields});
  FUZZ_CHECK(reparsed.status == state::complete && reparsed.consumed == text.size());
  FUZZ_CHECK(describe(reparsed.head) == describe(r.head));
  // What arrives before the blank line's last byte is never a head, nor an error.
  std::vector<std::size_t> cuts = {0, r.consumed - 1, r.consumed - 2};
  for (int i = 0; i < 3; ++i) cuts.push_back(rng.between(0, r.consumed - 1));
  for (auto cut : cuts) {
    const auto prefix = parse_head(own.substr(0, cut), limits);
    FUZZ_CHECK(prefix.status == state::incomplete);
    FUZZ_CHECK(prefix.consumed <= cut);
  }
}

// One connection's reading of its bytes, as http/connection.cpp does it; the log of what it
// saw is compared between ways of delivering the same bytes.
class connection_model {
 public:
  connection_model(const settings& s, input_random* checks) : s_(s), checks_(checks) {}

  void receive(std::string_view piece) {
    in_.append(piece);  // after a stop too: what was never read must match as well
    if (stopped_) return;
    while (!stopped_ && (reading_head_ ? read_head() : read_body())) {
    }
  }

  std::string outcome() const {
    return log_ + "|stopped=" + std::to_string(stopped_) + " head=" + std::to_string(reading_head_) + " in=" + in_ +
           " body=" + body_;
  }

 private:
  bool read_head() {
    auto r = parse_head(in_, s_.limits);
    FUZZ_CHECK(r.consumed <= in_.size());
    if (r.status == state::invalid) {
      FUZZ_CHECK(r.problem.code != errc::ok);
      log_ += "invalid " + std::to_string(static_cast<int>(r.problem.code)) + "\n";
      stopped_ = true;
      return false;
    }
    if (r.status == state::incomplete) return false;
    if (checks_) check_complete(r, in_, s_.limits, *checks_);
    in_.erase(0, r.consumed);
    log_ += "head " + describe(r.head) + "\n";
    head_ = std::move(r.head);
    body_.clear();
    decoder_ = chunked_decoder(s_.body_limit);
    if (head_.framing == body_framing::length && head_.content_length > s_.body_limit) {
      log_ += "too large\n";
      stopped_ = true;
      return false;
    }
    reading_head_ = false;
    return true;
  }

  bool read_body() {
    bool whole = true;
    if (head_.framing == body_framing::length) {
      const auto take = std::min<std::uint64_t>(head_.content_length - body_.size(), in_.size());
      body_.append(in_, 0, take);
      in_.erase(0, take);
      whole = body_.size() == head_.content_length;
    } else if (head_.framing == body_framing::chunked) {
      std::size_t used = 0;
      const auto before = body_.size();
      const auto s = decoder_.feed(in_, used, body_);
      FUZZ_CHECK(used <= in_.size());
      FUZZ_CHECK(body_.size() - before <= used);
      FUZZ_CHECK(body_.size() <= decoder_.decoded() && decoder_.decoded() <= s_.body_limit);
      in_.erase(0, used);
      if (s == chunked_decoder::status::invalid || s == chunked_decoder::status::too_large) {
        log_ += s == chunked_decoder::status::invalid ? "chunked invalid\n" : "chunked too large\n";
        stopped_ = true;
        return false;
      }
      if (s == chunked_decoder::status::done) FUZZ_CHECK(body_.size() == decoder_.decoded());
      whole = s == chunked_decoder::status::done;
    }
    if (!whole) return false;
    log_ += "body " + std::to_string(body_.size()) + " " + body_ + "\n";
    body_.clear();
    reading_head_ = true;
    return true;
  }

  settings s_;
  input_random* checks_;  // set for one reading: the heads' own checks run once
  std::string in_;
  std::string log_;
  bool stopped_ = false;
  bool reading_head_ = true;
  request_head head_;
  std::string body_;
  chunked_decoder decoder_{0};
};

// The input decoded as a chunked body alone, fed as the connection feeds its decoder.
class chunked_model {
 public:
  explicit chunked_model(std::uint64_t limit) : decoder_(limit), limit_(limit) {}

  void receive(std::string_view piece) {
    in_.append(piece);
    if (status_ != chunked_decoder::status::more) return;
    std::size_t used = 0;
    const auto before = out_.size();
    status_ = decoder_.feed(in_, used, out_);
    FUZZ_CHECK(used <= in_.size());
    FUZZ_CHECK(out_.size() - before <= used);
    FUZZ_CHECK(out_.size() <= decoder_.decoded() && decoder_.decoded() <= limit_);
    in_.erase(0, used);
  }

  std::string outcome() const {
    return std::to_string(static_cast<int>(status_)) + " in=" + in_ + " out=" + out_ +
           " decoded=" + std::to_string(decoder_.decoded());
  }

 private:
  chunked_decoder decoder_;
  std::uint64_t limit_;
  std::string in_, out_;
  chunked_decoder::status status_ = chunked_decoder::status::more;
};

// Delivers `bytes` in pieces cut at `cuts` (increasing offsets).
template <class Model>
std::string deliver(Model model, std::string_view bytes, const std::vector<std::size_t>& cuts) {
  std::size_t from = 0;
  for (auto cut : cuts) {
    model.receive(bytes.substr(from, cut - from));
    from = cut;
  }
  model.receive(bytes.substr(from));
  return model.outcome();
}

// The ways of cutting the same bytes, beside reading them whole.
std::vector<std::vector<std::size_t>> cuttings(std::string_view bytes, input_random& rng) {
  std::vector<std::vector<std::size_t>> all;
  for (std::size_t longest : {8, 300}) {
    std::vector<std::size_t> cuts;
    for (std::size_t at = rng.between(1, longest); at < bytes.size(); at += rng.between(1, longest)) cuts.push_back(at);
    all.push_back(std::move(cuts));
  }
  std::vector<std::size_t> after_cr;  // a CRLF split between two reads, at most 64 times
  for (std::size_t i = 0; i < bytes.size() && after_cr.size() < 64; ++i)
    if (bytes[i] == '\r') after_cr.push_back(i + 1);
  all.push_back(std::move(after_cr));
  if (bytes.size() <= 200) {
    std::vector<std::size_t> each;
    for (std::size_t i = 1; i < bytes.size(); ++i) each.push_back(i);
    all.push_back(std::move(each));
  }
  return all;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto bytes = reel::fuzz::as_view(data, size);
  input_random rng(bytes);
  // Limits from the input's hash, the same for every way of reading it: the defaults, and
  // small ones that the fuzzer's short inputs can reach.
  settings s;
  const auto pick = rng.next();
  if (pick % 3 == 1) s.limits = head_limits{256, 8};
  if (pick % 3 == 2) s.limits = head_limits{64, 3};
  const std::uint64_t body_limits[] = {1 << 20, 1000, 16, 0};
  s.body_limit = body_limits[(pick >> 8) % 4];

  const auto whole = deliver(connection_model(s, &rng), bytes, {});
  const auto chunked_whole = deliver(chunked_model(s.body_limit), bytes, {});
  for (const auto& cuts : cuttings(bytes, rng)) {
    FUZZ_CHECK(deliver(connection_model(s, nullptr), bytes, cuts) == whole);
    FUZZ_CHECK(deliver(chunked_model(s.body_limit), bytes, cuts) == chunked_whole);
  }
  return 0;
}
