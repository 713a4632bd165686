// thunk/context.hpp: with_context, the tier for C APIs with a user-data slot.
//
// Every case of the signature suite (tests/support/signatures.hpp) is bound with
// the context slot first, in the middle and last, as void*, intptr_t and
// uintptr_t, for a mutable lambda, a const lambda, a std::function and a function
// object, in every calling convention the target has, and called from code that
// cannot see through the pointer.
#include <thunk/context.hpp>
#include <thunk/context_slot.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
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

namespace {
using namespace thunk_test;

/// with_context<P>(f) where the rule finds the slot — and it must find the one
/// the case put there — else the explicit form with_context<P, I>(f).
template <class V, class F>
auto bind(F&& f) {
  using P = typename V::P;
  if constexpr (V::found_automatically) {
    static_assert(thunk::context_index_v<P> == V::index, "the library finds the context where the case put it");
    return thunk::with_context<P>(std::forward<F>(f));
  } else {
    return thunk::with_context<P, V::index>(std::forward<F>(f));
  }
}

template <class V, class Fn, class Ctx>
void call_rounds(recorder<typename V::user>& rec, Fn fn, Ctx ctx) {
  using Case = typename V::user;
  using R = typename Case::result_type;
  static_assert(std::is_same<Fn, typename V::P>::value, "the function is exactly the C callback type P");
  static_assert(std::is_same<Ctx, typename V::context_type>::value, "the context has the type of P's slot");
  static_assert(std::is_same<thunk::convention_t<Fn>, typename V::convention::tag>::value,
                "the pointer has the convention P names");
  for (unsigned seed = 0; seed < rounds; ++seed) {
    const auto sent = Case::make_arguments(seed);
    if constexpr (std::is_void<R>::value) {
      V::call(fn, sent, ctx);
    } else {
      const R result = V::call(fn, sent, ctx);
      check_result(result, Case::expected(sent));
    }
    check_arrival(rec, seed, sent);
  }
}

/// A callable bound by reference: the context is its address.
template <class V, class Kind>
void run_referenced() {
  using Case = typename V::user;
  INFO(Kind::name << " bound to " << V::describe());
  recorder<Case> rec;
  auto f = Kind::make(rec);
  auto cb = bind<V>(as_bound<Kind>(f));
  CHECK(cb.function != nullptr);
  CHECK(context_address(cb.context) == static_cast<void*>(&f));
  call_rounds<V>(rec, cb.function, cb.context);
}

/// A callable passed as an rvalue: the result holds it.
template <class V, class Kind>
void run_owned() {
  using Case = typename V::user;
  INFO(Kind::name << " held by the result, " << V::describe());
  recorder<Case> rec;
  auto [fn, ctx] = bind<V>(Kind::make(rec));
  call_rounds<V>(rec, fn, ctx);
}

template <class Kind, class Cases, slot S, class Ctx, class CC = cc_default>
void run_all_referenced() {
  for_each_case(Cases{}, [](auto tag) { run_referenced<context_case<typename decltype(tag)::type, S, Ctx, CC>, Kind>(); });
}

/// The nine placements of the slot (first / middle / last x void* / intptr_t /
/// uintptr_t); rotated_case<Case, N> is placement N % 9. Rotating the placement
/// over the suite puts every placement under many signatures without building
/// every product (a smaller -O0 object: MinGW's COFF has a section limit).
template <std::size_t N>
inline constexpr slot rotated_slot = N % 3 == 0 ? slot::first : N % 3 == 1 ? slot::middle : slot::last;
template <std::size_t N>
using rotated_context_type =
    std::conditional_t<(N / 3) % 3 == 0, void*, std::conditional_t<(N / 3) % 3 == 1, std::intptr_t, std::uintptr_t>>;
template <class Case, std::size_t N, class CC = cc_default>
using rotated_case = context_case<Case, rotated_slot<N>, rotated_context_type<N>, CC>;

/// Calls f(type_tag<Case>, integral_constant<size_t, index of Case in the list>) for every case.
template <class... T, class F, std::size_t... I>
void for_each_indexed(types<T...>, F&& f, std::index_sequence<I...>) {
  (f(type_tag<T>{}, std::integral_constant<std::size_t, I>{}), ...);
}
template <class... T, class F>
void for_each_indexed(types<T...> list, F&& f) {
  for_each_indexed(list, std::forward<F>(f), std::index_sequence_for<T...>{});
}

}  // namespace

namespace {
template <class Kind>
inline constexpr std::size_t kind_offset = std::is_same<Kind, mutable_lambda>::value ? 0
                                           : std::is_same<Kind, const_lambda>::value ? 2
                                           : std::is_same<Kind, std_function>::value ? 4
                                                                                     : 6;
}  // namespace

TEMPLATE_TEST_CASE("with_context: every argument of every signature arrives and the result comes back",
                   "[context]", mutable_lambda, const_lambda, std_function, function_object) {
  SECTION("void* context last") { run_all_referenced<TestType, all_cases, slot::last, void*>(); }
  SECTION("the slot's place and type rotated over the suite") {
    for_each_indexed(all_cases{}, [](auto tag, auto index) {
      run_referenced<rotated_case<typename decltype(tag)::type, decltype(index)::value + kind_offset<TestType>>,
                     TestType>();
    });
  }
  SECTION("void* first and intptr_t in the middle") {
    run_all_referenced<TestType, core_cases, slot::first, void*>();
    run_all_referenced<TestType, core_cases, slot::middle, std::intptr_t>();
  }
}

TEST_CASE("with_context: the context slot may be first, in the middle or last, as void*, intptr_t or uintptr_t",
          "[context]") {
  SECTION("void* first, in the middle, last: every signature") {
    run_all_referenced<mutable_lambda, all_cases, slot::first, void*>();
    run_all_referenced<mutable_lambda, all_cases, slot::middle, void*>();
    run_all_referenced<mutable_lambda, all_cases, slot::last, void*>();
  }
  SECTION("a pointer-sized integer, its place rotated over every signature") {
    for_each_indexed(all_cases{}, [](auto tag, auto index) {
      run_referenced<rotated_case<typename decltype(tag)::type, 3 + decltype(index)::value % 6>, mutable_lambda>();
    });
  }
  SECTION("the six integer placements, for the core signatures") {
    for_each_case(core_cases{}, [](auto tag) {
      using Case = typename decltype(tag)::type;
      run_referenced<rotated_case<Case, 3>, function_object>();
      run_referenced<rotated_case<Case, 4>, function_object>();
      run_referenced<rotated_case<Case, 5>, function_object>();
      run_referenced<rotated_case<Case, 6>, function_object>();
      run_referenced<rotated_case<Case, 7>, function_object>();
      run_referenced<rotated_case<Case, 8>, function_object>();
    });
  }
}

TEMPLATE_TEST_CASE("with_context: an rvalue callable is held by the result, unpacked with structured bindings",
                   "[context]", mutable_lambda, const_lambda, std_function, function_object) {
  for_each_indexed(core_cases{}, [](auto tag, auto index) {
    run_owned<rotated_case<typename decltype(tag)::type, decltype(index)::value + kind_offset<TestType>>, TestType>();
  });
}

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

// ---- calling conventions -----------------------------------------------------
// The THUNK_* spellings are empty where a convention does not exist: the tests
// run everywhere, and check the convention tag where it does.

namespace {
template <class CC>
void run_convention() {
  if (cases_left_out<CC>(all_cases{}) > 0)
    WARN(cases_left_out<CC>(all_cases{}) << " signatures left out in " << CC::name
                                         << ": this compiler cannot build them (see compiler_cannot_build)");
  // Every signature, the slot's place and type rotated; the first and the last
  // parameter matter most (ecx/edx on fastcall and thiscall, rcx on Win64).
  for_each_indexed(all_cases{}, [](auto tag, auto index) {
    using Case = typename decltype(tag)::type;
    if constexpr (!compiler_cannot_build<CC, Case>) {
      run_referenced<rotated_case<Case, decltype(index)::value, CC>, mutable_lambda>();
      run_referenced<rotated_case<Case, decltype(index)::value + 2, CC>, function_object>();
    }
  });
  for_each_indexed(core_cases{}, [](auto tag, auto index) {
    using Case = typename decltype(tag)::type;
    if constexpr (!compiler_cannot_build<CC, Case>) {
      run_owned<rotated_case<Case, decltype(index)::value + 1, CC>, std_function>();
    }
  });
}
}  // namespace

TEST_CASE("with_context: a stdcall callback type gives a stdcall entry", "[context][x86-stdcall]") {
#if defined(THUNK_ARCH_X86_32)
  STATIC_REQUIRE(std::is_same<thunk::convention_t<cc_stdcall::pointer<int, void*>>, thunk::stdcall_cc>::value);
#endif
  run_convention<cc_stdcall>();
}

TEST_CASE("with_context: a fastcall callback type gives a fastcall entry", "[context][x86-fastcall]") {
#if defined(THUNK_ARCH_X86_32)
  STATIC_REQUIRE(std::is_same<thunk::convention_t<cc_fastcall::pointer<int, void*>>, thunk::fastcall_cc>::value);
#endif
  run_convention<cc_fastcall>();
}

TEST_CASE("with_context: a thiscall callback type gives a thiscall entry", "[context][x86-thiscall]") {
#if defined(THUNK_ARCH_X86_32)
  STATIC_REQUIRE(std::is_same<thunk::convention_t<cc_thiscall::pointer<int, void*>>, thunk::thiscall_cc>::value);
#endif
  run_convention<cc_thiscall>();
}

TEST_CASE("with_context: an ms_abi callback type gives a Microsoft x64 entry", "[context][win64]") {
#if defined(THUNK_ARCH_X86_64)
  STATIC_REQUIRE(std::is_same<thunk::convention_t<cc_ms_abi::pointer<int, void*>>, thunk::win64_cc>::value);
#endif
  run_convention<cc_ms_abi>();
}

TEST_CASE("with_context: a sysv_abi callback type gives a System V x86-64 entry", "[context][sysv64]") {
#if defined(THUNK_ARCH_X86_64)
  STATIC_REQUIRE(std::is_same<thunk::convention_t<cc_sysv_abi::pointer<int, void*>>, thunk::sysv64_cc>::value);
#endif
  run_convention<cc_sysv_abi>();
}

TEST_CASE("with_context: the target's default convention is what a plain pointer has", "[context]") {
#if defined(THUNK_ARCH_AARCH64)
  STATIC_REQUIRE(std::is_same<thunk::default_cc, thunk::aapcs64_cc>::value);
#elif defined(THUNK_ARCH_X86_32)
  STATIC_REQUIRE(std::is_same<thunk::default_cc, thunk::cdecl_cc>::value);
#elif defined(THUNK_ARCH_X86_64) && defined(THUNK_OS_WINDOWS)
  STATIC_REQUIRE(std::is_same<thunk::default_cc, thunk::win64_cc>::value);
#elif defined(THUNK_ARCH_X86_64)
  STATIC_REQUIRE(std::is_same<thunk::default_cc, thunk::sysv64_cc>::value);
#endif
  run_convention<cc_default>();
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
