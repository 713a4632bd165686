// The stateless tier: a callable with no state (a captureless lambda, an
// empty function object, a free function named at compile time) becomes a
// plain function of any calling convention. No context, no allocation.
//
//   auto cmp = thunk::stateless<int (*)(const void*, const void*)>([](const void* a, const void* b) {...});
//   WNDENUMPROC p = thunk::stateless<WNDENUMPROC>([](HWND, LPARAM) { return TRUE; });   // stdcall on i386
//   auto q = thunk::stateless<P, &free_function>();
#ifndef THUNK_STATELESS_HPP
#define THUNK_STATELESS_HPP

#include <new>
#include <optional>
#include <type_traits>
#include <utility>

#include "context.hpp"
#include "detail/invoke.hpp"
#include "signature.hpp"
#include "config.hpp"

THUNK_BEGIN_NAMESPACE
namespace detail {

/// One copy of an empty callable per type: C++17 lambdas cannot be default
/// constructed, so the first stateless() call keeps a copy for the entry.
/// An optional is constant-initialized: the entry reaches the copy with no
/// guard variable and no branch (a function-local static here cost a guard
/// check and three register spills on every call: 1.15x a plain pointer in
/// the qsort bench). keep() fills it once, under a function-local static's
/// own thread-safe initialisation, off the call path.
template <class D>
struct stateless_instance {
  static inline std::optional<D> value;
  static void keep(const D& f) {
    static const bool kept = (value.emplace(f), true);
    (void)kept;
  }
  static D& get() noexcept { return *value; }
};

template <class P, class D>
struct stateless_entry {
  template <class R, class... A>
  static R invoke(A&... a) noexcept {
    if constexpr (std::is_default_constructible<D>::value) {
      D d{};
      return invoke_terminate<P, R>(d, static_cast<A&&>(a)...);
    } else {
      return invoke_terminate<P, R>(stateless_instance<D>::get(), static_cast<A&&>(a)...);
    }
  }
};

/// Whether D can be called with the argument list L without throwing.
template <class D, class L>
struct nothrow_callable;
template <class D, class... A>
struct nothrow_callable<D, type_list<A...>> : std::is_nothrow_invocable<D&, A...> {};

template <class P, auto Fn>
struct stateless_function_entry {
  template <class R, class... A>
  static R invoke(A&... a) noexcept {
    auto fn = Fn;
    return invoke_terminate<P, R>(fn, static_cast<A&&>(a)...);
  }
};

}  // namespace detail

/// P for a callable without state. A captureless noexcept lambda whose
/// signature is exactly P's converts directly (the compiler's own
/// conversion); otherwise a static entry with P's convention calls it, under
/// the terminate policy (an exception never unwinds through the C caller).
template <class P, class F>
typename signature<P>::pointer stateless(F&& f) {
  using pointer = typename signature<P>::pointer;
  using D = std::decay_t<F>;
  if constexpr (std::is_convertible<D, pointer>::value && !std::is_pointer<D>::value &&
                detail::nothrow_callable<D, typename signature<P>::argument_types>::value) {
    return f;
  } else if constexpr (std::is_pointer<D>::value) {
    static_assert(std::is_convertible<D, pointer>::value,
                  "thunk::stateless: a function pointer known only at run time cannot change its signature or "
                  "calling convention; name the function at compile time: thunk::stateless<P, &function>()");
    return f;
  } else {
    static_assert(std::is_empty<D>::value,
                  "thunk::stateless needs a callable without state (a captureless lambda or an empty function "
                  "object); this one carries data. Use thunk::with_context<P>(f) or thunk::call when the API "
                  "has a context parameter, thunk::closure<P> when it has none.");
    static_assert(std::is_copy_constructible<D>::value, "thunk::stateless: the callable must be copyable");
    using sig = signature<P>;
    static_assert(detail::callable_check<D, typename sig::result_type, typename sig::argument_types>::value, "thunk: see the diagnostic above");
    if constexpr (!std::is_default_constructible<D>::value) {
      detail::stateless_instance<D>::keep(f);
    }
    return detail::entry_for<detail::stateless_entry<P, D>, typename sig::base>::value;
  }
}

/// P for a function named at compile time, in P's convention whatever Fn's.
template <class P, auto Fn>
typename signature<P>::pointer stateless() {
  using sig = signature<P>;
  static_assert(detail::callable_check<decltype(Fn), typename sig::result_type, typename sig::argument_types>::value, "thunk: see the diagnostic above");
  return detail::entry_for<detail::stateless_function_entry<P, Fn>, typename sig::base>::value;
}

THUNK_END_NAMESPACE

#endif
