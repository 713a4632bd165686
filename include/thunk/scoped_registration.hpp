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
#ifndef THUNK_SCOPED_REGISTRATION_HPP
#define THUNK_SCOPED_REGISTRATION_HPP

#include <type_traits>
#include <utility>
#include "config.hpp"

THUNK_BEGIN_NAMESPACE

namespace detail {
struct no_handle {};
template <class Register>
using registration_handle_t =
    std::conditional_t<std::is_void<std::invoke_result_t<Register&>>::value, no_handle,
                       std::decay_t<std::invoke_result_t<Register&>>>;
}  // namespace detail

/// Calls register_fn() now and unregister_fn(handle) — or unregister_fn()
/// when register_fn returns nothing — when destroyed or reset. Move-only.
template <class Register, class Unregister>
class scoped_registration {
 public:
  using handle_type = detail::registration_handle_t<Register>;

  scoped_registration(Register register_fn, Unregister unregister_fn)
      : unregister_(std::move(unregister_fn)), handle_(call_register(register_fn)), active_(true) {}

  scoped_registration(scoped_registration&& other) noexcept(std::is_nothrow_move_constructible<Unregister>::value &&
                                                            std::is_nothrow_move_constructible<handle_type>::value)
      : unregister_(std::move(other.unregister_)),
        handle_(std::move(other.handle_)),
        active_(std::exchange(other.active_, false)) {}
  scoped_registration(const scoped_registration&) = delete;
  scoped_registration& operator=(const scoped_registration&) = delete;
  scoped_registration& operator=(scoped_registration&&) = delete;
  ~scoped_registration() { reset(); }

  /// What register_fn returned (a timer id, a previous handler ...).
  const handle_type& handle() const noexcept { return handle_; }
  bool active() const noexcept { return active_; }

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
  bool active_;
};

template <class Register, class Unregister>
scoped_registration(Register, Unregister) -> scoped_registration<Register, Unregister>;

THUNK_END_NAMESPACE

#endif
