// Where closures live: one pool of thunk slots per kind (which register
// gets the context, or the general path), carved from sealed chunks.
//
// Creating a closure is a pop from a per-thread cache and two stores into
// the data page: no system call, no lock, no instruction-cache flush in the
// steady state. Destroying one poisons its data slot (a call through it
// reports the closure's type and stops the process) and retires the slot;
// retired slots wait in a process-wide FIFO quarantine and are reused only
// after `quarantine_slots` later destructions. Chunks are kept for reuse: the
// memory held is bounded by the peak number of live closures plus the
// quarantine, not returned to the system (docs/closure.md).
#ifndef THUNK_DETAIL_SLOT_POOL_HPP
#define THUNK_DETAIL_SLOT_POOL_HPP

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

#include "../error.hpp"
#include "abi.hpp"
#include "executable_memory.hpp"
#include "thread_context.hpp"
#include "type_name.hpp"

namespace thunk {
namespace detail {

/// A slot's data: what the thunk hands over (the address of `word`) and
/// where it jumps.
struct slot_data {
  void* word;   // the callable itself (small, trivial) or its heap box
  void* entry;  // the typed entry
};
static_assert(sizeof(slot_data) == 2 * sizeof(void*), "the thunks address entry at word + one pointer");

constexpr std::size_t quarantine_slots = 4096;
constexpr std::size_t cache_batch = 64;

inline const chunk_geometry& closure_geometry() noexcept { return geometry<abi::slot_size>(); }

inline std::uintptr_t chunk_base(std::uintptr_t code) noexcept {
  return code & ~(closure_geometry().alignment - 1);
}

/// The data slot of the thunk at `code`.
inline slot_data* data_of(std::uintptr_t code) noexcept {
  const chunk_geometry& g = closure_geometry();
  const std::uintptr_t base = chunk_base(code);
  const std::uintptr_t index = (code - base) / abi::slot_size;
  return reinterpret_cast<slot_data*>(base + g.code_bytes + index * sizeof(slot_data));
}

/// The thunk whose data slot is `data`.
inline std::uintptr_t code_of(const void* data) noexcept {
  const chunk_geometry& g = closure_geometry();
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
template <int K, bool General = (K == abi::general),
          class Seq = std::make_index_sequence<(K < abi::general ? K : 0)>>
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

template <std::size_t... K>
inline void* poison_entry(int kind, std::index_sequence<K...>) noexcept {
  static void* const traps[] = {reinterpret_cast<void*>(&poison_trap<static_cast<int>(K)>::trap)...};
  return traps[kind];
}
inline void* poison_entry(int kind) noexcept {
  return poison_entry(kind, std::make_index_sequence<abi::kind_count>{});
}

// ---- pools -------------------------------------------------------------------

class slot_pool {
 public:
  explicit slot_pool(int kind) noexcept : kind_(kind) {}

  /// Moves up to `n` ready slots into `out` (at least one, or ec set).
  void take(std::vector<std::uintptr_t>& out, std::size_t n, std::error_code& ec) noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    while (n && !ready_.empty()) {
      out.push_back(ready_.back());
      ready_.pop_back();
      --n;
    }
    while (n) {
      if (next_ == end_ && !grow(ec)) return;
      out.push_back(next_);
      next_ += abi::slot_size;
      --n;
    }
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
        quarantine_.pop_front();
      }
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
    const chunk_geometry& g = closure_geometry();
    const std::uintptr_t stub = at;
#if defined(THUNK_OS_LINUX)
    const std::ptrdiff_t depth = context_stack_offset();
#  if defined(THUNK_ARCH_AARCH64)
    abi::write_linux_stub(rw, depth);
#  else
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
    const chunk_geometry& g = closure_geometry();
    fill_args args{kind_};
    void* chunk = map_chunk(g, &slot_pool::fill, &args, ec);
    if (!chunk) return false;
    const auto base = reinterpret_cast<std::uintptr_t>(chunk);
    next_ = base + abi::stub_slots * abi::slot_size;
    end_ = base + g.code_bytes;
    return true;
  }

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

/// Set once this thread's cache is destroyed (thread exit, or static
/// destruction after main's thread_locals): later calls go to the pool.
inline thread_local bool thread_cache_gone = false;

/// Per-thread caches: ready slots to hand out, retired slots to return.
struct thread_slot_cache {
  std::vector<std::uintptr_t> ready[abi::kind_count];
  std::vector<std::uintptr_t> retired[abi::kind_count];

  ~thread_slot_cache() {
    thread_cache_gone = true;
    for (int k = 0; k < abi::kind_count; ++k) {
      // Unused ready slots were never handed out: they skip the quarantine.
      if (!ready[k].empty()) pool_of(k).retire(ready[k].data(), ready[k].size());
      if (!retired[k].empty()) pool_of(k).retire(retired[k].data(), retired[k].size());
    }
  }
};

inline thread_slot_cache& thread_cache() noexcept {
  static thread_local thread_slot_cache cache;
  return cache;
}

/// A slot of this kind, or 0 with ec set.
inline std::uintptr_t acquire_slot(int kind, std::error_code& ec) noexcept {
  if (THUNK_DETAIL_UNLIKELY(thread_cache_gone)) {
    std::vector<std::uintptr_t> one;
#if THUNK_HAS_EXCEPTIONS
    try {
      one.reserve(1);
    } catch (...) {
      ec = make_error_code(errc::out_of_memory);
      return 0;
    }
#endif
    pool_of(kind).take(one, 1, ec);
    return one.empty() ? 0 : one.front();
  }
  std::vector<std::uintptr_t>& ready = thread_cache().ready[kind];
  if (THUNK_DETAIL_UNLIKELY(ready.empty())) {
#if THUNK_HAS_EXCEPTIONS
    try {
      ready.reserve(cache_batch);
    } catch (...) {
      ec = make_error_code(errc::out_of_memory);
      return 0;
    }
#else
    ready.reserve(cache_batch);
#endif
    pool_of(kind).take(ready, cache_batch, ec);
    if (ready.empty()) {
      if (!ec) ec = make_error_code(errc::out_of_memory);
      return 0;
    }
    ec.clear();
  }
  const std::uintptr_t s = ready.back();
  ready.pop_back();
  return s;
}

/// Poisons the slot (name: the closure's type, for the message) and retires it.
inline void release_slot(int kind, std::uintptr_t code, const char* name) noexcept {
  slot_data* d = data_of(code);
  d->word = const_cast<char*>(name);
  d->entry = poison_entry(kind);
  if (THUNK_DETAIL_UNLIKELY(thread_cache_gone)) {
    pool_of(kind).retire(&code, 1);
    return;
  }
  std::vector<std::uintptr_t>& retired = thread_cache().retired[kind];
#if THUNK_HAS_EXCEPTIONS
  try {
#endif
    if (retired.capacity() == 0) retired.reserve(cache_batch);
    retired.push_back(code);
#if THUNK_HAS_EXCEPTIONS
  } catch (...) {
    pool_of(kind).retire(&code, 1);
    return;
  }
#endif
  if (retired.size() >= cache_batch) {
    pool_of(kind).retire(retired.data(), retired.size());
    retired.clear();
  }
}

}  // namespace detail
}  // namespace thunk

#endif
