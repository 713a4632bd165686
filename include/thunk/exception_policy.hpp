// What happens to a C++ exception thrown by a callback: it never unwinds
// through C frames.
//
// - thunk::terminate (the default for with_context, closure, static_closure):
//   the exception is reported, naming the callback type, and std::terminate
//   runs while it is still the current exception, so the terminate handler
//   prints its what().
// - thunk::capture: the exception is stored, the callback returns a fallback
//   (value-initialised: 0, FALSE, nullptr — what stops a Win32 enumeration),
//   and it is rethrown in C++ once the C API returned: thunk::call does that
//   by itself; a closure rethrows with rethrow_if_captured(); with_context
//   stores it for the calling thread (thunk::rethrow_if_captured()).
// - thunk::capture_or(v): as capture, returning v instead.
//
// With -fno-exceptions nothing can be thrown; the policies still compile.
#ifndef THUNK_EXCEPTION_POLICY_HPP
#define THUNK_EXCEPTION_POLICY_HPP

#include <exception>
#include <type_traits>
#include <utility>

#include "config.hpp"

THUNK_BEGIN_NAMESPACE

struct terminate_t {
  explicit constexpr terminate_t() = default;
};
/// Default policy: report and std::terminate.
inline constexpr terminate_t terminate{};

struct capture_t {
  explicit constexpr capture_t() = default;
};
/// Store the exception, return a value-initialised fallback, rethrow later.
inline constexpr capture_t capture{};

template <class T>
struct capture_or_t {
  T fallback;
};
/// Store the exception, return `fallback`, rethrow later.
template <class T>
constexpr capture_or_t<std::decay_t<T>> capture_or(T&& fallback) {
  return {std::forward<T>(fallback)};
}

namespace detail {
template <class T>
struct is_policy : std::false_type {};
template <>
struct is_policy<terminate_t> : std::true_type {};
template <>
struct is_policy<capture_t> : std::true_type {};
template <class T>
struct is_policy<capture_or_t<T>> : std::true_type {};

#if THUNK_HAS_EXCEPTIONS
/// with_context's captured exceptions: one per thread, the thread that ran
/// the callback. A trivial thread_local pointer to a heap box, not a
/// thread_local exception_ptr: a thread_local with a destructor would keep a
/// shared library loaded until every thread exits (docs/platforms.md).
inline std::exception_ptr*& thread_captured_box() noexcept {
  static thread_local std::exception_ptr* box = nullptr;
  return box;
}
inline std::exception_ptr& thread_captured_exception() noexcept {
  std::exception_ptr*& box = thread_captured_box();
  if (!box) box = new std::exception_ptr();  // noexcept: out of memory here terminates
  return *box;
}
#endif
}  // namespace detail

/// Rethrows (and clears) an exception that a with_context callback running on
/// this thread captured; does nothing if there is none.
inline void rethrow_if_captured() {
#if THUNK_HAS_EXCEPTIONS
  std::exception_ptr*& box = detail::thread_captured_box();
  if (box && *box) {
    std::exception_ptr e = std::move(*box);
    delete box;  // collected: nothing of this thread stays behind
    box = nullptr;
    std::rethrow_exception(e);
  }
#endif
}

THUNK_END_NAMESPACE

#endif
