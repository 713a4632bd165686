// Calling the user's callable from a typed entry: argument and result checks
// with named diagnostics, and the exception policy.
#ifndef THUNK_DETAIL_INVOKE_HPP
#define THUNK_DETAIL_INVOKE_HPP

#include <cstdio>
#include <exception>
#include <type_traits>
#include <utility>

#include "../exception_policy.hpp"
#include "spin_lock.hpp"
#include "type_list.hpp"
#include "fatal.hpp"
#include "type_name.hpp"
#include "../config.hpp"

THUNK_BEGIN_NAMESPACE
namespace detail {

/// Compile-time check that F can stand behind a callback returning R taking Args.
template <class F, class R, class... Args>
constexpr bool check_callable() {
  constexpr bool invocable = std::is_invocable<F&, Args...>::value;
  static_assert(invocable,
                "thunk: the callable cannot be called with the callback's parameters. It must accept "
                "every parameter of the C callback type P except the context one (with_context, call), "
                "in order; check the parameter types and count against P.");
  if constexpr (invocable) {
    using result = std::invoke_result_t<F&, Args...>;
    constexpr bool returns = std::is_void<R>::value || std::is_convertible<result, R>::value;
    static_assert(returns,
                  "thunk: the callable's result does not convert to the C callback's result type; "
                  "return the type P returns (for Win32 enumerations, BOOL: TRUE to go on, FALSE to stop).");
    return returns;
  }
  return false;
}

/// Reports an exception escaping a callback under the terminate policy.
[[noreturn]] inline void terminate_from_callback(const char* pretty) noexcept {
  fatal_callback("an exception escaped a callback of type ", pretty,
                 "; C frames cannot be unwound, so the process terminates (pass thunk::capture to carry it back "
                 "to C++)",
                 nullptr, "", stop_by::terminate);
}

/// Guards captured-exception slots: taken only when a callback throws or a
/// captured exception is collected, never on the call path.
inline spin_lock& capture_mutex() noexcept {
  static spin_lock m;
  return m;
}

/// Where a captured exception and the fallback come from.
/// std::invoke without <functional> (a third of a TU's preprocessed size for
/// one function): callables, and pointers to members on an object, a
/// reference to one or a pointer to one.
template <class F, class... Args>
constexpr decltype(auto) invoke(F&& f, Args&&... args) {
  return static_cast<F&&>(f)(static_cast<Args&&>(args)...);
}
template <class M, class C, class T, class... Args>
constexpr decltype(auto) invoke(M C::*pm, T&& t, Args&&... args) {
  constexpr bool on_object = std::is_base_of<C, std::remove_cv_t<std::remove_reference_t<T>>>::value;
  if constexpr (std::is_function<M>::value) {
    if constexpr (on_object) {
      return (static_cast<T&&>(t).*pm)(static_cast<Args&&>(args)...);
    } else {
      return ((*static_cast<T&&>(t)).*pm)(static_cast<Args&&>(args)...);
    }
  } else {
    static_assert(sizeof...(Args) == 0, "a pointer to a data member takes the object only");
    if constexpr (on_object) {
      return (static_cast<T&&>(t).*pm);
    } else {
      return ((*static_cast<T&&>(t)).*pm);
    }
  }
}

template <class R>
struct capture_target {
#if THUNK_HAS_EXCEPTIONS
  std::exception_ptr* slot;
#endif
  const R* fallback;  // null: value-initialised R
};

template <class R, class F, class... Args>
inline R invoke_plain(F& f, Args&&... args) {
  if constexpr (std::is_void<R>::value) {
    detail::invoke(f, std::forward<Args>(args)...);
  } else {
    // Convertibility was checked with a named diagnostic (check_callable);
    // the conversion is the one a C++ caller of P would get.
    return static_cast<R>(detail::invoke(f, std::forward<Args>(args)...));
  }
}

/// Terminate policy. P names the callback type in the message.
template <class P, class R, class F, class... Args>
inline R invoke_terminate(F& f, Args&&... args) noexcept {
#if THUNK_HAS_EXCEPTIONS
  try {
    return invoke_plain<R>(f, std::forward<Args>(args)...);
  } catch (...) {
    terminate_from_callback(pretty_signature<P>());
  }
#else
  return invoke_plain<R>(f, std::forward<Args>(args)...);
#endif
}

template <class R>
inline R fallback_value(const R* fallback) noexcept {
  if constexpr (!std::is_void<R>::value) {
    if (fallback) return *fallback;
    return R{};
  }
}

/// Capture policy: the first exception is kept (later ones cannot be
/// rethrown anyway), the callback returns the fallback.
template <class R, class F, class... Args>
inline R invoke_capture(capture_target<R> target, F& f, Args&&... args) noexcept {
#if THUNK_HAS_EXCEPTIONS
  try {
    return invoke_plain<R>(f, std::forward<Args>(args)...);
  } catch (...) {
    // Concurrent calls may throw at once: the first exception is kept.
    spin_guard lock(capture_mutex());
    if (!*target.slot) *target.slot = std::current_exception();
    return fallback_value<R>(target.fallback);
  }
#else
  (void)target;
  return invoke_plain<R>(f, std::forward<Args>(args)...);
#endif
}

}  // namespace detail
THUNK_END_NAMESPACE

#endif
