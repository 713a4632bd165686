// vectorcall, in every tier, over the signature suite: clang only (GCC has no
// vectorcall), on x86-64 Windows and i386.
//
// A program of its own: clang mangles a vectorcall function type as the
// default one, so a template instantiated for P and for its vectorcall twin in
// one program would be one function (tests/support/signatures.hpp). Nothing
// here is instantiated in the default convention.
#define THUNK_TEST_VECTORCALL_PROGRAM 1

#include <thunk/closure.hpp>
#include <thunk/context.hpp>
#include <thunk/stateless.hpp>
#include <thunk/static_closure.hpp>
#include <type_traits>

#include "catch.hpp"
#include "support/closure_suite.hpp"
#include "support/context_suite.hpp"
#include "support/signatures.hpp"

#if THUNK_TEST_HAS_VECTORCALL

using namespace thunk_test;

namespace {
using CC = cc_vectorcall;

template <class Case>
recorder<Case>& global_recorder() {
  static recorder<Case> rec;
  return rec;
}

/// A captureless lambda taking const references: a static entry in vectorcall calls it.
template <class Case, class... A>
auto const_ref_lambda(types<A...>) {
  return [](const A&... a) -> typename Case::result_type { return global_recorder<Case>().on_call(a...); };
}

template <class Case>
void run_stateless() {
  using P = typename Case::template pointer<CC>;
  using R = typename Case::result_type;
  INFO("stateless, " << Case::name << ", vectorcall");
  P p = thunk::stateless<P>(const_ref_lambda<Case>(typename Case::argument_types{}));
  REQUIRE(p != nullptr);
  auto& rec = global_recorder<Case>();
  for (unsigned seed = 0; seed < rounds; ++seed) {
    const auto sent = Case::make_arguments(seed);
    if constexpr (std::is_void<R>::value) {
      c_side::apply_checked(p, sent);
    } else {
      check_result(c_side::apply_checked(p, sent), Case::expected(sent));
    }
    check_arrival(rec, seed, sent);
  }
}

template <class Case, class Kind>
void run_static_closure() {
  using P = typename Case::template pointer<CC>;
  using R = typename Case::result_type;
  INFO("static_closure, " << Case::name << ", vectorcall, " << Kind::name);
  recorder<Case> rec;
  auto f = Kind::make(rec);
  thunk::static_closure<P, 2, Kind> c(as_bound<Kind>(f));
  REQUIRE(c);
  const P p = c.get();
  for (unsigned seed = 0; seed < rounds; ++seed) {
    const auto sent = Case::make_arguments(seed);
    if constexpr (std::is_void<R>::value) {
      c_side::apply_checked(p, sent);
    } else {
      check_result(c_side::apply_checked(p, sent), Case::expected(sent));
    }
    check_arrival(rec, seed, sent);
  }
}
}  // namespace

TEST_CASE("vectorcall: a vectorcall pointer type is read as vectorcall", "[vectorcall]") {
  STATIC_REQUIRE(std::is_same<thunk::convention_t<cc_vectorcall::pointer<int, int>>, thunk::vectorcall_cc>::value);
  STATIC_REQUIRE(!std::is_same<thunk::vectorcall_cc, thunk::default_cc>::value);
#  if THUNK_HAS_CLOSURE
  // No register path: the context always goes per thread.
  STATIC_REQUIRE(thunk::detail::register_kind<thunk::vectorcall_cc, int, int>::value == thunk::detail::abi::general);
#  endif
}

TEST_CASE("stateless: a vectorcall callback type gives a vectorcall function", "[stateless][vectorcall]") {
  for_each_case(all_cases{}, [](auto tag) { run_stateless<typename decltype(tag)::type>(); });
}

TEST_CASE("with_context: a vectorcall callback type gives a vectorcall entry", "[context][vectorcall]") {
  using namespace thunk_test::context_suite;
  for_each_indexed(all_cases{}, [](auto tag, auto index) {
    using Case = typename decltype(tag)::type;
    run_referenced<rotated_case<Case, decltype(index)::value, CC>, mutable_lambda>();
    run_referenced<rotated_case<Case, decltype(index)::value + 2, CC>, function_object>();
  });
  for_each_indexed(core_cases{}, [](auto tag, auto index) {
    run_owned<rotated_case<typename decltype(tag)::type, decltype(index)::value + 1, CC>, std_function>();
  });
}

#  if THUNK_HAS_CLOSURE
TEST_CASE("closure: a vectorcall pointer type gives a vectorcall thunk, on both paths", "[closure][vectorcall]") {
  thunk_test::closure_suite::run_both_paths<CC, all_cases>();
}
#  endif

TEST_CASE("static_closure: a vectorcall pointer type gives a vectorcall entry", "[static_closure][vectorcall]") {
  for_each_case(core_cases{}, [](auto tag) {
    run_static_closure<typename decltype(tag)::type, mutable_lambda>();
    run_static_closure<typename decltype(tag)::type, std_function>();
  });
}

#else
THUNK_TEST_SKIP_PROGRAM("vectorcall: every tier", "this compiler or target has no vectorcall (clang on x86 only)")
#endif  // THUNK_TEST_HAS_VECTORCALL
