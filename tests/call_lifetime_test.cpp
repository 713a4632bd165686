// thunk::call's contracts (issue 12): where the context points when the API
// calls back later or on another thread, what a late call through a
// temporary does, the value returned after a throw, and const/volatile
// pointer contexts.
//
// The misuse cases run in a forked child and check what it printed and how it
// ended. Under AddressSanitizer this program asks for fake stacks
// (detect_stack_use_after_return=1, the CI row's option too), so a read of
// thunk::call's dead frame would be reported as stack-use-after-return
// instead of passing by luck.
#include <pthread.h>  // MinGW-w64's winpthreads on Windows
#include <signal.h>
#if defined(__unix__)
#  include <sys/wait.h>
#  include <unistd.h>
#  define THUNK_TEST_HAS_FORK 1
#endif

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <thunk/call.hpp>

#include "catch.hpp"

#if defined(__SANITIZE_ADDRESS__)
#  define THUNK_TEST_ASAN 1
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer)
#    define THUNK_TEST_ASAN 1
#  endif
#endif
#ifdef THUNK_TEST_ASAN
extern "C" const char* __asan_default_options() { return "detect_stack_use_after_return=1"; }
#endif

namespace {

// ---- a C-like API that keeps its callback to call it later -----------------
using later_fn = int (*)(void*, int);
later_fn g_later_fn = nullptr;
void* g_later_ctx = nullptr;
extern "C" void register_later(later_fn fn, void* ctx) {
  g_later_fn = fn;
  g_later_ctx = ctx;
}
extern "C" int fire_later(int x) { return g_later_fn(g_later_ctx, x); }

#if THUNK_TEST_HAS_FORK
/// Runs body in a forked child; returns what it wrote to stderr and how it ended.
struct child_result {
  std::string err;
  int status = 0;
};
template <class Body>
child_result in_child(Body body) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  std::fflush(nullptr);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    dup2(fds[1], 2);
    dup2(fds[1], 1);  // the test framework's own report of the abort goes nowhere
    close(fds[0]);
    signal(SIGABRT, SIG_DFL);  // die by the signal, not through the framework's handler
    body();
    _exit(0);
  }
  close(fds[1]);
  child_result r;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) r.err.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  waitpid(pid, &r.status, 0);
  return r;
}
#endif

}  // namespace

TEST_CASE("thunk::call: pthread_create with an lvalue body: six threads from one loop each run their own body once") {
  constexpr int n = 6;
  std::array<std::atomic<int>, n> runs{};
  std::array<std::atomic<int>, n> seen{};
  struct body {
    int index;
    std::array<std::atomic<int>, n>* runs;
    std::array<std::atomic<int>, n>* seen;
    void* operator()() const {
      (*runs)[static_cast<std::size_t>(index)].fetch_add(1);
      (*seen)[static_cast<std::size_t>(index)].store(index + 100);
      return reinterpret_cast<void*>(static_cast<std::intptr_t>(index + 1));
    }
  };
  std::array<body, n> bodies{};
  std::array<pthread_t, n> tids{};
  for (int i = 0; i < n; ++i) {
    bodies[static_cast<std::size_t>(i)] = body{i, &runs, &seen};
    // The callable is an lvalue that outlives the threads: the context is its
    // address, not thunk::call's frame, which is gone by the time a thread starts.
    REQUIRE(thunk::call(pthread_create, bodies[static_cast<std::size_t>(i)], &tids[static_cast<std::size_t>(i)],
                        nullptr) == 0);
  }
  for (int i = 0; i < n; ++i) {
    void* result = nullptr;
    REQUIRE(pthread_join(tids[static_cast<std::size_t>(i)], &result) == 0);
    CHECK(reinterpret_cast<std::intptr_t>(result) == i + 1);
  }
  for (int i = 0; i < n; ++i) {
    INFO("thread " << i);
    CHECK(runs[static_cast<std::size_t>(i)].load() == 1);
    CHECK(seen[static_cast<std::size_t>(i)].load() == i + 100);
  }
}

TEST_CASE("thunk::call: an lvalue callable may be called after thunk::call returned") {
  int total = 0;
  auto add = [&](int x) {
    total += x;
    return total;
  };
  thunk::call(register_later, add);
  CHECK(fire_later(5) == 5);
  CHECK(fire_later(7) == 12);
  CHECK(total == 12);
}

#if THUNK_TEST_HAS_FORK
TEST_CASE("thunk::call: a temporary callable called after thunk::call returned stops the process with a message") {
  const child_result r = in_child([] {
    int total = 0;
    thunk::call(register_later, [&](int x) { return total += x; });  // a temporary: lives in call's frame
    fire_later(3);                                                   // the frame is gone
    std::fprintf(stderr, "late call returned\n");
  });
  INFO(r.err);
  CHECK(WIFSIGNALED(r.status));
  CHECK((WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGABRT));
  CHECK(r.err.find("thunk::call") != std::string::npos);
  CHECK(r.err.find("as an lvalue") != std::string::npos);
  CHECK(r.err.find("late call returned") == std::string::npos);
  CHECK(r.err.find("stack-use-after-return") == std::string::npos);
}

TEST_CASE("thunk::call: a temporary callable called from another thread during the call stops the process") {
  const child_result r = in_child([] {
    auto api = [](later_fn fn, void* ctx) {
      struct args_t {
        later_fn fn;
        void* ctx;
      } args{fn, ctx};
      pthread_t t;
      pthread_create(
          &t, nullptr,
          [](void* p) -> void* {
            auto* a = static_cast<args_t*>(p);
            a->fn(a->ctx, 1);
            return nullptr;
          },
          &args);
      pthread_join(t, nullptr);
    };
    thunk::call(+api, [](int x) { return x; });
    std::fprintf(stderr, "returned\n");
  });
  INFO(r.err);
  CHECK((WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGABRT));
  CHECK(r.err.find("thunk::call") != std::string::npos);
}

#endif

#if THUNK_HAS_EXCEPTIONS
#  if THUNK_TEST_HAS_FORK
TEST_CASE("thunk::call: a throw after thunk::call returned follows the terminate policy with a message") {
  const child_result r = in_child([] {
    auto thrower = [](int x) -> int { throw std::runtime_error("late " + std::to_string(x)); };
    thunk::call(register_later, thrower);
    fire_later(9);
  });
  INFO(r.err);
  CHECK(WIFSIGNALED(r.status));
  CHECK(r.err.find("made by thunk::call, on another thread or after thunk::call returned") != std::string::npos);
}
#  endif

TEST_CASE("thunk::call: exceptions on the calling thread during the call are still carried out") {
  int total = 0;
  auto f = [&](int x) -> int {
    if (x == 2) throw std::runtime_error("two");
    return total += x;
  };
  auto api = [](later_fn fn, void* ctx) { return fn(ctx, 1) + fn(ctx, 2) * 10; };
  CHECK_THROWS_WITH(thunk::call(+api, f), "two");
  CHECK(total == 1);
  CHECK_THROWS_WITH(thunk::call(+api,
                                [&](int x) -> int {
                                  if (x == 2) throw std::logic_error("temporary two");
                                  return x;
                                }),
                    "temporary two");
}

// ---- the value returned after a throw ---------------------------------------
namespace {
/// A C-like enumerator for which 0 means "continue" (sqlite3_exec, nftw,
/// dl_iterate_phdr): calls back for 0..4 until the callback returns non-zero,
/// and returns that value (0 when it went through).
int visited_by_c = 0;
extern "C" int enumerate_items(int (*cb)(int item, void* user), void* user) {
  visited_by_c = 0;
  for (int i = 0; i < 5; ++i) {
    ++visited_by_c;
    if (int r = cb(i, user)) return r;
  }
  return 0;
}
}  // namespace

TEST_CASE(
    "thunk::call(capture_or(v), ...): the value returned after a throw is the user's; 1 stops a 0-continues API") {
  int calls = 0;
  auto f = [&](int item) -> int {
    ++calls;
    if (item == 1) throw std::runtime_error("item 1");
    return 0;
  };
  CHECK_THROWS_WITH(thunk::call(thunk::capture_or(1), enumerate_items, f), "item 1");
  CHECK(calls == 2);  // 0, then 1 threw: never called again
  CHECK(visited_by_c == 2);

  // The default (thunk::capture): a value-initialised int, 0, which this API
  // reads as "continue": documented; the first exception still comes out.
  calls = 0;
  CHECK_THROWS_WITH(thunk::call(enumerate_items, f), "item 1");
  CHECK(calls == 5);
  CHECK(visited_by_c == 5);

  // No throw: the policy changes nothing.
  calls = 0;
  auto quiet = [&](int item) { return ++calls, item == 3 ? 7 : 0; };
  CHECK(thunk::call(thunk::capture_or(1), enumerate_items, quiet) == 7);
  CHECK(calls == 4);
}

TEST_CASE("thunk::call(capture_or(v), ...) with a bool-like result: FALSE stops an EnumWindows-like API") {
  int calls = 0;
  auto api = +[](int (*cb)(long, void*), void* ctx) {
    int n = 0;
    while (n < 10 && cb(n, ctx)) ++n;
    return n;
  };
  auto f = [&](long v) -> int {
    ++calls;
    if (v == 2) throw std::runtime_error("v2");
    return 1;
  };
  CHECK_THROWS_WITH(thunk::call(api, f), "v2");  // default: 0 = FALSE stops it
  CHECK(calls == 3);
  calls = 0;
  // capture_or(TRUE) would go on: the API's meaning is the user's to pick.
  CHECK_THROWS_WITH(thunk::call(thunk::capture_or(1), api, f), "v2");
  CHECK(calls == 10);
}
#endif

// ---- const and volatile pointer contexts ------------------------------------
namespace {
using icu_like_fn = int (*)(const void* context, int start, int limit);
extern "C" int enum_ranges(icu_like_fn fn, const void* context) {
  int sum = 0;
  for (int i = 0; i < 3; ++i) sum += fn(context, i, i + 1);
  return sum;
}
struct widget {
  int weight;
};
}  // namespace

TEST_CASE("const void* contexts (ICU) are found like void*: with_context and thunk::call") {
  STATIC_REQUIRE(thunk::context_index_v<icu_like_fn> == 0);
  STATIC_REQUIRE(thunk::context_index_v<void (*)(int, volatile void*)> == 1);
  STATIC_REQUIRE(thunk::context_index_v<void (*)(int, const volatile void*)> == 1);
  // A void* still wins over const void* data (qsort_r's comparator).
  STATIC_REQUIRE(thunk::context_index_v<int (*)(const void*, const void*, void*)> == 2);
  int factor = 3;
  auto f = [&](int start, int limit) { return (start + limit) * factor; };
  auto cb = thunk::with_context<icu_like_fn>(f);
  STATIC_REQUIRE(std::is_same<decltype(cb.context), const void*>::value);
  CHECK(cb.function(cb.context, 1, 2) == 9);
  CHECK(enum_ranges(cb.function, cb.context) == (1 + 3 + 5) * 3);
  CHECK(thunk::call(enum_ranges, f) == 27);
  CHECK(thunk::call(enum_ranges, [&](int start, int) { return start * factor; }) == 9);
}

TEST_CASE("typed const pointer contexts (const T*) work with the explicit index") {
  using P = int (*)(const widget* user, int x);
  const widget w{4};
  auto f = [&](int x) { return x * w.weight; };
  auto cb = thunk::with_context<P, 0>(f);
  STATIC_REQUIRE(std::is_same<decltype(cb.context), const widget*>::value);
  CHECK(cb.function(cb.context, 5) == 20);
  auto api = +[](P fn, const widget* user) { return fn(user, 2); };
  CHECK(thunk::call<0, 1, 0>(api, f) == 8);
}

// ---- one context rule on every target ---------------------------------------
namespace {
// LONG_PTR's shape: long where long is pointer-sized, long long on LLP64.
using long_ptr = std::conditional_t<sizeof(long) == sizeof(void*), long, long long>;
template <class P, class = void>
struct has_auto_context : std::false_type {};
}  // namespace

TEST_CASE("the context rule: the same answer for the same types on every target") {
  STATIC_REQUIRE(thunk::context_index_v<int (*)(void*, long_ptr)> == 0);
  STATIC_REQUIRE(thunk::context_index_v<int (*)(int, long_ptr)> == 1);
  STATIC_REQUIRE(thunk::context_index_v<int (*)(unsigned, std::make_unsigned_t<long_ptr>)> == 1);
  STATIC_REQUIRE(thunk::context_index_v<int (*)(const void*, long_ptr)> == 1);  // the long before const void*
  STATIC_REQUIRE(thunk::context_index_v<int (*)(const char*, void*, unsigned)> == 1);
  // int is never a slot: with an int beside a long-family integer, the long wins
  // on every target (on i386 both are pointer-sized).
  STATIC_REQUIRE(thunk::context_index_v<int (*)(int, unsigned, long_ptr)> == 2);
  // The explicit form still takes any pointer-sized integer, int on ILP32 included.
  STATIC_REQUIRE(thunk::context_index_v<int (*)(std::intptr_t), 0> == 0);
  SUCCEED();
}
