// thunk/stateless.hpp: callables without state become plain functions of any
// calling convention, over the whole signature suite.
#include <cstdint>
#include <thunk/stateless.hpp>
#include <type_traits>
#include <utility>

#include "catch.hpp"
#include "support/signatures.hpp"

namespace {
using namespace thunk_test;

/// Stateless callables cannot hold a recorder: they report to one per case.
template <class Case>
recorder<Case>& global_recorder() {
  static recorder<Case> rec;
  return rec;
}

template <class Case, class... A>
typename Case::result_type recording_function(A... a) {
  return global_recorder<Case>().on_call(a...);
}

// ---- stateless callable kinds ------------------------------------------------

/// A captureless lambda with exactly the case's signature: in the default
/// convention the compiler's own conversion serves.
struct exact_lambda {
  static constexpr const char* name = "a captureless lambda of P's exact signature";
  template <class Case, class... A>
  static auto make(types<A...>) {
    return [](A... a) -> typename Case::result_type { return global_recorder<Case>().on_call(a...); };
  }
};

/// A captureless lambda taking const references: not P's signature, a static entry calls it.
struct const_ref_lambda {
  static constexpr const char* name = "a captureless lambda taking const references";
  template <class Case, class... A>
  static auto make(types<A...>) {
    return [](const A&... a) -> typename Case::result_type { return global_recorder<Case>().on_call(a...); };
  }
};

/// A generic captureless lambda.
struct generic_lambda {
  static constexpr const char* name = "a generic captureless lambda";
  template <class Case, class... A>
  static auto make(types<A...>) {
    return [](auto... a) -> typename Case::result_type { return global_recorder<Case>().on_call(a...); };
  }
};

template <class Case, class L>
struct empty_functor;
template <class Case, class... A>
struct empty_functor<Case, types<A...>> {
  typename Case::result_type operator()(A... a) const { return global_recorder<Case>().on_call(a...); }
};

/// An empty function object.
struct function_object_kind {
  static constexpr const char* name = "an empty function object";
  template <class Case, class... A>
  static auto make(types<A...> l) {
    return empty_functor<Case, decltype(l)>{};
  }
};

template <class Case, class L>
struct no_default_functor;
template <class Case, class... A>
struct no_default_functor<Case, types<A...>> {
  explicit no_default_functor(int) {}
  typename Case::result_type operator()(A... a) { return global_recorder<Case>().on_call(a...); }
};

/// An empty function object that cannot be default-constructed (as a C++17 lambda).
struct no_default_kind {
  static constexpr const char* name = "an empty function object without a default constructor";
  template <class Case, class... A>
  static auto make(types<A...> l) {
    return no_default_functor<Case, decltype(l)>(0);
  }
};

template <class Case, class P, class Fn>
void call_rounds(P p) {
  using R = typename Case::result_type;
  auto& rec = global_recorder<Case>();
  rec = recorder<Case>{};
  REQUIRE(p != nullptr);
  for (unsigned seed = 0; seed < rounds; ++seed) {
    const auto sent = Case::make_arguments(seed);
    if constexpr (std::is_void<R>::value) {
      c_side::apply_checked(p, sent);
    } else {
      const R result = c_side::apply_checked(p, sent);
      check_result(result, Case::expected(sent));
    }
    check_arrival(rec, seed, sent);
  }
}

template <class Case, class CC, class Kind>
void run_kind() {
  using P = typename Case::template pointer<CC>;
  INFO(Kind::name << " as " << Case::name << " in " << CC::name);
  auto f = Kind::template make<Case>(typename Case::argument_types{});
  P p = thunk::stateless<P>(f);
  static_assert(std::is_same<decltype(thunk::stateless<P>(f)), P>::value, "stateless returns P");
  static_assert(std::is_same<thunk::convention_t<P>, typename CC::tag>::value, "P has CC's convention");
  call_rounds<Case, P, Kind>(p);
}

template <class Case, class CC, class... A>
auto named_function_pointer(types<A...>) {
  using P = typename Case::template pointer<CC>;
  return thunk::stateless<P, &recording_function<Case, A...>>();
}

template <class Case, class CC>
void run_named_function() {
  using P = typename Case::template pointer<CC>;
  INFO("stateless<P, &function>() as " << Case::name << " in " << CC::name);
  P p = named_function_pointer<Case, CC>(typename Case::argument_types{});
  call_rounds<Case, P, void>(p);
}

template <class CC>
void run_convention() {
  if (cases_left_out<CC>(all_cases{}) > 0)
    WARN(cases_left_out<CC>(all_cases{}) << " signatures left out in " << CC::name
                                         << ": this compiler cannot build them (see compiler_cannot_build)");
  for_each_case(all_cases{}, [](auto tag) {
    using Case = typename decltype(tag)::type;
    if constexpr (!compiler_cannot_build<CC, Case>) {
      run_kind<Case, CC, exact_lambda>();
      run_named_function<Case, CC>();
    }
  });
  for_each_case(core_cases{}, [](auto tag) {
    using Case = typename decltype(tag)::type;
    if constexpr (!compiler_cannot_build<CC, Case>) {
      run_kind<Case, CC, const_ref_lambda>();
      run_kind<Case, CC, function_object_kind>();
      run_kind<Case, CC, no_default_kind>();
    }
  });
}

struct plain_functions {
  static int add(int a, int b) { return a + b; }
  static long long widen(long long a, double b) { return a * 100 + static_cast<long long>(b); }
};

}  // namespace

TEMPLATE_TEST_CASE("stateless: every argument of every signature arrives and the result comes back", "[stateless]",
                   exact_lambda, const_ref_lambda, generic_lambda, function_object_kind, no_default_kind) {
  for_each_case(all_cases{}, [](auto tag) { run_kind<typename decltype(tag)::type, cc_default, TestType>(); });
}

TEST_CASE("stateless<P, &fn>: a function named at compile time, for every signature", "[stateless]") {
  for_each_case(all_cases{}, [](auto tag) { run_named_function<typename decltype(tag)::type, cc_default>(); });
}

#if THUNK_TEST_HAS_STDCALL
TEST_CASE("stateless: a stdcall callback type gives a stdcall function", "[stateless][x86-stdcall]") {
  STATIC_REQUIRE(std::is_same<thunk::convention_t<cc_stdcall::pointer<int, int>>, thunk::stdcall_cc>::value);
  run_convention<cc_stdcall>();
}
#endif

#if THUNK_TEST_HAS_FASTCALL
TEST_CASE("stateless: a fastcall callback type gives a fastcall function", "[stateless][x86-fastcall]") {
  STATIC_REQUIRE(std::is_same<thunk::convention_t<cc_fastcall::pointer<int, int>>, thunk::fastcall_cc>::value);
  run_convention<cc_fastcall>();
}
#endif

#if THUNK_TEST_HAS_THISCALL
TEST_CASE("stateless: a thiscall callback type gives a thiscall function", "[stateless][x86-thiscall]") {
  STATIC_REQUIRE(std::is_same<thunk::convention_t<cc_thiscall::pointer<int, int>>, thunk::thiscall_cc>::value);
  run_convention<cc_thiscall>();
}
#endif

#if THUNK_TEST_HAS_MS_ABI
TEST_CASE("stateless: an ms_abi callback type gives a Microsoft x64 function", "[stateless][win64]") {
  STATIC_REQUIRE(std::is_same<thunk::convention_t<cc_ms_abi::pointer<int, int>>, thunk::win64_cc>::value);
  run_convention<cc_ms_abi>();
}
#endif

#if THUNK_TEST_HAS_SYSV_ABI
TEST_CASE("stateless: a sysv_abi callback type gives a System V x86-64 function", "[stateless][sysv64]") {
  STATIC_REQUIRE(std::is_same<thunk::convention_t<cc_sysv_abi::pointer<int, int>>, thunk::sysv64_cc>::value);
  run_convention<cc_sysv_abi>();
}
#endif

TEST_CASE("stateless: a captureless noexcept lambda of P's exact type converts as the compiler converts it",
          "[stateless]") {
  using P = int (*)(int, int);
  auto add = [](int a, int b) noexcept { return a + b; };
  P p = thunk::stateless<P>(add);
  CHECK(p == static_cast<P>(add));
  CHECK(c_side::invoke(p, 40, 2) == 42);
  CHECK(thunk::stateless<P>(add) == p);  // the same function every time

  // One that may throw gets a typed entry, where the terminate policy applies.
  auto sub = [](int a, int b) { return a - b; };
  P q = thunk::stateless<P>(sub);
  CHECK(q != static_cast<P>(sub));
  CHECK(c_side::invoke(q, 40, 2) == 38);
  CHECK(thunk::stateless<P>(sub) == q);
}

TEST_CASE("stateless: a function pointer of P's type passes through unchanged", "[stateless]") {
  using P = int (*)(int, int);
  P given = &plain_functions::add;
  CHECK(thunk::stateless<P>(given) == given);
  CHECK(thunk::stateless<P>(&plain_functions::add) == given);
}

TEST_CASE("stateless<P, &fn>: the function may have other parameter types and another convention", "[stateless]") {
  SECTION("arguments and result convert") {
    using P = int (*)(short, float);
    P p = thunk::stateless<P, &plain_functions::widen>();
    CHECK(c_side::invoke(p, static_cast<short>(-3), 2.0f) == -298);
  }
#if THUNK_TEST_HAS_STDCALL
  SECTION("a default-convention function behind a stdcall pointer") {
    using P = int(THUNK_STDCALL*)(int, int);
    P p = thunk::stateless<P, &plain_functions::add>();
    STATIC_REQUIRE(std::is_same<thunk::convention_t<P>, thunk::stdcall_cc>::value);
    for (int i = 0; i < 5; ++i) CHECK(c_side::invoke(p, i, 100 * i) == 101 * i);
  }
#endif
#if THUNK_TEST_HAS_MS_ABI
  SECTION("a default-convention function behind an ms_abi pointer") {
    using P = int(THUNK_MS_ABI*)(int, int);
    P p = thunk::stateless<P, &plain_functions::add>();
    STATIC_REQUIRE(std::is_same<thunk::convention_t<P>, thunk::win64_cc>::value);
    for (int i = 0; i < 5; ++i) CHECK(c_side::invoke(p, -i, 7) == 7 - i);
  }
#endif
#if THUNK_TEST_HAS_SYSV_ABI
  SECTION("a default-convention function behind a sysv_abi pointer") {
    using P = int(THUNK_SYSV_ABI*)(int, int);
    P p = thunk::stateless<P, &plain_functions::add>();
    STATIC_REQUIRE(std::is_same<thunk::convention_t<P>, thunk::sysv64_cc>::value);
    for (int i = 0; i < 5; ++i) CHECK(c_side::invoke(p, -i, 7) == 7 - i);
  }
#endif
}

TEST_CASE("stateless: P may be a function type or a noexcept pointer", "[stateless]") {
  SECTION("a function type") {
    auto p = thunk::stateless<double(double, int)>([](double x, int n) { return x * n; });
    STATIC_REQUIRE(std::is_same<decltype(p), double (*)(double, int)>::value);
    CHECK(c_side::invoke(p, 1.5, 4) == 6.0);
  }
  SECTION("a noexcept pointer type") {
    using P = int (*)(int) noexcept;
    P p = thunk::stateless<P>([](int x) noexcept { return x + 1; });
    CHECK(c_side::invoke(p, 41) == 42);
    P q = thunk::stateless<P>([](long x) { return x - 1; });  // a static entry, still noexcept
    CHECK(c_side::invoke(q, 43) == 42);
  }
}

TEST_CASE("stateless: one function per callable type", "[stateless]") {
  using P = int(THUNK_STDCALL*)(const int*);
  auto read = [](const int* p) { return *p; };
  auto twice = [](const int* p) { return 2 * *p; };
  P a = thunk::stateless<P>(read);
  P b = thunk::stateless<P>(read);
  P c = thunk::stateless<P>(twice);
  CHECK(a == b);
  CHECK(a != c);
  const int v = 21;
  CHECK(c_side::invoke(a, &v) == 21);
  CHECK(c_side::invoke(c, &v) == 42);
}
