// Where closures live: one pool of thunk slots per kind (which register
// gets the context, or the general path), carved from sealed chunks.
//
// Creating a closure is a pop from a per-thread cache and two stores into
// the data page: no system call, no lock, no instruction-cache flush in the
// steady state. Destroying one poisons its data slot (a call through it
// reports the closure's type and stops the process) and retires the slot;
// retired slots wait in a FIFO quarantine per kind and are reused only after
// `quarantine_slots` later destructions of that kind, on any thread (each
// destruction takes a number from the kind's counter; a slot leaves the
// quarantine when the counter passed its number by quarantine_slots).
// A chunk whose every slot is ready in the pool again is unmapped (two kept
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

/// A destroyed closure's slot is reused only after this many later
/// destructions of closures of its kind (on any thread).
constexpr std::uint64_t quarantine_slots = 4096;

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

[[noreturn]] inline void destroyed_closure_called(void* ctx) noexcept {
  auto* data = static_cast<slot_data*>(ctx);
  char name[256];
  extract_type_name(static_cast<const char*>(data->word), name, sizeof name);
  std::fprintf(stderr,
               "thunk: fatal: a destroyed thunk::closure<%s> was called through its stale pointer %p; "
               "the C code kept the callback after the closure was destroyed\n",
               name, reinterpret_cast<void*>(code_of(ctx)));
  std::fflush(stderr);
  std::abort();
}

/// Receives the context where kind K puts it.
template <int K, bool General = (K == abi::general), class Seq = std::make_index_sequence<(K < abi::general ? K : 0)>>
struct poison_trap;

#if defined(THUNK_ARCH_X86_64)
// x86-64 kinds are registers in System V order: rdi, rsi, rdx, rcx, r8, r9.
template <int K, std::size_t... I>
struct poison_trap<K, false, std::index_sequence<I...>> {
  static __attribute__((sysv_abi)) void trap(decltype(I, std::uintptr_t())..., void* ctx) noexcept {
    destroyed_closure_called(ctx);
  }
};
#elif defined(THUNK_ARCH_AARCH64)
template <int K, std::size_t... I>
struct poison_trap<K, false, std::index_sequence<I...>> {
  static void trap(decltype(I, std::uintptr_t())..., void* ctx) noexcept { destroyed_closure_called(ctx); }
};
#endif
template <int K, class Seq>
struct poison_trap<K, true, Seq> {
  static void trap() noexcept { destroyed_closure_called(pop_thread_context()); }
};

template <int Kind>
inline void* poison_entry() noexcept {
  return reinterpret_cast<void*>(&poison_trap<Kind>::trap);
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

/// A retired slot and its kind's destruction count when it was destroyed.
struct aged_slot {
  std::uintptr_t code;
  std::uint64_t stamp;
};

/// FIFO of retired slots (a growable ring).
struct aging_queue {
  aged_slot* items = nullptr;
  std::size_t head = 0, size = 0, capacity = 0;
  bool push(const aged_slot& v) noexcept {
    if (size == capacity) {
      const std::size_t c = capacity ? 2 * capacity : 256;
      auto* p = static_cast<aged_slot*>(std::malloc(c * sizeof(aged_slot)));
      if (!p) return false;
      for (std::size_t i = 0; i < size; ++i) p[i] = items[(head + i) % capacity];
      std::free(items);
      items = p;
      head = 0;
      capacity = c;
    }
    items[(head + size++) % capacity] = v;
    return true;
  }
  const aged_slot& front() const noexcept { return items[head]; }
  void pop() noexcept {
    head = (head + 1) % capacity;
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
  std::size_t take(std::uintptr_t* out, std::size_t n, std::error_code& ec) noexcept {
    spin_guard lock(lock_);
#if defined(THUNK_OS_LINUX) && THUNK_TLS_DYNAMIC
    if (kind_ == abi::general && !has_dynamic_stub) {  // no shared-library stub for this target yet
      ec = make_error_code(errc::thread_storage_unavailable);
      return 0;
    }
#endif
    age();
    std::size_t got = 0;
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

  /// Retired (poisoned) slots enter the quarantine; those that served it leave.
  void retire(const std::uintptr_t* codes, const std::uint64_t* stamps, std::size_t n) noexcept {
    spin_guard lock(lock_);
    for (std::size_t i = 0; i < n; ++i) (void)quarantine_.push(aged_slot{codes[i], stamps[i]});
    age();
    maybe_release_chunks();
  }

  /// Numbers a destruction of this kind (the quarantine's clock).
  std::uint64_t count_destruction() noexcept { return destructions_.fetch_add(1, std::memory_order_relaxed) + 1; }

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

  /// Slots whose kind saw quarantine_slots destructions since theirs become
  /// ready. (Stamps are not in order across threads: a younger slot at the
  /// front only delays the ones behind it.)
  void age() noexcept {
    const std::uint64_t now = destructions_.load(std::memory_order_relaxed);
    while (quarantine_.size && quarantine_.front().stamp + quarantine_slots <= now) {
      if (!ready_.push(quarantine_.front().code)) break;
      counted_in(quarantine_.front().code);
      quarantine_.pop();
    }
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

  alignas(64) std::atomic<std::uint64_t> destructions_{0};  // its own cache line: every destruction adds
  alignas(64) spin_lock lock_;
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
  r.lock.unlock();
  while (s) {
    thread_state* next = s->next;
    std::free(s);
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
// The fast path touches only this thread's state (one pointer away): stacks
// of ready and retired slots per kind. Ready slots come from the pool in
// batches; retired slots, stamped with their kind's destruction count, go
// back to the pool's quarantine in batches. At thread exit both go back.

inline void flush_thread_caches(thread_state& t) noexcept {
  for (int k = 0; k < abi::kind_count; ++k) {
    if (t.ready_count[k]) pool_of(k).give_ready(t.ready[k], t.ready_count[k]);
    if (t.retired_count[k]) pool_of(k).retire(t.retired[k], t.retired_stamp[k], t.retired_count[k]);
    t.ready_count[k] = t.retired_count[k] = 0;
  }
}

/// Counts a closure created or destroyed by a thread without state (out of
/// memory, or after the module started unloading).
inline void count_stateless(std::intptr_t delta) noexcept {
  thread_registry& r = registry();
  spin_guard g(r.lock);
  r.exited_live += delta;
}

/// Refills this thread's ready stack from the pool (the slow path).
THUNK_DETAIL_NOINLINE inline std::uintptr_t refill_and_acquire(int kind, errc& failure) noexcept {
  start_module();
  thread_state* t = this_thread_state();
  std::uintptr_t got[cache_batch];
  std::error_code ec;
  const std::size_t n = pool_of(kind).take(got, t ? cache_batch : 1, ec);
  if (n == 0) {
    failure = ec ? static_cast<errc>(ec.value()) : errc::out_of_memory;
    return 0;
  }
  if (!t) {
    count_stateless(1);
    return got[0];
  }
  for (std::size_t i = 1; i < n; ++i) t->ready[kind][t->ready_count[kind]++] = got[i];
  ++t->live;
  return got[0];
}

/// A slot of kind Kind, or 0 with `failure` set. (No std::error_code on this
/// path: constructing one calls into the standard library.)
template <int Kind>
inline std::uintptr_t acquire_slot(errc& failure) noexcept {
  thread_state* t = current_thread_state();
  if (THUNK_DETAIL_LIKELY(t != nullptr && t->ready_count[Kind] != 0)) {
    ++t->live;
    return t->ready[Kind][--t->ready_count[Kind]];
  }
#if THUNK_DETAIL_HAS_CODE_TABLES
  // (chunk source) assembles this kind's table. A shared library's general
  // path has a stub that calls a helper whose address only run-time code can
  // hold (thread_context.hpp): no table for it.
  if (Kind != abi::general || !THUNK_TLS_DYNAMIC) pool_of(Kind).use_table(code_table_of<Kind>());
#endif
  return refill_and_acquire(Kind, failure);
}

/// Retires a slot on a thread whose cache is full or that has no state.
THUNK_DETAIL_NOINLINE inline void retire_slow(int kind, std::uintptr_t code, std::uint64_t stamp) noexcept {
  start_module();
  thread_state* t = this_thread_state();
  if (!t) {
    pool_of(kind).retire(&code, &stamp, 1);
    count_stateless(-1);
    return;
  }
  if (t->retired_count[kind] == cache_batch) {
    pool_of(kind).retire(t->retired[kind], t->retired_stamp[kind], t->retired_count[kind]);
    t->retired_count[kind] = 0;
  }
  t->retired[kind][t->retired_count[kind]] = code;
  t->retired_stamp[kind][t->retired_count[kind]++] = stamp;
  --t->live;
}

/// Poisons the slot (name: the closure's type, for the message) and retires it.
template <int Kind>
inline void release_slot(std::uintptr_t code, const char* name) noexcept {
  slot_data* d = data_of(code);
  d->word = const_cast<char*>(name);
  d->entry = poison_entry<Kind>();
  const std::uint64_t stamp = pool_of(Kind).count_destruction();
  thread_state* t = current_thread_state();
  if (THUNK_DETAIL_LIKELY(t != nullptr && t->retired_count[Kind] < cache_batch)) {
    t->retired[Kind][t->retired_count[Kind]] = code;
    t->retired_stamp[Kind][t->retired_count[Kind]++] = stamp;
    --t->live;
    return;
  }
  retire_slow(Kind, code, stamp);
}

}  // namespace detail
THUNK_END_NAMESPACE

#endif
