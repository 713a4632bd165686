// thunk/detail/slot_pool.hpp: the quarantine as documented (a destroyed
// closure's address is reused only after detail::quarantine_slots later
// destructions of its kind, on one thread and across threads), and fork()
// taken while other threads hold the pools' locks.
#include <atomic>
#include <cstdint>
#include <thunk/closure.hpp>
#include <vector>

#include "catch.hpp"
#include "support/test_thread.hpp"

#if THUNK_HAS_CLOSURE

#  if defined(THUNK_OS_LINUX)
#    include <signal.h>
#    include <sys/wait.h>
#    include <unistd.h>
#  endif

namespace {

// Two signatures of one kind (the general path on every target).
using first_fn = long (*)(long);
using other_fn = unsigned long (*)(unsigned long);
using first_closure = thunk::closure<first_fn, thunk::path::general>;
using other_closure = thunk::closure<other_fn, thunk::path::general>;
// And two of one register kind (the register path where the target has one).
using first_reg = thunk::closure<long (*)(long, long)>;
using other_reg = thunk::closure<unsigned long (*)(unsigned long, unsigned long)>;

constexpr std::uint64_t quarantine = thunk::detail::quarantine_slots;

template <class R, class A>
R call40(R (*f)(A)) {
  return f(40);
}
template <class R, class A>
R call40(R (*f)(A, A)) {
  return f(40, 0);
}

/// Destroys a closure of the first kind, then creates and destroys closures
/// of another signature until one gets the old address: how many later
/// destructions it took (0: never, within 4 quarantines).
template <class First, class Other>
std::uint64_t destructions_until_reuse() {
  std::uintptr_t stale;
  {
    First a([](auto x, auto...) { return x + 1; });
    stale = reinterpret_cast<std::uintptr_t>(a.get());
  }
  for (std::uint64_t later = 0; later < 4 * quarantine; ++later) {
    Other b([](auto x, auto...) { return x + 2; });
    if (reinterpret_cast<std::uintptr_t>(b.get()) == stale) {
      CHECK(call40(b.get()) == 42);  // the new closure's own callable
      return later;
    }
  }
  return 0;
}

}  // namespace

TEST_CASE("one thread: a destroyed closure's address comes back only after quarantine_slots destructions",
          "[slot_pool][quarantine]") {
  const std::uint64_t general = destructions_until_reuse<first_closure, other_closure>();
  const std::uint64_t reg = destructions_until_reuse<first_reg, other_reg>();
  INFO("general path: reused after " << general << " destructions; register path: after " << reg);
  CHECK(general >= quarantine);
  CHECK(reg >= quarantine);
  // The memory is bounded: the address does come back.
  CHECK(general < 2 * quarantine);
  CHECK(reg < 2 * quarantine);
}

TEST_CASE("across threads: a closure destroyed on one thread is reused only after quarantine_slots destructions",
          "[slot_pool][quarantine][threads]") {
  // A thread destroys a closure and exits before the slot served its
  // quarantine: the pool keeps it until the module's count of destructions
  // of its kind has moved on by quarantine_slots, then hands it to the next
  // thread that takes slots from the pool (here: short-lived threads, each
  // making and destroying closures_per_thread).
  std::uintptr_t stale = 0;
  test_thread first([&] {
    first_closure a([](long x) { return x + 1; });
    stale = reinterpret_cast<std::uintptr_t>(a.get());
  });
  first.join();

  constexpr std::uint64_t closures_per_thread = 100;
  std::uint64_t destroyed = 0, reused_after = 0;
  bool found = false, right = true;
  while (!found && destroyed < 4 * quarantine) {
    test_thread next([&] {
      for (std::uint64_t i = 0; i < closures_per_thread; ++i) {
        other_closure b([](unsigned long x) { return x + 2; });
        if (!found && reinterpret_cast<std::uintptr_t>(b.get()) == stale) {
          found = true;
          reused_after = destroyed;
          right = b.get()(40) == 42;
        }
        ++destroyed;  // counted before the destruction below: never less than the module's count
      }
    });
    next.join();
  }
  INFO("reused after " << reused_after << " destructions on other threads");
  REQUIRE(found);
  CHECK(right);
  CHECK(reused_after >= quarantine);
  CHECK(reused_after < quarantine + 2 * closures_per_thread);
}

TEST_CASE("the pool's quarantine clock: 4096 destructions, across a 2^32 wrap and a 2^31 jump",
          "[slot_pool][quarantine]") {
  // A pool of its own (no chunk is ever mapped: only fake slots that served
  // their time are taken out).
  thunk::detail::slot_pool pool(thunk::detail::abi::general);
  std::error_code ec;
  std::uintptr_t out = 0;
  const std::uint32_t starts[] = {5u, 0xFFFFFF00u};  // the second wraps around 2^32
  for (const std::uint32_t start : starts) {
    INFO("stamped at " << start);
    const std::uintptr_t fake = 0x1000;
    pool.retire(&fake, 1, start);
    pool.advance_for_test(start + 4095u);
    CHECK_FALSE(pool.front_served());
    pool.advance_for_test(start - 100u);  // a racing caller's older reading: not 4 billion later
    CHECK_FALSE(pool.front_served());
    const std::uint32_t now = start + 4096u;
    REQUIRE(pool.take(&out, 1, &now, ec) == 1);
    CHECK(out == fake);
  }
  // A steady loop moved the count by more than 2^31 since the pool last saw
  // it; a batch stamped now must still wait its 4096.
  const std::uintptr_t fresh = 0x2000;
  const std::uint32_t jumped = 5u + 0x80000000u + 10u;
  pool.retire(&fresh, 1, jumped);
  CHECK_FALSE(pool.front_served());
  const std::uint32_t later = jumped + 4096u;
  REQUIRE(pool.take(&out, 1, &later, ec) == 1);
  CHECK(out == fresh);
  CHECK_FALSE(pool.has_quarantine());
  pool.lock();
  pool.unmap_all_locked();  // frees its lists (no chunk was mapped)
  pool.unlock();
}

TEST_CASE("the live count (whether an unloading module may unmap) is exact through bursts and thread exits",
          "[slot_pool][live][threads]") {
  const std::intptr_t before = thunk::detail::live_closures();
  {
    // More than a thread's quarantine holds: its oldest slots go to the pool.
    std::vector<first_closure> burst;
    for (long i = 0; i < static_cast<long>(3 * quarantine); ++i) burst.emplace_back([i](long x) { return x + i; });
    CHECK(thunk::detail::live_closures() == before + static_cast<std::intptr_t>(3 * quarantine));
    CHECK(burst.back().get()(1) == static_cast<long>(3 * quarantine));
  }
  CHECK(thunk::detail::live_closures() == before);

  // Made on a thread that exits with its quarantine full, destroyed here.
  std::vector<other_closure> kept;
  test_thread maker([&] {
    std::vector<other_closure> many;
    for (unsigned long i = 0; i < 2 * quarantine; ++i) many.emplace_back([i](unsigned long x) { return x * i; });
    for (std::size_t i = 0; i < 100; ++i) kept.push_back(std::move(many[i]));
  });
  maker.join();
  CHECK(thunk::detail::live_closures() == before + 100);
  CHECK(kept[7].get()(6) == 42);
  kept.clear();
  CHECK(thunk::detail::live_closures() == before);
}

#  if defined(THUNK_OS_LINUX)
TEST_CASE("fork() while other threads create and destroy closures: the child can use closures",
          "[slot_pool][fork][threads]") {
  std::atomic<bool> stop{false};
  std::atomic<long> busy{0};
  std::vector<test_thread> workers;
  for (int t = 0; t < 3; ++t) {
    workers.emplace_back([&] {
      std::vector<first_closure> held;
      std::vector<first_reg> held_reg;
      while (!stop.load(std::memory_order_relaxed)) {
        // More than a thread's caches hold: the pools' locks are taken often.
        for (int i = 0; i < 3000; ++i) {
          held.emplace_back([i](long x) { return x + i; });
          held_reg.emplace_back([i](long x, long) { return x - i; });
        }
        held.clear();
        held_reg.clear();
        ++busy;
      }
    });
  }
  while (busy.load() < 10) test_yield();

  int children = 0, healthy = 0;
  for (int round = 0; round < 200; ++round) {
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      // The child dies plainly (no Catch handlers): a deadlock is a SIGALRM.
      for (int sig : {SIGABRT, SIGSEGV, SIGILL, SIGBUS, SIGFPE}) signal(sig, SIG_DFL);
      alarm(10);
      // More closures than this thread's caches hold: the child must take
      // slots from the pools, whose locks the workers may have held.
      int ok = 1;
      std::vector<first_closure> mine;
      for (long i = 0; i < 5000; ++i) mine.emplace_back([i](long x) { return x * 2 + i; });
      for (long i = 0; i < 5000; ++i) ok &= mine[static_cast<std::size_t>(i)].get()(5) == 10 + i;
      first_reg r([](long x, long y) { return x * y; });
      ok &= r.get()(6, 7) == 42;
      mine.clear();
      _exit(ok ? 0 : 3);
    }
    ++children;
    int status = 0;
    waitpid(pid, &status, 0);
    healthy += WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  stop = true;
  for (auto& w : workers) w.join();
  INFO(healthy << " of " << children << " children created, called and destroyed closures");
  CHECK(healthy == children);
}
#  endif

#endif  // THUNK_HAS_CLOSURE
