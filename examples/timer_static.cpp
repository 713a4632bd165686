// The same TIMERPROC, where run-time code is forbidden (iOS, consoles,
// SELinux without execmem, THUNK_NO_JIT): thunk::static_closure draws from a
// compile-time pool of 4 distinct functions, so no page is ever made
// executable. Same interface as thunk::closure.
#include <thunk/scoped_registration.hpp>
#include <thunk/static_closure.hpp>

#include <cstdio>

#include "fakewin.h"

using timer_proc = thunk::static_closure<FW_TIMERPROC, 4>;

int main() {
  int fast_ticks = 0, slow_ticks = 0;
  timer_proc fast([&](FW_HWND, FW_UINT, FW_UINT_PTR, FW_DWORD time) {
    std::printf("fast tick %d at %u ms\n", ++fast_ticks, static_cast<unsigned>(time));
  });
  timer_proc slow([&](FW_HWND, FW_UINT, FW_UINT_PTR, FW_DWORD time) {
    std::printf("slow tick %d at %u ms\n", ++slow_ticks, static_cast<unsigned>(time));
  });
  std::printf("pool slots in use: %zu of %zu\n", timer_proc::in_use(), timer_proc::capacity);
  {
    auto kill = [](FW_UINT_PTR id) { fw_kill_timer(id); };
    thunk::scoped_registration fast_timer([&] { return fw_set_timer(100, fast.get()); }, kill);
    thunk::scoped_registration slow_timer([&] { return fw_set_timer(250, slow.get()); }, kill);
    fw_run_message_loop(350);
  }
  std::printf("timers killed after 350 ms: fast %d ticks, slow %d tick\n", fast_ticks, slow_ticks);
}
