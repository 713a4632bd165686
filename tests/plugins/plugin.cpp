// A plugin that uses thunk: built several times into shared libraries
// (default and hidden visibility, each from its own copy of the headers) and
// loaded, run and unloaded again and again by plugin_host.cpp.
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>
#include <time.h>

#include <atomic>
#include <cstdlib>
#include <string>
#include <thunk/thunk.hpp>
#include <vector>

#define PLUGIN_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

using compare_fn = int (*)(const void*, const void*);
using wide_fn = long (*)(long, long, long, long, long, long, long);
using narrow_fn = long (*)(long);

struct thread_args {
  wide_fn wide;
  narrow_fn narrow;
  long result;
};

void* call_from_thread(void* p) {
  auto* a = static_cast<thread_args*>(p);
  // This thread's first closure calls: a shared library allocates its
  // per-thread state here.
  a->result = a->wide(1, 2, 3, 4, 5, 6, 7) + a->narrow(10);
  return nullptr;
}

// Signal nesting, as tests/closure_system_test.cpp checks it in an executable.
narrow_fn handler_fn;
wide_fn handler_general_fn;
std::atomic<long> handler_calls{0}, handler_wrong{0};

void on_alarm(int) {
  if (handler_fn(5) != 5 + 777) ++handler_wrong;
  if (handler_general_fn(1, 2, 3, 4, 5, 6, 7) != 28 + 888) ++handler_wrong;
  ++handler_calls;
}

double now_seconds() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

}  // namespace

/// 0 when every closure returned exactly what it should; else the failing step.
PLUGIN_EXPORT int thunk_plugin_run(int salt) {
  // Register path: qsort's comparator (the context in rdx / x2).
  int descending = salt % 2;
  thunk::closure<compare_fn> cmp([&](const void* a, const void* b) {
    const int x = *static_cast<const int*>(a), y = *static_cast<const int*>(b);
    return descending ? (y > x) - (y < x) : (x > y) - (x < y);
  });
  std::vector<int> v{5, 3, 9, 1, 7, salt};
  qsort(v.data(), v.size(), sizeof(int), cmp.get());
  for (std::size_t i = 1; i < v.size(); ++i)
    if (descending ? v[i - 1] < v[i] : v[i - 1] > v[i]) return 1;

  // General path: seven integers leave no argument register free; a forced one.
  const std::string tag(40, 'x');  // a capture too large for the slot: boxed
  thunk::closure<wide_fn> wide([tag, salt](long a, long b, long c, long d, long e, long f, long g) {
    return a + b + c + d + e + f + g + salt + static_cast<long>(tag.size());
  });
  thunk::closure<narrow_fn, thunk::path::general> narrow([salt](long x) { return x * 3 + salt; });
  if (wide.get()(1, 2, 3, 4, 5, 6, 7) != 28 + salt + 40) return 2;
  if (narrow.get()(5) != 15 + salt) return 3;

  // Called from a thread that never made a closure.
  thread_args args{wide.get(), narrow.get(), 0};
  pthread_t t;
  if (pthread_create(&t, nullptr, &call_from_thread, &args) != 0) return 4;
  pthread_join(t, nullptr);
  if (args.result != 28 + salt + 40 + 30 + salt) return 5;

  // Many at once, then destroyed (chunks, caches and quarantine in use).
  std::vector<thunk::closure<narrow_fn, thunk::path::general>> many;
  for (long i = 0; i < 300; ++i) many.emplace_back([i](long x) { return x + i; });
  for (long i = 0; i < 300; ++i)
    if (many[static_cast<std::size_t>(i)].get()(1000) != 1000 + i) return 6;
  many.clear();
  return 0;
}

/// The signal-nesting check inside a shared library: 0 on success.
PLUGIN_EXPORT int thunk_plugin_signal_nesting(void) {
  thunk::closure<narrow_fn> h([](long x) { return x + 777; });
  thunk::closure<wide_fn, thunk::path::general> hg(
      [](long a, long b, long c, long d, long e, long f, long g) { return a + b + c + d + e + f + g + 888; });
  handler_fn = h.get();
  handler_general_fn = hg.get();
  handler_calls = 0;
  handler_wrong = 0;

  std::vector<thunk::closure<wide_fn, thunk::path::general>> mine;
  std::vector<thunk::closure<narrow_fn>> mine_reg;
  for (long i = 0; i < 16; ++i) {
    mine.emplace_back([i](long a, long, long, long, long, long, long g) { return i * 100 + a + g; });
    mine_reg.emplace_back([i](long x) { return i * 100 + x; });
  }
  struct sigaction sa {};
  sa.sa_handler = on_alarm;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  if (sigaction(SIGALRM, &sa, nullptr) != 0) return 10;
  itimerval every{{0, 50}, {0, 50}};
  if (setitimer(ITIMER_REAL, &every, nullptr) != 0) return 11;
  long wrong = 0;
  const double start = now_seconds();
  while (now_seconds() - start < 0.5 || handler_calls.load() < 100) {
    for (long i = 0; i < 16; ++i) {
      wrong += mine[static_cast<std::size_t>(i)].get()(1, 0, 0, 0, 0, 0, 2) != i * 100 + 3;
      wrong += mine_reg[static_cast<std::size_t>(i)].get()(4) != i * 100 + 4;
    }
    if (now_seconds() - start > 20) break;
  }
  itimerval off{};
  setitimer(ITIMER_REAL, &off, nullptr);
  signal(SIGALRM, SIG_DFL);
  if (handler_calls.load() < 100) return 12;
  if (handler_wrong.load() != 0) return 13;
  if (wrong != 0) return 14;
  return 0;
}
