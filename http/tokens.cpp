#include "http/tokens.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace reel::http {
namespace {

static_assert(token_keys::key_size == crypto_auth_KEYBYTES);

constexpr unsigned char token_version = 1;
constexpr std::size_t claims_size = 1 + 4 * 8;
constexpr std::size_t token_size = claims_size + crypto_auth_BYTES;
using token_bytes = std::array<unsigned char, token_size>;

void ensure_sodium() {
  // sodium_init returns 1 when already initialised; only a negative value is a failure.
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path) {
  throw std::runtime_error(what + " " + path.string() + ": " + std::strerror(errno));
}

// Owns a POSIX file descriptor so that every error path closes it.
class fd_guard {
 public:
  explicit fd_guard(int fd) : fd_(fd) {}
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  ~fd_guard() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

void write_all(int fd, const unsigned char* data, std::size_t size, const std::filesystem::path& path) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("cannot write token key file", path);
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

// The rename is what makes the file appear; syncing the directory makes it survive a crash.
void fsync_directory(const std::filesystem::path& dir) {
  fd_guard fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0) fail("cannot sync directory", dir);
}

void write_key_file(const std::filesystem::path& file, const unsigned char* key, std::size_t size) {
  std::filesystem::path tmp = file;
  tmp += ".tmp";
  {
    fd_guard fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (fd.get() < 0) fail("cannot create token key file", tmp);
    // A leftover tmp file from a crash keeps its old mode through O_TRUNC.
    if (::fchmod(fd.get(), 0600) != 0) fail("cannot restrict mode of", tmp);
    write_all(fd.get(), key, size, tmp);
    if (::fsync(fd.get()) != 0) fail("cannot sync token key file", tmp);
  }
  if (::rename(tmp.c_str(), file.c_str()) != 0) fail("cannot rename token key file to", file);
  fsync_directory(file.parent_path().empty() ? "." : file.parent_path());
}

void read_key_file(const std::filesystem::path& file, unsigned char* key, std::size_t size) {
  fd_guard fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) fail("cannot open token key file", file);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) fail("cannot stat token key file", file);
  if (static_cast<std::size_t>(st.st_size) != size) {
    throw std::runtime_error("token key file " + file.string() + " holds " + std::to_string(st.st_size) +
                             " bytes, expected " + std::to_string(size) +
                             "; restore it, or delete it to create a new key (every login token then fails)");
  }
  std::size_t done = 0;
  while (done < size) {
    ssize_t n = ::read(fd.get(), key + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("cannot read token key file", file);
    done += static_cast<std::size_t>(n);
  }
}

void put_u64(unsigned char* out, std::uint64_t value) {
  for (int i = 7; i >= 0; --i, value >>= 8) out[i] = static_cast<unsigned char>(value & 0xff);
}

std::uint64_t get_u64(const unsigned char* in) {
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | in[i];
  return value;
}

bool is_url_safe_base64(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// Decodes `token` into exactly token_size bytes; anything else (bad alphabet, padding,
// non-zero trailing bits, wrong length) is malformed. The alphabet is checked here because
// libsodium 1.0.18's url-safe decoder reads every byte >= 0x80 as '_', which would let many
// strings stand for one token.
bool decode(std::string_view token, token_bytes& bytes) {
  if (!std::ranges::all_of(token, is_url_safe_base64)) return false;
  std::size_t length = 0;
  const char* end = nullptr;
  int rc = sodium_base642bin(bytes.data(), bytes.size(), token.data(), token.size(), nullptr, &length, &end,
                             sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return rc == 0 && length == token_size && end == token.data() + token.size();
}

}  // namespace

token_keys token_keys::load_or_create(const std::filesystem::path& file) {
  ensure_sodium();
  token_keys keys;
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) {
    read_key_file(file, keys.key_.data(), keys.key_.size());
    return keys;
  }
  if (ec) throw std::runtime_error("cannot check token key file " + file.string() + ": " + ec.message());
  if (!file.parent_path().empty()) std::filesystem::create_directories(file.parent_path());
  randombytes_buf(keys.key_.data(), keys.key_.size());
  write_key_file(file, keys.key_.data(), keys.key_.size());
  return keys;
}

token_keys token_keys::generate() {
  ensure_sodium();
  token_keys keys;
  randombytes_buf(keys.key_.data(), keys.key_.size());
  return keys;
}

token_keys token_keys::from_bytes(std::string_view bytes) {
  ensure_sodium();
  if (bytes.size() != key_size) throw std::runtime_error("a token secret has " + std::to_string(key_size) + " bytes");
  token_keys keys;
  std::memcpy(keys.key_.data(), bytes.data(), key_size);
  return keys;
}

token_keys::~token_keys() { sodium_memzero(key_.data(), key_.size()); }

bool token_keys::operator==(const token_keys& other) const {
  return sodium_memcmp(key_.data(), other.key_.data(), key_.size()) == 0;
}

token_claims new_claims(std::uint64_t user, std::int64_t now_ms, std::int64_t ttl_ms) {
  ensure_sodium();
  std::uint64_t token_id = 0;
  randombytes_buf(&token_id, sizeof token_id);
  return {user, now_ms, now_ms + ttl_ms, token_id};
}

std::string mint(const token_keys& keys, const token_claims& claims) {
  token_bytes bytes{};
  bytes[0] = token_version;
  put_u64(&bytes[1], claims.user_id);
  put_u64(&bytes[9], static_cast<std::uint64_t>(claims.issued_ms));
  put_u64(&bytes[17], static_cast<std::uint64_t>(claims.expires_ms));
  put_u64(&bytes[25], claims.token_id);
  crypto_auth(&bytes[claims_size], bytes.data(), claims_size, keys.data());
  std::string token(sodium_base64_ENCODED_LEN(token_size, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(token.data(), token.size(), bytes.data(), bytes.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  token.resize(std::strlen(token.c_str()));  // the encoded length counts a terminating NUL
  return token;
}

token_result verify(const token_keys& keys, std::string_view token, std::int64_t now_ms) {
  token_bytes bytes{};
  if (!decode(token, bytes)) return token_error::malformed;
  // The MAC is checked before any field is trusted, the version byte included.
  if (crypto_auth_verify(&bytes[claims_size], bytes.data(), claims_size, keys.data()) != 0) {
    return token_error::bad_mac;
  }
  if (bytes[0] != token_version) return token_error::malformed;
  token_claims claims{get_u64(&bytes[1]), static_cast<std::int64_t>(get_u64(&bytes[9])),
                      static_cast<std::int64_t>(get_u64(&bytes[17])), get_u64(&bytes[25])};
  if (now_ms >= claims.expires_ms) return token_error::expired;
  return claims;
}

}  // namespace reel::http
