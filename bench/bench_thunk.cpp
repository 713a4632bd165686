// thunk's tiers: the plain-pointer baseline, qsort_r with a hand-written
// context callback, with_context, stateless, and (once <thunk/closure.hpp>
// exists) closure: qsort call cost, create/destroy cost, threads, memory.
#include <stdlib.h>  // qsort, qsort_r (glibc)

#include <array>
#include <cstdint>
#include <thunk/thunk.hpp>
#include <vector>

#include "common.hpp"

#if defined(__has_include)
#  if __has_include(<thunk/static_closure.hpp>)
#    include <thunk/static_closure.hpp>
#    define THUNK_BENCH_HAVE_STATIC_CLOSURE 1
#  endif
#  if __has_include(<thunk/typed_static_closure.hpp>)
#    include <thunk/typed_static_closure.hpp>
#    define THUNK_BENCH_HAVE_TYPED_STATIC_CLOSURE 1
#  endif
#endif

#if !defined(THUNK_BENCH_NO_CLOSURE) && defined(__has_include)
#  if __has_include(<thunk/closure.hpp>)
#    include <thunk/closure.hpp>
#    if THUNK_HAS_CLOSURE
#      define THUNK_BENCH_HAVE_CLOSURE 1
#    endif
#  endif
#endif

namespace bench {
namespace {

// ---- the comparators ----------------------------------------------------------
//
// Same work in every comparator: load the address of its call counter, add one
// through it, compare two ints. A plain function pointer has no context, so it
// finds its counter through a global pointer (as C code keeps its state); the
// others find it through their context (the closure's captured pointer, the
// lambda that with_context references, qsort_r's argument). `plain_direct`
// increments a global counter directly (one load fewer) for reference.

std::uint64_t g_calls = 0;
std::uint64_t* g_calls_ptr = &g_calls;  // the plain pointer's state

int cmp_plain(const void* a, const void* b) {
  ++*g_calls_ptr;
  return compare_ints(a, b);
}

int cmp_plain_direct(const void* a, const void* b) {
  ++g_calls;
  return compare_ints(a, b);
}

int cmp_r_plain(const void* a, const void* b, void* ctx) {
  ++*static_cast<std::uint64_t*>(ctx);
  return compare_ints(a, b);
}

/// The C++ comparator with a one-pointer capture used by with_context and closure.
auto make_cmp(std::uint64_t* calls) {
  return [calls](const void* a, const void* b) {
    ++*calls;
    return compare_ints(a, b);
  };
}

// ---- qsort --------------------------------------------------------------------
//
// Each sort function sorts n ints with its comparator and stores the number of
// comparator calls in *calls.

void sort_plain(int* p, std::size_t n, std::uint64_t* calls) {
  *calls = 0;
  g_calls_ptr = calls;
  qsort(p, n, sizeof(int), cmp_plain);
}

void sort_plain_direct(int* p, std::size_t n, std::uint64_t* calls) {
  g_calls = 0;
  qsort(p, n, sizeof(int), cmp_plain_direct);
  *calls = g_calls;
}

void sort_qsort_r(int* p, std::size_t n, std::uint64_t* calls) {
  *calls = 0;
  qsort_r(p, n, sizeof(int), cmp_r_plain, calls);
}

void sort_with_context(int* p, std::size_t n, std::uint64_t* calls) {
  *calls = 0;
  auto f = make_cmp(calls);
  auto cb = thunk::with_context<cmp_r_fn>(f);  // f referenced: the context is &f
  qsort_r(p, n, sizeof(int), cb.function, cb.context);
}

// thunk::call: the context tier with the slot found and exceptions carried.
void sort_call(int* p, std::size_t n, std::uint64_t* calls) {
  *calls = 0;
  auto f = make_cmp(calls);
  thunk::call(qsort_r, f, p, n, sizeof(int));
}

void sort_stateless(int* p, std::size_t n, std::uint64_t* calls) {
  *calls = 0;
  g_calls_ptr = calls;
  cmp_fn fn = thunk::stateless<cmp_fn>([](const void* a, const void* b) {
    ++*g_calls_ptr;
    return compare_ints(a, b);
  });
  qsort(p, n, sizeof(int), fn);
}

void sort_stateless_fn(int* p, std::size_t n, std::uint64_t* calls) {
  *calls = 0;
  g_calls_ptr = calls;
  cmp_fn fn = thunk::stateless<cmp_fn, &cmp_plain>();  // through a typed entry
  qsort(p, n, sizeof(int), fn);
}

#if THUNK_BENCH_HAVE_CLOSURE
void sort_closure(int* p, std::size_t n, std::uint64_t* calls) {
  *calls = 0;
  thunk::closure<int(const void*, const void*)> c(make_cmp(calls));
  qsort(p, n, sizeof(int), c.get());
}
#endif

#if THUNK_BENCH_HAVE_STATIC_CLOSURE
struct qsort_pool_tag {};
void sort_static_closure(int* p, std::size_t n, std::uint64_t* calls) {
  *calls = 0;
  thunk::static_closure<int(const void*, const void*), 4, qsort_pool_tag> c(make_cmp(calls));
  qsort(p, n, sizeof(int), c.get());
}
#endif

#if THUNK_BENCH_HAVE_TYPED_STATIC_CLOSURE
struct qsort_typed_tag {};
void sort_typed_static_closure(int* p, std::size_t n, std::uint64_t* calls) {
  *calls = 0;
  using cmp_t = decltype(make_cmp(calls));
  thunk::typed_static_closure<int (*)(const void*, const void*), cmp_t, 4, qsort_typed_tag> c(make_cmp(calls));
  qsort(p, n, sizeof(int), c.get());
}
#endif

struct sort_variant {
  int rank;
  const char* name;
  void (*sort)(int*, std::size_t, std::uint64_t*);
};

const sort_variant sort_variants[] = {
    {r_plain, "plain", sort_plain},
    {r_plain_direct, "plain_direct", sort_plain_direct},
    {r_qsort_r, "qsort_r", sort_qsort_r},
    {r_with_context, "with_context", sort_with_context},
    {r_with_context, "call", sort_call},
    {r_stateless, "stateless", sort_stateless},
    {r_stateless_fn, "stateless_fn", sort_stateless_fn},
#if THUNK_BENCH_HAVE_CLOSURE
    {r_closure, "closure", sort_closure},
#endif
#if THUNK_BENCH_HAVE_STATIC_CLOSURE
    {r_static_closure, "static_closure", sort_static_closure},
#endif
#if THUNK_BENCH_HAVE_TYPED_STATIC_CLOSURE
    {r_static_closure, "typed_static_closure", sort_typed_static_closure},
#endif
};
constexpr std::size_t variant_count = sizeof sort_variants / sizeof sort_variants[0];

/// One round = one sort with every variant of thunk's tiers, back to back, in
/// an order rotated from round to round. Counters: ns/call of each variant
/// (thread CPU time) and its ratio to the plain pointer in the same round; with
/// --benchmark_repetitions (one round each) the median aggregate is the median
/// of the per-round ratios.
void qsort_paired(benchmark::State& state) {
  static unsigned round = 0;
  const std::vector<int>& src = qsort_data();
  std::vector<int> work(src.size());
  double ns[variant_count] = {};
  bool sorted = true, same_calls = true;
  std::uint64_t calls0 = 0;
  for (auto _ : state) {
    for (std::size_t k = 0; k < variant_count; ++k) {
      const std::size_t v = (k + round) % variant_count;
      std::copy(src.begin(), src.end(), work.begin());
      std::uint64_t calls = 0;
      const std::uint64_t c0 = thread_cpu_ns();
      sort_variants[v].sort(work.data(), work.size(), &calls);
      const std::uint64_t c1 = thread_cpu_ns();
      benchmark::ClobberMemory();
      sorted = sorted && is_sorted_ints(work.data(), work.size());
      if (calls0 == 0) calls0 = calls;
      same_calls = same_calls && calls == calls0 && calls != 0;
      ns[v] += double(c1 - c0) / double(calls ? calls : 1);
    }
    ++round;
  }
  if (!sorted || !same_calls) {
    state.SkipWithError(!sorted ? "not sorted: a comparator is broken" : "the variants disagree on the call count");
    return;
  }
  const double it = double(state.iterations());
  for (std::size_t v = 0; v < variant_count; ++v) {
    state.counters[std::string("ns_") + sort_variants[v].name] = ns[v] / it;
    if (v) state.counters[std::string("ratio_") + sort_variants[v].name] = ns[v] / ns[0];
  }
  state.counters["calls"] = double(calls0);
}

[[maybe_unused]] const bool qsort_registered = [] {
  for (const sort_variant& v : sort_variants) {
    auto sort = v.sort;
    add_benchmark(g_qsort, v.rank, std::string("qsort/") + v.name, [sort](benchmark::State& s) { run_qsort(s, sort); });
  }
  add_benchmark(g_qsort_paired, 0, "qsort_paired/thunk", qsort_paired);
  return true;
}();

#if THUNK_BENCH_HAVE_CLOSURE
// ---- closure: create and destroy ---------------------------------------------------

using closure_t = thunk::closure<int(const void*, const void*)>;

void closure_create_destroy(benchmark::State& state) {
  std::uint64_t counter = 0;
  for (auto _ : state) {
    closure_t c(make_cmp(&counter));
    cmp_fn fn = c.get();
    benchmark::DoNotOptimize(fn);
  }
  state.SetItemsProcessed(state.iterations());
}

void closure_batch(benchmark::State& state) {
  std::uint64_t counter = 0;
  std::vector<closure_t> handles(batch);
  run_batch(
      state, [&](int) { return closure_t(make_cmp(&counter)); }, [](closure_t& c) { c.reset(); }, handles.data());
}

void closure_threads(benchmark::State& state) {
  std::uint64_t counter = 0;  // never called: one per thread, no sharing
  std::vector<closure_t> handles(batch);
  for (auto _ : state) {
    for (auto& h : handles) h = closure_t(make_cmp(&counter));
    benchmark::ClobberMemory();
    for (auto& h : handles) h.reset();
  }
  state.SetItemsProcessed(state.iterations() * batch);
}

void closure_threads_one(benchmark::State& state) {
  std::uint64_t counter = 0;
  for (auto _ : state) {
    closure_t c(make_cmp(&counter));
    cmp_fn fn = c.get();
    benchmark::DoNotOptimize(fn);
  }
  state.SetItemsProcessed(state.iterations());
}

[[maybe_unused]] const bool closure_registered = [] {
  add_benchmark(g_create_destroy, r_closure, "create_destroy/thunk", closure_create_destroy);
  add_benchmark(g_create_batch, r_closure, "create_batch/thunk", closure_batch);
  add_benchmark(g_create_threads, r_closure, "create_threads/thunk", closure_threads,
                [](benchmark::internal::Benchmark* b) { b->Threads(1)->Threads(2)->UseRealTime(); });
  add_benchmark(g_create_threads_one, r_closure, "create_threads_one/thunk", closure_threads_one,
                [](benchmark::internal::Benchmark* b) { b->Threads(1)->Threads(2)->UseRealTime(); });

  static std::vector<closure_t> live;
  static std::uint64_t warm_counter = 0;
  impl_ops ops;
  ops.name = "thunk";
  ops.handle_bytes = sizeof(closure_t);
  ops.warm = [] {
    closure_t c(make_cmp(&warm_counter));
    int a = 1, b = 2;
    benchmark::DoNotOptimize(c.get()(&a, &b));
  };
  ops.reserve = [](std::size_t n) { live.reserve(n); };
  ops.create = [](std::size_t k, std::uint64_t* counter) {
    for (std::size_t i = 0; i < k; ++i) live.emplace_back(make_cmp(counter));
  };
  ops.call_all = [] {
    int a = 1, b = 2;
    for (auto& c : live) benchmark::DoNotOptimize(c.get()(&a, &b));
  };
  ops.destroy_all = [] {
    live.clear();
    live.shrink_to_fit();  // the handles' storage goes too: what remains is the library's
  };
  return register_impl(std::move(ops));
}();
#endif

#if THUNK_BENCH_HAVE_STATIC_CLOSURE
// ---- static_closure: create and destroy ------------------------------------------
//
// Pools of 2 * batch slots (one per benchmark, by tag): the batch and 2-thread
// loops hold at most 2 * batch at once.

struct create_pool_tag {};
struct batch_pool_tag {};
struct threads_pool_tag {};
template <class Tag>
using static_t = thunk::static_closure<int(const void*, const void*), 2 * batch, Tag>;

void static_create_destroy(benchmark::State& state) {
  std::uint64_t counter = 0;
  for (auto _ : state) {
    static_t<create_pool_tag> c(make_cmp(&counter));
    cmp_fn fn = c.get();
    benchmark::DoNotOptimize(fn);
  }
  state.SetItemsProcessed(state.iterations());
}

void static_batch(benchmark::State& state) {
  std::uint64_t counter = 0;
  std::vector<static_t<batch_pool_tag>> handles(batch);
  run_batch(
      state, [&](int) { return static_t<batch_pool_tag>(make_cmp(&counter)); },
      [](static_t<batch_pool_tag>& c) { c.reset(); }, handles.data());
}

void static_threads(benchmark::State& state) {
  std::uint64_t counter = 0;
  std::vector<static_t<threads_pool_tag>> handles(batch);
  for (auto _ : state) {
    for (auto& h : handles) h = static_t<threads_pool_tag>(make_cmp(&counter));
    benchmark::ClobberMemory();
    for (auto& h : handles) h.reset();
  }
  state.SetItemsProcessed(state.iterations() * batch);
}

void static_threads_one(benchmark::State& state) {
  std::uint64_t counter = 0;
  for (auto _ : state) {
    static_t<threads_pool_tag> c(make_cmp(&counter));
    cmp_fn fn = c.get();
    benchmark::DoNotOptimize(fn);
  }
  state.SetItemsProcessed(state.iterations());
}

[[maybe_unused]] const bool static_registered = [] {
  add_benchmark(g_create_destroy, r_static_closure, "create_destroy/static_closure", static_create_destroy);
  add_benchmark(g_create_batch, r_static_closure, "create_batch/static_closure", static_batch);
  add_benchmark(g_create_threads, r_static_closure, "create_threads/static_closure", static_threads,
                [](benchmark::internal::Benchmark* b) { b->Threads(1)->Threads(2)->UseRealTime(); });
  add_benchmark(g_create_threads_one, r_static_closure, "create_threads_one/static_closure", static_threads_one,
                [](benchmark::internal::Benchmark* b) { b->Threads(1)->Threads(2)->UseRealTime(); });
  return true;
}();
#endif

}  // namespace
}  // namespace bench
