// thunk/context.hpp: with_context, the tier for C APIs with a user-data slot:
// ownership, the explicit index, the forms P may take, real C APIs.
//
// The signature suite runs in context_suite_test.cpp, context_slot_test.cpp and
// context_convention_test.cpp (three programs, so that they compile in parallel).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thunk/context.hpp>
#include <thunk/context_slot.hpp>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(__GLIBC__)
#  include <stdlib.h>  // qsort_r
#endif
#if __has_include(<pthread.h>)
#  include <pthread.h>
#  define THUNK_TEST_HAS_PTHREAD 1
#endif

#include "catch.hpp"
#include "support/signatures.hpp"

using namespace thunk_test;

TEST_CASE("with_context: an rvalue callable is moved into the result, a move-only one too", "[context]") {
  using P = int (*)(int, void*);
  auto owner = std::make_unique<int>(40);
  int* seen = owner.get();
  auto [fn, ctx] = thunk::with_context<P>([p = std::move(owner)](int x) { return *p + x; });
  CHECK(owner == nullptr);
  CHECK(c_side::invoke(fn, 2, ctx) == 42);
  *seen = 100;  // the held lambda owns the same int
  CHECK(c_side::invoke(fn, 5, ctx) == 105);
}

TEST_CASE("with_context: an lvalue callable is referenced, never copied", "[context]") {
  struct counting {
    int* copies;
    int value;
    counting(int* c, int v) : copies(c), value(v) {}
    counting(const counting& o) : copies(o.copies), value(o.value) { ++*copies; }
    int operator()(int x) const { return value + x; }
  };
  int copies = 0;
  counting f(&copies, 7);
  auto cb = thunk::with_context<int (*)(void*, int)>(f);
  CHECK(c_side::invoke(cb.function, cb.context, 1) == 8);
  f.value = 70;  // the callback sees the change: it calls f itself
  CHECK(c_side::invoke(cb.function, cb.context, 1) == 71);
  CHECK(copies == 0);
}

TEST_CASE("with_context: the context is the callable's own", "[context]") {
  SECTION("two callables of the same type bound at once each see their own state") {
    using V = context_case<cases::widths_interleaved, slot::last, void*>;
    using Case = V::user;
    recorder<Case> rec_a, rec_b;
    auto a = mutable_lambda::make(rec_a);
    auto b = mutable_lambda::make(rec_b);
    static_assert(std::is_same<decltype(a), decltype(b)>::value, "one callable type");
    auto cb_a = thunk::with_context<V::P>(a);
    auto cb_b = thunk::with_context<V::P>(b);
    CHECK(cb_a.function == cb_b.function);  // one static entry per type ...
    CHECK(cb_a.context != cb_b.context);    // ... and the context tells them apart
    for (unsigned seed = 0; seed < rounds; ++seed) {
      const auto for_a = Case::make_arguments(seed);
      const auto for_b = Case::make_arguments(seed + 50);
      check_result(V::call(cb_b.function, for_b, cb_b.context), Case::expected(for_b));
      check_result(V::call(cb_a.function, for_a, cb_a.context), Case::expected(for_a));
      check_arrival(rec_a, seed, for_a);
      check_arrival(rec_b, seed, for_b);
    }
  }
  SECTION("two owning results of the same callable type hold separate callables") {
    // LONG_PTR's shape (intptr_t is int on ILP32, never a context); short: never one either.
    using P = int (*)(std::conditional_t<sizeof(long) == sizeof(void*), long, long long>, short);
    auto make = [](int start) { return [n = start](short step) mutable { return n += step; }; };
    auto [fn_a, ctx_a] = thunk::with_context<P>(make(0));
    auto [fn_b, ctx_b] = thunk::with_context<P>(make(1000));
    CHECK(fn_a == fn_b);
    CHECK(ctx_a != ctx_b);
    CHECK(c_side::invoke(fn_a, ctx_a, short{1}) == 1);
    CHECK(c_side::invoke(fn_b, ctx_b, short{5}) == 1005);
    CHECK(c_side::invoke(fn_a, ctx_a, short{2}) == 3);
    CHECK(c_side::invoke(fn_b, ctx_b, short{5}) == 1010);
  }
  SECTION("callables of different types get different entries") {
    using P = int (*)(int, void*);
    auto plus = [](int x) { return x + 1; };
    auto minus = [](int x) { return x - 1; };
    auto p = thunk::with_context<P>(plus);
    auto m = thunk::with_context<P>(minus);
    CHECK(p.function != m.function);
    CHECK(c_side::invoke(p.function, 10, p.context) == 11);
    CHECK(c_side::invoke(m.function, 10, m.context) == 9);
  }
}

TEST_CASE("with_context<P, I>: the explicit index names the context parameter", "[context]") {
  SECTION("two void* parameters: either one") {
    using P = std::intptr_t (*)(void*, void*);
    int object = 0;
    void* const other = &object;
    auto f = [&](void* p) { return reinterpret_cast<std::intptr_t>(p) + 1; };
    auto first = thunk::with_context<P, 0>(f);
    auto second = thunk::with_context<P, 1>(f);
    STATIC_REQUIRE(std::is_same<decltype(first.context), void*>::value);
    CHECK(c_side::invoke(first.function, first.context, other) == reinterpret_cast<std::intptr_t>(other) + 1);
    CHECK(c_side::invoke(second.function, other, second.context) == reinterpret_cast<std::intptr_t>(other) + 1);
  }
  SECTION("two pointer-sized integers: the second") {
    using P = std::intptr_t (*)(std::intptr_t, std::intptr_t);
    auto f = [](std::intptr_t value) { return value * 3; };
    auto cb = thunk::with_context<P, 1>(f);
    STATIC_REQUIRE(thunk::context_index_v<P, 1> == 1);
    for (std::intptr_t v = -3; v < 3; ++v) CHECK(c_side::invoke(cb.function, v, cb.context) == v * 3);
  }
  SECTION("an integer slot beside a void* that is data, not context") {
    using P = const void* (*)(const void* data, void* buffer, std::uintptr_t user);
    STATIC_REQUIRE(thunk::context_index_v<P> == 1);  // the rule would take the void*
    char buffer[4] = {};
    auto f = [](const void* data, void* out) -> const void* { return static_cast<const char*>(data) + (out != nullptr); };
    auto cb = thunk::with_context<P, 2>(f);
    STATIC_REQUIRE(std::is_same<decltype(cb.context), std::uintptr_t>::value);
    const char text[] = "abc";
    CHECK(c_side::invoke(cb.function, static_cast<const void*>(text), static_cast<void*>(buffer), cb.context) ==
          text + 1);
  }
  SECTION("the explicit index that the rule would find works the same") {
    using P = int (*)(const void*, const void*, void*);
    auto f = [](const void* a, const void* b) { return *static_cast<const int*>(a) - *static_cast<const int*>(b); };
    auto cb = thunk::with_context<P, 2>(f);
    auto automatic = thunk::with_context<P>(f);
    CHECK(cb.function == automatic.function);
    const int x = 5, y = 9;
    CHECK(c_side::invoke(cb.function, static_cast<const void*>(&x), static_cast<const void*>(&y), cb.context) == -4);
  }
  SECTION("the explicit form owns an rvalue too") {
    using P = int (*)(void*, void*);
    auto [fn, ctx] = thunk::with_context<P, 0>([n = 0](void*) mutable { return ++n; });
    CHECK(c_side::invoke(fn, ctx, static_cast<void*>(nullptr)) == 1);
    CHECK(c_side::invoke(fn, ctx, static_cast<void*>(nullptr)) == 2);
  }
}

TEST_CASE("with_context: P may be a function type, a noexcept pointer or a free function", "[context]") {
  SECTION("a function type gives the pointer") {
    auto f = [](int x) { return x * 2; };
    auto cb = thunk::with_context<int(int, void*)>(f);
    STATIC_REQUIRE(std::is_same<decltype(cb.function), int (*)(int, void*)>::value);
    CHECK(c_side::invoke(cb.function, 21, cb.context) == 42);
  }
  SECTION("a noexcept callback type stays noexcept") {
    using P = int (*)(int, void*) noexcept;
    auto f = [](int x) noexcept { return x + 1; };
    auto cb = thunk::with_context<P>(f);
    STATIC_REQUIRE(std::is_same<decltype(cb.function), P>::value);
    CHECK(c_side::invoke(cb.function, 41, cb.context) == 42);
  }
  SECTION("a free function is held by the result") {
    struct fns {
      static double halve(int x) { return x / 2.0; }
    };
    auto [fn, ctx] = thunk::with_context<double (*)(void*, int)>(fns::halve);
    CHECK(c_side::invoke(fn, ctx, 5) == 2.5);
  }
  SECTION("the callable's parameters may differ from P's when P's arguments convert") {
    using P = long long (*)(short, void*, float);
    auto f = [](long long a, double b) { return a * 10 + static_cast<long long>(b); };
    auto cb = thunk::with_context<P>(f);
    CHECK(c_side::invoke(cb.function, static_cast<short>(-7), cb.context, 2.0f) == -68);
  }
}

// ---- real C APIs -------------------------------------------------------------

#if defined(__GLIBC__)
TEST_CASE("with_context: glibc's qsort_r sorts through a capturing comparator", "[context]") {
  std::vector<int> values;
  for (int i = 0; i < 200; ++i) values.push_back((i * 7919) % 211 - 100);
  int comparisons = 0;
  const bool descending = true;
  auto cmp = [&](const void* a, const void* b) {
    ++comparisons;
    const int x = *static_cast<const int*>(a), y = *static_cast<const int*>(b);
    return descending ? (y > x) - (y < x) : (x > y) - (x < y);
  };
  auto cb = thunk::with_context<int (*)(const void*, const void*, void*)>(cmp);
  qsort_r(values.data(), values.size(), sizeof(int), cb.function, cb.context);
  CHECK(comparisons > 0);
  for (std::size_t i = 1; i < values.size(); ++i) CHECK(values[i - 1] >= values[i]);
}
#endif

#if defined(THUNK_TEST_HAS_PTHREAD)
TEST_CASE("with_context: pthread_create runs the callable on another thread", "[context]") {
  std::vector<int> results(4, 0);
  std::vector<pthread_t> threads(4);
  struct job {
    int index;
    std::vector<int>* out;
    void* operator()() {
      (*out)[static_cast<std::size_t>(index)] = index * index + 1;
      return &(*out)[static_cast<std::size_t>(index)];
    }
  };
  std::vector<job> jobs;
  for (int i = 0; i < 4; ++i) jobs.push_back(job{i, &results});
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    auto cb = thunk::with_context<void* (*)(void*)>(jobs[i]);  // jobs[i] outlives the thread
    REQUIRE(pthread_create(&threads[i], nullptr, cb.function, cb.context) == 0);
  }
  for (std::size_t i = 0; i < threads.size(); ++i) {
    void* ret = nullptr;
    REQUIRE(pthread_join(threads[i], &ret) == 0);
    CHECK(ret == &results[i]);
    CHECK(results[i] == static_cast<int>(i * i + 1));
  }
}
#endif
