// Cap'n Proto encoding of stored values.
//
// RocksDB values are not word-aligned and Cap'n Proto rejects unaligned input, so decode
// copies into an aligned buffer first. Decoding errors (kj::Exception) become nullopt:
// a corrupt record is reported by the caller, never thrown across an actor.
#pragma once

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace reel::storage {

template <class Struct, class Fill>
std::string encode(Fill&& fill) {
  capnp::MallocMessageBuilder message;
  fill(message.initRoot<Struct>());
  auto words = capnp::messageToFlatArray(message);
  auto bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

template <class Struct>
class decoded {
 public:
  static std::optional<decoded> from(std::string_view bytes) {
    if (bytes.empty() || bytes.size() % sizeof(capnp::word) != 0) return std::nullopt;
    decoded d;
    d.words_ = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
    std::memcpy(d.words_.begin(), bytes.data(), bytes.size());
    try {
      d.reader_ = std::make_unique<capnp::FlatArrayMessageReader>(d.words_.asPtr());
      d.root_ = d.reader_->template getRoot<Struct>();
    } catch (const kj::Exception&) {
      return std::nullopt;
    }
    return d;
  }

  typename Struct::Reader root() const { return root_; }

 private:
  decoded() = default;
  kj::Array<capnp::word> words_;
  std::unique_ptr<capnp::FlatArrayMessageReader> reader_;
  typename Struct::Reader root_;
};

}  // namespace reel::storage
