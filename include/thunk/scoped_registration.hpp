// Pairs a register call with its unregister call (SetTimer/KillTimer,
// signal/restore, atexit-like hooks), so a callback cannot outlive its
// closure by accident:
//
//   thunk::closure<TIMERPROC> tick([&](HWND, UINT, UINT_PTR, DWORD) { ++ticks; });
//   thunk::scoped_registration timer([&] { return SetTimer(nullptr, 0, 100, tick.get()); },
//                                    [](UINT_PTR id) { KillTimer(nullptr, id); });
//
// Declare the registration after the closure: it is destroyed first, so the
// API stops calling before the thunk is poisoned.
//
// A register call can fail (SetTimer returns 0, signal returns SIG_ERR): say
// what failure looks like with a third argument, and a failed registration is
// never handed to the unregister call:
//
//   thunk::scoped_registration timer(reg, unreg, thunk::fails_when(UINT_PTR{0}));
//   if (timer.failed()) ...
//
// Without it every handle counts as a success; release() forgets one by hand.
#ifndef THUNK_SCOPED_REGISTRATION_HPP
#define THUNK_SCOPED_REGISTRATION_HPP

#include <type_traits>
#include <utility>

#include "config.hpp"

THUNK_BEGIN_NAMESPACE

namespace detail {
struct no_handle {};
/// The default: no handle means failure.
struct never_fails {
  template <class H>
  constexpr bool operator()(const H&) const noexcept {
    return false;
  }
};
template <class Register>
using registration_handle_t = std::conditional_t<std::is_void<std::invoke_result_t<Register&>>::value, no_handle,
                                                 std::decay_t<std::invoke_result_t<Register&>>>;
}  // namespace detail

/// A failure test for scoped_registration: the handle equals `value`.
template <class T>
struct fails_when_t {
  T value;
  template <class H>
  constexpr bool operator()(const H& handle) const {
    return handle == value;
  }
};
template <class T>
constexpr fails_when_t<std::decay_t<T>> fails_when(T&& value) {
  return {std::forward<T>(value)};
}

/// Calls register_fn() now and unregister_fn(handle) — or unregister_fn()
/// when register_fn returns nothing — when destroyed or reset. Move-only.
/// failed(handle) true (third argument, e.g. thunk::fails_when(0)): the
/// registration did not happen; nothing is unregistered.
template <class Register, class Unregister, class Failed = detail::never_fails>
class scoped_registration {
 public:
  using handle_type = detail::registration_handle_t<Register>;

  scoped_registration(Register register_fn, Unregister unregister_fn, Failed failed = Failed())
      : unregister_(std::move(unregister_fn)), handle_(call_register(register_fn)) {
    if constexpr (std::is_same<handle_type, detail::no_handle>::value) {
      (void)failed;
      active_ = true;
    } else {
      active_ = !failed(static_cast<const handle_type&>(handle_));
    }
    failed_ = !active_;
  }

  scoped_registration(scoped_registration&& other) noexcept(
      std::is_nothrow_move_constructible<Unregister>::value&& std::is_nothrow_move_constructible<handle_type>::value)
      : unregister_(std::move(other.unregister_)),
        handle_(std::move(other.handle_)),
        active_(std::exchange(other.active_, false)),
        failed_(other.failed_) {}
  scoped_registration(const scoped_registration&) = delete;
  scoped_registration& operator=(const scoped_registration&) = delete;
  scoped_registration& operator=(scoped_registration&&) = delete;
  ~scoped_registration() { reset(); }

  /// What register_fn returned (a timer id, a previous handler ...).
  const handle_type& handle() const noexcept { return handle_; }
  bool active() const noexcept { return active_; }
  /// Whether the register call failed (by the Failed test given).
  bool failed() const noexcept { return failed_; }

  /// Unregisters now (once).
  void reset() {
    if (!active_) return;
    active_ = false;
    if constexpr (std::is_same<handle_type, detail::no_handle>::value) {
      unregister_();
    } else {
      unregister_(handle_);
    }
  }

  /// Forgets the registration without unregistering.
  handle_type release() noexcept {
    active_ = false;
    return handle_;
  }

 private:
  static handle_type call_register(Register& r) {
    if constexpr (std::is_same<handle_type, detail::no_handle>::value) {
      r();
      return {};
    } else {
      return r();
    }
  }

  Unregister unregister_;
  handle_type handle_;
  bool active_ = false;
  bool failed_ = false;
};

template <class Register, class Unregister>
scoped_registration(Register, Unregister) -> scoped_registration<Register, Unregister>;
template <class Register, class Unregister, class Failed>
scoped_registration(Register, Unregister, Failed) -> scoped_registration<Register, Unregister, Failed>;

THUNK_END_NAMESPACE

#endif
