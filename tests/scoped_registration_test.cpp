// thunk::scoped_registration: a failed register call is never handed to the
// unregister call when the user says what failure looks like (issue 12, item 9).
#include <thunk/scoped_registration.hpp>
#include <vector>

#include "catch.hpp"

namespace {
/// A SetTimer/KillTimer pair: 0 is failure.
struct timers {
  bool fail_next = false;
  unsigned next_id = 7;
  std::vector<unsigned> killed;
  unsigned set() { return fail_next ? 0u : next_id++; }
  void kill(unsigned id) { killed.push_back(id); }
};
}  // namespace

TEST_CASE("scoped_registration: a register call that failed is not unregistered") {
  timers t;
  t.fail_next = true;
  {
    thunk::scoped_registration r([&] { return t.set(); }, [&](unsigned id) { t.kill(id); }, thunk::fails_when(0u));
    CHECK(r.failed());
    CHECK_FALSE(r.active());
    CHECK(r.handle() == 0u);
  }
  CHECK(t.killed.empty());  // KillTimer(nullptr, 0) never called
}

TEST_CASE("scoped_registration: a successful one is unregistered once, with its handle") {
  timers t;
  {
    thunk::scoped_registration r([&] { return t.set(); }, [&](unsigned id) { t.kill(id); }, thunk::fails_when(0u));
    CHECK_FALSE(r.failed());
    CHECK(r.active());
    auto moved = std::move(r);
    CHECK(moved.handle() == 7u);
    CHECK_FALSE(r.active());
  }
  CHECK(t.killed == std::vector<unsigned>{7u});
}

TEST_CASE("scoped_registration: without a failure test every handle counts; a predicate works too") {
  timers t;
  t.fail_next = true;
  {
    thunk::scoped_registration r([&] { return t.set(); }, [&](unsigned id) { t.kill(id); });
  }
  CHECK(t.killed == std::vector<unsigned>{0u});  // what the two-argument form does: documented
  t.killed.clear();
  {
    thunk::scoped_registration r([&] { return t.set(); }, [&](unsigned id) { t.kill(id); },
                                 [](unsigned id) { return id == 0; });
    CHECK(r.failed());
  }
  CHECK(t.killed.empty());
}
