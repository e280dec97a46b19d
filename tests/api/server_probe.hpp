// Looking at a running reeld from outside, as a hostile or careless client would: its /proc
// (descriptors, memory, CPU) and plain sockets that send exact bytes and read on demand.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace reel::test {

// Under AddressSanitizer freed memory sits in ASan's quarantine, so resident memory says
// nothing about how the server buffers: memory bounds are checked in the normal build only.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool memory_is_measurable = false;
#else
constexpr bool memory_is_measurable = true;
#endif

std::size_t open_descriptors(pid_t pid);
// KiB of a /proc/<pid>/status field: "VmRSS" (resident), "VmHWM" (its peak).
std::uint64_t memory_kib(pid_t pid, const std::string& field);
// User + system CPU time in clock ticks.
std::uint64_t cpu_ticks(pid_t pid);
// Waits (bounded) until the server holds at most `limit` descriptors: closing a connection
// on the client side reaches the server a moment later. Returns the last count.
std::size_t settle_descriptors(pid_t pid, std::size_t limit, std::chrono::seconds deadline);

// A plain loopback TCP connection (optionally with a small receive buffer).
class raw_connection {
 public:
  explicit raw_connection(int port, int receive_buffer = 0);
  raw_connection(const raw_connection&) = delete;
  raw_connection& operator=(const raw_connection&) = delete;
  ~raw_connection();

  // False when the server closed the connection before taking every byte.
  bool send_bytes(std::string_view bytes);
  void send(const std::string& method, const std::string& path);  // a GET-style request
  void shutdown_write();                                          // half-close
  // Reads one byte at a time (nothing past it stays unread) until the text read ends with
  // `end`; stops early when the peer closes or 5 s pass without data.
  std::string read_through(std::string_view end);
  // Reads until the server closes the connection or `quiet` passes without a byte.
  std::string read_until_closed(std::chrono::milliseconds quiet = std::chrono::milliseconds(5000));
  // True once the server has closed the connection (waits up to `limit`).
  bool closed_by_server(std::chrono::milliseconds limit);
  int fd() const { return fd_; }

 private:
  int fd_;
};

}  // namespace reel::test
