// thunk::typed_static_closure<P, F, N>: a static closure whose pool is typed
// by the callable too, so each slot's function calls F directly and the
// compiler inlines it — a call costs what a plain function pointer costs.
//
//   auto by_key = [&](const void* a, const void* b) { return cmp(a, b); };
//   thunk::typed_static_closure<int (*)(const void*, const void*), decltype(by_key), 4> c(by_key);
//   qsort(p, n, sizeof *p, c.get());
//
// Beside thunk::static_closure<P, N, Tag> (one pool per signature, any
// callable, the slot function reaches the callable through an invoker
// pointer): here one pool per (P, F, N, Tag), holding only callables of type
// F, and the slot function is the callable's call. The rest is the same: no
// run-time code, a compile-time pool of N slots, move-only owners, a call
// through a destroyed one stops the process with a message, reset() from
// inside the own call is deferred to its return. Exceptions follow the
// terminate policy (a typed pool has no fallback to return).
#ifndef THUNK_TYPED_STATIC_CLOSURE_HPP
#define THUNK_TYPED_STATIC_CLOSURE_HPP

#include <atomic>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <new>
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
#include "signature.hpp"

THUNK_BEGIN_NAMESPACE

template <class P, class F, std::size_t N, class Tag = void>
class typed_static_closure;

namespace detail {

template <class Pointer, class F, std::size_t N, class Tag>
struct typed_pool {
  struct alignas(64) slot {
    std::atomic<bool> live{false};
    alignas(F) unsigned char storage[sizeof(F)];
  };
  static inline slot slots[N];
  static inline std::atomic<int> taken[N];  // int: a byte-wide CAS needs libatomic on RISC-V

  [[noreturn]] static void poisoned(std::size_t i) noexcept {
    char name[256];
    extract_type_name(pretty_signature<typed_static_closure<Pointer, F, N, Tag>>(), name, sizeof name);
    std::fprintf(stderr,
                 "thunk: fatal: a destroyed %s was called through its stale pointer (slot %lu of %lu); the C code "
                 "kept the callback after the typed_static_closure was destroyed\n",
                 name, static_cast<unsigned long>(i), static_cast<unsigned long>(N));
    std::fflush(stderr);
    std::abort();
  }

  static std::size_t claim() noexcept {
    for (std::size_t i = 0; i < N; ++i) {
      int expected = 0;
      if (!taken[i].load(std::memory_order_relaxed) &&
          taken[i].compare_exchange_strong(expected, 1, std::memory_order_acquire))
        return i;
    }
    return N;
  }
  static void free(std::size_t i) noexcept { taken[i].store(0, std::memory_order_release); }
};

/// Slot I's function: one load of its live flag, then the callable, inlined.
template <class Pool, class Pointer, class F, std::size_t I>
struct typed_slot_entry {
  template <class R, class... A>
  static R invoke(A&... a) noexcept {
    auto& s = Pool::slots[I];
    if (THUNK_DETAIL_UNLIKELY(!s.live.load(std::memory_order_acquire))) Pool::poisoned(I);
    if constexpr (copy_per_call<F, A&&...>) {
      const F f = *std::launder(reinterpret_cast<const F*>(s.storage));
      return invoke_terminate<Pointer, R>(f, static_cast<A&&>(a)...);
    } else {
      const running_scope running(static_cast<void*>(s.storage));
      return invoke_terminate<Pointer, R>(*std::launder(reinterpret_cast<F*>(s.storage)), static_cast<A&&>(a)...);
    }
  }
};

template <class Pool, class Pointer, class F, class Sig, class Seq>
struct typed_table;
template <class Pool, class Pointer, class F, class Sig, std::size_t... I>
struct typed_table<Pool, Pointer, F, Sig, std::index_sequence<I...>> {
  static constexpr
      typename Sig::pointer functions[sizeof...(I)] = {entry_for<typed_slot_entry<Pool, Pointer, F, I>, Sig>::value...};
};

}  // namespace detail

/// An owning, move-only C function pointer of type P bound to a callable of
/// type F, from a compile-time pool of N slots for (P, F, N, Tag).
template <class P, class F, std::size_t N, class Tag>
class typed_static_closure {
  static_assert(N > 0, "thunk::typed_static_closure<P, F, N>: N is the pool's number of slots: at least 1");
  static_assert(std::is_same<F, std::decay_t<F>>::value,
                "thunk::typed_static_closure<P, F, N>: F is the callable's own type: decltype(lambda), no "
                "reference, no const");
  static_assert(is_bindable_v<P, F>,
                "thunk::typed_static_closure<P, F, N>: F cannot be called with P's parameters, "
                "or its result does not convert to P's result");
  using sig = signature<P>;
  using pool = detail::typed_pool<typename sig::pointer, F, N, Tag>;
  using table = detail::typed_table<pool, typename sig::pointer, F, typename sig::base, std::make_index_sequence<N>>;

 public:
  using pointer = typename sig::pointer;
  static constexpr std::size_t capacity = N;

  typed_static_closure() noexcept = default;
  /// Takes f (copied or moved in). Throws thunk::error (errc::pool_exhausted) when all N slots are in use.
  template <class G, std::enable_if_t<std::is_same<std::decay_t<G>, F>::value, int> = 0>
  explicit typed_static_closure(G&& f) {
    std::error_code ec;
    assign(std::forward<G>(f), ec);
    if (ec) detail::raise(ec, "cannot create thunk::typed_static_closure");
  }
  typed_static_closure(typed_static_closure&& o) noexcept : slot_(std::exchange(o.slot_, N)) {}
  typed_static_closure& operator=(typed_static_closure&& o) noexcept {
    if (this != &o) {
      reset();
      slot_ = std::exchange(o.slot_, N);
    }
    return *this;
  }
  typed_static_closure(const typed_static_closure&) = delete;
  typed_static_closure& operator=(const typed_static_closure&) = delete;
  ~typed_static_closure() { reset(); }

  pointer get() const noexcept { return slot_ < N ? table::functions[slot_] : nullptr; }
  explicit operator bool() const noexcept { return slot_ < N; }

  /// As static_closure::reset(): poisoned at once; from inside the own call
  /// the callable lives, and the slot stays taken, until that call returns.
  void reset() noexcept {
    if (slot_ >= N) return;
    auto& s = pool::slots[slot_];
    s.live.store(false, std::memory_order_release);
    void* index = reinterpret_cast<void*>(static_cast<std::uintptr_t>(slot_));
    slot_ = N;
    if (detail::defer_release_if_running(static_cast<void*>(s.storage), {&release_now, nullptr, index})) return;
    release_now(nullptr, index);
  }

  /// Non-throwing factory: empty and ec set when the pool is full.
  template <class G>
  static typed_static_closure make(G&& f, std::error_code& ec) {
    typed_static_closure c;
    c.assign(std::forward<G>(f), ec);
    return c;
  }

 private:
  static void release_now(void*, void* index) noexcept {
    const std::size_t i = static_cast<std::size_t>(reinterpret_cast<std::uintptr_t>(index));
    std::launder(reinterpret_cast<F*>(pool::slots[i].storage))->~F();
    pool::free(i);
  }

  template <class G>
  void assign(G&& f, std::error_code& ec) {
    ec.clear();
    const std::size_t i = pool::claim();
    if (i == N) {
      ec = make_error_code(errc::pool_exhausted);
      return;
    }
#if THUNK_HAS_EXCEPTIONS
    try {
#endif
      ::new (static_cast<void*>(pool::slots[i].storage)) F(std::forward<G>(f));
#if THUNK_HAS_EXCEPTIONS
    } catch (...) {
      pool::free(i);
      throw;
    }
#endif
    pool::slots[i].live.store(true, std::memory_order_release);
    reset();
    slot_ = i;
  }

  std::size_t slot_ = N;  // N: empty
};

THUNK_END_NAMESPACE

#endif  // THUNK_TYPED_STATIC_CLOSURE_HPP
