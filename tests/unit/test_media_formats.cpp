// The byte-level parts of media/: container magic, size fields that reveal a cut-off upload,
// the metadata JSON, hashes.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "media/container.hpp"
#include "media/library.hpp"
#include "media/metadata.hpp"

using namespace reel::media;
using namespace std::string_literals;

namespace {

std::string be32(std::uint32_t v) {
  return {char(v >> 24), char((v >> 16) & 0xFF), char((v >> 8) & 0xFF), char(v & 0xFF)};
}

// An ISO-BMFF box of `payload` bytes (the size field counts the 8-byte header).
std::string box(const std::string& type, std::size_t payload) {
  return be32(static_cast<std::uint32_t>(payload + 8)) + type + std::string(payload, '\0');
}

// An EBML element with a one-byte size field (payload < 127 bytes).
std::string element(const std::string& id, const std::string& payload) {
  return id + char(0x80 | payload.size()) + payload;
}

const std::string ebml_id = "\x1A\x45\xDF\xA3";
const std::string doctype_id = "\x42\x82";
const std::string segment_id = "\x18\x53\x80\x67";
const std::string cluster_id = "\x1F\x43\xB6\x75";
const std::string unknown_size = "\x01\xFF\xFF\xFF\xFF\xFF\xFF\xFF";  // 8-byte vint, all ones

std::string ebml_header(const std::string& doctype) {
  return element(ebml_id, element("\x42\x86", "\x01") + (doctype.empty() ? "" : element(doctype_id, doctype)));
}

}  // namespace

TEST_CASE("sniff_container recognises accepted containers by their magic bytes") {
  CHECK(sniff_container(box("ftyp", 16)) == container::mp4);
  CHECK(sniff_container(be32(24) + "ftypisom" + std::string(12, '\0')) == container::mp4);
  CHECK(sniff_container(be32(20) + "ftypqt  " + std::string(8, '\0')) == container::quicktime);
  CHECK(sniff_container(box("moov", 8)) == container::mp4);
  CHECK(sniff_container(box("mdat", 8)) == container::mp4);
  CHECK(sniff_container(box("wide", 0) + box("mdat", 8)) == container::mp4);
  CHECK(sniff_container(ebml_header("webm")) == container::webm);
  CHECK(sniff_container(ebml_header("matroska")) == container::matroska);
  CHECK(sniff_container(ebml_header("")) == container::matroska);  // EBML's default DocType
  CHECK(sniff_container("RIFF"s + "\x10\0\0\0"s + "AVI LIST") == container::avi);
}

TEST_CASE("sniff_container rejects everything else") {
  CHECK(sniff_container("") == container::unknown);
  CHECK(sniff_container("\0\0\0\x08"s + "ftyp") == container::unknown);  // too short to hold a brand
  CHECK(sniff_container(box("uuid", 16)) == container::unknown);
  CHECK(sniff_container(ebml_header("mka-ish")) == container::unknown);
  CHECK(sniff_container("RIFF"s + "\x10\0\0\0"s + "WAVEfmt ") == container::unknown);
  CHECK(sniff_container("GIF89a" + std::string(20, 'x')) == container::unknown);
  CHECK(sniff_container("ID3\x04" + std::string(20, '\0')) == container::unknown);
  CHECK(sniff_container("#EXTM3U\nfile:///etc/passwd\n") == container::unknown);
}

TEST_CASE("content_type_of and demuxer_of per container") {
  CHECK(content_type_of(container::mp4) == "video/mp4");
  CHECK(content_type_of(container::quicktime) == "video/quicktime");
  CHECK(content_type_of(container::webm) == "video/webm");
  CHECK(content_type_of(container::matroska) == "video/x-matroska");
  CHECK(content_type_of(container::avi) == "video/x-msvideo");
  CHECK(content_type_of(container::unknown).empty());
  CHECK(std::string(demuxer_of(container::quicktime)) == "mov");
  CHECK(std::string(demuxer_of(container::webm)) == "matroska");
  CHECK(demuxer_of(container::unknown) == nullptr);
}

TEST_CASE("structure_complete: MP4 top-level boxes must fit in the upload") {
  std::string file = box("ftyp", 16) + box("moov", 100) + box("mdat", 1000);
  CHECK(structure_complete(file));
  CHECK_FALSE(structure_complete(file.substr(0, file.size() - 1)));
  CHECK_FALSE(structure_complete(file.substr(0, 24 + 50)));               // cut inside moov
  CHECK(structure_complete(box("ftyp", 16) + be32(0) + "mdat" + "abc"));  // size 0: to the end
  std::string large = be32(1) + "mdat" + "\0\0\0\0"s + be32(16 + 4) + "data";
  CHECK(structure_complete(box("ftyp", 16) + large));
  CHECK_FALSE(structure_complete(box("ftyp", 16) + large.substr(0, large.size() - 1)));
}

TEST_CASE("structure_complete: the Matroska Segment, or its clusters when live, must fit") {
  std::string header = ebml_header("webm");
  std::string segment_payload = element(cluster_id, std::string(50, 'c'));
  std::string sized = header + element(segment_id, segment_payload);
  CHECK(structure_complete(sized));
  CHECK_FALSE(structure_complete(sized.substr(0, sized.size() - 1)));

  std::string live = header + segment_id + unknown_size + segment_payload + segment_payload;
  CHECK(structure_complete(live));
  CHECK_FALSE(structure_complete(live.substr(0, live.size() - 10)));  // cut inside the last cluster
  CHECK_FALSE(structure_complete(live.substr(0, live.size() - 51)));  // cut inside its size field
  std::string live_cluster = header + segment_id + unknown_size + cluster_id + unknown_size + "frames";
  CHECK(structure_complete(live_cluster));  // nothing to compare against: FFmpeg judges
}

TEST_CASE("metadata JSON round-trips, escaping strings") {
  stored_video v;
  v.hash = std::string(64, 'a');
  v.info = {"video/x-\"odd\"\\type\n", "h264", 640, 360, 10.046666666666667, true};
  v.bytes = 751722;
  v.cover_bytes = 42938;
  std::string json = to_json(v);
  CHECK(json.find('\n') == json.size() - 1);  // control characters are escaped
  auto back = from_json(json);
  REQUIRE(back);
  CHECK(back->hash == v.hash);
  CHECK(back->info.content_type == v.info.content_type);
  CHECK(back->info.codec == "h264");
  CHECK(back->info.width == 640);
  CHECK(back->info.height == 360);
  CHECK(back->info.duration_s == v.info.duration_s);  // exact: shortest round-trip form
  CHECK(back->info.has_audio);
  CHECK(back->bytes == 751722);
  CHECK(back->cover_bytes == 42938);
}

TEST_CASE("metadata JSON: unknown fields are ignored, malformed records rejected") {
  std::string good = R"({"hash":"h","content_type":"video/mp4","codec":"vp8","width":2,"height":2,)"
                     R"("duration_s":1.5,"has_audio":false,"bytes":9,"cover_bytes":3})";
  REQUIRE(from_json(good));
  CHECK(from_json(" \n" + good + "\n"));
  CHECK(from_json(R"({"extra":"\u00e9\t",)" + good.substr(1))->info.codec == "vp8");
  CHECK(from_json(R"({"hash":"\u0041",)" + good.substr(1))->hash == "h");  // later duplicate wins

  CHECK_FALSE(from_json(""));
  CHECK_FALSE(from_json(good.substr(0, good.size() - 1)));  // cut off
  CHECK_FALSE(from_json(good + "x"));                       // trailing garbage
  std::string missing = good;
  missing.replace(missing.find("\"bytes\":9,"), 10, "");
  CHECK_FALSE(from_json(missing));
  std::string mistyped = good;
  mistyped.replace(mistyped.find("\"width\":2"), 9, "\"width\":\"2\"");
  CHECK_FALSE(from_json(mistyped));
  std::string negative = good;
  negative.replace(negative.find("\"bytes\":9"), 9, "\"bytes\":-9");
  CHECK_FALSE(from_json(negative));
  CHECK_FALSE(from_json(R"({"hash":"bad \q escape"})"));
}

TEST_CASE("content_hash is the lowercase hex SHA-256 - valid_hash accepts exactly that form") {
  CHECK(library::content_hash("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(library::content_hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(valid_hash(library::content_hash("abc")));
  CHECK_FALSE(valid_hash(""));
  CHECK_FALSE(valid_hash(std::string(63, 'a')));
  CHECK_FALSE(valid_hash(std::string(65, 'a')));
  CHECK_FALSE(valid_hash(std::string(64, 'A')));  // uppercase is a different file name
  CHECK_FALSE(valid_hash(std::string(62, 'a') + "/."));
  CHECK_FALSE(valid_hash("../" + std::string(61, 'a')));
  CHECK_FALSE(valid_hash(std::string(63, 'a') + 'g'));
}
