// Where closures live: one pool of thunk slots per kind (which register
// gets the context, or the general path), carved from sealed chunks.
//
// Creating a closure is a pop from a per-thread cache and two stores into
// the data page: no system call, no lock, no atomic, no instruction-cache
// flush in the steady state. Destroying one poisons its data slot (a call
// through it reports the closure's type and stops the process) and retires
// the slot into its thread's own quarantine (thread_context.hpp), a FIFO it
// leaves after quarantine_slots later destructions on that thread; so a
// slot is reused only after quarantine_slots later destructions of its
// kind. A thread's quarantine holds at most local_quarantine::limit (8192)
// slots per kind; beyond that its oldest slots go to the pool, which hands
// them to any thread. When a thread exits, its unserved slots wait in the pool's
// quarantine, whose clock is the module's count of destructions of the kind.
// A chunk whose every slot is ready in the pool again is unmapped (some kept
// free per kind; see release_free_chunks), so memory comes back after a
// burst; when the module unloads with no closure alive, every chunk is
// unmapped (docs/lifetime-threads-exceptions.md, docs/platforms.md).
#ifndef THUNK_DETAIL_SLOT_POOL_HPP
#define THUNK_DETAIL_SLOT_POOL_HPP

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <system_error>
#include <utility>

#include "../config.hpp"
#include "../error.hpp"
#include "abi.hpp"
#include "chunk_source.hpp"
#include "code_table.hpp"
#include "executable_memory.hpp"
#include "fatal.hpp"
#include "invoke.hpp"
#include "spin_lock.hpp"
#include "thread_context.hpp"
#include "type_name.hpp"

THUNK_BEGIN_NAMESPACE
namespace detail {

/// A slot's data: what the thunk hands over (the address of `word`) and
/// where it jumps.
struct slot_data {
  void* word;   // the callable itself (small, trivial) or its heap box
  void* entry;  // the typed entry
};
static_assert(sizeof(slot_data) == 2 * sizeof(void*), "the thunks address entry at word + one pointer");

/// One geometry for every chunk of this target: a compile-time constant.
inline constexpr chunk_geometry closure_geometry = make_geometry<abi::slot_size>();

constexpr std::uintptr_t chunk_base(std::uintptr_t code) noexcept { return code & ~(closure_geometry.alignment - 1); }

/// The data slot of the thunk at `code`.
inline slot_data* data_of(std::uintptr_t code) noexcept {
  constexpr chunk_geometry g = closure_geometry;
  const std::uintptr_t base = chunk_base(code);
  const std::uintptr_t index = (code - base) / abi::slot_size;
  return reinterpret_cast<slot_data*>(base + g.code_bytes + index * sizeof(slot_data));
}

/// The thunk whose data slot is `data`.
inline std::uintptr_t code_of(const void* data) noexcept {
  const chunk_geometry& g = closure_geometry;
  const auto d = reinterpret_cast<std::uintptr_t>(data);
  const std::uintptr_t base = chunk_base(d);
  return base + (d - base - g.code_bytes) / sizeof(slot_data) * abi::slot_size;
}

// ---- poison ------------------------------------------------------------------

[[noreturn]] inline void destroyed_closure_called(void* ctx, const char* pretty) noexcept {
  fatal_callback("fatal: a destroyed thunk::closure<", pretty, "> was called through its stale pointer ",
                 reinterpret_cast<void*>(code_of(ctx)),
                 "; the C code kept the callback after the closure was destroyed", stop_by::abort);
}

/// Receives the context where kind K puts it, and names P (the closure's
/// function pointer type): a destroyed slot's entry, one store.
template <int K, class P, bool General = (K == abi::general),
          class Seq = std::make_index_sequence<(K < abi::general ? K : 0)>>
struct poison_trap;

#if defined(THUNK_ARCH_X86_64)
// x86-64 kinds are registers in System V order: rdi, rsi, rdx, rcx, r8, r9.
template <int K, class P, std::size_t... I>
struct poison_trap<K, P, false, std::index_sequence<I...>> {
  static __attribute__((sysv_abi)) void trap(decltype(I, std::uintptr_t())..., void* ctx) noexcept {
    destroyed_closure_called(ctx, pretty_signature<P>());
  }
};
#elif defined(THUNK_ARCH_AARCH64)
template <int K, class P, std::size_t... I>
struct poison_trap<K, P, false, std::index_sequence<I...>> {
  static void trap(decltype(I, std::uintptr_t())..., void* ctx) noexcept {
    destroyed_closure_called(ctx, pretty_signature<P>());
  }
};
#endif
template <int K, class P, class Seq>
struct poison_trap<K, P, true, Seq> {
  static void trap() noexcept { destroyed_closure_called(pop_thread_context(), pretty_signature<P>()); }
};

template <int Kind, class P>
inline void* poison_entry() noexcept {
  return reinterpret_cast<void*>(&poison_trap<Kind, P>::trap);
}

// ---- pools -------------------------------------------------------------------

/// A malloc'd stack of trivially copyable items (no exceptions, no
/// std::allocator: usable in noexcept code, freed explicitly).
template <class T>
struct plain_stack {
  T* items = nullptr;
  std::size_t size = 0, capacity = 0;
  bool push(const T& v) noexcept {
    if (size == capacity) {
      const std::size_t c = capacity ? 2 * capacity : 64;
      void* p = std::realloc(items, c * sizeof(T));
      if (!p) return false;
      items = static_cast<T*>(p);
      capacity = c;
    }
    items[size++] = v;
    return true;
  }
  void release() noexcept {
    std::free(items);
    items = nullptr;
    size = capacity = 0;
  }
  /// Gives back what a burst left unused.
  void shrink() noexcept {
    const std::size_t c = size < 64 ? 64 : size;
    if (void* p = std::realloc(items, c * sizeof(T))) {
      items = static_cast<T*>(p);
      capacity = c;
    }
  }
};

/// Slots retired together (an exiting thread's quarantine, in batches) and
/// the clock value after which they have served their quarantine.
struct retired_batch {
  std::uint32_t stamp;
  std::uint32_t count, taken;  // codes[taken, count) are still here
  std::uintptr_t codes[cache_batch];
};

/// FIFO of retired batches: a growable ring whose capacity is a power of two.
/// Whole batches move in and out: a slot costs a copy, not a queue operation.
struct aging_queue {
  retired_batch* items = nullptr;
  std::size_t head = 0, size = 0, capacity = 0;
  retired_batch* push_back() noexcept {
    if (size == capacity) {
      const std::size_t c = capacity ? 2 * capacity : 64;
      auto* p = static_cast<retired_batch*>(std::malloc(c * sizeof(retired_batch)));
      if (!p) return nullptr;
      for (std::size_t i = 0; i < size; ++i) p[i] = items[(head + i) & (capacity - 1)];
      std::free(items);
      items = p;
      head = 0;
      capacity = c;
    }
    return &items[(head + size++) & (capacity - 1)];
  }
  retired_batch& at(std::size_t i) noexcept { return items[(head + i) & (capacity - 1)]; }
  void pop_front() noexcept {
    head = (head + 1) & (capacity - 1);
    --size;
  }
  void release() noexcept {
    std::free(items);
    items = nullptr;
    head = size = capacity = 0;
  }
};

class slot_pool {
 public:
  constexpr explicit slot_pool(int kind) noexcept : kind_(kind) {}

  /// Writes up to `n` slots to `out` and returns how many (none: ec set).
  /// `clock`: destructions_so_far(kind), read before the lock, when
  /// has_quarantine() (null: not read).
  std::size_t take(std::uintptr_t* out, std::size_t n, const std::uint32_t* clock, std::error_code& ec) noexcept {
    spin_guard lock(lock_);
    if (clock) advance(*clock);
#if defined(THUNK_OS_LINUX) && THUNK_TLS_DYNAMIC
    if (kind_ == abi::general && !has_dynamic_stub) {  // no shared-library stub for this target yet
      ec = make_error_code(errc::thread_storage_unavailable);
      return 0;
    }
#endif
    std::size_t got = 0;
    // Batches that served their quarantine go straight out (never counted
    // in ready_), then slots resting in ready_, then fresh ones.
    while (got < n && quarantine_.size && served(quarantine_.at(0))) {
      retired_batch& b = quarantine_.at(0);
      while (got < n && b.taken < b.count) out[got++] = b.codes[b.taken++];
      if (b.taken == b.count) pop_batch();
    }
    while (got < n && ready_.size) {
      out[got] = ready_.items[--ready_.size];
      counted_out(out[got++]);
    }
    while (got < n) {
      if (next_ == end_ && !grow(ec)) break;
      out[got++] = next_;
      next_ += abi::slot_size;
    }
    note_in_use();
    return got;
  }

  /// Slots that already served their quarantine (or were never handed out).
  void give_ready(const std::uintptr_t* slots, std::size_t n) noexcept {
    spin_guard lock(lock_);
    for (std::size_t i = 0; i < n; ++i) {
      if (ready_.push(slots[i])) counted_in(slots[i]);  // no memory: the slot stays unused
    }
    maybe_release_chunks();
  }

  /// Slots that have not served their quarantine (a thread exits, or has no
  /// state) wait here until the kind's destruction count passes `clock`
  /// (destructions_so_far when they were handed over) by quarantine_slots.
  /// (n <= cache_batch.) Out of memory for the queue: the slots are never
  /// reused, which is safe.
  void retire(const std::uintptr_t* codes, std::size_t n, std::uint32_t clock) noexcept {
    spin_guard lock(lock_);
    advance(clock);
    if (retired_batch* b = quarantine_.push_back()) {
      b->stamp = clock;
      b->count = static_cast<std::uint32_t>(n);
      b->taken = 0;
      for (std::size_t i = 0; i < n; ++i) b->codes[i] = codes[i];
      quarantined_.store(quarantine_.size, std::memory_order_relaxed);
    }
  }

  /// The clock as destructions_so_far would give it (for the tests).
  void advance_for_test(std::uint32_t clock) noexcept {
    spin_guard lock(lock_);
    advance(clock);
  }
  /// Whether the oldest batch of the quarantine has served it (for the tests).
  bool front_served() noexcept {
    spin_guard lock(lock_);
    return quarantine_.size && served(quarantine_.at(0));
  }

  /// Whether take() wants the clock (a relaxed look, outside the lock).
  bool has_quarantine() const noexcept { return quarantined_.load(std::memory_order_relaxed) != 0; }

  void lock() noexcept { lock_.lock(); }
  bool try_lock() noexcept { return lock_.try_lock(); }
  void unlock() noexcept { lock_.unlock(); }

  /// The module unloads with no closure alive: every chunk goes back to the
  /// system. Called with the lock held.
  void unmap_all_locked() noexcept {
    const chunk_geometry& g = closure_geometry;
    for (std::size_t i = 0; i < chunks_.size; ++i) {
      void* p = reinterpret_cast<void*>(chunks_.items[i]);
#if defined(THUNK_OS_WINDOWS)
      VirtualFree(p, 0, win32::mem_release);
#else
      munmap(p, g.code_bytes + g.data_bytes);
#endif
    }
    (void)g;
    chunks_.release();
    ready_.release();
    quarantine_.release();
    quarantined_.store(0, std::memory_order_relaxed);
    next_ = end_ = 0;
    full_chunks_ = 0;
    cycle_peak_ = last_peak_ = pending_peak_ = trough_in_use_ = 0;
    troughed_ = untracked_ = false;
  }

  /// Chunks mapped now (for the tests and the bench).
  std::size_t chunk_count() noexcept {
    spin_guard lock(lock_);
    return chunks_.size;
  }
  /// Chunks mapped since the start (each one system calls).
  std::size_t chunks_mapped() noexcept {
    spin_guard lock(lock_);
    return chunks_mapped_;
  }

  /// The pre-built table of this pool's kind, where the program has one
  /// (set by the first acquisition of the kind, before any chunk is needed).
  void use_table(const unsigned char* table) noexcept { table_.store(table, std::memory_order_relaxed); }

 private:
  struct fill_args {
    int kind;
  };

  /// The clock is taken as given: every caller has just read it
  /// (destructions_so_far), and a steady loop may move it by 2^31 or more
  /// between two visits to the pool, which a "newer of the two" rule would
  /// take for a step back. (Two callers racing may set it a little back:
  /// that only delays.)
  void advance(std::uint32_t clock) noexcept { clock_ = clock; }
  /// A batch whose kind saw quarantine_slots destructions since it was
  /// stamped. The count wraps at 2^32: a batch stamped a little ahead of
  /// the clock (a racing caller's older reading) reads as "just stamped", not
  /// as 4 billion destructions ago, and one that waited through a multiple
  /// of 2^32 may wait once more (a delay, never an early reuse). (Stamps are
  /// nearly in order: a younger batch at the front only delays the others.)
  bool served(const retired_batch& b) const noexcept {
    const std::uint32_t since = clock_ - b.stamp;
    return since >= quarantine_slots && since < 0xFFF00000u;
  }
  void pop_batch() noexcept {
    quarantine_.pop_front();
    quarantined_.store(quarantine_.size, std::memory_order_relaxed);
  }

  static void fill(unsigned char* rw, std::uintptr_t at, void* arg) {
    const int kind = static_cast<fill_args*>(arg)->kind;
    const chunk_geometry& g = closure_geometry;
    const std::uintptr_t stub = at;
#if defined(THUNK_OS_LINUX) && THUNK_TLS_DYNAMIC
    write_dynamic_stub(rw, at);
#elif defined(THUNK_OS_LINUX) && !defined(THUNK_ARCH_X86_32)
    // The stub reads the stack's offset from the first data slot (grow).
    static_assert(closure_geometry.code_bytes == 0x10000, "the ARMv7 stub reaches its data at 64 KiB");
    abi::write_linux_stub(rw, static_cast<std::int64_t>(g.code_bytes));
#elif defined(THUNK_OS_LINUX)
    const std::ptrdiff_t depth = context_stack_offset();
    abi::write_linux_stub(rw, depth, depth + static_cast<std::ptrdiff_t>(sizeof(std::uintptr_t)));
#else
    write_windows_context_stub(rw);
#endif
    const std::size_t slots = g.code_bytes / abi::slot_size;
    for (std::size_t i = abi::stub_slots; i < slots; ++i) {
      const std::uintptr_t code = at + i * abi::slot_size;
      const std::uintptr_t data = at + g.code_bytes + i * sizeof(slot_data);
      abi::write_slot(rw + i * abi::slot_size, code, data, stub, kind);
    }
  }

  bool grow(std::error_code& ec) noexcept {
#if defined(THUNK_OS_WINDOWS)
    if (kind_ == abi::general && !context_tls_usable()) {
      ec = make_error_code(errc::thread_storage_unavailable);
      return false;
    }
#endif
    const chunk_geometry& g = closure_geometry;
    fill_args args{kind_};
    void* chunk = map_closure_chunk(g, table_.load(std::memory_order_relaxed), &slot_pool::fill, &args, ec);
    if (!chunk) return false;
    const auto base = reinterpret_cast<std::uintptr_t>(chunk);
#if defined(THUNK_OS_LINUX) && !defined(THUNK_ARCH_X86_32) && !THUNK_TLS_DYNAMIC
    // The general stub's one parameter: the per-thread stack's offset from
    // the thread pointer, in the first data slot (a stub slot's, unused).
    reinterpret_cast<slot_data*>(base + g.code_bytes)->word =
        reinterpret_cast<void*>(static_cast<std::intptr_t>(context_stack_offset()));
#endif
    prefault_data(chunk, g);
    if (!chunks_.push(base)) {  // not recorded (no memory): the chunk stays mapped for good
      untracked_ = true;
    }
    ++chunks_mapped_;
    next_ = base + abi::stub_slots * abi::slot_size;
    end_ = base + g.code_bytes;
    return true;
  }

  // ---- chunks come back after a burst ----
  //
  // Each chunk counts its slots that are in ready_ (served their quarantine,
  // not in a thread's cache, not live) in its first data slot but one (a
  // stub slot's, unused). A chunk whose every slot is there holds nothing
  // anyone can reach: it is unmapped, except for as many as the working set
  // needs again (hysteresis). A cycle runs from one trough of the chunks in
  // use (at most a quarter of the cycle's peak, or four) to the next, and
  // is complete when the chunks in use grow again after its trough;
  // keep_free() is the peak of the last complete cycle, at least
  // keep_free_chunks. So a burst is given back during its own descent (the
  // cycle before it was smaller), while a loop that makes and destroys the
  // same number of closures again and again maps and unmaps nothing after
  // its first two rounds, however large. A sweep costs one pass over ready_ and runs only when the
  // free chunks hold half of it, so the work is proportional to what it
  // returns. A stale pointer into an unmapped chunk faults (SIGSEGV) instead
  // of printing the poison message (docs/how-it-works.md).
  static constexpr std::size_t slots_per_chunk = closure_geometry.code_bytes / abi::slot_size - abi::stub_slots;
  static constexpr std::size_t keep_free_chunks = 2;
  static_assert(abi::stub_slots >= 2, "the count lives in a stub slot's data");

  static void*& free_count(std::uintptr_t slot) noexcept {
    const std::uintptr_t base = chunk_base(slot);
    return reinterpret_cast<slot_data*>(base + closure_geometry.code_bytes)[1].word;
  }
  static std::uintptr_t count_of(std::uintptr_t slot) noexcept {
    return reinterpret_cast<std::uintptr_t>(free_count(slot));
  }
  static void set_count(std::uintptr_t slot, std::uintptr_t n) noexcept { free_count(slot) = reinterpret_cast<void*>(n); }
  void counted_in(std::uintptr_t slot) noexcept {
    const std::uintptr_t n = count_of(slot) + 1;
    set_count(slot, n);
    if (n == slots_per_chunk) {
      ++full_chunks_;
      note_in_use();
    }
  }
  void note_in_use() noexcept {
    const std::size_t in_use = chunks_.size - full_chunks_;
    if (troughed_ && in_use >= trough_in_use_ + 2) {  // growing again: the cycle before is complete
      last_peak_ = pending_peak_;
      troughed_ = false;
      cycle_peak_ = in_use;
    }
    if (in_use > cycle_peak_) cycle_peak_ = in_use;
    const std::size_t low = cycle_peak_ / 4 > 4 ? cycle_peak_ / 4 : 4;
    if (!troughed_ && in_use <= low && cycle_peak_ >= in_use + 2) {
      troughed_ = true;
      pending_peak_ = cycle_peak_;
      trough_in_use_ = in_use;
    } else if (troughed_ && in_use < trough_in_use_) {
      trough_in_use_ = in_use;
    }
  }
  void counted_out(std::uintptr_t slot) noexcept {
    const std::uintptr_t n = count_of(slot);
    if (n == slots_per_chunk) --full_chunks_;
    set_count(slot, n - 1);
  }
  void maybe_release_chunks() noexcept {
    if (!untracked_ && full_chunks_ > keep_free() && full_chunks_ * slots_per_chunk * 2 >= ready_.size)
      release_free_chunks();
  }
  std::size_t keep_free() const noexcept {
    return last_peak_ > keep_free_chunks ? last_peak_ : keep_free_chunks;
  }
  void release_free_chunks() noexcept {
    constexpr std::uintptr_t full = slots_per_chunk, going = full + 1, kept = full + 2;
    std::uintptr_t bases[256];
    std::size_t released = 0, keeping = 0;
    const std::size_t keep = keep_free();
    for (std::size_t i = 0; i < ready_.size; ++i) {
      const std::uintptr_t slot = ready_.items[i];
      if (count_of(slot) != full) continue;
      if (keeping < keep || released == sizeof bases / sizeof bases[0]) {
        set_count(slot, kept);
        ++keeping;
      } else {
        set_count(slot, going);
        bases[released++] = chunk_base(slot);
      }
    }
    std::size_t out = 0;
    for (std::size_t i = 0; i < ready_.size; ++i) {
      const std::uintptr_t slot = ready_.items[i];
      const std::uintptr_t c = count_of(slot);
      if (c == going) continue;
      if (c == kept) set_count(slot, full);
      ready_.items[out++] = slot;
    }
    ready_.size = out;
    if (!released) return;
    for (std::size_t i = 0; i < released; ++i) {
      for (std::size_t j = 0; j < chunks_.size; ++j) {
        if (chunks_.items[j] == bases[i]) {
          chunks_.items[j] = chunks_.items[--chunks_.size];
          break;
        }
      }
      unmap_chunk(reinterpret_cast<void*>(bases[i]), closure_geometry);
    }
    full_chunks_ -= released;
    if (ready_.capacity > 4 * ready_.size + 4096) ready_.shrink();
  }

  alignas(64) spin_lock lock_;
  std::uint32_t clock_ = 0;                  // the last destructions_so_far a caller gave
  std::atomic<std::size_t> quarantined_{0};  // quarantine_.size, for has_quarantine()
  plain_stack<std::uintptr_t> ready_;
  aging_queue quarantine_;
  plain_stack<std::uintptr_t> chunks_;
  std::atomic<const unsigned char*> table_{nullptr};
  std::size_t full_chunks_ = 0;  // chunks whose every slot is in ready_
  std::size_t cycle_peak_ = 0;     // most chunks in use in this cycle
  std::size_t last_peak_ = 0;      // the same for the last complete cycle
  std::size_t pending_peak_ = 0;   // this cycle's peak, once past its trough
  std::size_t trough_in_use_ = 0;  // chunks in use at the trough
  bool troughed_ = false;
  std::size_t chunks_mapped_ = 0;
  bool untracked_ = false;  // a chunk could not be recorded: none is ever released
  std::uintptr_t next_ = 0, end_ = 0;
  int kind_;
};

template <std::size_t... K>
inline slot_pool* make_pools(std::index_sequence<K...>) noexcept {
  // Constant-initialised, never destroyed (closures may outlive static
  // destruction: atexit handlers), and part of the module's own image, so an
  // unloaded module leaves no pool behind.
  static slot_pool pools[] = {slot_pool(static_cast<int>(K))...};
  return pools;
}

inline slot_pool& pool_of(int kind) noexcept {
  return make_pools(std::make_index_sequence<static_cast<std::size_t>(abi::kind_count)>{})[kind];
}

// ---- the module's lifetime ---------------------------------------------------------

inline void flush_thread_caches(thread_state& t) noexcept;

#if defined(THUNK_OS_LINUX)
// fork(): a child must find every lock free and every list whole, so the
// parent takes them all around the fork (registry first, then the pools, the
// order used everywhere). glibc forgets these handlers when the module that
// registered them is unloaded.
inline void before_fork() noexcept {
  registry().lock.lock();
  for (int k = 0; k < abi::kind_count; ++k) pool_of(k).lock();
  capture_mutex().lock();
}
inline void after_fork() noexcept {
  capture_mutex().unlock();
  for (int k = abi::kind_count; k-- > 0;) pool_of(k).unlock();
  registry().lock.unlock();
}
#endif

/// When this module unloads (dlclose, FreeLibrary: its static destructors
/// run) with no closure alive, everything it holds goes back: chunks, the
/// per-thread states of every thread, the pthread key / FLS index and the
/// TLS index. With closures alive nothing is released (their thunks stay
/// mapped; calling one after the module's code is gone crashes).
/// Executables built without THUNK_TLS_DYNAMIC keep everything: there,
/// static destruction is only process exit, and closures may still be used by
/// later exit handlers.
inline void close_module() noexcept {
#if defined(THUNK_OS_LINUX) && !THUNK_TLS_DYNAMIC
  return;
#else
  thread_registry& r = registry();
  if (live_closures() != 0) return;
  r.closed.store(true, std::memory_order_release);
#  if defined(THUNK_OS_WINDOWS)
  if (r.key_ok) FlsFree(r.fls);  // may run the callback for threads' states (they unlink themselves)
#  else
  if (r.key_ok) pthread_key_delete(r.key);
#  endif
  r.key_ok = false;
  // A thread killed while holding a lock (ExitProcess) must not hang the
  // exit: give up instead.
  for (int attempt = 0; !r.lock.try_lock(); ++attempt) {
    if (attempt > 1000) return;
  }
  thread_state* s = r.head;
  r.head = nullptr;
  for (thread_state* t = s; t; t = t->next) count_exited(r, *t);
  r.lock.unlock();
  while (s) {
    thread_state* next = s->next;
    free_thread_state(s);
    s = next;
  }
  for (int k = 0; k < abi::kind_count; ++k) {
    slot_pool& p = pool_of(k);
    int attempt = 0;
    while (!p.try_lock()) {
      if (++attempt > 1000) break;
    }
    if (attempt > 1000) continue;
    p.unmap_all_locked();
    p.unlock();
  }
#  if defined(THUNK_OS_WINDOWS)
  const unsigned long tls = r.context_tls.exchange(win32::out_of_indexes);
  if (tls != win32::out_of_indexes) TlsFree(tls);
#  endif
#endif
}

struct module_lifetime {
  module_lifetime() noexcept {
    registry().flush = &flush_thread_caches;
#if defined(THUNK_OS_LINUX)
    pthread_atfork(&before_fork, &after_fork, &after_fork);
#endif
  }
  ~module_lifetime() { close_module(); }
  module_lifetime(const module_lifetime&) = delete;
  module_lifetime& operator=(const module_lifetime&) = delete;
};

/// Runs on every slow path: the first call registers the module's fork
/// handlers and its unload step (a static destructor: it runs at dlclose /
/// FreeLibrary, and at exit).
inline void start_module() noexcept {
  static module_lifetime lifetime;
  (void)lifetime;
}

// ---- per-thread caches ------------------------------------------------------------
//
// The fast path touches only this thread's state (one pointer away): per
// kind, a stack of slots taken from the pool in batches, and the thread's
// own quarantine (thread_context.hpp), which serves most creations of a
// steady loop by itself. At thread exit both go back to the pool.

/// Takes the oldest `n` slots (at most cache_batch) of a thread's quarantine
/// of `kind` to hand them to the pool. (A pop counts as an acquisition in the
/// thread's live count, thread_live: these are not, so `taken` gives them back.)
inline std::size_t take_front(thread_state& t, int kind, std::uintptr_t* out, std::size_t n) noexcept {
  local_quarantine& q = t.retired[kind];
  std::size_t got = 0;
  while (got < n && q.size()) out[got++] = q.pop_front();
  t.taken[kind].add(0u - static_cast<std::uint32_t>(got));
  return got;
}

inline void flush_thread_caches(thread_state& t) noexcept {
  for (int k = 0; k < abi::kind_count; ++k) {
    slot_pool& pool = pool_of(k);
    const std::uint32_t ready = t.ready_count[k].get();
    if (ready) pool.give_ready(t.ready[k], ready);
    t.ready_count[k].set(0);
    t.taken[k].add(0u - ready);
    local_quarantine& q = t.retired[k];
    std::uintptr_t batch[cache_batch];
    while (q.has_served()) {
      const std::size_t served = q.size() - quarantine_slots;
      pool.give_ready(batch, take_front(t, k, batch, served < cache_batch ? served : cache_batch));
    }
    if (!q.size()) continue;
    // The rest has not served its time: the pool keeps it until the kind's
    // count of destructions, now, advances by quarantine_slots.
    const std::uint32_t clock = destructions_so_far(k);
    while (const std::size_t n = take_front(t, k, batch, cache_batch)) pool.retire(batch, n, clock);
  }
}

/// Counts a closure created or destroyed outside any thread's counts: by a
/// thread without state (out of memory, or after the module started
/// unloading), or retired straight to the pool (no memory for a quarantine).
inline void count_stateless(std::intptr_t delta, int destroyed_kind = -1) noexcept {
  thread_registry& r = registry();
  spin_guard g(r.lock);
  r.exited_live += delta;
  if (destroyed_kind >= 0) ++r.exited_destroyed[destroyed_kind];
}

/// Refills this thread's ready stack from the pool (the slow path).
THUNK_DETAIL_NOINLINE THUNK_DETAIL_OUTLINE std::uintptr_t refill_and_acquire(int kind, errc& failure) noexcept
    THUNK_DETAIL_BODY({
  start_module();
  thread_state* t = this_thread_state();
  std::uintptr_t one = 0;
  // Straight into this thread's cache (empty: this is its slow path).
  std::uintptr_t* out = t ? t->ready[kind] : &one;
  slot_pool& pool = pool_of(kind);
  std::uint32_t clock = 0;
  const bool aging = pool.has_quarantine();
  if (aging) clock = destructions_so_far(kind);  // before the pool's lock (lock order)
  std::error_code ec;
  const std::size_t n = pool.take(out, t ? cache_batch : 1, aging ? &clock : nullptr, ec);
  if (n == 0) {
    failure = ec ? static_cast<errc>(ec.value()) : errc::out_of_memory;
    return 0;
  }
  if (!t) {
    count_stateless(1);
    return one;
  }
  // `taken` first: a concurrent live_closures() may then count too many for a
  // moment, never too few (an unloading module must not think it has none).
  t->taken[kind].add(static_cast<std::uint32_t>(n));
  t->ready_count[kind].set(static_cast<std::uint32_t>(n - 1));
  return out[n - 1];
})

/// A slot of kind Kind, or 0 with `failure` set. (No std::error_code on this
/// path: constructing one calls into the standard library.)
template <int Kind>
inline std::uintptr_t acquire_slot(errc& failure) noexcept {
  thread_state* t = current_thread_state();
  if (THUNK_DETAIL_LIKELY(t != nullptr)) {
    // A steady loop lives off its own quarantine; slots from the pool wait
    // in the cache until it does not (at most a batch).
    local_quarantine& q = t->retired[Kind];
    if (THUNK_DETAIL_LIKELY(q.has_served())) return q.pop_front();
    if (const std::uint32_t n = t->ready_count[Kind].get()) {
      t->ready_count[Kind].set(n - 1);
      return t->ready[Kind][n - 1];
    }
  }
#if THUNK_DETAIL_HAS_CODE_TABLES
  // (chunk source) assembles this kind's table. A shared library's general
  // path has a stub that calls a helper whose address only run-time code can
  // hold (thread_context.hpp): no table for it.
  if (Kind != abi::general || !THUNK_TLS_DYNAMIC) pool_of(Kind).use_table(code_table_of<Kind>());
#endif
  return refill_and_acquire(Kind, failure);
}

/// Grows a thread's quarantine (doubling up to its limit); false: no memory.
inline bool grow_quarantine(local_quarantine& q) noexcept {
  const std::uint32_t c = q.capacity == 0 ? 256 : 2 * q.capacity;
  auto* items = static_cast<std::uintptr_t*>(std::malloc(c * sizeof(std::uintptr_t)));
  if (!items) return false;
  const std::uint32_t end = q.pushed.get();
  for (std::uint32_t i = q.popped.get(); i != end; ++i) items[i & (c - 1)] = q.items[i & (q.capacity - 1)];
  std::free(q.items);
  q.items = items;
  q.capacity = c;
  return true;
}

/// Retires a slot on a thread whose quarantine is full (grown, or its
/// oldest batch goes to the pool), or that has no state.
THUNK_DETAIL_NOINLINE THUNK_DETAIL_OUTLINE void retire_slow(int kind, std::uintptr_t code) noexcept
    THUNK_DETAIL_BODY({
  start_module();
  thread_state* t = this_thread_state();
  local_quarantine* q = t ? &t->retired[kind] : nullptr;
  if (q && !q->has_room() && q->capacity < local_quarantine::limit && !grow_quarantine(*q)) q = nullptr;
  if (!q) {  // no state, or no memory to grow: the pool's quarantine
    count_stateless(-1, kind);
    pool_of(kind).retire(&code, 1, destructions_so_far(kind));
    return;
  }
  if (!q->has_room()) {  // at its limit: the oldest have served
    std::uintptr_t batch[cache_batch];
    pool_of(kind).give_ready(batch, take_front(*t, kind, batch, cache_batch));
  }
  q->push_back(code);
})

/// Poisons the slot (its entry now names P, the closure's type, in a
/// message) and retires it into this thread's quarantine: stores to the
/// slot and to this thread's state, nothing shared.
template <int Kind, class P>
inline void release_slot(std::uintptr_t code) noexcept {
  data_of(code)->entry = poison_entry<Kind, P>();
  thread_state* t = current_thread_state();
  if (THUNK_DETAIL_LIKELY(t != nullptr && t->retired[Kind].has_room())) {
    t->retired[Kind].push_back(code);
    return;
  }
  retire_slow(Kind, code);
}

}  // namespace detail
THUNK_END_NAMESPACE

#endif
