// Where closures live: one pool of thunk slots per kind (which register
// gets the context, or the general path), carved from sealed chunks.
//
// Creating a closure is a pop from a per-thread cache and two stores into
// the data page: no system call, no lock, no instruction-cache flush in the
// steady state. Destroying one poisons its data slot (a call through it
// reports the closure's type and stops the process) and retires the slot;
// retired slots wait in a process-wide FIFO quarantine and are reused only
// after `quarantine_slots` later destructions. A chunk whose every slot is
// ready in the pool again is unmapped (two kept free per kind; see
// release_free_chunks), so memory comes back after a burst.
#ifndef THUNK_DETAIL_SLOT_POOL_HPP
#define THUNK_DETAIL_SLOT_POOL_HPP

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <new>
#include <system_error>
#include <utility>
#include <vector>

#include "../config.hpp"
#include "../error.hpp"
#include "abi.hpp"
#include "chunk_source.hpp"
#include "code_table.hpp"
#include "executable_memory.hpp"
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

constexpr std::size_t quarantine_slots = 4096;         // process-wide (slots of exited threads)
constexpr std::size_t thread_quarantine_slots = 1024;  // per thread and kind
constexpr std::size_t cache_batch = 64;

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

class slot_pool {
 public:
  explicit slot_pool(int kind) noexcept : kind_(kind) {}

  /// Writes up to `n` slots to `out` and returns how many (none: ec set).
  std::size_t take(std::uintptr_t* out, std::size_t n, std::error_code& ec) noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    std::size_t got = 0;
    while (got < n && !ready_.empty()) {
      out[got++] = ready_.back();
      ready_.pop_back();
      counted_out(out[got - 1]);
    }
    while (got < n) {
      if (next_ == end_ && !grow(ec)) break;
      out[got++] = next_;
      next_ += abi::slot_size;
    }
    return got;
  }

  /// Slots that already served their quarantine (or were never handed out).
  void give_ready(const std::uintptr_t* slots, std::size_t n) noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
#if THUNK_HAS_EXCEPTIONS
    try {
#endif
      ready_.insert(ready_.end(), slots, slots + n);
      for (std::size_t i = 0; i < n; ++i) counted_in(slots[i]);
      maybe_release_chunks();
#if THUNK_HAS_EXCEPTIONS
    } catch (...) {
    }
#endif
  }

  /// Retired (poisoned) slots enter the quarantine; the oldest leave it.
  void retire(const std::uintptr_t* slots, std::size_t n) noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
#if THUNK_HAS_EXCEPTIONS
    try {
#endif
      quarantine_.insert(quarantine_.end(), slots, slots + n);
      while (quarantine_.size() > quarantine_slots) {
        ready_.push_back(quarantine_.front());
        counted_in(quarantine_.front());
        quarantine_.pop_front();
      }
      maybe_release_chunks();
#if THUNK_HAS_EXCEPTIONS
    } catch (...) {
      // Out of memory for bookkeeping: the slots stay poisoned and unused.
    }
#endif
  }

 private:
  struct fill_args {
    int kind;
  };

  static void fill(unsigned char* rw, std::uintptr_t at, void* arg) {
    const int kind = static_cast<fill_args*>(arg)->kind;
    const chunk_geometry& g = closure_geometry;
    const std::uintptr_t stub = at;
#if defined(THUNK_OS_LINUX)
#  if !defined(THUNK_ARCH_X86_32)
    // The stub reads the stack's offset from the first data slot (grow).
    static_assert(closure_geometry.code_bytes == 0x10000, "the ARMv7 stub reaches its data at 64 KiB");
    abi::write_linux_stub(rw, static_cast<std::int64_t>(g.code_bytes));
#  else
    const std::ptrdiff_t depth = context_stack_offset();
    abi::write_linux_stub(rw, depth, depth + static_cast<std::ptrdiff_t>(sizeof(std::uintptr_t)));
#  endif
#else
    abi::write_windows_stub(rw, context_teb_offset());
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
#if defined(THUNK_OS_LINUX) && !defined(THUNK_ARCH_X86_32)
    // The general stub's one parameter: the per-thread stack's offset from
    // the thread pointer, in the first data slot (a stub slot's, unused).
    reinterpret_cast<slot_data*>(base + g.code_bytes)->word =
        reinterpret_cast<void*>(static_cast<std::intptr_t>(context_stack_offset()));
#endif
    prefault_data(chunk, g);
    next_ = base + abi::stub_slots * abi::slot_size;
    end_ = base + g.code_bytes;
    ++chunks_;
    ++chunks_mapped_;
    return true;
  }

  // ---- chunks come back after a burst ----
  //
  // Each chunk counts its slots that are in ready_ (served their quarantine,
  // not in a thread's cache, not live) in its first data slot but one (a
  // stub slot's, unused). A chunk whose every slot is there holds nothing
  // anyone can reach: it is unmapped, except for keep_free_chunks of them
  // (hysteresis: a create/destroy loop that crosses a chunk's edge makes no
  // system call). A sweep costs one pass over ready_ and runs only when the
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
  static void set_count(std::uintptr_t slot, std::uintptr_t n) noexcept {
    free_count(slot) = reinterpret_cast<void*>(n);
  }
  void counted_in(std::uintptr_t slot) noexcept {
    const std::uintptr_t n = count_of(slot) + 1;
    set_count(slot, n);
    if (n == slots_per_chunk) ++full_chunks_;
  }
  void counted_out(std::uintptr_t slot) noexcept {
    const std::uintptr_t n = count_of(slot);
    if (n == slots_per_chunk) --full_chunks_;
    set_count(slot, n - 1);
  }
  void maybe_release_chunks() noexcept {
    if (full_chunks_ > keep_free_chunks && full_chunks_ * slots_per_chunk * 2 >= ready_.size()) release_free_chunks();
  }
  void release_free_chunks() noexcept {
    constexpr std::uintptr_t full = slots_per_chunk, going = full + 1, kept = full + 2;
    std::uintptr_t bases[256];
    std::size_t released = 0, keeping = 0;
    for (const std::uintptr_t slot : ready_) {
      if (count_of(slot) != full) continue;
      if (keeping < keep_free_chunks || released == sizeof bases / sizeof bases[0]) {
        set_count(slot, kept);
        ++keeping;
      } else {
        set_count(slot, going);
        bases[released++] = chunk_base(slot);
      }
    }
    if (!released) {
      for (const std::uintptr_t slot : ready_)
        if (count_of(slot) == kept) set_count(slot, full);
      return;
    }
    std::size_t out = 0;
    for (const std::uintptr_t slot : ready_) {
      const std::uintptr_t c = count_of(slot);
      if (c == going) continue;
      if (c == kept) set_count(slot, full);
      ready_[out++] = slot;
    }
    ready_.resize(out);
    for (std::size_t i = 0; i < released; ++i) unmap_chunk(reinterpret_cast<void*>(bases[i]), closure_geometry);
    full_chunks_ -= released;
    chunks_ -= released;
    if (ready_.capacity() > 4 * ready_.size() + 4096) {
#if THUNK_HAS_EXCEPTIONS
      try {
#endif
        std::vector<std::uintptr_t>(ready_).swap(ready_);
#if THUNK_HAS_EXCEPTIONS
      } catch (...) {
      }
#endif
    }
  }

 public:
  /// Chunks mapped now (for the tests and the bench).
  std::size_t chunk_count() noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    return chunks_;
  }
  /// Chunks mapped since the start (each one system calls).
  std::size_t chunks_mapped() noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    return chunks_mapped_;
  }

  /// The pre-built table of this pool's kind, where the program has one
  /// (set by the first acquisition of the kind, before any chunk is needed).
  void use_table(const unsigned char* table) noexcept { table_.store(table, std::memory_order_relaxed); }

 private:
  std::atomic<const unsigned char*> table_{nullptr};
  std::size_t full_chunks_ = 0;  // chunks whose every slot is in ready_
  std::size_t chunks_ = 0, chunks_mapped_ = 0;
  std::mutex mutex_;
  std::vector<std::uintptr_t> ready_;
  std::deque<std::uintptr_t> quarantine_;
  std::uintptr_t next_ = 0, end_ = 0;
  int kind_;
};

inline slot_pool& pool_of(int kind) noexcept {
  // Never destroyed: closures may outlive static destruction (atexit handlers).
  static slot_pool* const pools = [] {
    auto* p = static_cast<slot_pool*>(::operator new(sizeof(slot_pool) * abi::kind_count));
    for (int k = 0; k < abi::kind_count; ++k) new (p + k) slot_pool(k);
    return p;
  }();
  return pools[kind];
}

// ---- per-thread caches ------------------------------------------------------------
//
// The fast path touches only a trivially initialised thread_local (no
// constructor, no guard): fixed stacks of ready and retired slots per kind.
// Retired slots then serve their quarantine in a per-thread FIFO ring (heap,
// made on first use), so a thread that creates and destroys closures in a
// loop reuses its own slots after `thread_quarantine_slots` destructions,
// with no lock and no cache line shared with another thread. A second
// thread_local with a destructor, touched on the slow path only, hands
// everything to the process-wide pool when the thread exits.

struct thread_quarantine {
  std::uintptr_t ring[thread_quarantine_slots];
  std::size_t head;
  std::size_t count;
  // Aged slots the ready stack had no room for: kept for this thread, so a
  // working set of several hundred closures never goes through the pool.
  std::uintptr_t spare[thread_quarantine_slots];
  std::size_t spare_count;
};

struct thread_slot_stacks {
  std::uintptr_t ready[abi::kind_count][2 * cache_batch];
  std::uintptr_t retired[abi::kind_count][cache_batch];
  thread_quarantine* quarantine[abi::kind_count];
  std::uint32_t ready_count[abi::kind_count];
  std::uint32_t retired_count[abi::kind_count];
  bool registered;  // the flusher below exists for this thread
  bool gone;        // thread exit (or static destruction after main's): use the pools
};

inline thread_local thread_slot_stacks thread_slots = {};

struct thread_slot_flusher {
  ~thread_slot_flusher() {
    thread_slot_stacks& t = thread_slots;
    t.gone = true;
    for (int k = 0; k < abi::kind_count; ++k) {
      if (t.ready_count[k]) pool_of(k).give_ready(t.ready[k], t.ready_count[k]);
      if (thread_quarantine* q = t.quarantine[k]) {
        if (q->spare_count) pool_of(k).give_ready(q->spare, q->spare_count);
        // Oldest first, so the process-wide FIFO keeps the order.
        for (std::size_t i = 0; i < q->count; ++i)
          pool_of(k).retire(&q->ring[(q->head + i) % thread_quarantine_slots], 1);
        delete q;
        t.quarantine[k] = nullptr;
      }
      if (t.retired_count[k]) pool_of(k).retire(t.retired[k], t.retired_count[k]);
      t.ready_count[k] = t.retired_count[k] = 0;
    }
  }
};

inline void register_thread_flusher() noexcept {
  static thread_local thread_slot_flusher flusher;
  (void)flusher;
  thread_slots.registered = true;
}

/// Refills this thread's ready stack from the pool (the slow path).
THUNK_DETAIL_NOINLINE inline std::uintptr_t refill_and_acquire(int kind, errc& failure) noexcept {
  thread_slot_stacks& t = thread_slots;
  if (thread_quarantine* q = t.quarantine[kind]; q && q->spare_count) {
    std::size_t n = q->spare_count < cache_batch ? q->spare_count : cache_batch;
    while (--n) t.ready[kind][t.ready_count[kind]++] = q->spare[--q->spare_count];
    return q->spare[--q->spare_count];
  }
  std::uintptr_t got[cache_batch];
  std::error_code ec;
  const std::size_t n = pool_of(kind).take(got, t.gone ? 1 : cache_batch, ec);
  if (n == 0) {
    failure = ec ? static_cast<errc>(ec.value()) : errc::out_of_memory;
    return 0;
  }
  if (!t.gone && !t.registered) register_thread_flusher();
  for (std::size_t i = 1; i < n; ++i) t.ready[kind][t.ready_count[kind]++] = got[i];
  return got[0];
}

/// A slot of kind Kind, or 0 with `failure` set. (No std::error_code on this
/// path: constructing one calls into the standard library.)
template <int Kind>
inline std::uintptr_t acquire_slot(errc& failure) noexcept {
  thread_slot_stacks& t = thread_slots;
  if (THUNK_DETAIL_LIKELY(t.ready_count[Kind] != 0)) return t.ready[Kind][--t.ready_count[Kind]];
#if THUNK_DETAIL_HAS_CODE_TABLES
  pool_of(Kind).use_table(code_table_of<Kind>());  // (chunk source) assembles this kind's table
#endif
  return refill_and_acquire(Kind, failure);
}

/// Moves this thread's retired slots into its quarantine ring; the slots
/// that leave the ring become ready (here, or in the pool when full).
THUNK_DETAIL_NOINLINE inline void flush_retired(int kind) noexcept {
  thread_slot_stacks& t = thread_slots;
  if (!t.registered && !t.gone) register_thread_flusher();
  thread_quarantine*& q = t.quarantine[kind];
  if (!q && !t.gone) q = new (std::nothrow) thread_quarantine();
  if (!q) {
    pool_of(kind).retire(t.retired[kind], t.retired_count[kind]);
    t.retired_count[kind] = 0;
    return;
  }
  std::uintptr_t spill[cache_batch];
  std::size_t spilled = 0;
  for (std::uint32_t i = 0; i < t.retired_count[kind]; ++i) {
    const std::uintptr_t slot = t.retired[kind][i];
    if (q->count < thread_quarantine_slots) {
      q->ring[(q->head + q->count++) % thread_quarantine_slots] = slot;
      continue;
    }
    const std::uintptr_t aged = q->ring[q->head];
    q->ring[q->head] = slot;
    q->head = (q->head + 1) % thread_quarantine_slots;
    if (t.ready_count[kind] < 2 * cache_batch) {
      t.ready[kind][t.ready_count[kind]++] = aged;
    } else if (q->spare_count < thread_quarantine_slots) {
      q->spare[q->spare_count++] = aged;
    } else {
      spill[spilled++] = aged;
    }
  }
  t.retired_count[kind] = 0;
  if (spilled) pool_of(kind).give_ready(spill, spilled);
}

/// Poisons the slot (name: the closure's type, for the message) and retires it.
template <int Kind>
inline void release_slot(std::uintptr_t code, const char* name) noexcept {
  slot_data* d = data_of(code);
  d->word = const_cast<char*>(name);
  d->entry = poison_entry<Kind>();
  thread_slot_stacks& t = thread_slots;
  if (THUNK_DETAIL_UNLIKELY(t.gone)) {
    pool_of(Kind).retire(&code, 1);
    return;
  }
  t.retired[Kind][t.retired_count[Kind]++] = code;
  if (THUNK_DETAIL_UNLIKELY(t.retired_count[Kind] == cache_batch)) flush_retired(Kind);
}

}  // namespace detail
THUNK_END_NAMESPACE

#endif
