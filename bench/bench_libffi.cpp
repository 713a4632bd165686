// libffi closures (ffi_closure_alloc + ffi_prep_closure_loc), for comparison.
// The call interface (ffi_cif) is prepared once per signature, outside every
// timed loop, as a program would; a closure costs alloc + prep, then free.
#include <ffi.h>
#include <stdlib.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "common.hpp"

namespace bench {
namespace {

ffi_type* cmp_args[2] = {&ffi_type_pointer, &ffi_type_pointer};

ffi_cif& cmp_cif() {
  static ffi_cif cif = [] {
    ffi_cif c;
    if (ffi_prep_cif(&c, FFI_DEFAULT_ABI, 2, &ffi_type_sint, cmp_args) != FFI_OK) abort();
    return c;
  }();
  return cif;
}

/// libffi's generic handler: decodes the arguments from the array libffi built.
void cmp_handler(ffi_cif*, void* ret, void** args, void* user) {
  ++*static_cast<std::uint64_t*>(user);
  const void* a = *static_cast<const void* const*>(args[0]);
  const void* b = *static_cast<const void* const*>(args[1]);
  *static_cast<ffi_sarg*>(ret) = compare_ints(a, b);
}

struct handle {
  ffi_closure* closure;  // writable view, needed to free
  cmp_fn code;           // the function pointer handed to C
};

inline handle make(std::uint64_t* counter) {
  void* code = nullptr;
  auto* cl = static_cast<ffi_closure*>(ffi_closure_alloc(sizeof(ffi_closure), &code));
  if (!cl || ffi_prep_closure_loc(cl, &cmp_cif(), cmp_handler, counter, code) != FFI_OK) abort();
  return {cl, reinterpret_cast<cmp_fn>(code)};
}

inline void destroy(handle h) { ffi_closure_free(h.closure); }

void libffi_qsort(benchmark::State& s) {
  run_qsort(s, [](int* p, std::size_t n, std::uint64_t* calls) {
    handle h = make(calls);
    qsort(p, n, sizeof(int), h.code);
    destroy(h);
  });
}

void libffi_create_destroy(benchmark::State& state) {
  std::uint64_t counter = 0;
  (void)cmp_cif();
  for (auto _ : state) {
    handle h = make(&counter);
    benchmark::DoNotOptimize(h.code);
    destroy(h);
  }
  state.SetItemsProcessed(state.iterations());
}

void libffi_batch(benchmark::State& state) {
  std::uint64_t counter = 0;
  (void)cmp_cif();
  std::vector<handle> handles(batch);
  run_batch(
      state, [&](int) { return make(&counter); }, [](handle h) { destroy(h); }, handles.data());
}

void libffi_threads(benchmark::State& state) {
  std::uint64_t counter = 0;
  (void)cmp_cif();
  std::vector<handle> handles(batch);
  for (auto _ : state) {
    for (auto& h : handles) h = make(&counter);
    benchmark::ClobberMemory();
    for (auto& h : handles) destroy(h);
  }
  state.SetItemsProcessed(state.iterations() * batch);
}

void libffi_threads_one(benchmark::State& state) {
  std::uint64_t counter = 0;
  for (auto _ : state) {
    handle h = make(&counter);
    benchmark::DoNotOptimize(h.code);
    destroy(h);
  }
  state.SetItemsProcessed(state.iterations());
}

[[maybe_unused]] const bool registered = [] {
  add_benchmark(g_qsort, r_libffi, "qsort/libffi", libffi_qsort);
  add_benchmark(g_create_destroy, r_libffi, "create_destroy/libffi", libffi_create_destroy);
  add_benchmark(g_create_batch, r_libffi, "create_batch/libffi", libffi_batch);
  add_benchmark(g_create_threads, r_libffi, "create_threads/libffi", libffi_threads,
                 [](benchmark::internal::Benchmark* b) { b->Threads(1)->Threads(2)->UseRealTime(); });
  add_benchmark(g_create_threads_one, r_libffi, "create_threads_one/libffi", libffi_threads_one,
                 [](benchmark::internal::Benchmark* b) { b->Threads(1)->Threads(2)->UseRealTime(); });

  static std::vector<handle> live;
  static std::uint64_t warm_counter = 0;
  impl_ops ops;
  ops.name = "libffi";
  ops.handle_bytes = sizeof(handle);
  ops.warm = [] {
    handle h = make(&warm_counter);
    int a = 1, b = 2;
    benchmark::DoNotOptimize(h.code(&a, &b));
    destroy(h);
  };
  ops.reserve = [](std::size_t n) { live.reserve(n); };
  ops.create = [](std::size_t k, std::uint64_t* counter) {
    for (std::size_t i = 0; i < k; ++i) live.push_back(make(counter));
  };
  ops.call_all = [] {
    int a = 1, b = 2;
    for (auto& h : live) benchmark::DoNotOptimize(h.code(&a, &b));
  };
  ops.destroy_all = [] {
    for (auto& h : live) destroy(h);
    live.clear();
    live.shrink_to_fit();
  };
  return register_impl(std::move(ops));
}();

}  // namespace
}  // namespace bench
