// The general path's per-thread context: where a thunk leaves the context
// for an entry that has no spare register to receive it.
//
// Linux: a small stack in an initial-exec thread_local, at a fixed offset
// from the thread pointer that is measured once. The thunk reserves a slot
// (depth + 1) and then writes it; the entry reads its slot and releases it
// first thing. A signal handler's thunk that lands in between nests LIFO, so
// each entry sees its own context. Depth only counts thunks that have jumped
// but whose entry has not yet read: recursion through closures does not
// grow it.
// Windows: no asynchronous signals, so one TLS slot in the TEB is enough
// (TlsAlloc; MinGW's thread_local is emulated and has no fixed offset).
#ifndef THUNK_DETAIL_THREAD_CONTEXT_HPP
#define THUNK_DETAIL_THREAD_CONTEXT_HPP

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "../config.hpp"

#if defined(THUNK_OS_WINDOWS)
#  ifndef WIN32_LEAN_AND_MEAN
#    define WIN32_LEAN_AND_MEAN
#  endif
#  ifndef NOMINMAX
#    define NOMINMAX
#  endif
#  include <windows.h>
#  include <intrin.h>
#endif

THUNK_BEGIN_NAMESPACE
namespace detail {

#if defined(THUNK_OS_LINUX)

constexpr std::size_t context_stack_size = 64;  // a power of two: the thunk masks the index

struct context_stack {
  std::uintptr_t depth;
  void* slots[context_stack_size];
};

// initial-exec: a fixed offset from the thread pointer for every thread.
inline thread_local context_stack thread_contexts __attribute__((tls_model("initial-exec"))) = {};

inline char* thread_pointer() noexcept {
#  if defined(THUNK_ARCH_X86_64)
  char* tp;
  __asm__("mov %%fs:0, %0" : "=r"(tp));
  return tp;
#  elif defined(THUNK_ARCH_X86_32)
  char* tp;
  __asm__("mov %%gs:0, %0" : "=r"(tp));
  return tp;
#  else
  return static_cast<char*>(__builtin_thread_pointer());
#  endif
}

/// Offset of this thread's context stack from its thread pointer; the same
/// for every thread (initial-exec TLS).
inline std::ptrdiff_t context_stack_offset() noexcept {
  return reinterpret_cast<char*>(&thread_contexts) - thread_pointer();
}

/// The entry's first act on the general path: take its context and release
/// the slot. The signal fences keep the compiler from releasing the slot
/// before reading it.
inline void* pop_thread_context() noexcept {
  context_stack& s = thread_contexts;
  const std::uintptr_t d = s.depth;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  void* ctx = s.slots[d & (context_stack_size - 1)];
  std::atomic_signal_fence(std::memory_order_seq_cst);
  s.depth = d - 1;
  return ctx;
}

#elif defined(THUNK_OS_WINDOWS)

/// The TLS index every thunk writes (TEB TlsSlots[index]); TLS_OUT_OF_INDEXES
/// or >= 64 (no fixed TEB offset) when unavailable.
inline DWORD context_tls_index() noexcept {
  static const DWORD index = TlsAlloc();
  return index;
}

inline bool context_tls_usable() noexcept {
  const DWORD i = context_tls_index();
  return i != TLS_OUT_OF_INDEXES && i < 64;
}

#  if defined(THUNK_ARCH_X86_64)
inline std::uint32_t context_teb_offset() noexcept { return 0x1480u + 8u * context_tls_index(); }
inline void* pop_thread_context() noexcept {
  return reinterpret_cast<void*>(__readgsqword(0x1480u + 8u * context_tls_index()));
}
#  else
inline std::uint32_t context_teb_offset() noexcept { return 0xE10u + 4u * context_tls_index(); }
inline void* pop_thread_context() noexcept {
  return reinterpret_cast<void*>(__readfsdword(0xE10u + 4u * context_tls_index()));
}
#  endif

#endif

}  // namespace detail
THUNK_END_NAMESPACE

#endif
