// IDs stay unique and keep growing across restarts, even with the clock set back a day.
#include <algorithm>
#include <set>

#include "douyin.hpp"

using namespace reel::test;

namespace {

const std::vector<std::string> clock_back_one_day = {"--debug-clock-offset-ms", "-86400000"};

struct phase_result {
  std::vector<account> users;
  std::vector<std::uint64_t> ids;  // user ids and message ids created in the phase
};

// Registers 4 users and sends 6 messages among them plus one to `old_peer` (when given);
// returns every id created.
phase_result create_some(http_client& c, const std::string& tag, const account* old_peer) {
  phase_result out;
  for (int i = 0; i < 4; ++i) {
    out.users.push_back(register_fresh(c, tag));
    out.ids.push_back(out.users.back().user_id);
  }
  const auto& u = out.users;
  const std::vector<std::pair<std::size_t, std::size_t>> sends = {{0, 1}, {1, 0}, {0, 1}, {2, 3}, {3, 2}, {1, 2}};
  for (const auto& [from, to] : sends) must_send(c, u[from], u[to].user_id, tag + " message");
  for (const auto& [x, y] : std::vector<std::pair<std::size_t, std::size_t>>{{0, 1}, {2, 3}, {1, 2}}) {
    for (const auto& m : fetch_chat(c, u[x].token, u[y].user_id)) out.ids.push_back(m.id);
  }
  if (old_peer != nullptr) {
    const std::string content = tag + " to an old user";
    must_send(c, u[0], old_peer->user_id, content);
    for (const auto& m : fetch_chat(c, u[0].token, old_peer->user_id)) {
      if (m.content == content) out.ids.push_back(m.id);
    }
  }
  REQUIRE(out.ids.size() == 4 + 6 + (old_peer != nullptr ? 1 : 0));
  return out;
}

std::uint64_t max_of(const std::vector<std::uint64_t>& ids) { return *std::max_element(ids.begin(), ids.end()); }
std::uint64_t min_of(const std::vector<std::uint64_t>& ids) { return *std::min_element(ids.begin(), ids.end()); }

// Accounts of an earlier phase still log in with their old id.
void check_still_there(http_client& c, const std::vector<account>& users) {
  for (const auto& user : users) {
    response r = api::user_login(c, user.name, user.password);
    CHECK_API_OK(r, "user_id", "token");
    CHECK(r.int_member("user_id") == std::optional<std::int64_t>(user.user_id));
  }
}

}  // namespace

TEST_CASE("ids stay unique and growing across restarts with the clock set back") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  std::vector<std::uint64_t> all;

  const phase_result first = create_some(c, "p1", nullptr);
  all.insert(all.end(), first.ids.begin(), first.ids.end());

  // Clean stop, then one day back in time.
  srv.stop();
  srv.restart(clock_back_one_day);
  check_still_there(c, first.users);
  const phase_result second = create_some(c, "p2", &first.users[0]);
  CHECK_MESSAGE(min_of(second.ids) > max_of(all), "largest id before the restart ", max_of(all), ", smallest after ",
                min_of(second.ids));
  all.insert(all.end(), second.ids.begin(), second.ids.end());

  // Crash, and again one day back.
  srv.kill9();
  srv.restart(clock_back_one_day);
  check_still_there(c, first.users);
  check_still_there(c, second.users);
  const phase_result third = create_some(c, "p3", &second.users[1]);
  CHECK_MESSAGE(min_of(third.ids) > max_of(all), "largest id before the crash ", max_of(all), ", smallest after ",
                min_of(third.ids));
  all.insert(all.end(), third.ids.begin(), third.ids.end());

  // Back to the real clock after a crash: still nothing reused.
  srv.kill9();
  srv.restart();
  const phase_result fourth = create_some(c, "p4", &third.users[2]);
  CHECK_MESSAGE(min_of(fourth.ids) > max_of(all), "largest id before the crash ", max_of(all), ", smallest after ",
                min_of(fourth.ids));
  all.insert(all.end(), fourth.ids.begin(), fourth.ids.end());

  const std::set<std::uint64_t> distinct(all.begin(), all.end());
  CHECK(distinct.size() == all.size());
  CHECK(max_of(all) < (std::uint64_t{1} << 53));
}
