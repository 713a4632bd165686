// fw_start_worker_noctx calls back from its own thread with no user-data slot.
// Each closure carries its own state, so two workers run at once, each with a
// lambda of its own.
#include <thunk/closure.hpp>

#include <cstdio>
#include <thread>

#include "fakewin.h"

struct Tally {
  std::thread::id caller_thread;  // main's; the callbacks must come from elsewhere
  int steps = 0, sum = 0;
  bool off_caller_thread = true;
  void operator()(int step) {
    off_caller_thread = off_caller_thread && std::this_thread::get_id() != caller_thread;
    ++steps;
    sum += step;
  }
};

int main() {
  Tally a{std::this_thread::get_id()}, b{std::this_thread::get_id()};
  thunk::closure<FW_WORKERPROC_NOCTX> on_a([&a](int step) { a(step); });
  thunk::closure<FW_WORKERPROC_NOCTX> on_b([&b](int step) { b(step); });
  FW_WORKER wa = fw_start_worker_noctx(on_a.get(), 4);
  FW_WORKER wb = fw_start_worker_noctx(on_b.get(), 6);
  if (!wa || !wb) return 1;
  fw_join_worker(wa);  // the closures outlive the workers' calls
  fw_join_worker(wb);
  auto report = [](const char* name, const Tally& t) {
    std::printf("worker %s: %d steps, sum %d, on its own thread: %s\n", name, t.steps, t.sum,
                t.off_caller_thread ? "yes" : "no");
  };
  report("A", a);
  report("B", b);
}
