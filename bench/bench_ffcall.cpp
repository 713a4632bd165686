// GNU ffcall callbacks (alloc_callback / free_callback from <callback.h>,
// library libcallback), for comparison. GPL: only this benchmark links it, and
// only when CMake finds it.
#include <callback.h>
#include <stdlib.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "common.hpp"

namespace bench {
namespace {

/// ffcall's generic handler: walks the argument list with the va_* macros.
void cmp_handler(void* data, va_alist alist) {
  va_start_int(alist);
  const void* a = va_arg_ptr(alist, const void*);
  const void* b = va_arg_ptr(alist, const void*);
  ++*static_cast<std::uint64_t*>(data);
  va_return_int(alist, compare_ints(a, b));
}

inline callback_t make(std::uint64_t* counter) {
  callback_t cb = alloc_callback(&cmp_handler, counter);
  if (!cb) abort();
  return cb;
}

inline cmp_fn as_cmp(callback_t cb) { return reinterpret_cast<cmp_fn>(cb); }

void ffcall_qsort(benchmark::State& s) {
  run_qsort(s, [](int* p, std::size_t n, std::uint64_t* calls) {
    callback_t cb = make(calls);
    qsort(p, n, sizeof(int), as_cmp(cb));
    free_callback(cb);
  });
}

void ffcall_create_destroy(benchmark::State& state) {
  std::uint64_t counter = 0;
  for (auto _ : state) {
    callback_t cb = make(&counter);
    benchmark::DoNotOptimize(cb);
    free_callback(cb);
  }
  state.SetItemsProcessed(state.iterations());
}

void ffcall_batch(benchmark::State& state) {
  std::uint64_t counter = 0;
  std::vector<callback_t> handles(batch);
  run_batch(
      state, [&](int) { return make(&counter); }, [](callback_t cb) { free_callback(cb); }, handles.data());
}

void ffcall_threads(benchmark::State& state) {
  std::uint64_t counter = 0;
  std::vector<callback_t> handles(batch);
  for (auto _ : state) {
    for (auto& h : handles) h = make(&counter);
    benchmark::ClobberMemory();
    for (auto& h : handles) free_callback(h);
  }
  state.SetItemsProcessed(state.iterations() * batch);
}

void ffcall_threads_one(benchmark::State& state) {
  std::uint64_t counter = 0;
  for (auto _ : state) {
    callback_t cb = make(&counter);
    benchmark::DoNotOptimize(cb);
    free_callback(cb);
  }
  state.SetItemsProcessed(state.iterations());
}

[[maybe_unused]] const bool registered = [] {
  add_benchmark(g_qsort, r_ffcall, "qsort/ffcall", ffcall_qsort);
  add_benchmark(g_create_destroy, r_ffcall, "create_destroy/ffcall", ffcall_create_destroy);
  add_benchmark(g_create_batch, r_ffcall, "create_batch/ffcall", ffcall_batch);
  add_benchmark(g_create_threads, r_ffcall, "create_threads/ffcall", ffcall_threads,
                 [](benchmark::internal::Benchmark* b) { b->Threads(1)->Threads(2)->UseRealTime(); });
  add_benchmark(g_create_threads_one, r_ffcall, "create_threads_one/ffcall", ffcall_threads_one,
                 [](benchmark::internal::Benchmark* b) { b->Threads(1)->Threads(2)->UseRealTime(); });

  static std::vector<callback_t> live;
  static std::uint64_t warm_counter = 0;
  impl_ops ops;
  ops.name = "ffcall";
  ops.handle_bytes = sizeof(callback_t);
  ops.warm = [] {
    callback_t cb = make(&warm_counter);
    int a = 1, b = 2;
    benchmark::DoNotOptimize(as_cmp(cb)(&a, &b));
    free_callback(cb);
  };
  ops.reserve = [](std::size_t n) { live.reserve(n); };
  ops.create = [](std::size_t k, std::uint64_t* counter) {
    for (std::size_t i = 0; i < k; ++i) live.push_back(make(counter));
  };
  ops.call_all = [] {
    int a = 1, b = 2;
    for (auto cb : live) benchmark::DoNotOptimize(as_cmp(cb)(&a, &b));
  };
  ops.destroy_all = [] {
    for (auto cb : live) free_callback(cb);
    live.clear();
    live.shrink_to_fit();
  };
  return register_impl(std::move(ops));
}();

}  // namespace
}  // namespace bench
