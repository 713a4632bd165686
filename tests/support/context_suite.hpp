// The with_context tier over the signature suite (tests/support/signatures.hpp):
// binding a case's callable with the context slot placed by context_case, and
// calling it from the C side. Shared by the context_*_test programs, which split
// the suite so that they compile in parallel.
#ifndef THUNK_TESTS_SUPPORT_CONTEXT_SUITE_HPP
#define THUNK_TESTS_SUPPORT_CONTEXT_SUITE_HPP

#include <cstddef>
#include <cstdint>
#include <thunk/context.hpp>
#include <thunk/context_slot.hpp>
#include <type_traits>
#include <utility>

#include "catch.hpp"
#include "signatures.hpp"

namespace thunk_test {
namespace context_suite {

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
#if THUNK_TEST_CHECKS_STACK
    const auto call = [&](Fn f) { return V::call(f, sent, ctx); };
    if constexpr (std::is_void<R>::value) {
      c_side::call_checked(fn, call);
    } else {
      check_result(c_side::call_checked(fn, call), Case::expected(sent));
    }
#else
    if constexpr (std::is_void<R>::value) {
      V::call(fn, sent, ctx);
    } else {
      const R result = V::call(fn, sent, ctx);
      check_result(result, Case::expected(sent));
    }
#endif
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
  // Compared outside Catch's decomposer: clang for MinGW mangles P and P in
  // another convention (vectorcall) alike, and two instantiations would clash.
  const bool bound = cb.function != nullptr;
  CHECK(bound);
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
  for_each_case(Cases{},
                [](auto tag) { run_referenced<context_case<typename decltype(tag)::type, S, Ctx, CC>, Kind>(); });
}

/// The nine placements of the slot (first / middle / last x void* / intptr_t /
/// uintptr_t); rotated_case<Case, N> is placement N % 9. Rotating the placement
/// over the suite puts every placement under many signatures without building
/// every product (a smaller -O0 object: MinGW's COFF has a section limit).
template <std::size_t N>
inline constexpr slot rotated_slot = N % 3 == 0   ? slot::first
                                     : N % 3 == 1 ? slot::middle
                                                  : slot::last;
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

template <class Kind>
inline constexpr std::size_t kind_offset = std::is_same<Kind, mutable_lambda>::value ? 0
                                           : std::is_same<Kind, const_lambda>::value ? 2
                                           : std::is_same<Kind, std_function>::value ? 4
                                                                                     : 6;
}  // namespace context_suite
}  // namespace thunk_test

#endif  // THUNK_TESTS_SUPPORT_CONTEXT_SUITE_HPP
