// Fuzz target: the JSON writer (http/json_writer.hpp) and its UTF-8 repair (http/utf8.hpp).
//
// The input's bytes are written as a key, as a string and as a string of two parts (cut at a
// point the input picks), beside two numbers taken from it. The output must be valid JSON in
// valid UTF-8 (RapidJSON parses it with encoding validation), and every string must read
// back as the WHATWG UTF-8 decoder (an independent implementation, below) decodes its bytes:
// well-formed UTF-8 unchanged, each maximal ill-formed subpart one U+FFFD. valid_utf8 and
// next_utf8 must agree with the same decoder.
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <cstring>
#include <string>
#include <string_view>

#include "fuzz/check.hpp"
#include "http/json_writer.hpp"
#include "http/utf8.hpp"

using namespace reel::http;

namespace {

void append_code_point(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

struct decoded_text {
  std::string text;  // re-encoded, U+FFFD for each error
  int errors = 0;
};

// The WHATWG Encoding Standard's UTF-8 decoder (section 9.1.1), step by step.
decoded_text whatwg_decode(std::string_view bytes) {
  decoded_text out;
  std::uint32_t code_point = 0;
  int needed = 0, seen = 0;
  unsigned lower = 0x80, upper = 0xBF;
  auto error = [&] {
    out.text += "\xEF\xBF\xBD";
    ++out.errors;
  };
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto byte = static_cast<unsigned char>(bytes[i]);
    if (needed == 0) {
      if (byte <= 0x7F) {
        out.text += static_cast<char>(byte);
      } else if (byte >= 0xC2 && byte <= 0xDF) {
        needed = 1;
        code_point = byte & 0x1F;
      } else if (byte >= 0xE0 && byte <= 0xEF) {
        if (byte == 0xE0) lower = 0xA0;
        if (byte == 0xED) upper = 0x9F;
        needed = 2;
        code_point = byte & 0xF;
      } else if (byte >= 0xF0 && byte <= 0xF4) {
        if (byte == 0xF0) lower = 0x90;
        if (byte == 0xF4) upper = 0x8F;
        needed = 3;
        code_point = byte & 0x7;
      } else {
        error();
      }
      continue;
    }
    if (byte < lower || byte > upper) {
      code_point = 0;
      needed = seen = 0;
      lower = 0x80;
      upper = 0xBF;
      --i;  // "restore byte to ioQueue": it starts the next sequence
      error();
      continue;
    }
    lower = 0x80;
    upper = 0xBF;
    code_point = (code_point << 6) | (byte & 0x3F);
    if (++seen == needed) {
      append_code_point(out.text, code_point);
      code_point = 0;
      needed = seen = 0;
    }
  }
  if (needed != 0) error();
  return out;
}

std::string_view string_of(const rapidjson::Value& v) {
  FUZZ_CHECK(v.IsString());
  return {v.GetString(), v.GetStringLength()};
}

void check_steps(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto step = next_utf8(s.substr(i));
    FUZZ_CHECK(step.length >= 1 && step.length <= 4 && i + step.length <= s.size());
    FUZZ_CHECK(step.valid || step.length <= 3);
    // A well-formed step is one character; an ill-formed one is one U+FFFD and no more.
    const auto alone = whatwg_decode(s.substr(i, step.length));
    FUZZ_CHECK(step.valid ? alone.errors == 0 : alone.errors == 1);
    i += step.length;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto s = reel::fuzz::as_view(data, size);
  const auto expected = whatwg_decode(s);
  FUZZ_CHECK(valid_utf8(s) == (expected.errors == 0));
  if (expected.errors == 0) FUZZ_CHECK(expected.text == s);
  check_steps(s);

  std::uint64_t u = 0;
  std::int64_t i = 0;
  std::memcpy(&u, s.data(), std::min<std::size_t>(s.size(), 8));
  if (s.size() > 8) std::memcpy(&i, s.data() + 8, std::min<std::size_t>(s.size() - 8, 8));
  const auto cut = s.empty() ? 0 : static_cast<unsigned char>(s[0]) % (s.size() + 1);
  const auto first = s.substr(0, cut), second = s.substr(cut);

  json_writer w;
  w.start_object();
  w.key(s);
  w.start_array();
  w.string(s);
  w.string({first, second});
  w.u64(u);
  w.i64(i);
  w.boolean(size % 2 == 0);
  w.end_array();
  w.end_object();
  const auto& out = w.str();

  FUZZ_CHECK(whatwg_decode(out).errors == 0);
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(out.data(), out.size());
  if (doc.HasParseError()) {
    std::fprintf(stderr, "RapidJSON: %s at %zu of %s\n", rapidjson::GetParseError_En(doc.GetParseError()),
                 doc.GetErrorOffset(), out.c_str());
  }
  FUZZ_CHECK(!doc.HasParseError());
  FUZZ_CHECK(doc.IsObject() && doc.MemberCount() == 1);
  const auto& member = *doc.MemberBegin();
  FUZZ_CHECK(string_of(member.name) == expected.text);
  const auto& values = member.value;
  FUZZ_CHECK(values.IsArray() && values.Size() == 5);
  FUZZ_CHECK(string_of(values[0]) == expected.text);
  // Each part is repaired alone: a sequence cut between them is two ill-formed ends.
  FUZZ_CHECK(string_of(values[1]) == whatwg_decode(first).text + whatwg_decode(second).text);
  FUZZ_CHECK(values[2].IsUint64() && values[2].GetUint64() == u);
  FUZZ_CHECK(values[3].IsInt64() && values[3].GetInt64() == i);
  FUZZ_CHECK(values[4].IsBool() && values[4].GetBool() == (size % 2 == 0));
  return 0;
}
