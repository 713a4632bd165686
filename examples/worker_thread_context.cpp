// The library calls back from a thread of its own, through a void* slot.
// fw_start_worker returns at once and the callbacks come later, so the
// callable must outlive them: with_context references on_step, which lives
// until fw_join_worker. (thunk::call fits APIs that call back before they
// return.)
#include <thunk/thunk.hpp>

#include <cstdio>
#include <thread>
#include <vector>

#include "fakewin.h"

int main() {
  const std::thread::id main_thread = std::this_thread::get_id();
  std::vector<int> squares;
  bool off_main_thread = true;
  auto on_step = [&](int step) {
    off_main_thread = off_main_thread && std::this_thread::get_id() != main_thread;
    squares.push_back(step * step);
    std::printf("worker step %d\n", step);
  };
  auto [fn, ctx] = thunk::with_context<FW_WORKERPROC>(on_step);
  FW_WORKER worker = fw_start_worker(fn, ctx, 5);
  if (!worker) return 1;
  fw_join_worker(worker);  // after this the callbacks are over; their writes are visible
  int sum = 0;
  for (int s : squares) sum += s;
  std::printf("%zu callbacks, sum of squares %d, all on the worker's thread: %s\n", squares.size(), sum,
              off_main_thread ? "yes" : "no");
}
