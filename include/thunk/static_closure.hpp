// The static closure tier: callbacks with no user-data slot (TIMERPROC,
// signal, atexit, qsort, nftw, hook procedures) where run-time code is
// forbidden — iOS, consoles, WebAssembly, SELinux without execmem, systemd's
// MemoryDenyWriteExecute, a kernel's W^X enforcement, or a THUNK_NO_JIT build.
//
//   thunk::static_closure<TIMERPROC, 8> tick([&](HWND, UINT, UINT_PTR, DWORD) { ++ticks; });
//   SetTimer(nullptr, 0, 100, tick.get());
//
// The interface of thunk::closure, backed by a pool of N functions the
// compiler emits: no executable memory at all, ever.
//
// How it works. Each pool — one per (P, N, Tag) — is N slots in static
// storage and a bitmap of the slots in use. Slot i's function is the typed
// entry `detail::convention<CC>::entry<static_slot_entry<Pool, i>, R, A...>`:
// ordinary C++ in P's exact signature and calling convention, whose body reads
// slot i's invoker (one atomic load of a pointer) and calls it with the
// slot's storage and the arguments. The invoker, instantiated for the
// callable's type and the exception policy, calls the callable that lives in
// the slot's 48 bytes of storage (or, when larger, in one heap block the
// storage points to). So a call is: the C code's indirect call, one load, one
// more indirect call — what a context callback costs plus one well-predicted
// indirect call.
//
// Claiming a slot is a compare-and-swap on the bitmap, releasing one an
// atomic AND: no lock anywhere. Claims go round the pool from a moving cursor,
// so a slot just released is the last one to be handed out again.
//
// After destruction a slot's invoker is its pool's poison: a call through the
// stale pointer prints which static_closure type (P, N, Tag) and which slot,
// then calls std::abort — until the slot is claimed again. A pool of N slots
// has no quarantine beyond the round-robin order: a C library that keeps a
// callback for longer than N later claims calls the new owner's callable.
#ifndef THUNK_STATIC_CLOSURE_HPP
#define THUNK_STATIC_CLOSURE_HPP

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>

#include "bindable.hpp"
#include "config.hpp"
#include "context.hpp"
#include "detail/binding.hpp"
#include "detail/invoke.hpp"
#include "detail/type_name.hpp"
#include "error.hpp"
#include "exception_policy.hpp"
#include "signature.hpp"

THUNK_BEGIN_NAMESPACE

template <class P, std::size_t N, class Tag = void>
class static_closure;

namespace detail {

/// Bytes of storage each slot offers a callable (with its exception slot and
/// fallback value) before it goes to the heap: a std::function fits.
inline constexpr std::size_t static_slot_bytes = 48;
inline constexpr std::size_t static_slot_align = 16;

template <class Binding>
inline constexpr bool binding_fits_in_slot = sizeof(Binding) <= static_slot_bytes &&
                                             alignof(Binding) <= static_slot_align;

/// Type-erased operations on a slot's binding, for the static_closure object
/// (which does not know the callable's type after construction).
struct static_binding_ops {
  void (*destroy)(void* storage) noexcept;
#if THUNK_HAS_EXCEPTIONS
  std::exception_ptr* (*captured)(void* storage) noexcept;  // null: the policy does not capture
#endif
};

template <class Binding, bool Boxed>
inline Binding* binding_in(void* storage) noexcept {
  if constexpr (Boxed) {
    return *std::launder(static_cast<Binding**>(storage));
  } else {
    return std::launder(static_cast<Binding*>(storage));
  }
}

template <class Binding, bool Boxed, bool Capture>
struct static_binding_ops_for {
  static void destroy(void* storage) noexcept {
    Binding* b = binding_in<Binding, Boxed>(storage);
    if constexpr (Boxed) {
      delete b;
    } else {
      b->~Binding();
    }
  }
#if THUNK_HAS_EXCEPTIONS
  static std::exception_ptr* captured(void* storage) noexcept {
    if constexpr (Capture) {
      return &binding_in<Binding, Boxed>(storage)->captured;
    } else {
      (void)storage;
      return nullptr;
    }
  }
#endif
  static constexpr static_binding_ops value = {
      &destroy,
#if THUNK_HAS_EXCEPTIONS
      Capture ? &captured : nullptr,
#endif
  };
};

/// The invoker a slot's entry calls: the callable's type and the policy are
/// known here. R and A are P's result and parameters. The call is recorded as
/// running on this thread (safe self-destruction).
template <class P, class F, bool Boxed, bool Capture, class Sig>
struct static_invoker;
template <class P, class F, bool Boxed, bool Capture, class CC, bool NE, class R, class... A>
struct static_invoker<P, F, Boxed, Capture, signature_base<CC, NE, R, A...>> {
  using bound = binding<F, R, Capture>;
  static R call(void* storage, A... a) noexcept {
    if constexpr (!Boxed && !Capture && copy_per_call<F, A&&...>) {
      const F f = binding_in<bound, false>(storage)->f;
      return invoke_terminate<P, R>(f, static_cast<A&&>(a)...);
    } else {
      const running_scope running(storage);
      return invoke_binding<P, R>(*binding_in<bound, Boxed>(storage), static_cast<A&&>(a)...);
    }
  }
};

/// The name printed in diagnostics: thunk::static_closure<P, N, Tag>.
template <class Pointer, std::size_t N, class Tag>
inline void static_closure_name(char* out, std::size_t n) noexcept {
  extract_type_name(pretty_signature<static_closure<Pointer, N, Tag>>(), out, n);  // drops the ABI namespace
}

using static_word = std::uintptr_t;
inline constexpr std::size_t static_word_bits = sizeof(static_word) * 8;

inline unsigned lowest_set_bit(static_word v) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  if constexpr (sizeof(static_word) == sizeof(unsigned long long)) {
    return static_cast<unsigned>(__builtin_ctzll(v));
  } else {
    return static_cast<unsigned>(__builtin_ctz(v));
  }
#else
  unsigned i = 0;
  while (!(v & 1)) {
    v >>= 1;
    ++i;
  }
  return i;
#endif
}

inline std::size_t set_bits(static_word v) noexcept {
  std::size_t n = 0;
  for (; v; v &= v - 1) ++n;
  return n;
}

/// Slot I's entry body: one load of the slot's invoker, one call.
template <class Pool, std::size_t I>
struct static_slot_entry {
  template <class R, class... A>
  static R invoke(A&... a) noexcept {
    auto& s = Pool::slots[I];
    const typename Pool::invoker fn = s.invoke.load(std::memory_order_acquire);
    return fn(static_cast<void*>(s.storage), static_cast<A&&>(a)...);
  }
};

/// The pool of one (Pointer, N, Tag): N slots, N functions, a bitmap.
template <class Pointer, std::size_t N, class Tag, class Sig = typename signature<Pointer>::base>
struct static_pool;

template <class Pointer, std::size_t N, class Tag, class CC, bool NE, class R, class... A>
struct static_pool<Pointer, N, Tag, signature_base<CC, NE, R, A...>> {
  using sig = signature_base<CC, NE, R, A...>;
  using pointer = typename sig::pointer;
  using invoker = R (*)(void* storage, A... a) noexcept;

  /// One cache line per slot: the invoker and the callable's storage.
  struct alignas(64) slot {
    std::atomic<invoker> invoke{&poisoned};
    alignas(static_slot_align) unsigned char storage[static_slot_bytes] = {};
  };

  static constexpr std::size_t words = (N + static_word_bits - 1) / static_word_bits;

  static inline slot slots[N];                         // constant-initialised: every invoker is the poison
  static inline std::atomic<static_word> used[words];  // zero-initialised: every slot free
  static inline std::atomic<std::size_t> cursor;
  // Slots claimed or being claimed. A claim reserves here first, so it fails
  // exactly when all N are taken; a bitmap scan alone could miss a slot freed
  // behind it while another was taken ahead of it, and report a pool with a
  // free slot as exhausted.
  static inline std::atomic<std::size_t> reserved;

  template <class Seq>
  struct table;
  template <std::size_t... I>
  struct table<std::index_sequence<I...>> {
    static constexpr pointer functions[sizeof...(I)] = {entry_for<static_slot_entry<static_pool, I>, sig>::value...};
  };
  using functions = table<std::make_index_sequence<N>>;

  /// A slot's function, the one the C code receives.
  static pointer function(std::size_t i) noexcept { return functions::functions[i]; }

  /// What every released slot's function does: report and stop.
  [[noreturn]] static R poisoned(void* storage, A...) noexcept {
    const std::size_t i = static_cast<std::size_t>(reinterpret_cast<std::uintptr_t>(storage) -
                                                   reinterpret_cast<std::uintptr_t>(&slots[0].storage)) /
                          sizeof(slot);
    char name[256];
    static_closure_name<Pointer, N, Tag>(name, sizeof name);
    std::fprintf(stderr,
                 "thunk: fatal: a destroyed %s was called through its stale pointer (slot %lu of %lu, "
                 "function %p); the C code kept the callback after the static_closure was destroyed\n",
                 name, static_cast<unsigned long>(i), static_cast<unsigned long>(N),
                 reinterpret_cast<void*>(function(i < N ? i : 0)));
    std::fflush(stderr);
    std::abort();
  }

  /// Claims a free slot; N when all N are in use.
  static std::size_t claim() noexcept {
    if (reserved.fetch_add(1, std::memory_order_acquire) >= N) {
      reserved.fetch_sub(1, std::memory_order_relaxed);
      return N;
    }
    // A slot is now ours to find: every bit set belongs to another
    // reservation, so at least one is clear. Scans repeat only while other
    // threads race for the same free bits.
    for (;;) {
      const std::size_t i = scan();
      if (i != N) return i;
    }
  }

  /// One round over the bitmap from the cursor; N when it took nothing.
  static std::size_t scan() noexcept {
    constexpr static_word all = ~static_word(0);
    const std::size_t start = cursor.load(std::memory_order_relaxed) % N;
    const std::size_t start_word = start / static_word_bits;
    const unsigned start_bit = static_cast<unsigned>(start % static_word_bits);
    // Round from the cursor: the start word's upper bits, the other words,
    // then the start word's lower bits.
    for (std::size_t k = 0; k <= words; ++k) {
      const std::size_t w = (start_word + k) % words;
      static_word mask = all;
      const std::size_t rest = N - w * static_word_bits;
      // The last word's valid bits (% keeps the shift below the width where N fills it).
      if (rest < static_word_bits) mask = (static_word(1) << (rest % static_word_bits)) - 1;
      if (k == 0) mask &= all << start_bit;
      if (k == words) mask &= ~(all << start_bit);
      static_word cur = used[w].load(std::memory_order_relaxed);
      for (static_word free = ~cur & mask; free; free = ~cur & mask) {
        const unsigned b = lowest_set_bit(free);
        if (used[w].compare_exchange_weak(cur, cur | (static_word(1) << b), std::memory_order_acquire,
                                          std::memory_order_relaxed)) {
          const std::size_t i = w * static_word_bits + b;
          cursor.store(i + 1, std::memory_order_relaxed);
          return i;
        }
      }
    }
    return N;
  }

  /// Returns slot i to the pool (its invoker must already be the poison).
  static void free(std::size_t i) noexcept {
    used[i / static_word_bits].fetch_and(~(static_word(1) << (i % static_word_bits)), std::memory_order_release);
    reserved.fetch_sub(1, std::memory_order_release);
  }

  static std::size_t in_use() noexcept {
    std::size_t n = 0;
    for (std::size_t w = 0; w < words; ++w) n += set_bits(used[w].load(std::memory_order_relaxed));
    return n;
  }
};

}  // namespace detail

/// An owning, move-only C function pointer of type P bound to a callable,
/// taken from a compile-time pool of N functions shared by every
/// static_closure<P, N, Tag> of the program. Different N or Tag: different
/// pools. No executable memory is ever asked for.
template <class P, std::size_t N, class Tag>
class static_closure {
  using sig = signature<P>;
  static_assert(N > 0, "thunk::static_closure<P, N>: N is the pool's number of slots: at least 1");

 public:
  using pointer = typename sig::pointer;
  using result_type = typename sig::result_type;

 private:
  using pool = detail::static_pool<pointer, N, Tag>;

 public:
  /// The number of slots of this pool.
  static constexpr std::size_t capacity = N;

  static_closure() noexcept = default;

  /// Binds f (copied or moved in). Throws thunk::error (errc::pool_exhausted,
  /// naming the pool) when every slot is in use.
  /// Takes part in overload resolution only when thunk::is_bindable_v<P, F>.
  template <class F, class Policy = terminate_t,
            std::enable_if_t<!std::is_same<std::decay_t<F>, static_closure>::value && is_bindable_v<P, F>, int> = 0>
  static_closure(F&& f, Policy policy = Policy()) {
    std::error_code ec;
    assign(std::forward<F>(f), policy, ec);
    if (ec) raise(ec);
  }
  /// A callable that does not fit P: deleted, so std::is_constructible is
  /// false, and explicit, so no implicit conversion (and no overload) sees it.
  /// The compiler quotes the declaration's line: it says what is wrong.
  template <class F, class Policy = terminate_t,
            std::enable_if_t<!std::is_same<std::decay_t<F>, static_closure>::value && !is_bindable_v<P, F>, int> = 0>
  // clang-format off
  explicit static_closure(F&&, Policy = Policy(), detail::the_callable_cannot_be_called_with_Ps_parameters_or_its_result_does_not_convert<P, F> = {}) = delete;  // thunk: the callable cannot be called with P's parameters, or its result does not convert to P's result (thunk::is_bindable_v<P, F> is false)
  // clang-format on

  static_closure(static_closure&& other) noexcept
      : ops_(std::exchange(other.ops_, nullptr)), slot_(std::exchange(other.slot_, 0)) {}
  static_closure& operator=(static_closure&& other) noexcept {
    if (this != &other) {
      reset();
      ops_ = std::exchange(other.ops_, nullptr);
      slot_ = std::exchange(other.slot_, 0);
    }
    return *this;
  }
  static_closure(const static_closure&) = delete;
  static_closure& operator=(const static_closure&) = delete;
  ~static_closure() { reset(); }

  /// The C function pointer (null when empty); valid until this static_closure
  /// (or the one it was moved into) is destroyed.
  pointer get() const noexcept { return ops_ ? pool::function(slot_) : nullptr; }
  explicit operator bool() const noexcept { return ops_ != nullptr; }

  /// The slot this static_closure holds (meaningful when not empty).
  std::size_t slot() const noexcept { return slot_; }

  /// How many slots of this pool are in use now, by every thread.
  static std::size_t in_use() noexcept { return pool::in_use(); }

  /// Destroys the callable and returns the slot; a later call through the old
  /// pointer stops the process with a message naming this type and the slot
  /// (until the slot is claimed again). Called from inside this
  /// static_closure's own call on the same thread (also through the
  /// destructor or a move-assignment), the slot is poisoned at once but the
  /// callable lives, and the slot stays taken, until that call returns.
  /// Destroying it while another thread runs it is the caller's to prevent.
  void reset() noexcept {
    if (!ops_) return;
    auto& s = pool::slots[slot_];
    s.invoke.store(&pool::poisoned, std::memory_order_release);
    void* ops = const_cast<void*>(static_cast<const void*>(ops_));
    void* index = reinterpret_cast<void*>(static_cast<std::uintptr_t>(slot_));
    ops_ = nullptr;
    slot_ = 0;
    if (detail::defer_release_if_running(static_cast<void*>(s.storage), {&release_now, ops, index})) return;
    release_now(ops, index);
  }

  /// Rethrows (and clears) an exception the callable threw under
  /// thunk::capture or thunk::capture_or.
  void rethrow_if_captured() {
#if THUNK_HAS_EXCEPTIONS
    if (!ops_ || !ops_->captured) return;
    detail::rethrow_captured(*ops_->captured(static_cast<void*>(pool::slots[slot_].storage)));
#endif
  }

  /// Non-throwing factory: an empty static_closure and ec set on failure
  /// (errc::pool_exhausted, or errc::out_of_memory for a large callable).
  template <class F, class Policy = terminate_t>
  static static_closure make(F&& f, std::error_code& ec, Policy policy = Policy()) {
    static_closure c;
    c.assign(std::forward<F>(f), policy, ec);
    return c;
  }

 private:
  template <class F, class Policy>
  void assign(F&& f, Policy policy, std::error_code& ec) {
    using D = std::decay_t<F>;
    static_assert(detail::is_policy<Policy>::value,
                  "thunk::static_closure: the second argument is an exception policy: thunk::terminate, "
                  "thunk::capture or thunk::capture_or(value)");
    static_assert(detail::callable_check<D, result_type, typename sig::argument_types>::value,
                  "thunk: see the diagnostic above");
    constexpr bool captures = detail::policy_captures_exceptions<Policy>;
    using binding = detail::binding<D, result_type, captures>;
    constexpr bool boxed = !detail::binding_fits_in_slot<binding>;
    using invoker = detail::static_invoker<P, D, boxed, captures, typename sig::base>;
    using ops = detail::static_binding_ops_for<binding, boxed, captures>;

    ec.clear();
    const std::size_t i = pool::claim();
    if (i == N) {
      ec = make_error_code(errc::pool_exhausted);
      return;
    }
    auto& s = pool::slots[i];
    void* storage = static_cast<void*>(s.storage);
#if THUNK_HAS_EXCEPTIONS
    try {
#endif
      if constexpr (boxed) {
        binding* b = new (std::nothrow) binding(std::forward<F>(f), detail::fallback_of<result_type>(policy));
        if (!b) {
          pool::free(i);
          ec = make_error_code(errc::out_of_memory);
          return;
        }
        ::new (storage) binding*(b);
      } else {
        ::new (storage) binding(std::forward<F>(f), detail::fallback_of<result_type>(policy));
      }
#if THUNK_HAS_EXCEPTIONS
    } catch (...) {
      pool::free(i);  // the callable's constructor threw: the slot was never published
      throw;
    }
#endif
    s.invoke.store(&invoker::call, std::memory_order_release);
    ops_ = &ops::value;
    slot_ = i;
  }

  /// Destroys slot `index`'s callable and returns the slot to the pool.
  static void release_now(void* ops, void* index) noexcept {
    const std::size_t i = static_cast<std::size_t>(reinterpret_cast<std::uintptr_t>(index));
    static_cast<const detail::static_binding_ops*>(ops)->destroy(static_cast<void*>(pool::slots[i].storage));
    pool::free(i);
  }

  [[noreturn]] static void raise(std::error_code ec) {
    char name[256];
    detail::static_closure_name<pointer, N, Tag>(name, sizeof name);
    std::string what = "cannot create ";
    what += name;
    if (ec == make_error_code(errc::pool_exhausted)) {
      what += ": all ";
      what += std::to_string(N);
      what +=
          " slots of its pool are in use (raise N, or give callbacks that live long a pool of their own "
          "with a Tag)";
    }
    detail::raise(ec, what.c_str());
  }

  const detail::static_binding_ops* ops_ = nullptr;  // null: empty
  std::size_t slot_ = 0;
};

/// Non-throwing factory: thunk::make_static_closure<P, N>(f, ec [, policy]),
/// or thunk::make_static_closure<P, N, Tag>(...).
template <class P, std::size_t N, class Tag = void, class F, class Policy = terminate_t>
static_closure<P, N, Tag> make_static_closure(F&& f, std::error_code& ec, Policy policy = Policy()) {
  return static_closure<P, N, Tag>::make(std::forward<F>(f), ec, policy);
}

THUNK_END_NAMESPACE

#endif  // THUNK_STATIC_CLOSURE_HPP
