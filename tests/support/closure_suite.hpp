// The closure tier over the signature suite (tests/support/signatures.hpp): a
// case's callable moved into a thunk::closure<P, Path> and called from the C side.
// Shared by closure_suite_test.cpp (the default convention) and
// closure_convention_test.cpp (the others), which compile in parallel.
#ifndef THUNK_TESTS_SUPPORT_CLOSURE_SUITE_HPP
#define THUNK_TESTS_SUPPORT_CLOSURE_SUITE_HPP

#include <cstddef>
#include <memory>
#include <thunk/closure.hpp>
#include <type_traits>
#include <utility>

#include "catch.hpp"
#include "signatures.hpp"

#if THUNK_HAS_CLOSURE

namespace thunk_test {
namespace closure_suite {

template <class Case, class L>
struct move_only_for;
template <class Case, class... A>
struct move_only_for<Case, types<A...>> {
  std::unique_ptr<recorder<Case>*> rec;
  int own = 0;
  typename Case::result_type operator()(A... a) {
    (*rec)->own_calls = ++own;
    return (*rec)->on_call(a...);
  }
};

/// A function object that can only be moved: the closure must own it.
struct move_only_object {
  static constexpr const char* name = "a move-only function object";
  template <class Case>
  static auto make(recorder<Case>& rec) {
    return move_only_for<Case, typename Case::argument_types>{std::make_unique<recorder<Case>*>(&rec)};
  }
};

/// The callable kinds; kind_at<N> is kind N % 5.
template <std::size_t N>
using kind_at = std::conditional_t<
    N % 5 == 0, mutable_lambda,
    std::conditional_t<N % 5 == 1, const_lambda,
                       std::conditional_t<N % 5 == 2, std_function,
                                          std::conditional_t<N % 5 == 3, function_object, move_only_object>>>>;

template <class Path>
inline constexpr const char* path_name =
    std::is_same<Path, thunk::path::general>::value ? "path::general" : "path::automatic";

/// Binds Kind's callable for Case into a closure<P, Path>, P in convention CC,
/// and checks every argument and the result over thunk_test::rounds calls.
template <class Case, class CC, class Path, class Kind>
void run_case() {
  using P = typename Case::template pointer<CC>;
  using R = typename Case::result_type;
  static_assert(std::is_same<thunk::convention_t<P>, typename CC::tag>::value, "P has CC's convention");
  INFO(Kind::name << " in a closure<P, " << path_name<Path> << ">, " << Case::name << ", " << CC::name);
  recorder<Case> rec;
  thunk::closure<P, Path> c(Kind::make(rec));
  REQUIRE(c);
  const P p = c.get();
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

/// Every case of Cases in convention CC on both paths, the callable kind
/// rotated over the suite (each case meets two kinds, one per path).
template <class CC, class... Case, std::size_t... I>
void run_both_paths(types<Case...>, std::index_sequence<I...>) {
  (
      [] {
        if constexpr (!compiler_cannot_build<CC, Case>) {
          run_case<Case, CC, thunk::path::automatic, kind_at<I>>();
          run_case<Case, CC, thunk::path::general, kind_at<I + 1>>();
        }
      }(),
      ...);
}
template <class CC, class Cases>
void run_both_paths() {
  if (cases_left_out<CC>(Cases{}) > 0)
    WARN(cases_left_out<CC>(Cases{}) << " signatures left out in " << CC::name
                                     << ": this compiler cannot build them (see compiler_cannot_build)");
  run_both_paths<CC>(Cases{}, std::make_index_sequence<Cases::size>{});
}

}  // namespace closure_suite
}  // namespace thunk_test

#endif  // THUNK_HAS_CLOSURE
#endif  // THUNK_TESTS_SUPPORT_CLOSURE_SUITE_HPP
