// A small lock for the pools and the per-thread registry: no std::mutex
// (MinGW's win32 thread model has none), no initialisation order (a
// constant-initialised atomic), usable in a fork() child once the atfork
// handlers released it (slot_pool.hpp).
//
// Critical sections are short (list pushes and pops; the rare chunk map), so
// a waiter spins briefly and then yields its time slice.
#ifndef THUNK_DETAIL_SPIN_LOCK_HPP
#define THUNK_DETAIL_SPIN_LOCK_HPP

#include <atomic>

#include "../config.hpp"

#if defined(THUNK_OS_WINDOWS)
#  include "win32.hpp"
#else
#  include <sched.h>
#endif

THUNK_BEGIN_NAMESPACE
namespace detail {

class spin_lock {
 public:
  constexpr spin_lock() noexcept = default;
  spin_lock(const spin_lock&) = delete;
  spin_lock& operator=(const spin_lock&) = delete;

  void lock() noexcept {
    for (unsigned spins = 0; locked_.exchange(1, std::memory_order_acquire); ++spins) {
      while (locked_.load(std::memory_order_relaxed)) {
        if (++spins > 64) yield();
      }
    }
  }
  bool try_lock() noexcept { return !locked_.exchange(1, std::memory_order_acquire); }
  void unlock() noexcept { locked_.store(0, std::memory_order_release); }

 private:
  static void yield() noexcept {
#if defined(THUNK_OS_WINDOWS)
    SwitchToThread();
#else
    sched_yield();
#endif
  }
  // int, not bool: a byte-wide exchange needs libatomic on RISC-V.
  std::atomic<int> locked_{0};
};

/// std::lock_guard for spin_lock (<mutex> may lack it on MinGW's win32 model).
class spin_guard {
 public:
  explicit spin_guard(spin_lock& l) noexcept : lock_(l) { lock_.lock(); }
  ~spin_guard() { lock_.unlock(); }
  spin_guard(const spin_guard&) = delete;
  spin_guard& operator=(const spin_guard&) = delete;

 private:
  spin_lock& lock_;
};

}  // namespace detail
THUNK_END_NAMESPACE

#endif
