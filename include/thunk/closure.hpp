// The closure tier: a real thunk for C APIs that give the callback no
// user-data slot (TIMERPROC, signal, atexit, qsort, nftw, hook procedures).
//
//   thunk::closure<TIMERPROC> tick([&](HWND, UINT, UINT_PTR, DWORD) { ++ticks; });
//   SetTimer(nullptr, 0, 100, tick.get());
//
// Each live closure owns a 16-byte thunk in a sealed read+execute page and a
// 2-pointer data slot beside it (detail/slot_pool.hpp). The thunk passes the
// data slot's address to a typed entry the compiler generates for P (in P's
// calling convention) — in the next free argument register when the
// signature provably leaves one (register path), else through a per-thread
// slot (general path). A callable of at most one pointer, trivially copyable,
// lives in the data slot itself; a larger one in one heap block.
#ifndef THUNK_CLOSURE_HPP
#define THUNK_CLOSURE_HPP

#include <cstddef>
#include <cstdint>
#include <exception>
#include <new>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>

#include "bindable.hpp"
#include "config.hpp"
#include "context.hpp"
#include "detail/binding.hpp"
#include "error.hpp"
#include "exception_policy.hpp"
#include "signature.hpp"

#if THUNK_HAS_CLOSURE
#  include "detail/abi.hpp"
#  include "detail/slot_pool.hpp"
#  include "detail/thread_context.hpp"
#endif

THUNK_BEGIN_NAMESPACE

/// How the thunk hands over the context. `automatic` picks the register path
/// where the signature allows it; `general` forces the per-thread path (the
/// tests run both everywhere).
namespace path {
struct automatic {};
struct general {};
}  // namespace path

namespace detail {

/// A heap block holding a binding (detail/binding.hpp), type-erased for the
/// closure object, which no longer knows the callable's type.
struct box_base {
  explicit box_base(void (*d)(box_base*) noexcept) noexcept : destroy(d) {}
  void (*destroy)(box_base*) noexcept;
#if THUNK_HAS_EXCEPTIONS
  std::exception_ptr* captured = nullptr;  // the binding's, under a capturing policy
#endif
};

template <class F, class R, bool Capture>
struct box : box_base {
  template <class G>
  box(G&& g, binding_fallback<R> fb) : box_base(&destroy_box), bound(std::forward<G>(g), std::move(fb)) {
#if THUNK_HAS_EXCEPTIONS
    if constexpr (Capture) captured = &bound.captured;
#endif
  }
  static void destroy_box(box_base* b) noexcept { delete static_cast<box*>(b); }
  binding<F, R, Capture> bound;
};

template <class F>
inline constexpr bool fits_in_slot =
    sizeof(F) <= sizeof(void*) &&
    alignof(F) <= alignof(void*) && std::is_trivially_copyable<F>::value&& std::is_trivially_destructible<F>::value;

template <class F, class L>
struct copies_per_call;
template <class F, class... A>
struct copies_per_call<F, type_list<A...>> : std::bool_constant<copy_per_call<F, A...>> {};

/// Calls the callable behind a context (the data slot's address), recorded as
/// running on this thread for the duration (safe self-destruction).
template <class P, class F, class R, bool Boxed, bool Capture>
struct closure_call {
  template <class... Args>
  static R call(void* ctx, Args&&... args) noexcept {
    if constexpr (!Boxed && copy_per_call<F, Args...>) {
      // One trivially copyable word that the call does not change: a copy
      // (binding.hpp). A reset() from inside the call may then poison the
      // slot under it with no harm (the slot waits out its quarantine), so
      // this, the qsort-comparator case, needs no running record.
      const F f = *std::launder(reinterpret_cast<F*>(ctx));
      return invoke_terminate<P, R>(f, std::forward<Args>(args)...);
    } else if constexpr (!Boxed) {
      const running_scope running(ctx);
      F& f = *std::launder(reinterpret_cast<F*>(ctx));
      return invoke_terminate<P, R>(f, std::forward<Args>(args)...);
    } else {
      const running_scope running(ctx);
      auto* b = static_cast<box<F, R, Capture>*>(static_cast<box_base*>(*static_cast<void**>(ctx)));
      return invoke_binding<P, R>(b->bound, std::forward<Args>(args)...);
    }
  }
};

#if THUNK_HAS_CLOSURE
/// The typed entry's body: the context is the trailing parameter (register
/// path) or the first thing read from the per-thread slot (general path).
template <class Call, bool Register>
struct closure_entry {
  template <class R, class... A, std::size_t... J>
  static R forward_front(void* ctx, std::tuple<A&...>& refs, std::index_sequence<J...>) noexcept {
    using L = type_list<A...>;
    return Call::template call<>(ctx, static_cast<at_t<J, L>&&>(std::get<J>(refs))...);
  }
  template <class R, class... A>
  static R invoke(A&... a) noexcept {
    if constexpr (Register) {
      std::tuple<A&...> refs(a...);
      void* ctx = std::get<sizeof...(A) - 1>(refs);
      return forward_front<R, A...>(ctx, refs, std::make_index_sequence<sizeof...(A) - 1>{});
    } else {
      void* ctx = pop_thread_context();
      return Call::template call<>(ctx, static_cast<A&&>(a)...);
    }
  }
};

template <class Sig, class Path>
struct closure_kind;
template <class CC, bool NE, class R, class... A, class Path>
struct closure_kind<signature_base<CC, NE, R, A...>, Path> {
  static constexpr int value =
      std::is_same<Path, path::general>::value ? abi::general : register_kind<CC, R, A...>::value;
};

template <class Impl, class Sig, bool Register>
struct closure_entry_address;
template <class Impl, class CC, bool NE, class R, class... A>
struct closure_entry_address<Impl, signature_base<CC, NE, R, A...>, true> {
  static void* get() noexcept { return reinterpret_cast<void*>(&convention<CC>::template entry<Impl, R, A..., void*>); }
};
template <class Impl, class CC, bool NE, class R, class... A>
struct closure_entry_address<Impl, signature_base<CC, NE, R, A...>, false> {
  static void* get() noexcept { return reinterpret_cast<void*>(&convention<CC>::template entry<Impl, R, A...>); }
};
#endif

}  // namespace detail

/// An owning, move-only C function pointer of type P bound to a callable.
template <class P, class Path = path::automatic>
class closure {
  using sig = signature<P>;

 public:
  using pointer = typename sig::pointer;
  using result_type = typename sig::result_type;

  static_assert(THUNK_HAS_CLOSURE || detail::dependent_false<P>,  // dependent: fires only when used
                "thunk::closure needs run-time code, which this build forbids (THUNK_NO_JIT) or this target has "
                "no thunk for: use thunk::static_closure<P, N>, a fixed pool of compile-time functions");

  closure() noexcept = default;

  /// Binds f (copied or moved in). Throws thunk::error if no thunk can be made.
  /// Takes part in overload resolution only when thunk::is_bindable_v<P, F>.
  template <class F, class Policy = terminate_t,
            std::enable_if_t<!std::is_same<std::decay_t<F>, closure>::value && is_bindable_v<P, F>, int> = 0>
  closure(F&& f, Policy policy = Policy()) {
    const errc failure = assign(std::forward<F>(f), policy);
    if (THUNK_DETAIL_UNLIKELY(failure != errc{}))
      detail::raise(failure, "cannot create thunk::closure");
  }
  /// A callable that does not fit P: deleted, so std::is_constructible is
  /// false, and explicit, so no implicit conversion (and no overload) sees it.
  /// The compiler quotes the declaration's line: it says what is wrong.
  template <class F, class Policy = terminate_t,
            std::enable_if_t<!std::is_same<std::decay_t<F>, closure>::value && !is_bindable_v<P, F>, int> = 0>
  // clang-format off
  explicit closure(F&&, Policy = Policy(), detail::the_callable_cannot_be_called_with_Ps_parameters_or_its_result_does_not_convert<P, F> = {}) = delete;  // thunk: the callable cannot be called with P's parameters, or its result does not convert to P's result (thunk::is_bindable_v<P, F> is false)
  // clang-format on

  closure(closure&& other) noexcept : bits_(std::exchange(other.bits_, 0)) {}
  closure& operator=(closure&& other) noexcept {
    if (this != &other) {
      reset();
      bits_ = std::exchange(other.bits_, 0);
    }
    return *this;
  }
  closure(const closure&) = delete;
  closure& operator=(const closure&) = delete;
  ~closure() { reset(); }

  /// The C function pointer; valid until this closure (or the one it was
  /// moved into) is destroyed.
  pointer get() const noexcept { return reinterpret_cast<pointer>(bits_ & ~flag_bits); }
  explicit operator bool() const noexcept { return bits_ != 0; }

  /// Destroys the callable; a later call through the old pointer stops the
  /// process with a message naming this closure's type. Called from inside
  /// this closure's own call on the same thread (also through the destructor
  /// or a move-assignment), the callable and the slot stay valid until that
  /// call returns, and are released then. Destroying a closure while another
  /// thread runs it is the caller's to prevent.
  void reset() noexcept {
#if THUNK_HAS_CLOSURE
    if (!bits_) return;
    const std::uintptr_t code = bits_ & ~flag_bits;
    void* b = (bits_ & boxed_bit) ? detail::data_of(code)->word : nullptr;
    const bool copied = (bits_ & copied_bit) != 0;
    bits_ = 0;
    void* code_address = reinterpret_cast<void*>(code);
    // A callable copied for each call is never recorded as running: nothing to defer.
    if (!copied && detail::defer_release_if_running(detail::data_of(code), {&release_now, code_address, b})) return;
    release_now(code_address, b);
#endif
  }

  /// Rethrows (and clears) an exception the callable threw under thunk::capture.
  void rethrow_if_captured() {
#if THUNK_HAS_CLOSURE && THUNK_HAS_EXCEPTIONS
    if (!(bits_ & boxed_bit)) return;
    auto* b = static_cast<detail::box_base*>(detail::data_of(bits_ & ~flag_bits)->word);
    if (b->captured) detail::rethrow_captured(*b->captured);
#endif
  }

  /// Non-throwing factory: an empty closure and ec set on failure.
  template <class F, class Policy = terminate_t>
  static closure make(F&& f, std::error_code& ec, Policy policy = Policy()) {
    closure c;
    const errc failure = c.assign(std::forward<F>(f), policy);
    ec = failure == errc{} ? std::error_code() : make_error_code(failure);
    return c;
  }

 private:
  // The thunk's address is slot-aligned (16 bytes): its low bits say how the
  // callable is held.
  static constexpr std::uintptr_t boxed_bit = 1;   // in a heap block
  static constexpr std::uintptr_t copied_bit = 2;  // copied for each call (copy_per_call): never running in place
  static constexpr std::uintptr_t flag_bits = boxed_bit | copied_bit;
#if THUNK_HAS_CLOSURE
  static constexpr int kind = detail::closure_kind<typename sig::base, Path>::value;

  /// Poisons and frees the slot, destroys the boxed callable (b, or null).
  static void release_now(void* code, void* b) noexcept {
    detail::release_slot<kind, P>(reinterpret_cast<std::uintptr_t>(code));
    if (b) static_cast<detail::box_base*>(b)->destroy(static_cast<detail::box_base*>(b));
  }
#endif

  template <class F, class Policy>
  errc assign(F&& f, Policy policy) {
    using D = std::decay_t<F>;
    static_assert(detail::is_policy<Policy>::value,
                  "thunk::closure: the second argument is an exception policy: thunk::terminate, thunk::capture "
                  "or thunk::capture_or(value)");
    static_assert(detail::callable_check<D, result_type, typename sig::argument_types>::value,
                  "thunk: see the diagnostic above");
#if THUNK_HAS_CLOSURE
    constexpr bool captures = detail::policy_captures_exceptions<Policy>;
    constexpr bool boxed = captures || !detail::fits_in_slot<D>;
    using call = detail::closure_call<P, D, result_type, boxed, captures>;
    constexpr bool reg = kind != detail::abi::general;
    using impl = detail::closure_entry<call, reg>;

    using box = detail::box<D, result_type, captures>;
    // The callable is made before a slot is taken: a constructor that throws
    // leaves no slot behind.
    auto made = [&]() -> decltype(auto) {
      if constexpr (boxed) {
        return static_cast<box*>(new (std::nothrow) box(std::forward<F>(f), detail::fallback_of<result_type>(policy)));
      } else {
        (void)policy;
        return D(std::forward<F>(f));
      }
    }();
    if constexpr (boxed) {
      if (!made) return errc::out_of_memory;
    }
    errc failure{};
    const std::uintptr_t code = detail::acquire_slot<kind>(failure);
    if (THUNK_DETAIL_UNLIKELY(!code)) {
      if constexpr (boxed) box::destroy_box(made);
      return failure;
    }
    // (Only constructors call assign: this closure is empty.)
    detail::slot_data* data = detail::data_of(code);
    if constexpr (boxed) {
      data->word = static_cast<detail::box_base*>(made);
    } else {
      ::new (static_cast<void*>(&data->word)) D(made);  // trivially copyable: cannot throw
    }
    data->entry = detail::closure_entry_address<impl, typename sig::base, reg>::get();
    static_assert(detail::abi::slot_size % (flag_bits + 1) == 0, "thunks are aligned enough for the flag bits");
    constexpr bool copied = !boxed && detail::copies_per_call<D, typename sig::argument_types>::value;
    bits_ = code | (boxed ? boxed_bit : 0) | (copied ? copied_bit : 0);
    return errc{};
#else
    (void)f, (void)policy;
    return errc::unsupported_target;
#endif
  }

  std::uintptr_t bits_ = 0;  // the thunk's address and flag_bits
};

/// Non-throwing factory: thunk::make_closure<P>(f, ec [, policy]).
template <class P, class F, class Policy = terminate_t>
closure<P> make_closure(F&& f, std::error_code& ec, Policy policy = Policy()) {
  return closure<P>::make(std::forward<F>(f), ec, policy);
}

THUNK_END_NAMESPACE

#endif  // THUNK_CLOSURE_HPP
