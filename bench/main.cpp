// thunk_bench: Google Benchmark driver for thunk's tiers beside libffi and
// GNU ffcall. See bench/README.md (measurements) and bench/run.sh (report).
//
//   thunk_bench [google benchmark flags]
//   thunk_bench --thunk-bench-child=rss:NAME|wx:NAME   (used internally)
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "common.hpp"

#ifndef THUNK_BENCH_FLAGS
#  define THUNK_BENCH_FLAGS "unknown"
#endif
#ifndef THUNK_BENCH_LIBFFI_VERSION
#  define THUNK_BENCH_LIBFFI_VERSION "unknown"
#endif
#ifndef THUNK_BENCH_FFCALL_VERSION
#  define THUNK_BENCH_FFCALL_VERSION "not built (not found, or THUNK_BENCH_FFCALL=OFF)"
#endif

namespace {

/// The machine's own 2-thread scaling: per item, arithmetic on registers only
/// (about as long as a create+destroy), no memory shared between threads. What
/// the create_threads ratios can reach on this machine at this moment.
void calibration(benchmark::State& state) {
  std::uint64_t x = 0x9E3779B97F4A7C15ull + std::uint64_t(state.thread_index());
  for (auto _ : state) {
    for (int i = 0; i < bench::batch; ++i) {
      for (int k = 0; k < 8; ++k) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
      }
      benchmark::DoNotOptimize(x);
    }
  }
  state.SetItemsProcessed(state.iterations() * bench::batch);
}

}  // namespace

int main(int argc, char** argv) {
  const char child_flag[] = "--thunk-bench-child=";
  if (argc >= 2 && std::strncmp(argv[1], child_flag, sizeof child_flag - 1) == 0)
    return bench::run_child(argv[1] + sizeof child_flag - 1);

  bench::add_benchmark(bench::g_create_threads, -1, "create_threads/calibration", calibration,
                       [](benchmark::internal::Benchmark* b) { b->Threads(1)->Threads(2)->UseRealTime(); });
  std::vector<bench::entry> list = bench::benchmarks();
  std::stable_sort(list.begin(), list.end(), [](const bench::entry& a, const bench::entry& b) {
    return a.group != b.group ? a.group < b.group : a.rank < b.rank;
  });
  for (const auto& e : list) {
    auto* b = benchmark::RegisterBenchmark(e.name.c_str(), e.fn);
    // One sort (~39M comparator calls) per repetition: many short repetitions
    // give a steadier median than a few long ones on a shared machine.
    if (e.group == bench::g_qsort || e.group == bench::g_qsort_paired)
      b->Unit(benchmark::kMillisecond)->Iterations(1);
    if (e.setup) e.setup(b);
  }
  // Memory and mappings: one fresh child process per measurement.
  std::vector<std::string> names;
  for (const char* n : {"thunk", "libffi", "ffcall"})
    if (bench::impls().count(n)) names.push_back(n);
  for (const auto& n : names) {
    std::string mode = "rss:" + n;
    benchmark::RegisterBenchmark(("memory/rss/" + n).c_str(),
                                 [mode](benchmark::State& s) { bench::report_child(s, mode); })
        ->Iterations(1)
        ->Unit(benchmark::kMillisecond);
  }
  for (const auto& n : names) {
    std::string mode = "wx:" + n;
    benchmark::RegisterBenchmark(("memory/wx/" + n).c_str(),
                                 [mode](benchmark::State& s) { bench::report_child(s, mode); })
        ->Iterations(1)
        ->Repetitions(1)
        ->Unit(benchmark::kMillisecond);
  }

  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("thunk_closure", bench::impls().count("thunk") ? "yes" : "no (closure.hpp absent)");
#if defined(__clang__)
  benchmark::AddCustomContext("compiler", "clang " __clang_version__);
#elif defined(__GNUC__)
  benchmark::AddCustomContext("compiler", "GCC " __VERSION__);
#else
  benchmark::AddCustomContext("compiler", "unknown");
#endif
  benchmark::AddCustomContext("flags", THUNK_BENCH_FLAGS);
  benchmark::AddCustomContext("libffi", THUNK_BENCH_LIBFFI_VERSION);
  benchmark::AddCustomContext("ffcall", THUNK_BENCH_FFCALL_VERSION);
  benchmark::AddCustomContext("qsort_elements", std::to_string(bench::qsort_elements));
  benchmark::AddCustomContext("live_closures", std::to_string(bench::live_closures));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
