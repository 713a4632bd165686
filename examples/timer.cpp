// A SetTimer-style TIMERPROC has no user-data slot: thunk::closure makes a real
// function pointer for each capturing lambda, so two timers keep their own
// state. A scoped registration pairs fw_set_timer with fw_kill_timer.
#include <thunk/closure.hpp>
#include <thunk/scoped_registration.hpp>

#include <cstdio>

#include "fakewin.h"

int main() {
  auto counter = [](const char* name, int& ticks) {
    return [name, &ticks](FW_HWND, FW_UINT, FW_UINT_PTR, FW_DWORD time) {
      std::printf("%s tick %d at %u ms\n", name, ++ticks, static_cast<unsigned>(time));
    };
  };
  int fast_ticks = 0, slow_ticks = 0;
  thunk::closure<FW_TIMERPROC> fast(counter("fast", fast_ticks));
  thunk::closure<FW_TIMERPROC> slow(counter("slow", slow_ticks));
  {
    auto kill = [](FW_UINT_PTR id) { fw_kill_timer(id); };
    thunk::scoped_registration fast_timer([&] { return fw_set_timer(100, fast.get()); }, kill);
    thunk::scoped_registration slow_timer([&] { return fw_set_timer(250, slow.get()); }, kill);
    fw_run_message_loop(350);
  }  // both timers killed here: declared after the closures, they go first
  std::printf("timers killed after 350 ms: fast %d ticks, slow %d tick\n", fast_ticks, slow_ticks);
  std::printf("500 ms more: %u callbacks\n", fw_run_message_loop(500));
}
