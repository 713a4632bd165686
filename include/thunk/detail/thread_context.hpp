// Per-thread state: the general path's context (where a thunk leaves the
// context for an entry that has no spare register to receive it) and the
// per-thread slot caches (slot_pool.hpp).
//
// A thread that never touches a closure pays nothing but the words below:
// its thread_state (the caches, about 4 KB) is allocated on its first
// closure and freed when it exits (a pthread key destructor / an FLS
// callback, registered per module and removed when the module unloads; no
// thread_local has a destructor, which would pin a shared library).
//
// The general path's context, Linux. The thunk reserves a slot of a small
// per-thread stack (depth + 1) and then writes it; the entry reads its slot
// and releases it first thing. A signal handler's thunk that lands in
// between nests LIFO, so each entry sees its own context. Depth only counts
// thunks that have jumped but whose entry has not yet read.
//  - THUNK_TLS_DYNAMIC=0 (executables): the stack is an initial-exec
//    thread_local at a fixed offset from the thread pointer (520 bytes of
//    static TLS per thread, plus one pointer to the thread_state); the stub
//    reaches it with thread-pointer-relative stores and calls nothing.
//  - THUNK_TLS_DYNAMIC=1 (shared libraries): no static TLS at all. The stack
//    lives in the thread_state; the stub saves the argument registers, calls
//    push_context_slot() (which finds the state with pthread_getspecific:
//    no lock, no allocation), writes the slot it returns, restores the
//    registers and jumps. A thread's first closure allocates its state
//    (calloc): that first call is not async-signal-safe; every later one is.
// Windows: no asynchronous signals, so one TLS slot in the TEB is enough
// (TlsAlloc; MinGW's thread_local is emulated and has no fixed offset).
#ifndef THUNK_DETAIL_THREAD_CONTEXT_HPP
#define THUNK_DETAIL_THREAD_CONTEXT_HPP

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "../config.hpp"
#include "abi.hpp"
#include "fatal.hpp"
#include "spin_lock.hpp"

#if defined(THUNK_OS_WINDOWS)
#  include "win32.hpp"
#else
#  include <pthread.h>
#endif

THUNK_BEGIN_NAMESPACE
namespace detail {

constexpr std::size_t cache_batch = 64;

#if defined(THUNK_OS_LINUX)
constexpr std::size_t context_stack_size = 64;  // a power of two: the thunk masks the index

struct context_stack {
  std::uintptr_t depth;
  void* slots[context_stack_size];
};
#endif

/// A destroyed closure's slot is reused only after this many later
/// destructions of closures of its kind.
constexpr std::uint32_t quarantine_slots = 4096;

/// A counter one thread writes and others may read (relaxed: plain loads
/// and stores, no read-modify-write).
struct own_counter {
  std::atomic<std::uint32_t> value;
  std::uint32_t get() const noexcept { return value.load(std::memory_order_relaxed); }
  void set(std::uint32_t v) noexcept { value.store(v, std::memory_order_relaxed); }
  void add(std::uint32_t d) noexcept { set(get() + d); }
};

/// The slots one thread destroyed, of one kind, oldest first: a ring
/// (malloc'd on the thread's first destruction of the kind, a power of two,
/// doubling up to `limit`) indexed by two running counts. Every slot behind
/// the front was destroyed after it on this thread, so the front has served
/// its quarantine once more than quarantine_slots stand in the ring: no
/// clock, no stamp, nothing shared. Full at `limit`, its oldest cache_batch
/// go to the pool (slot_pool.hpp); below it, a loop that keeps up to
/// `limit - quarantine_slots` closures alive never reaches the pool. (An
/// index ring rather than a list linked through the slots: the next index
/// does not wait for a load from the last slot.) `pushed` is also this
/// thread's count of destructions of the kind, which other threads read
/// (destructions_so_far).
struct local_quarantine {
  static constexpr std::uint32_t limit = 2 * quarantine_slots;
  std::uintptr_t* items;
  own_counter pushed, popped;
  std::uint32_t capacity;
  std::uint32_t size() const noexcept { return pushed.get() - popped.get(); }
  bool has_room() const noexcept { return size() < capacity; }
  bool has_served() const noexcept { return size() > quarantine_slots; }
  std::uintptr_t pop_front() noexcept {
    const std::uint32_t n = popped.get();
    popped.set(n + 1);
    return items[n & (capacity - 1)];
  }
  void push_back(std::uintptr_t code) noexcept {
    const std::uint32_t n = pushed.get();
    items[n & (capacity - 1)] = code;
    pushed.set(n + 1);
  }
};
static_assert((local_quarantine::limit & (local_quarantine::limit - 1)) == 0 &&
                  local_quarantine::limit >= quarantine_slots + 2 * cache_batch,
              "a power of two with room for a batch beyond the quarantine");

/// One thread's state in this copy of thunk: allocated on first use.
struct thread_state {
#if defined(THUNK_OS_LINUX) && THUNK_TLS_DYNAMIC
  context_stack contexts;
#endif
  std::uintptr_t ready[abi::kind_count][cache_batch];  // slots taken from the pool (refilled when empty)
  own_counter ready_count[abi::kind_count];
  own_counter taken[abi::kind_count];  // slots taken from the pool minus those handed back (live count)
  local_quarantine retired[abi::kind_count];
  thread_state* prev;
  thread_state* next;
};

/// Closures acquired minus released on this thread, from counts the fast
/// paths keep anyway (another thread may read it: relaxed).
inline std::intptr_t thread_live(const thread_state& s) noexcept {
  std::intptr_t n = 0;
  for (int k = 0; k < abi::kind_count; ++k) {
    const local_quarantine& q = s.retired[k];
    const std::uint32_t d = s.taken[k].get() - s.ready_count[k].get() + q.popped.get() - q.pushed.get();
    n += static_cast<std::int32_t>(d);
  }
  return n;
}

inline void thread_state_exit(thread_state* s) noexcept;

#if defined(THUNK_OS_WINDOWS)
inline void THUNK_DETAIL_WINAPI fls_thread_exit(void* p) {
  if (p) thread_state_exit(static_cast<thread_state*>(p));
}
#else
inline void key_thread_exit(void* p) {
  if (p) thread_state_exit(static_cast<thread_state*>(p));
}
#endif

/// Everything this copy of thunk (this module) keeps for its threads.
struct thread_registry {
  thread_registry() noexcept {
#if defined(THUNK_OS_WINDOWS)
    fls = FlsAlloc(&fls_thread_exit);
    key_ok = fls != win32::out_of_indexes;
#else
    key_ok = pthread_key_create(&key, &key_thread_exit) == 0;
#endif
  }
  spin_lock lock;  // the list and the counters below
  thread_state* head = nullptr;
  std::intptr_t exited_live = 0;                    // live counts of threads that exited
  std::uint32_t exited_destroyed[abi::kind_count] = {};  // their destructions (and stateless ones)
  void (*flush)(thread_state&) noexcept = nullptr;  // hands a thread's caches back (slot_pool.hpp)
  std::atomic<bool> closed{false};                  // the module is unloading: no new per-thread state
  bool key_ok = false;
#if defined(THUNK_OS_WINDOWS)
  unsigned long fls = win32::out_of_indexes;
  std::atomic<unsigned long> context_tls{win32::out_of_indexes};  // the general path's TEB slot (lazily)
#else
  pthread_key_t key{};
#endif
};

/// Trivially destructible, so nothing is registered at exit: the module's
/// unloader (slot_pool.hpp) closes it explicitly.
inline thread_registry& registry() noexcept {
  static thread_registry r;
  return r;
}

#if defined(THUNK_OS_LINUX) && !THUNK_TLS_DYNAMIC
// initial-exec: a fixed offset from the thread pointer for every thread.
inline thread_local context_stack thread_contexts __attribute__((tls_model("initial-exec"))) = {};
inline thread_local thread_state* thread_state_pointer __attribute__((tls_model("initial-exec"))) = nullptr;
#endif

/// This thread's state, or null if it has none yet.
inline thread_state* current_thread_state() noexcept {
#if defined(THUNK_OS_WINDOWS)
  const thread_registry& r = registry();
  return r.key_ok ? static_cast<thread_state*>(FlsGetValue(r.fls)) : nullptr;
#elif THUNK_TLS_DYNAMIC
  const thread_registry& r = registry();
  return r.key_ok ? static_cast<thread_state*>(pthread_getspecific(r.key)) : nullptr;
#else
  return thread_state_pointer;
#endif
}

/// Allocates this thread's state (the first closure on this thread): null if
/// out of memory, or the module is unloading.
THUNK_DETAIL_NOINLINE inline thread_state* make_thread_state() noexcept {
  thread_registry& r = registry();
  if (!r.key_ok || r.closed.load(std::memory_order_acquire)) return nullptr;
  void* memory = std::calloc(1, sizeof(thread_state));
  if (!memory) return nullptr;
  auto* s = ::new (memory) thread_state{};
#if defined(THUNK_OS_WINDOWS)
  const bool set = FlsSetValue(r.fls, s) != 0;
#else
  const bool set = pthread_setspecific(r.key, s) == 0;
#endif
  if (!set) {
    std::free(memory);  // (nothing to destroy: trivially destructible)
    return nullptr;
  }
#if defined(THUNK_OS_LINUX) && !THUNK_TLS_DYNAMIC
  thread_state_pointer = s;
#endif
  spin_guard g(r.lock);
  s->next = r.head;
  if (r.head) r.head->prev = s;
  r.head = s;
  return s;
}

/// Frees a state and what it owns (its caches were handed back, or the
/// module is closing).
inline void free_thread_state(thread_state* s) noexcept {
  for (const local_quarantine& q : s->retired) std::free(q.items);
  std::free(s);
}

/// A state leaves the registry's list (registry lock held): its live closures
/// and its destructions stay counted (the pools' quarantine clock never goes back).
inline void count_exited(thread_registry& r, const thread_state& s) noexcept {
  r.exited_live += thread_live(s);
  for (int k = 0; k < abi::kind_count; ++k) r.exited_destroyed[k] += s.retired[k].pushed.get();
}

/// Closures of `kind` destroyed so far in this module, all threads (modulo
/// 2^32). Takes the registry lock: slow paths only, never with a pool's
/// lock held.
inline std::uint32_t destructions_so_far(int kind) noexcept {
  thread_registry& r = registry();
  spin_guard g(r.lock);
  std::uint32_t n = r.exited_destroyed[kind];
  for (thread_state* s = r.head; s; s = s->next) n += s->retired[kind].pushed.get();
  return n;
}

inline thread_state* this_thread_state() noexcept {
  thread_state* s = current_thread_state();
  return THUNK_DETAIL_LIKELY(s != nullptr) ? s : make_thread_state();
}

/// A thread exits (or the module closes its registry): its caches go back
/// to the pools and its state is freed.
inline void thread_state_exit(thread_state* s) noexcept {
  thread_registry& r = registry();
  if (r.flush && !r.closed.load(std::memory_order_acquire)) r.flush(*s);
#if defined(THUNK_OS_LINUX) && !THUNK_TLS_DYNAMIC
  if (thread_state_pointer == s) thread_state_pointer = nullptr;
#endif
  {
    spin_guard g(r.lock);
    if (s->prev) s->prev->next = s->next;
    if (s->next) s->next->prev = s->prev;
    if (r.head == s) r.head = s->next;
    count_exited(r, *s);
  }
  free_thread_state(s);
}

/// Closures of this module still alive (all threads). Exact when no other
/// thread is creating or destroying closures at the time; -1 (unknown) when
/// the lock stays taken (a thread killed while holding it: ExitProcess).
inline std::intptr_t live_closures() noexcept {
  thread_registry& r = registry();
  for (int attempt = 0; !r.lock.try_lock(); ++attempt) {
    if (attempt > 1000) return -1;
  }
  std::intptr_t n = r.exited_live;
  for (thread_state* s = r.head; s; s = s->next) n += thread_live(*s);
  r.lock.unlock();
  return n;
}

#if defined(THUNK_ARCH_X86_64)
/// x86-64 call-out (r10 = the context; r11 is scratch in both conventions):
/// saves what a System V or a Microsoft x64 caller may pass in registers
/// that a Microsoft x64 function clobbers, calls `helper` (void** (), ms_abi:
/// it preserves rdi, rsi, xmm6-xmm15), writes the context to the slot it
/// returns and jumps to the entry. Written at `out + at`; the helper's
/// address is the literal at `out + at + x64_callout_literal`.
constexpr std::size_t x64_callout_literal = 112;
inline void write_x64_callout(unsigned char* out, std::size_t at, std::uintptr_t helper) {
  const unsigned char code[] = {
      0x50,                                // push rax        (al: a variadic call's vector count)
      0x51,                                // push rcx
      0x52,                                // push rdx
      0x41, 0x50,                          // push r8
      0x41, 0x51,                          // push r9
      0x41, 0x52,                          // push r10        (the context)
      0x48, 0x81, 0xEC, 0x88, 0,    0, 0,  // sub  rsp, 136   (32 shadow + 6 xmm + 8: rsp % 16 == 0)
      0x0F, 0x11, 0x44, 0x24, 0x20,        // movups [rsp+32], xmm0
      0x0F, 0x11, 0x4C, 0x24, 0x30,        // movups [rsp+48], xmm1
      0x0F, 0x11, 0x54, 0x24, 0x40,        // movups [rsp+64], xmm2
      0x0F, 0x11, 0x5C, 0x24, 0x50,        // movups [rsp+80], xmm3
      0x0F, 0x11, 0x64, 0x24, 0x60,        // movups [rsp+96], xmm4
      0x0F, 0x11, 0x6C, 0x24, 0x70,        // movups [rsp+112], xmm5
      0xFF, 0x15, 0x3C, 0,    0,    0,     // call qword ptr [rip + 60]  (the literal at 112)
      0x0F, 0x10, 0x44, 0x24, 0x20,        // movups xmm0, [rsp+32]
      0x0F, 0x10, 0x4C, 0x24, 0x30,        // movups xmm1, [rsp+48]
      0x0F, 0x10, 0x54, 0x24, 0x40,        // movups xmm2, [rsp+64]
      0x0F, 0x10, 0x5C, 0x24, 0x50,        // movups xmm3, [rsp+80]
      0x0F, 0x10, 0x64, 0x24, 0x60,        // movups xmm4, [rsp+96]
      0x0F, 0x10, 0x6C, 0x24, 0x70,        // movups xmm5, [rsp+112]
      0x48, 0x81, 0xC4, 0x88, 0,    0, 0,  // add  rsp, 136
      0x41, 0x5A,                          // pop  r10
      0x4C, 0x89, 0x10,                    // mov  qword ptr [rax], r10   (write the reserved slot)
      0x41, 0x59,                          // pop  r9
      0x41, 0x58,                          // pop  r8
      0x5A,                                // pop  rdx
      0x59,                                // pop  rcx
      0x58,                                // pop  rax
      0x41, 0xFF, 0x62, 0x08,              // jmp  qword ptr [r10 + 8]     (the typed entry)
  };
  static_assert(sizeof code <= x64_callout_literal, "the literal follows the code");
  std::memcpy(out + at, code, sizeof code);
  std::memcpy(out + at + x64_callout_literal, &helper, sizeof helper);
}
#endif

#if defined(THUNK_OS_LINUX)

#  if !THUNK_TLS_DYNAMIC

inline char* thread_pointer() noexcept {
#    if defined(THUNK_ARCH_X86_64)
  char* tp;
  __asm__("mov %%fs:0, %0" : "=r"(tp));
  return tp;
#    elif defined(THUNK_ARCH_X86_32)
  char* tp;
  __asm__("mov %%gs:0, %0" : "=r"(tp));
  return tp;
#    else
  return static_cast<char*>(__builtin_thread_pointer());
#    endif
}

/// Offset of this thread's context stack from its thread pointer; the same
/// for every thread (initial-exec TLS).
inline std::ptrdiff_t context_stack_offset() noexcept {
  return reinterpret_cast<char*>(&thread_contexts) - thread_pointer();
}

inline context_stack& this_thread_contexts() noexcept { return thread_contexts; }

#  else

[[noreturn]] inline void no_thread_state() noexcept {
  fatal_callback(
      "fatal: a thunk::closure on the general path was called on a thread that has no per-thread state, and "
      "none could be allocated (out of memory, or the library that made the closure is unloading)",
      "", "", nullptr, "", stop_by::abort);
}

inline context_stack& this_thread_contexts() noexcept {
  thread_state* s = current_thread_state();
  if (THUNK_DETAIL_UNLIKELY(!s)) no_thread_state();
  return s->contexts;
}

/// Called by the general path's stub (it saved the argument registers):
/// reserves this thread's next context slot and returns its address. On
/// x86-64 it follows the Microsoft convention, which preserves rdi, rsi and
/// xmm6-xmm15, so the stub saves only what both conventions' callers may
/// pass in the registers it clobbers.
#    if defined(THUNK_ARCH_X86_64)
__attribute__((ms_abi))
#    endif
inline void**
push_context_slot() noexcept {
  thread_state* s = this_thread_state();
  if (THUNK_DETAIL_UNLIKELY(!s)) no_thread_state();
  const std::uintptr_t d = s->contexts.depth + 1;
  s->contexts.depth = d;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  return &s->contexts.slots[d & (context_stack_size - 1)];
}

#    if defined(THUNK_ARCH_X86_64)
/// The general path's stub for shared libraries: the call-out below, from
/// the chunk's first byte.
inline void write_dynamic_stub(unsigned char* out, std::uintptr_t) {
  std::memset(out, 0xCC, abi::stub_slots * abi::slot_size);
  write_x64_callout(out, 0, reinterpret_cast<std::uintptr_t>(&push_context_slot));
}
constexpr bool has_dynamic_stub = true;
#    elif defined(THUNK_ARCH_AARCH64)
/// The general path's stub for shared libraries (x16 = the context; x30 is
/// the caller's return address, the thunk having branched without linking):
/// saves the argument registers (x0-x8, q0-q7), x16 and the frame, calls
/// push_context_slot (AAPCS64 keeps x19-x28 and d8-d15 itself), writes the
/// context to the slot it returns, restores and branches to the entry.
constexpr std::size_t dynamic_stub_literal = 104;
inline void write_dynamic_stub(unsigned char* out, std::uintptr_t) {
  const std::uint32_t code[] = {
      0xA9B27BFDu,  // stp  x29, x30, [sp, #-224]!
      0xA90107E0u,  // stp  x0, x1, [sp, #16]
      0xA9020FE2u,  // stp  x2, x3, [sp, #32]
      0xA90317E4u,  // stp  x4, x5, [sp, #48]
      0xA9041FE6u,  // stp  x6, x7, [sp, #64]
      0xA90543E8u,  // stp  x8, x16, [sp, #80]
      0xAD0307E0u,  // stp  q0, q1, [sp, #96]
      0xAD040FE2u,  // stp  q2, q3, [sp, #128]
      0xAD0517E4u,  // stp  q4, q5, [sp, #160]
      0xAD061FE6u,  // stp  q6, q7, [sp, #192]
      0x58000209u,  // ldr  x9, literal (pc + 64: byte 104)
      0xD63F0120u,  // blr  x9                  (push_context_slot)
      0xAA0003E9u,  // mov  x9, x0              (the reserved slot)
      0xAD461FE6u,  // ldp  q6, q7, [sp, #192]
      0xAD4517E4u,  // ldp  q4, q5, [sp, #160]
      0xAD440FE2u,  // ldp  q2, q3, [sp, #128]
      0xAD4307E0u,  // ldp  q0, q1, [sp, #96]
      0xA94543E8u,  // ldp  x8, x16, [sp, #80]
      0xA9441FE6u,  // ldp  x6, x7, [sp, #64]
      0xA94317E4u,  // ldp  x4, x5, [sp, #48]
      0xA9420FE2u,  // ldp  x2, x3, [sp, #32]
      0xA94107E0u,  // ldp  x0, x1, [sp, #16]
      0xA8CE7BFDu,  // ldp  x29, x30, [sp], #224
      0xF9000130u,  // str  x16, [x9]           (write the slot)
      0xF9400611u,  // ldr  x17, [x16, #8]
      0xD61F0220u,  // br   x17                 (the typed entry)
  };
  static_assert(sizeof code == dynamic_stub_literal, "the literal follows the code");
  static_assert(dynamic_stub_literal + 8 <= abi::stub_slots * abi::slot_size, "stub fits its slots");
  std::memset(out, 0, abi::stub_slots * abi::slot_size);
  std::memcpy(out, code, sizeof code);
  void** (*helper)() noexcept = &push_context_slot;
  std::memcpy(out + dynamic_stub_literal, &helper, sizeof helper);
}
constexpr bool has_dynamic_stub = true;
#    elif defined(THUNK_ARCH_X86_32)
/// The general path's stub for shared libraries (eax = the context; ecx and
/// edx may hold fastcall/thiscall arguments; push_context_slot is cdecl and
/// clobbers exactly these three). Three pushes keep the stack as aligned as
/// the caller had it at its call.
constexpr std::size_t dynamic_stub_literal = 20;
inline void write_dynamic_stub(unsigned char* out, std::uintptr_t at) {
  const unsigned char code[] = {
      0x51,                    // push ecx
      0x52,                    // push edx
      0x50,                    // push eax                      (the context)
      0xFF, 0x15, 0, 0, 0, 0,  // call dword ptr [literal]      (absolute: at + 20)
      0x59,                    // pop  ecx                      (the context)
      0x89, 0x08,              // mov  dword ptr [eax], ecx     (write the reserved slot)
      0x89, 0xC8,              // mov  eax, ecx
      0x5A,                    // pop  edx
      0x59,                    // pop  ecx
      0xFF, 0x60, 0x04,        // jmp  dword ptr [eax + 4]      (the typed entry)
  };
  static_assert(sizeof code <= dynamic_stub_literal, "the literal follows the code");
  static_assert(dynamic_stub_literal + 4 <= abi::stub_slots * abi::slot_size, "stub fits its slots");
  std::memset(out, 0xCC, abi::stub_slots * abi::slot_size);
  std::memcpy(out, code, sizeof code);
  const auto literal = static_cast<std::uint32_t>(at + dynamic_stub_literal);
  std::memcpy(out + 5, &literal, 4);
  void** (*helper)() noexcept = &push_context_slot;
  std::memcpy(out + dynamic_stub_literal, &helper, sizeof helper);
}
constexpr bool has_dynamic_stub = true;
#    else
constexpr bool has_dynamic_stub = false;
inline void write_dynamic_stub(unsigned char*, std::uintptr_t) {}
#    endif

#  endif

/// The entry's first act on the general path: take its context and release
/// the slot. The signal fences keep the compiler from releasing the slot
/// before reading it.
inline void* pop_thread_context() noexcept {
  context_stack& s = this_thread_contexts();
  const std::uintptr_t d = s.depth;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  void* ctx = s.slots[d & (context_stack_size - 1)];
  std::atomic_signal_fence(std::memory_order_seq_cst);
  s.depth = d - 1;
  return ctx;
}

#elif defined(THUNK_OS_WINDOWS)

/// The TLS index every thunk writes, allocated on the first general-path
/// chunk and freed when the module unloads. Indices 0-63 are the TEB's
/// TlsSlots; 64-1087 live in the thread's TlsExpansionSlots array, which
/// Windows allocates on a thread's first TlsSetValue of such an index (so a
/// host that took the 64 TEB slots still gets a working general path).
inline unsigned long context_tls_index() noexcept {
  std::atomic<unsigned long>& index = registry().context_tls;
  unsigned long i = index.load(std::memory_order_acquire);
  if (i != win32::out_of_indexes) return i;
  const unsigned long mine = TlsAlloc();
  if (index.compare_exchange_strong(i, mine, std::memory_order_acq_rel)) return mine;
  if (mine != win32::out_of_indexes) TlsFree(mine);  // another thread was first
  return i;
}

inline bool context_tls_usable() noexcept {
#  if defined(THUNK_ARCH_X86_64)
  return context_tls_index() < 64 + 1024;
#  else
  return context_tls_index() < 64;
#  endif
}

#  if defined(THUNK_ARCH_X86_64)
inline void** expansion_slots() noexcept {
  void** slots;
  __asm__("movq %%gs:0x1780, %0" : "=r"(slots));  // TEB TlsExpansionSlots
  return slots;
}

/// The expansion stub's slow path (the thread has no expansion array yet):
/// TlsSetValue makes it; returns where the context goes.
inline void** expansion_context_slot() noexcept {
  const unsigned long i = registry().context_tls.load(std::memory_order_relaxed);
  TlsSetValue(i, nullptr);
  return expansion_slots() + (i - 64);
}

inline std::uint32_t context_teb_offset() noexcept { return 0x1480u + 8u * context_tls_index(); }

/// Writes the general path's stub for this module's TLS index.
inline void write_windows_context_stub(unsigned char* out) {
  const unsigned long i = context_tls_index();
  if (i < 64) {
    abi::write_windows_stub(out, context_teb_offset());
    return;
  }
  std::memset(out, 0xCC, abi::stub_slots * abi::slot_size);
  const std::uint32_t at = 8u * (i - 64);
  const unsigned char fast[] = {
      0x65, 0x4C, 0x8B, 0x1C, 0x25, 0x80, 0x17, 0, 0,  // mov  r11, qword ptr gs:[0x1780]  (TlsExpansionSlots)
      0x4D, 0x85, 0xDB,                                // test r11, r11
      0x74, 0x12,                                      // jz   +18 -> the call-out at 32
      0x4D, 0x89, 0x93, 0,    0,    0,    0,           // mov  qword ptr [r11 + 8*(index-64)], r10
      0x41, 0xFF, 0x62, 0x08,                          // jmp  qword ptr [r10 + 8]
  };
  std::memcpy(out, fast, sizeof fast);
  std::memcpy(out + 17, &at, 4);
  static_assert(32 + x64_callout_literal + 8 <= abi::stub_slots * abi::slot_size, "stub fits its slots");
  write_x64_callout(out, 32, reinterpret_cast<std::uintptr_t>(&expansion_context_slot));
}

inline void* pop_thread_context() noexcept {
  const unsigned long i = registry().context_tls.load(std::memory_order_relaxed);
  if (THUNK_DETAIL_LIKELY(i < 64)) {
    void* ctx;
    __asm__("movq %%gs:(%1), %0" : "=r"(ctx) : "r"(static_cast<std::uintptr_t>(0x1480u + 8u * i)));
    return ctx;
  }
  return expansion_slots()[i - 64];
}
#  elif defined(THUNK_ARCH_X86_32)
inline std::uint32_t context_teb_offset() noexcept { return 0xE10u + 4u * context_tls_index(); }
inline void write_windows_context_stub(unsigned char* out) { abi::write_windows_stub(out, context_teb_offset()); }
inline void* pop_thread_context() noexcept {
  void* ctx;
  __asm__("movl %%fs:(%1), %0"
          : "=r"(ctx)
          : "r"(static_cast<std::uintptr_t>(0xE10u + 4u * registry().context_tls.load(std::memory_order_relaxed))));
  return ctx;
}
#  endif

#endif

}  // namespace detail
THUNK_END_NAMESPACE

#endif
