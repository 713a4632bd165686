// thunk/static_closure.hpp: callbacks with no context slot from a compile-time
// pool of functions, with no executable memory. Runs on every target,
// THUNK_NO_JIT builds and targets without closure (RISC-V, ARMv7) included.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include "support/test_thread.hpp"
#include <thunk/static_closure.hpp>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(_WIN32)
#  ifndef WIN32_LEAN_AND_MEAN
#    define WIN32_LEAN_AND_MEAN
#  endif
#  ifndef NOMINMAX
#    define NOMINMAX
#  endif
#  include <windows.h>
#else
#  include <signal.h>
#  include <sys/wait.h>
#  include <unistd.h>
#endif

#include "catch.hpp"
#include "support/signatures.hpp"
#include "support/skip.hpp"

namespace {

// ---- the signature suite -------------------------------------------------------

/// Binds a callable of kind Kind for Case to static_closure<P, 2, Kind> and
/// checks every argument and the result over thunk_test::rounds calls.
template <class Case, class P, class Kind>
void suite_round_trip() {
  thunk_test::recorder<Case> rec;
  auto f = Kind::make(rec);
  thunk::static_closure<P, 2, Kind> c(thunk_test::as_bound<Kind>(f));
  REQUIRE(c);
  P p = c.get();
  for (unsigned seed = 0; seed < thunk_test::rounds; ++seed) {
    const auto sent = Case::make_arguments(seed);
    if constexpr (std::is_void<typename Case::result_type>::value) {
      thunk_test::c_side::apply_checked(p, sent);
    } else {
      const auto got = thunk_test::c_side::apply_checked(p, sent);
      CHECK(got == Case::expected(sent));
    }
    thunk_test::check_arrival(rec, seed, sent);
  }
}

template <class Kind>
void run_suite_with() {
  thunk_test::for_each_case(thunk_test::all_cases{}, [](auto tag) {
    using Case = typename decltype(tag)::type;
    INFO(Case::name << ", " << Kind::name);
    suite_round_trip<Case, typename Case::P, Kind>();
  });
}

// ---- child processes that must stop ---------------------------------------------

struct child_result {
  bool ran = false;      // false: this platform cannot run a child here
  bool aborted = false;  // SIGABRT (POSIX) or abort's exit code 3 (Windows)
  std::string err;       // what it wrote to stderr
};

const char* const death_env = "THUNK_STATIC_CLOSURE_DEATH";

/// Runs body in a child process (POSIX: fork; Windows: this program again,
/// running the hidden test case named `child_test` with death_env set to
/// `which`) and reports how it ended and what it printed on stderr.
child_result run_child(void (*body)(), const char* child_test, const char* which) {
  child_result r;
#if defined(_WIN32)
  (void)body;
  char exe[MAX_PATH];
  if (!GetModuleFileNameA(nullptr, exe, sizeof exe)) return r;
  char tmp_dir[MAX_PATH], tmp_file[MAX_PATH];
  if (!GetTempPathA(sizeof tmp_dir, tmp_dir) || !GetTempFileNameA(tmp_dir, "thk", 0, tmp_file)) return r;
  SECURITY_ATTRIBUTES sa{sizeof sa, nullptr, TRUE};
  HANDLE err =
      CreateFileA(tmp_file, GENERIC_WRITE, FILE_SHARE_READ, &sa, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (err == INVALID_HANDLE_VALUE) return r;
  SetEnvironmentVariableA(death_env, which);
  std::string cmd = std::string("\"") + exe + "\" \"" + child_test + "\"";
  STARTUPINFOA si{};
  si.cb = sizeof si;
  si.dwFlags = STARTF_USESTDHANDLES;
  si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
  si.hStdOutput = err;  // the child's own test report goes there too, out of the way
  si.hStdError = err;
  PROCESS_INFORMATION pi{};
  std::vector<char> line(cmd.begin(), cmd.end());
  line.push_back('\0');
  const BOOL ok = CreateProcessA(nullptr, line.data(), nullptr, nullptr, TRUE, 0, nullptr, nullptr, &si, &pi);
  SetEnvironmentVariableA(death_env, nullptr);
  CloseHandle(err);
  if (!ok) return r;
  WaitForSingleObject(pi.hProcess, INFINITE);
  DWORD code = 0;
  GetExitCodeProcess(pi.hProcess, &code);
  CloseHandle(pi.hProcess);
  CloseHandle(pi.hThread);
  r.ran = true;
  r.aborted = code == 3;
  if (FILE* in = std::fopen(tmp_file, "rb")) {
    char buf[1024];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, in)) > 0) r.err.append(buf, n);
    std::fclose(in);
  }
  DeleteFileA(tmp_file);
#else
  (void)child_test, (void)which;
  int fds[2];
  if (pipe(fds) != 0) return r;
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return r;
  if (pid == 0) {
    // The child stops by SIGABRT: not through the test framework's handler,
    // and without a second test report on stdout.
    signal(SIGABRT, SIG_DFL);
    if (FILE* null = std::freopen("/dev/null", "w", stdout)) (void)null;
    dup2(fds[1], 2);
    close(fds[0]);
    close(fds[1]);
    body();
    _exit(0);  // body should not return
  }
  close(fds[1]);
  char buf[1024];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) r.err.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  r.ran = true;
  r.aborted = WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
#endif
  return r;
}

using stale_fn = int (*)(int);
struct death_pool {};

/// Destroys a static_closure and calls its stale pointer.
void call_after_destroy() {
  thunk::static_closure<stale_fn, 4, death_pool> first([](int x) { return x; });
  stale_fn stale = nullptr;
  {
    thunk::static_closure<stale_fn, 4, death_pool> second([](int x) { return x + 1; });
    stale = second.get();
  }
  stale_fn volatile opaque = stale;
  (void)opaque(41);
}

#if THUNK_HAS_EXCEPTIONS
/// An exception escapes a callback under the default policy.
void escape_exception() {
  thunk::static_closure<stale_fn, 4, death_pool> c([](int) -> int { throw std::runtime_error("boom"); });
  stale_fn volatile opaque = c.get();
  (void)opaque(1);
}
#endif

bool is_death_child(const char* which) {
  const char* v = std::getenv(death_env);
  return v && std::strcmp(v, which) == 0;
}

}  // namespace

// ---- every signature, every callable, every convention ------------------------------

TEMPLATE_TEST_CASE("static_closure: every argument of every signature arrives and the result comes back",
                   "[static_closure]", thunk_test::mutable_lambda, thunk_test::const_lambda, thunk_test::std_function,
                   thunk_test::function_object) {
  run_suite_with<TestType>();
}

TEST_CASE("static_closure: each calling convention of the target gives an entry in that convention", "[static_closure][abi]") {
  thunk_test::for_each_case(thunk_test::target_conventions{}, [](auto cc_tag) {
    using CC = typename decltype(cc_tag)::type;
    thunk_test::for_each_case(thunk_test::core_cases{}, [](auto tag) {
      using Case = typename decltype(tag)::type;
      using P = typename Case::template pointer<CC>;
      STATIC_REQUIRE(std::is_same<thunk::convention_t<P>, typename CC::tag>::value);
      INFO(Case::name << ", " << CC::name);
      suite_round_trip<Case, P, thunk_test::mutable_lambda>();
    });
  });
}

TEST_CASE("static_closure: the convention macros expand to nothing where a convention does not exist",
          "[static_closure][abi]") {
#if !defined(THUNK_ARCH_X86_32)
  STATIC_REQUIRE(std::is_same<int(THUNK_STDCALL*)(int), int (*)(int)>::value);
  STATIC_REQUIRE(std::is_same<int(THUNK_FASTCALL*)(int), int (*)(int)>::value);
  STATIC_REQUIRE(std::is_same<int(THUNK_CDECL*)(int), int (*)(int)>::value);
#endif
#if !defined(THUNK_ARCH_X86_64)
  STATIC_REQUIRE(std::is_same<int(THUNK_MS_ABI*)(int), int (*)(int)>::value);
  STATIC_REQUIRE(std::is_same<int(THUNK_SYSV_ABI*)(int), int (*)(int)>::value);
#endif
  thunk::static_closure<int(THUNK_STDCALL*)(int, int), 2> c([](int a, int b) { return a * 10 + b; });
  CHECK(thunk_test::c_side::invoke(c.get(), 4, 2) == 42);
}

TEST_CASE("static_closure: P may be a function type or a noexcept pointer, sharing one pool", "[static_closure]") {
  struct shared_pool {};
  thunk::static_closure<int(int), 2, shared_pool> a([](int x) { return x + 1; });
  thunk::static_closure<int (*)(int), 2, shared_pool> b([](int x) { return x + 2; });
  STATIC_REQUIRE(std::is_same<decltype(a.get()), int (*)(int)>::value);
  CHECK(a.get()(1) == 2);
  CHECK(b.get()(1) == 3);
  CHECK(a.get() != b.get());
  CHECK(thunk::static_closure<int(int), 2, shared_pool>::in_use() == 2);

  thunk::static_closure<int (*)(int) noexcept, 2> n([](int x) noexcept { return -x; });
  STATIC_REQUIRE(std::is_same<decltype(n.get()), int (*)(int) noexcept>::value);
  CHECK(n.get()(5) == -5);
}

// ---- the pool ---------------------------------------------------------------------

TEST_CASE("static_closure: the N slots are N distinct functions, each calling its own callable", "[static_closure]") {
  struct distinct {};
  using sc = thunk::static_closure<long (*)(long), 16, distinct>;
  STATIC_REQUIRE(sc::capacity == 16);
  std::vector<sc> all;
  std::set<long (*)(long)> pointers;
  std::set<std::size_t> slots;
  for (long i = 0; i < 16; ++i) {
    all.emplace_back([i](long x) { return i * 1000 + x; });
    pointers.insert(all.back().get());
    slots.insert(all.back().slot());
  }
  CHECK(pointers.size() == 16);
  CHECK(slots.size() == 16);
  CHECK(sc::in_use() == 16);
  for (long i = 0; i < 16; ++i)
    CHECK(thunk_test::c_side::invoke(all[static_cast<std::size_t>(i)].get(), 7L) == i * 1000 + 7);
  all.clear();
  CHECK(sc::in_use() == 0);
}

TEST_CASE("static_closure: a full pool is an error naming the pool and its size", "[static_closure]") {
  struct tiny {};
  using sc = thunk::static_closure<int (*)(int), 3, tiny>;
  sc a([](int x) { return x; }), b([](int x) { return x; }), c([](int x) { return x; });

  SECTION("the throwing constructor throws thunk::error with errc::pool_exhausted") {
#if THUNK_HAS_EXCEPTIONS
    try {
      sc d([](int x) { return x; });
      FAIL("no exception");
    } catch (const thunk::error& e) {
      CHECK(e.code() == thunk::errc::pool_exhausted);
      const std::string what = e.what();
      INFO(what);
      CHECK(what.find("static_closure<int (*)(int), 3") != std::string::npos);
      CHECK(what.find("all 3 slots") != std::string::npos);
    }
#endif
  }
  SECTION("the non-throwing factories return an empty static_closure and set the code") {
    std::error_code ec;
    sc d = sc::make([](int x) { return x; }, ec);
    CHECK(ec == thunk::errc::pool_exhausted);
    CHECK(!d);
    CHECK(d.get() == nullptr);
    auto e = thunk::make_static_closure<int (*)(int), 3, tiny>([](int x) { return x; }, ec);
    CHECK(ec == thunk::errc::pool_exhausted);
    CHECK(!e);
  }
  SECTION("a released slot can be claimed again") {
    b.reset();
    std::error_code ec;
    auto d = thunk::make_static_closure<int (*)(int), 3, tiny>([](int x) { return x * 3; }, ec);
    CHECK(!ec);
    REQUIRE(d);
    CHECK(d.get()(5) == 15);
  }
  SECTION("another Tag, or another N, is another pool") {
    struct other {};
    thunk::static_closure<int (*)(int), 3, other> d([](int x) { return x; });
    thunk::static_closure<int (*)(int), 4, tiny> e([](int x) { return x; });
    CHECK(d);
    CHECK(e);
  }
}

namespace {
/// Fills a pool of N, checks every slot is handed out once, that one more
/// claim fails, and that a slot released in the middle is the one claimed next.
template <std::size_t N>
void fill_exactly() {
  struct fill {};
  using sc = thunk::static_closure<std::size_t (*)(std::size_t), N, fill>;
  std::vector<sc> all;
  std::set<std::size_t> slots;
  for (std::size_t i = 0; i < N; ++i) {
    std::error_code ec;
    all.push_back(sc::make([i](std::size_t x) { return i + x; }, ec));
    REQUIRE(!ec);
    slots.insert(all.back().slot());
  }
  CHECK(slots.size() == N);
  CHECK(*slots.rbegin() == N - 1);
  std::error_code ec;
  CHECK(!sc::make([](std::size_t x) { return x; }, ec));
  CHECK(ec == thunk::errc::pool_exhausted);
  const std::size_t middle = all[N / 2].slot();
  all[N / 2].reset();
  sc again = sc::make([](std::size_t x) { return x * 2; }, ec);
  REQUIRE(again);
  CHECK(again.slot() == middle);
  CHECK(again.get()(21) == 42);
  for (std::size_t i = 0; i < N; ++i)
    if (i != N / 2) CHECK(all[i].get()(1000) == i + 1000);
}
}  // namespace

TEST_CASE("static_closure: pools of one, of a whole bitmap word and of several words hand out every slot once",
          "[static_closure]") {
  constexpr std::size_t word = sizeof(std::uintptr_t) * 8;
  fill_exactly<1>();
  fill_exactly<word>();
  fill_exactly<word + 1>();
  fill_exactly<3 * word - 5>();
}

TEST_CASE("static_closure: claims go round the pool, so a released slot is reused last", "[static_closure]") {
  struct round {};
  using sc = thunk::static_closure<int (*)(int), 8, round>;
  std::set<std::size_t> seen;
  for (int i = 0; i < 8; ++i) {
    sc c([](int x) { return x; });
    seen.insert(c.slot());
  }
  CHECK(seen.size() == 8);  // eight claims, each after a release: eight different slots
}

// ---- ownership ----------------------------------------------------------------------

TEST_CASE("static_closure: owns its callable; a move keeps the pointer valid", "[static_closure]") {
  struct own {};
  using sc = thunk::static_closure<int (*)(int), 4, own>;
  auto counter = std::make_shared<int>(0);
  std::weak_ptr<int> watch = counter;
  sc a([counter](int x) { return *counter += x; });
  counter.reset();
  CHECK(!watch.expired());  // the static_closure holds its copy
  int (*p)(int) = a.get();
  CHECK(p(2) == 2);

  sc b(std::move(a));
  CHECK(!a);
  CHECK(a.get() == nullptr);
  CHECK(b.get() == p);
  CHECK(p(3) == 5);

  sc c;
  c = std::move(b);
  CHECK(c.get() == p);
  CHECK(p(4) == 9);
  CHECK(!watch.expired());
  c.reset();
  CHECK(!c);
  CHECK(watch.expired());  // reset destroyed the callable
  CHECK(sc::in_use() == 0);
}

TEST_CASE("static_closure: move-only and large callables", "[static_closure]") {
  struct big_pool {};
  SECTION("a move-only callable is moved in") {
    auto box = std::make_unique<int>(40);
    thunk::static_closure<int (*)(int), 2, big_pool> c([box = std::move(box)](int x) { return *box + x; });
    CHECK(c.get()(2) == 42);
  }
  SECTION("a callable larger than a slot's storage lives in one heap block") {
    struct large {
      std::int64_t values[32];
      std::int64_t operator()(int i) const { return values[i]; }
    };
    large l{};
    for (int i = 0; i < 32; ++i) l.values[i] = i * i;
    thunk::static_closure<std::int64_t (*)(int), 2, big_pool> c(l);
    CHECK(c.get()(31) == 961);
  }
  SECTION("an over-aligned callable too") {
    struct alignas(64) aligned {
      int v;
      int operator()(int x) const { return v + x; }
    };
    thunk::static_closure<int (*)(int), 2, big_pool> c(aligned{5});
    CHECK(c.get()(1) == 6);
  }
}

// ---- exception policies ---------------------------------------------------------------

#if THUNK_HAS_EXCEPTIONS
TEST_CASE("static_closure: a captured exception returns the fallback and is rethrown in C++",
          "[static_closure][exceptions]") {
  struct policies {};
  SECTION("thunk::capture returns a value-initialised result") {
    thunk::static_closure<int (*)(int), 4, policies> c(
        [](int x) -> int {
          if (x < 0) throw std::runtime_error("negative");
          return x;
        },
        thunk::capture);
    CHECK(c.get()(3) == 3);
    CHECK_NOTHROW(c.rethrow_if_captured());
    CHECK(c.get()(-1) == 0);
    CHECK_THROWS_WITH(c.rethrow_if_captured(), "negative");
    CHECK_NOTHROW(c.rethrow_if_captured());  // rethrown once, then cleared
  }
  SECTION("thunk::capture_or(v) returns v") {
    thunk::static_closure<int (*)(int), 4, policies> c([](int) -> int { throw 7; }, thunk::capture_or(-1));
    CHECK(c.get()(0) == -1);
    CHECK_THROWS_AS(c.rethrow_if_captured(), int);
  }
  SECTION("the first exception is kept; a void callback works too") {
    int n = 0;
    thunk::static_closure<void (*)(), 4, policies> c([&n] { throw ++n; }, thunk::capture);
    c.get()();
    c.get()();
    CHECK(n == 2);
    try {
      c.rethrow_if_captured();
      FAIL("no exception");
    } catch (int first) {
      CHECK(first == 1);
    }
  }
  SECTION("the exception stays with its static_closure through a move") {
    thunk::static_closure<int (*)(int), 4, policies> a([](int) -> int { throw 5; }, thunk::capture);
    a.get()(0);
    auto b = std::move(a);
    CHECK_THROWS_AS(b.rethrow_if_captured(), int);
  }
}
#endif

// ---- threads ---------------------------------------------------------------------------

TEST_CASE("static_closure: 8 threads claim, call and release for a second, each call seeing its own callable",
          "[static_closure][threads]") {
  struct threads_pool {};
  using fn = std::uint64_t (*)(std::uint64_t);
  using sc = thunk::static_closure<fn, 128, threads_pool>;
  constexpr int thread_count = 8;
  std::atomic<bool> go{false}, stop{false};
  std::atomic<std::uint64_t> calls{0}, wrong{0}, exhausted{0}, created{0};
  std::vector<test_thread> threads;
  for (int t = 0; t < thread_count; ++t) {
    threads.emplace_back([&, t] {
      while (!go.load()) test_yield();
      std::vector<sc> held;
      std::uint64_t serial = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        // Hold one to four at a time: at most 32 live of 128.
        const std::size_t want = 1 + serial % 4;
        while (held.size() < want) {
          const std::uint64_t key = (static_cast<std::uint64_t>(t) << 48) | ++serial;
          std::error_code ec;
          sc c = sc::make([key](std::uint64_t x) { return key ^ x; }, ec);
          if (ec) {
            ++exhausted;
            break;
          }
          ++created;
          const std::uint64_t x = serial * 0x9E3779B97F4A7C15ull;
          if (thunk_test::c_side::invoke(c.get(), x) != (key ^ x)) ++wrong;
          ++calls;
          held.push_back(std::move(c));
        }
        for (std::size_t i = 0; i < held.size(); ++i) {
          // Call every held one again: another thread's claims must not disturb it.
          const std::uint64_t y = serial + i;
          const std::uint64_t got = thunk_test::c_side::invoke(held[i].get(), y);
          const std::uint64_t key = got ^ y;
          if ((key >> 48) != static_cast<std::uint64_t>(t)) ++wrong;
          ++calls;
        }
        held.erase(held.begin(), held.begin() + static_cast<std::ptrdiff_t>(held.size() / 2 + 1));
      }
    });
  }
  go = true;
  test_sleep_ms(1000);
  stop = true;
  for (auto& th : threads) th.join();
  INFO("created " << created.load() << ", calls " << calls.load());
  CHECK(wrong.load() == 0);
  CHECK(exhausted.load() == 0);
  CHECK(created.load() > static_cast<std::uint64_t>(thread_count));
  CHECK(sc::in_use() == 0);
}

TEST_CASE("static_closure: a pool exactly as large as the most live at once is never reported full",
          "[static_closure][threads]") {
  // 4 threads each hold 16 of 64, each releasing one and at once claiming
  // one: a slot is always free for the thread that asks, though another thread
  // may be freeing one behind its scan and taking one ahead of it.
  struct exact_pool {};
  using fn = int (*)(int);
  using sc = thunk::static_closure<fn, 64, exact_pool>;
  constexpr int thread_count = 4;
  constexpr std::size_t per_thread = 16;
  std::atomic<bool> go{false}, stop{false};
  std::atomic<std::uint64_t> exhausted{0}, created{0}, wrong{0};
  std::vector<test_thread> threads;
  for (int t = 0; t < thread_count; ++t) {
    threads.emplace_back([&, t] {
      while (!go.load()) test_yield();
      std::vector<sc> held(per_thread);
      std::uint64_t mine = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        for (std::size_t i = 0; i < per_thread; ++i) {
          held[i].reset();  // at most 15 held by this thread: one is free for it
          std::error_code ec;
          held[i] = sc::make([t](int x) { return x + t; }, ec);
          if (ec) ++exhausted;
          else if (held[i].get()(100) != 100 + t) ++wrong;
          ++mine;
        }
      }
      created += mine;
    });
  }
  go = true;
  test_sleep_ms(700);
  stop = true;
  for (auto& th : threads) th.join();
  INFO("created " << created.load());
  CHECK(exhausted.load() == 0);
  CHECK(wrong.load() == 0);
  CHECK(created.load() > 1000);
  CHECK(sc::in_use() == 0);
}

// ---- after destruction ----------------------------------------------------------------------

TEST_CASE("static_closure: a call after destruction names the type and the slot, then aborts",
          "[static_closure][lifetime][.may-skip:stale-call]") {
  const child_result r = run_child(&call_after_destroy, "static_closure death child", "stale");
  if (!r.ran) THUNK_TEST_SKIP("no child process on this platform: not checked");
  INFO("child's stderr: " << r.err);
  CHECK(r.aborted);
  CHECK(r.err.find("thunk: fatal: a destroyed thunk::static_closure<int (*)(int), 4") != std::string::npos);
  CHECK(r.err.find("death_pool") != std::string::npos);
  CHECK(r.err.find("slot 1 of 4") != std::string::npos);
}

#if THUNK_HAS_EXCEPTIONS
TEST_CASE("static_closure: an exception escaping under the default policy names the callback type and terminates",
          "[static_closure][exceptions][.may-skip:escape]") {
  const child_result r = run_child(&escape_exception, "static_closure death child", "escape");
  if (!r.ran) THUNK_TEST_SKIP("no child process on this platform: not checked");
  INFO("child's stderr: " << r.err);
  CHECK(r.aborted);
  CHECK(r.err.find("an exception escaped a callback of type int (*)(int)") != std::string::npos);
}
#endif

// Run by the tests above in a child process on Windows (no fork there).
TEST_CASE("static_closure death child", "[.static_closure-death-child]") {
  if (is_death_child("stale")) call_after_destroy();
#if THUNK_HAS_EXCEPTIONS
  if (is_death_child("escape")) escape_exception();
#endif
}
