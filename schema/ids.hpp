// Vocabulary types shared by every layer: entity ids and time in distinct types.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>

namespace reel {

// An entity id: below 2^53 so that JavaScript clients read it exactly.
template <class Tag>
struct id {
  std::uint64_t value = 0;

  constexpr id() = default;
  constexpr explicit id(std::uint64_t v) : value(v) {}
  constexpr explicit operator bool() const { return value != 0; }
  friend constexpr auto operator<=>(id, id) = default;
};

// CAF's inspector protocol without CAF headers (they stay out of schema/).
template <class Inspector, class Tag>
auto inspect(Inspector& f, id<Tag>& x) {
  return f(x.value);
}

using user_id = id<struct user_tag>;
using message_id = id<struct message_tag>;
using op_id = id<struct op_tag>;
using video_id = id<struct video_tag>;
using comment_id = id<struct comment_tag>;

// Unix epoch milliseconds.
struct millis {
  std::int64_t value = 0;
  constexpr millis() = default;
  constexpr explicit millis(std::int64_t v) : value(v) {}
  friend constexpr auto operator<=>(millis, millis) = default;
};

template <class Inspector>
auto inspect(Inspector& f, millis& x) {
  return f(x.value);
}

constexpr std::uint64_t max_safe_id = (std::uint64_t{1} << 53) - 1;

}  // namespace reel

template <class Tag>
struct std::hash<reel::id<Tag>> {
  std::size_t operator()(reel::id<Tag> x) const noexcept { return std::hash<std::uint64_t>{}(x.value); }
};
