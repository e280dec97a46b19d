// Just enough of Redis's protocol (RESP2) for a pipelining client: encode a command, and
// find where one complete reply ends.
#pragma once

#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>

namespace reel::bench::resp {

// Appends one command as an array of bulk strings.
inline void command(std::string& out, std::initializer_list<std::string_view> args) {
  out += '*';
  out += std::to_string(args.size());
  out += "\r\n";
  for (auto a : args) {
    out += '$';
    out += std::to_string(a.size());
    out += "\r\n";
    out.append(a);
    out += "\r\n";
  }
}

// The end of the complete reply starting at p, or nullptr while it is incomplete. An error
// reply ('-', or a byte that starts no reply) sets `error`.
inline const char* skip_reply(const char* p, const char* end, bool& error) {
  if (p >= end) return nullptr;
  const char* eol = static_cast<const char*>(std::memchr(p, '\n', std::size_t(end - p)));
  if (!eol) return nullptr;
  char type = *p;
  long long n = (type == '$' || type == '*') ? std::atoll(p + 1) : 0;
  const char* next = eol + 1;
  switch (type) {
    case '+':
    case ':':
      return next;
    case '-':
      error = true;
      return next;
    case '$':  // bulk string: n bytes and CRLF; -1 is nil
      if (n < 0) return next;
      return end - next >= n + 2 ? next + n + 2 : nullptr;
    case '*':  // array of n replies; -1 is nil
      for (long long i = 0; i < n && next; ++i) next = skip_reply(next, end, error);
      return next;
    default:
      error = true;
      return end;
  }
}

}  // namespace reel::bench::resp
