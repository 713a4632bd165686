// Chunks of thunk code: pages written once from the ABI's template and then
// sealed read+execute, beside private read+write data pages. No page is ever
// writable and executable at once.
//
// Layout of a chunk (aligned to its own power-of-two size, so a thunk's
// address alone finds its data slot):
//     [ code: slots of abi::slot_size bytes ][ data: slots of 2 pointers ]
// The first abi::stub_slots code slots hold the general path's stub.
//
// Sealing, in order of preference (the first that works is remembered):
//  1. mprotect: map read+write, write, mprotect to read+execute.
//  2. memfd (Linux): write through a read+write view of a memfd, unmap it,
//     map the memfd read+execute in place. The kernel's W^X enforcement
//     (PR_SET_MDWE) refuses 1 and allows 2.
// Both refused: errc::executable_memory_refused, nothing leaked.
// Windows: VirtualAlloc read+write, VirtualProtect to execute+read.
#ifndef THUNK_DETAIL_EXECUTABLE_MEMORY_HPP
#define THUNK_DETAIL_EXECUTABLE_MEMORY_HPP

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <system_error>

#include "../config.hpp"
#include "../error.hpp"

#if defined(THUNK_OS_WINDOWS)
#  include "win32.hpp"
#else
#  include <sys/mman.h>
#  include <sys/syscall.h>
#  include <unistd.h>
#endif

THUNK_BEGIN_NAMESPACE
namespace detail {

struct chunk_geometry {
  std::size_t code_bytes;  // a multiple of the page size
  std::size_t data_bytes;
  std::size_t alignment;   // power of two >= code_bytes + data_bytes
};

inline std::size_t system_page_size() noexcept {
#if defined(THUNK_OS_WINDOWS)
  return win32::page_size;
#else
  long p = sysconf(_SC_PAGESIZE);
  return p > 0 ? static_cast<std::size_t>(p) : 4096;
#endif
}

/// The geometry for slots of SlotSize bytes: a compile-time constant, so a
/// thunk's data slot is found with a mask and two shifts. 64 KiB of code is a
/// whole number of pages for 4, 16 and 64 KiB pages (the largest in use);
/// map_chunk refuses a larger page size.
template <std::size_t SlotSize>
constexpr chunk_geometry make_geometry() noexcept {
  const std::size_t code = std::size_t{64} * 1024;
  const std::size_t data = code / SlotSize * 2 * sizeof(void*);
  std::size_t align = 1;
  while (align < code + data) align <<= 1;
  return chunk_geometry{code, data, align};
}

enum class sealing : int { unknown, mprotect, memfd, refused };

inline std::atomic<int>& sealing_choice() noexcept {
  static std::atomic<int> choice{static_cast<int>(sealing::unknown)};
  return choice;
}

/// Writes the code of one chunk: fill(rw_view, final_address).
using fill_code_fn = void (*)(unsigned char* rw, std::uintptr_t at, void* arg);

#if defined(THUNK_OS_WINDOWS)

inline void* map_chunk(const chunk_geometry& g, fill_code_fn fill, void* arg, std::error_code& ec) noexcept {
  const std::size_t total = g.code_bytes + g.data_bytes;
  if (g.code_bytes % system_page_size() != 0) {
    ec = make_error_code(errc::unsupported_target);
    return nullptr;
  }
  for (int attempt = 0; attempt < 16; ++attempt) {
    void* probe = VirtualAlloc(nullptr, g.alignment * 2, win32::mem_reserve, win32::page_noaccess);
    if (!probe) break;
    auto aligned = (reinterpret_cast<std::uintptr_t>(probe) + g.alignment - 1) & ~(g.alignment - 1);
    VirtualFree(probe, 0, win32::mem_release);
    void* p = VirtualAlloc(reinterpret_cast<void*>(aligned), total, win32::mem_reserve | win32::mem_commit,
                            win32::page_readwrite);
    if (!p) continue;  // another thread took the range: try again
    fill(static_cast<unsigned char*>(p), aligned, arg);
    unsigned long old;
    if (!VirtualProtect(p, g.code_bytes, win32::page_execute_read, &old)) {
      VirtualFree(p, 0, win32::mem_release);
      ec = make_error_code(errc::executable_memory_refused);
      return nullptr;
    }
    FlushInstructionCache(GetCurrentProcess(), p, g.code_bytes);
    return p;
  }
  ec = make_error_code(errc::out_of_memory);
  return nullptr;
}

#else

inline void flush_code(void* p, std::size_t n) noexcept {
  char* b = static_cast<char*>(p);
  __builtin___clear_cache(b, b + n);
}

inline bool seal_with_mprotect(void* p, const chunk_geometry& g) noexcept {
  if (mprotect(p, g.code_bytes, PROT_READ | PROT_EXEC) != 0) return false;
  flush_code(p, g.code_bytes);
  return true;
}

inline bool seal_with_memfd(void* p, const chunk_geometry& g, fill_code_fn fill, void* arg) noexcept {
#  if defined(SYS_memfd_create)
  const int fd = static_cast<int>(syscall(SYS_memfd_create, "thunk-code", 1u /* MFD_CLOEXEC */));
  if (fd < 0) return false;
  bool ok = false;
  if (ftruncate(fd, static_cast<off_t>(g.code_bytes)) == 0) {
    void* rw = mmap(nullptr, g.code_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (rw != MAP_FAILED) {
      fill(static_cast<unsigned char*>(rw), reinterpret_cast<std::uintptr_t>(p), arg);
      munmap(rw, g.code_bytes);  // the writable view is gone before the code can run
      void* rx = mmap(p, g.code_bytes, PROT_READ | PROT_EXEC, MAP_SHARED | MAP_FIXED, fd, 0);
      ok = rx == p;
      if (ok) flush_code(p, g.code_bytes);
    }
  }
  close(fd);
  return ok;
#  else
  (void)p, (void)g, (void)fill, (void)arg;
  return false;
#  endif
}

inline void* map_aligned(const chunk_geometry& g) noexcept {
  const std::size_t total = g.code_bytes + g.data_bytes;
  void* raw = mmap(nullptr, g.alignment * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const auto begin = reinterpret_cast<std::uintptr_t>(raw);
  const auto aligned = (begin + g.alignment - 1) & ~(g.alignment - 1);
  if (aligned > begin) munmap(raw, aligned - begin);
  const auto end = begin + g.alignment * 2;
  if (aligned + total < end) munmap(reinterpret_cast<void*>(aligned + total), end - (aligned + total));
  return reinterpret_cast<void*>(aligned);
}

/// A new chunk with its code written by fill and sealed, or null and ec set.
inline void* map_chunk(const chunk_geometry& g, fill_code_fn fill, void* arg, std::error_code& ec) noexcept {
  if (g.code_bytes % system_page_size() != 0) {
    ec = make_error_code(errc::unsupported_target);
    return nullptr;
  }
  void* p = map_aligned(g);
  if (!p) {
    ec = make_error_code(errc::out_of_memory);
    return nullptr;
  }
  const auto choice = static_cast<sealing>(sealing_choice().load(std::memory_order_relaxed));
  if (choice == sealing::unknown || choice == sealing::mprotect) {
    fill(static_cast<unsigned char*>(p), reinterpret_cast<std::uintptr_t>(p), arg);
    if (seal_with_mprotect(p, g)) {
      sealing_choice().store(static_cast<int>(sealing::mprotect), std::memory_order_relaxed);
      return p;
    }
  }
  if (choice != sealing::refused && seal_with_memfd(p, g, fill, arg)) {
    sealing_choice().store(static_cast<int>(sealing::memfd), std::memory_order_relaxed);
    return p;
  }
  munmap(p, g.code_bytes + g.data_bytes);
  ec = make_error_code(errc::executable_memory_refused);
  return nullptr;
}

#endif

}  // namespace detail
THUNK_END_NAMESPACE

#endif
