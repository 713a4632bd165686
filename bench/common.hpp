// Shared pieces of thunk's benchmarks: the comparator body every variant runs,
// the qsort data set, the create/destroy loops, and the measurements made in a
// fresh child process (RSS per live closure, writable+executable mappings).
//
// Every variant of the comparator does the same work: it loads the address of
// its call counter, increments the counter, and compares two ints. The plain
// pointer finds the counter through a global pointer; the others through their
// context (captured pointer, qsort_r argument, libffi user_data, ffcall data).
#ifndef THUNK_BENCH_COMMON_HPP
#define THUNK_BENCH_COMMON_HPP

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace bench {

using cmp_fn = int (*)(const void*, const void*);
using cmp_r_fn = int (*)(const void*, const void*, void*);

/// The comparison every variant performs.
inline int compare_ints(const void* a, const void* b) noexcept {
  const int x = *static_cast<const int*>(a);
  const int y = *static_cast<const int*>(b);
  return (x > y) - (x < y);
}

/// 2M ints, fixed seed: the same data for every variant and every iteration.
const std::vector<int>& qsort_data();
constexpr std::size_t qsort_elements = 2000000;

/// Thread CPU time, nanoseconds.
std::uint64_t thread_cpu_ns() noexcept;

/// Sorts a fresh copy of the data set per iteration with `sort(int* data,
/// std::size_t n, std::uint64_t* calls)`, which must count its comparator calls
/// in *calls. Copying is excluded from the timing (PauseTiming). Counters:
/// calls per sort, ns_per_call (thread CPU time / calls), wall_ns_per_call.
void run_qsort(benchmark::State& state, const std::function<void(int*, std::size_t, std::uint64_t*)>& sort);

/// Fails the benchmark if the data is not sorted.
bool is_sorted_ints(const int* p, std::size_t n) noexcept;

// ---- child-process measurements --------------------------------------------
//
// RSS and mapping scans run in a fresh process (this executable re-executed
// with --thunk-bench-child=MODE) so that no earlier benchmark's allocator state
// or freed pages skew them. A child prints "key=value" lines on stdout.

/// A closure implementation as seen by the memory and mapping measurements.
/// Every closure captures one pointer (to the child's call counter).
struct impl_ops {
  const char* name = "";
  std::size_t handle_bytes = 0;  // what the program keeps per closure (its handle)
  std::function<void()> warm;                                   // create and destroy one
  std::function<void(std::size_t n)> reserve;                   // reserve handle storage for n
  std::function<void(std::size_t k, std::uint64_t* counter)> create;  // append k live closures
  std::function<void()> call_all;                               // call each live closure once
  std::function<void()> destroy_all;                            // destroy every live closure
};

/// Registers an implementation for child modes rss:NAME and wx:NAME.
bool register_impl(impl_ops ops);
const std::map<std::string, impl_ops>& impls();

/// Runs a child mode (main() calls this when argv[1] is --thunk-bench-child=...).
int run_child(const std::string& mode);

/// Spawns this executable in child mode and parses its key=value output.
std::map<std::string, double> spawn_child(const std::string& mode, std::string* error);

/// Benchmark body that reports a child's results as counters.
void report_child(benchmark::State& state, const std::string& mode);

// ---- registration -----------------------------------------------------------
//
// Each translation unit adds its benchmarks here; main() registers them with
// Google Benchmark grouped by measurement, in a fixed order of variants.

enum group : int { g_qsort, g_qsort_paired, g_create_destroy, g_create_batch, g_create_threads, g_create_threads_one, g_rss, g_wx };

/// Variant order inside a group.
enum rank : int { r_plain, r_plain_direct, r_qsort_r, r_with_context, r_stateless, r_stateless_fn, r_closure, r_static_closure, r_libffi, r_ffcall };

struct entry {
  int group;
  int rank;
  std::string name;
  std::function<void(benchmark::State&)> fn;
  std::function<void(benchmark::internal::Benchmark*)> setup;
};
bool add_benchmark(int group, int rank, std::string name, std::function<void(benchmark::State&)> fn,
                   std::function<void(benchmark::internal::Benchmark*)> setup = {});
const std::vector<entry>& benchmarks();

/// Writable+executable mappings in /proc/self/maps right now (their lines).
std::vector<std::string> wx_mappings();

/// Resident bytes of this process (/proc/self/statm).
std::size_t resident_bytes();

/// Live closures in the memory measurement.
constexpr std::size_t live_closures = 1000000;

/// Closures created then destroyed per iteration of the batch and thread loops.
constexpr int batch = 256;

/// Create-then-destroy batch loop with separate create and destroy times
/// (thread CPU time): counters create_ns and destroy_ns are per closure.
template <class Create, class Destroy, class Handle>
void run_batch(benchmark::State& state, Create create, Destroy destroy, Handle* handles) {
  std::uint64_t create_ns = 0, destroy_ns = 0, n = 0;
  for (auto _ : state) {
    const std::uint64_t t0 = thread_cpu_ns();
    for (int i = 0; i < batch; ++i) handles[i] = create(i);
    benchmark::ClobberMemory();
    const std::uint64_t t1 = thread_cpu_ns();
    for (int i = 0; i < batch; ++i) destroy(handles[i]);
    benchmark::ClobberMemory();
    const std::uint64_t t2 = thread_cpu_ns();
    create_ns += t1 - t0;
    destroy_ns += t2 - t1;
    n += batch;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(n));
  state.counters["create_ns"] = n ? double(create_ns) / double(n) : 0;
  state.counters["destroy_ns"] = n ? double(destroy_ns) / double(n) : 0;
}

}  // namespace bench

#endif
