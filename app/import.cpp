#include "app/import.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <variant>

#include "actors/bulk_load.hpp"
#include "app/graphs.hpp"
#include "cluster/clock.hpp"
#include "http/tokens.hpp"
#include "media/library.hpp"

namespace reel::app {

namespace {

struct import_options {
  std::filesystem::path data_dir = "./data";
  std::filesystem::path edges;  // edge list; empty = synthetic power-law graph
  power_law_options synthetic;
  std::size_t videos_per_user = 1;
  std::filesystem::path video;
  std::string password = "bench-password";
  std::string name_prefix = "user";
  std::filesystem::path out = ".";
  std::int64_t token_ttl_s = 7 * 24 * 3600;
  std::size_t inbox_cap = 1000;
  std::uint64_t celebrity_threshold = 10'000;
};

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string hash_password(const std::string& password) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    throw std::runtime_error("password hashing failed");
  return out;
}

// users.txt, names.txt, tokens.txt (one line per user, same order), videos.txt and
// celebrities.txt: the variables the benchmark's load generator draws from.
void write_outputs(const import_options& o, const actors::bulk_plan& plan, const actors::bulk_result& r,
                   const std::vector<std::uint64_t>& followers) {
  std::filesystem::create_directories(o.out);
  auto keys = http::token_keys::load_or_create(o.data_dir / "token.key");
  std::ofstream users(o.out / "users.txt"), names(o.out / "names.txt"), tokens(o.out / "tokens.txt");
  std::ofstream videos(o.out / "videos.txt"), celebrities(o.out / "celebrities.txt");
  auto now = cluster::wall_clock().value;
  for (std::size_t i = 0; i < r.users.size(); ++i) {
    users << r.users[i].value << '\n';
    names << plan.names[i] << '\n';
    tokens << http::mint(keys, http::new_claims(r.users[i].value, now, o.token_ttl_s * 1000)) << '\n';
    if (followers[i] >= plan.celebrity_threshold) celebrities << r.users[i].value << ' ' << followers[i] << '\n';
  }
  for (auto v : r.videos) videos << v.value << '\n';
}

int import(const import_options& o) {
  auto g = o.edges.empty() ? power_law(o.synthetic) : read_edge_list(o.edges);
  actors::bulk_plan plan;
  for (std::size_t i = 0; i < g.users; ++i) plan.names.push_back(fmt::format("{}{}", o.name_prefix, i));
  plan.follows = std::move(g.follows);
  plan.videos_per_user = o.videos_per_user;
  plan.inbox_cap = o.inbox_cap;
  plan.celebrity_threshold = o.celebrity_threshold;
  if (o.videos_per_user > 0) {
    media::library library(o.data_dir / "media");
    auto stored = library.ingest(read_file(o.video), media::limits{});
    if (auto* e = std::get_if<media::media_error>(&stored)) throw std::runtime_error("video rejected: " + e->message);
    plan.media_hash = std::get<media::stored_video>(stored).hash;
  }
  plan.password_hash = hash_password(o.password);
  std::vector<std::uint64_t> followers(g.users);
  for (auto [a, b] : plan.follows)
    if (a != b) ++followers[b];

  auto db = storage::store::open(o.data_dir / "db", 0);  // an offline writer: nothing to cache
  cluster::id_generator ids(*db, 0, [] { return cluster::wall_clock(); });
  auto result = actors::bulk_load(*db, ids, plan, [](const std::string& step, std::size_t done, std::size_t total) {
    fmt::print(stderr, "\rimport: {:<8} {:>10}/{:<10}", step, done, total);
    if (done == total) fmt::print(stderr, "\n");
  });
  write_outputs(o, plan, result, followers);
  fmt::print("imported {} users, {} follows, {} videos, {} inbox entries, {} celebrities into {}\n",
             result.users.size(), result.follows, result.videos.size(), result.inbox_entries, result.celebrities,
             o.data_dir.string());
  return 0;
}

}  // namespace

int run_import(int argc, char** argv) {
  import_options o;
  CLI::App cli{"reeld import: bulk-load users, follows and videos into a stopped node's data dir"};
  cli.add_option("--data-dir", o.data_dir, "the node's data directory (reeld must not be running)")->capture_default_str();
  cli.add_option("--edges", o.edges, "undirected edge list (e.g. socfb-Reed98.edges); each edge a mutual follow");
  cli.add_option("--users", o.synthetic.users, "synthetic graph: users")->capture_default_str();
  cli.add_option("--mean-followers", o.synthetic.mean_followees, "synthetic graph: mean follows per user")->capture_default_str();
  cli.add_option("--zipf", o.synthetic.zipf_exponent, "synthetic graph: Zipf exponent of popularity")->capture_default_str();
  cli.add_option("--celebrities", o.synthetic.celebrities, "synthetic graph: authors with extra followers")->capture_default_str();
  cli.add_option("--celebrity-followers", o.synthetic.celebrity_followers, "synthetic graph: extra followers of each")
      ->capture_default_str();
  cli.add_option("--seed", o.synthetic.seed, "synthetic graph: random seed")->capture_default_str();
  cli.add_option("--videos-per-user", o.videos_per_user, "videos published by every user")->capture_default_str();
  cli.add_option("--video", o.video, "the video file every imported video plays");
  cli.add_option("--password", o.password, "every user's password")->capture_default_str();
  cli.add_option("--name-prefix", o.name_prefix, "usernames are <prefix><index>")->capture_default_str();
  cli.add_option("--out", o.out, "directory for users.txt, names.txt, tokens.txt, videos.txt, celebrities.txt")
      ->capture_default_str();
  cli.add_option("--token-ttl", o.token_ttl_s, "lifetime of the written tokens, seconds")->capture_default_str();
  cli.add_option("--inbox-cap", o.inbox_cap, "as reeld --inbox-cap")->capture_default_str();
  cli.add_option("--celebrity-threshold", o.celebrity_threshold, "as reeld --celebrity-threshold")->capture_default_str();
  try {
    cli.parse(argc, argv);
    if (o.videos_per_user > 0 && o.video.empty()) throw CLI::ValidationError("--video", "needed with --videos-per-user > 0");
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }
  try {
    return import(o);
  } catch (const std::exception& e) {
    fmt::print(stderr, "reeld import: {}\n", e.what());
    return 1;
  }
}

}  // namespace reel::app
