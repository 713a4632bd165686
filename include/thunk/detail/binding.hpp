// The binding both owning types hold for one callable: the callable, the value
// to return after a captured exception, the captured exception, and how a
// call reaches them. closure keeps it in its data slot or a heap block,
// static_closure in its slot's storage or a heap block; the rest is the same
// code.
//
// Also here: the per-thread record of the bindings running on this thread,
// which lets an owner destroyed from inside its own call (a one-shot timer
// that resets itself, a window procedure deleting its object) defer the
// release until that call returns.
#ifndef THUNK_DETAIL_BINDING_HPP
#define THUNK_DETAIL_BINDING_HPP

#include <exception>
#include <type_traits>
#include <utility>

#include "../config.hpp"
#include "../exception_policy.hpp"
#include "invoke.hpp"

THUNK_BEGIN_NAMESPACE
namespace detail {

/// The value a capturing policy returns after a throw (capture_or's, or R{}).
template <class R>
struct binding_fallback {
  R value{};
};
template <>
struct binding_fallback<void> {};

template <class R>
inline binding_fallback<R> fallback_of(terminate_t) {
  return {};
}
template <class R>
inline binding_fallback<R> fallback_of(capture_t) {
  return {};
}
template <class R, class T>
inline binding_fallback<R> fallback_of(const capture_or_t<T>& p) {
  if constexpr (std::is_void<R>::value) {
    return {};
  } else {
    return binding_fallback<R>{static_cast<R>(p.fallback)};
  }
}

template <class Policy>
inline constexpr bool policy_captures_exceptions = !std::is_same<Policy, terminate_t>::value;

/// One callable and what its policy needs. Capture == false: the callable alone.
template <class F, class R, bool Capture>
struct binding {
  template <class G>
  binding(G&& g, binding_fallback<R>) : f(std::forward<G>(g)) {}
  F f;
};
template <class F, class R>
struct binding<F, R, true> {
  template <class G>
  binding(G&& g, binding_fallback<R> fb) : f(std::forward<G>(g)), fallback(std::move(fb)) {}
  F f;
  binding_fallback<R> fallback;
#if THUNK_HAS_EXCEPTIONS
  std::exception_ptr captured;  // written under capture_mutex() (invoke_capture)
#endif
};

/// Calls a binding under its policy. P names the callback in messages.
template <class P, class R, class F, bool Capture, class... Args>
inline R invoke_binding(binding<F, R, Capture>& b, Args&&... args) noexcept {
  if constexpr (Capture) {
#if THUNK_HAS_EXCEPTIONS
    const R* fallback = nullptr;
    if constexpr (!std::is_void<R>::value) fallback = &b.fallback.value;
    return invoke_capture<R>(capture_target<R>{&b.captured, fallback}, b.f, std::forward<Args>(args)...);
#else
    return invoke_plain<R>(b.f, std::forward<Args>(args)...);
#endif
  } else {
    return invoke_terminate<P, R>(b.f, std::forward<Args>(args)...);
  }
}

#if THUNK_HAS_EXCEPTIONS
/// Takes a captured exception out of its slot under the lock its writer
/// (invoke_capture) holds, and rethrows it; the one rethrow_if_captured of
/// both owners.
inline void rethrow_captured(std::exception_ptr& slot) {
  std::exception_ptr e;
  {
    spin_guard lock(capture_mutex());
    e = std::move(slot);
    slot = nullptr;
  }
  if (e) std::rethrow_exception(e);
}
#endif

// ---- bindings running on this thread ----------------------------------------

/// A release an owner could not do while its binding was running.
struct deferred_release {
  void (*run)(void* a, void* b) noexcept;
  void* a;
  void* b;
};

/// One call of a binding in progress on this thread: a node in the entry's
/// frame, linked from a thread-local head.
struct running_binding {
  const void* id;  // the binding's slot: closure's data slot, static_closure's storage
  running_binding* next;
  deferred_release release;
};

inline running_binding*& running_bindings() noexcept {
  static thread_local running_binding* head = nullptr;
  return head;
}

/// The one rule of all owners (closure, static_closure, typed_static_closure)
/// for a call that need not record itself as running: a callable that is
/// small, trivially copyable and destructible, and callable as const (its
/// call changes nothing in it) is copied and the copy called. An owner reset
/// from inside that call then releases a slot the call no longer reads, so
/// such a call costs what a plain function pointer costs. (A functor with a
/// `mutable` member and a const call operator loses that member's changes;
/// docs/lifetime-threads-exceptions.md.)
template <class F, class... A>
inline constexpr bool copy_per_call = sizeof(F) <= 4 * sizeof(void*) && std::is_trivially_copyable<F>::value &&
                                      std::is_trivially_destructible<F>::value &&
                                      std::is_invocable<const F&, A...>::value;

/// The entry's record for the duration of the callable's call; on exit, runs
/// the release an owner deferred to it.
class running_scope {
 public:
  explicit running_scope(const void* id) noexcept : node_{id, running_bindings(), {nullptr, nullptr, nullptr}} {
    running_bindings() = &node_;
  }
  ~running_scope() {
    running_bindings() = node_.next;
    if (THUNK_DETAIL_UNLIKELY(node_.release.run != nullptr)) node_.release.run(node_.release.a, node_.release.b);
  }
  running_scope(const running_scope&) = delete;
  running_scope& operator=(const running_scope&) = delete;

 private:
  running_binding node_;
};

/// Hands the release to the outermost running call of binding id on this
/// thread, if any: it runs when that call returns. False: nothing runs, the
/// owner releases now.
inline bool defer_release_if_running(const void* id, deferred_release release) noexcept {
  running_binding* outermost = nullptr;
  for (running_binding* r = running_bindings(); r; r = r->next)
    if (r->id == id) outermost = r;
  if (!outermost) return false;
  outermost->release = release;
  return true;
}

}  // namespace detail
THUNK_END_NAMESPACE

#endif  // THUNK_DETAIL_BINDING_HPP
