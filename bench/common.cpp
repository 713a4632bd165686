#include "common.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

extern char** environ;

namespace bench {

const std::vector<int>& qsort_data() {
  static const std::vector<int> data = [] {
    std::vector<int> v(qsort_elements);
    std::mt19937 rng(20240229u);
    for (auto& x : v) x = static_cast<int>(rng());
    return v;
  }();
  return data;
}

std::uint64_t thread_cpu_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::uint64_t(ts.tv_sec) * 1000000000u + std::uint64_t(ts.tv_nsec);
}

bool is_sorted_ints(const int* p, std::size_t n) noexcept { return std::is_sorted(p, p + n); }

void run_qsort(benchmark::State& state, const std::function<void(int*, std::size_t, std::uint64_t*)>& sort) {
  const std::vector<int>& src = qsort_data();
  std::vector<int> work(src.size());
  std::uint64_t calls_total = 0, cpu_total = 0;
  double wall_total = 0;
  std::int64_t iterations = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::copy(src.begin(), src.end(), work.begin());
    state.ResumeTiming();
    std::uint64_t calls = 0;
    const std::uint64_t c0 = thread_cpu_ns();
    const auto w0 = std::chrono::steady_clock::now();
    sort(work.data(), work.size(), &calls);
    const auto w1 = std::chrono::steady_clock::now();
    const std::uint64_t c1 = thread_cpu_ns();
    benchmark::ClobberMemory();
    calls_total += calls;
    cpu_total += c1 - c0;
    wall_total += std::chrono::duration<double, std::nano>(w1 - w0).count();
    ++iterations;
  }
  if (!is_sorted_ints(work.data(), work.size())) {
    state.SkipWithError("the data is not sorted: the comparator is broken");
    return;
  }
  if (calls_total == 0) {
    state.SkipWithError("no comparator call was counted");
    return;
  }
  state.counters["calls"] = double(calls_total) / double(iterations);
  state.counters["ns_per_call"] = double(cpu_total) / double(calls_total);
  state.counters["wall_ns_per_call"] = wall_total / double(calls_total);
}

// ---- /proc ------------------------------------------------------------------

std::size_t resident_bytes() {
  std::ifstream in("/proc/self/statm");
  std::size_t size = 0, resident = 0;
  in >> size >> resident;
  return resident * std::size_t(sysconf(_SC_PAGESIZE));
}

namespace {

/// Lines of /proc/self/maps: the process's mappings.
std::size_t mapping_count() {
  std::ifstream in("/proc/self/maps");
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) ++n;
  return n;
}

/// RssAnon, RssFile, RssShmem in bytes (from /proc/self/status, kB).
struct rss_split {
  double anon = 0, file = 0, shmem = 0, pss = 0;
};
rss_split read_rss_split() {
  std::ifstream in("/proc/self/status");
  std::string line;
  rss_split r;
  while (std::getline(in, line)) {
    double kb = 0;
    if (std::sscanf(line.c_str(), "RssAnon: %lf", &kb) == 1) r.anon = kb * 1024;
    else if (std::sscanf(line.c_str(), "RssFile: %lf", &kb) == 1) r.file = kb * 1024;
    else if (std::sscanf(line.c_str(), "RssShmem: %lf", &kb) == 1) r.shmem = kb * 1024;
  }
  // Proportional set size: a page mapped twice (an RW view and an RX view of
  // the same memory, as ffcall does) counts once here and twice in RSS.
  std::ifstream rollup("/proc/self/smaps_rollup");
  while (std::getline(rollup, line)) {
    double kb = 0;
    if (std::sscanf(line.c_str(), "Pss: %lf", &kb) == 1) r.pss = kb * 1024;
  }
  return r;
}

}  // namespace

std::vector<std::string> wx_mappings() {
  std::vector<std::string> out;
  std::FILE* f = std::fopen("/proc/self/maps", "r");
  if (!f) return out;
  char line[4096];
  while (std::fgets(line, sizeof line, f)) {
    // "start-end perms offset dev inode path"
    const char* sp = std::strchr(line, ' ');
    if (!sp || std::strlen(sp) < 5) continue;
    if (sp[2] == 'w' && sp[3] == 'x') {
      std::string s(line);
      while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
      out.push_back(s);
    }
  }
  std::fclose(f);
  return out;
}

// ---- registration ---------------------------------------------------------------

namespace {
std::vector<entry>& entries() {
  static std::vector<entry> e;
  return e;
}
}  // namespace

bool add_benchmark(int group, int rank, std::string name, std::function<void(benchmark::State&)> fn,
                   std::function<void(benchmark::internal::Benchmark*)> setup) {
  entries().push_back(entry{group, rank, std::move(name), std::move(fn), std::move(setup)});
  return true;
}
const std::vector<entry>& benchmarks() { return entries(); }

// ---- implementations registry ------------------------------------------------

namespace {
std::map<std::string, impl_ops>& registry() {
  static std::map<std::string, impl_ops> r;
  return r;
}
}  // namespace

bool register_impl(impl_ops ops) {
  std::string name = ops.name;
  registry()[name] = std::move(ops);
  return true;
}

const std::map<std::string, impl_ops>& impls() { return registry(); }

// ---- child modes --------------------------------------------------------------

namespace {

/// Reads one byte of every page of every readable file mapping (program and
/// library text, read-only data), so that the first execution of a code path
/// during the measurement does not fault text in (the kernel maps 64 KB around
/// each such fault: 0.07 B per closure at 1M closures).
void prefault_file_mappings() {
  std::FILE* f = std::fopen("/proc/self/maps", "r");
  if (!f) return;
  char line[4096];
  const std::uintptr_t page = std::uintptr_t(sysconf(_SC_PAGESIZE));
  while (std::fgets(line, sizeof line, f)) {
    unsigned long begin = 0, end = 0;
    char perms[8] = {};
    int path_at = 0;
    if (std::sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &begin, &end, perms, &path_at) < 3) continue;
    if (perms[0] != 'r' || line[path_at] != '/') continue;
    for (std::uintptr_t p = begin; p < end; p += page) {
      volatile const char* c = reinterpret_cast<const char*>(p);
      (void)*c;
    }
  }
  std::fclose(f);
}

void print_kv(const char* key, double value) { std::printf("%s=%.6g\n", key, value); }

/// rss:NAME — RSS per live closure at live_closures closures. Counted: the
/// growth of the resident set (/proc/self/statm) from just before the handle
/// storage is reserved to after every closure was created and called once —
/// the handles (std::vector, reserved beforehand, its pages touched by the
/// creation), the captured state, the executable and data pages and the
/// allocator's own bookkeeping. One-time initialisation (a first closure created
/// and destroyed) happens before the first reading, and every readable file
/// mapping (program text) is made resident before it.
int child_rss(const impl_ops& ops) {
  const std::size_t n = live_closures;
  std::uint64_t counter = 0;
  // One-time costs are not per-closure costs: the first closure (first chunk,
  // TLS offset ...), called once, and the code of the readers themselves.
  ops.warm();
  (void)resident_bytes();
  (void)read_rss_split();
  (void)wx_mappings();
  prefault_file_mappings();
  const rss_split split0 = read_rss_split();
  const std::size_t rss0 = resident_bytes();
  const std::size_t maps0 = mapping_count();
  ops.reserve(n);  // reserved, not yet touched: the touched pages are counted below
  const std::uint64_t t0 = thread_cpu_ns();
  ops.create(n, &counter);
  const std::uint64_t t1 = thread_cpu_ns();
  ops.call_all();  // each closure called once: whatever a call faults in is counted too
  const std::size_t rss1 = resident_bytes();
  const rss_split split1 = read_rss_split();
  const auto wx = wx_mappings();
  const double delta = double(rss1) - double(rss0);
  print_kv("closures", double(n));
  print_kv("calls_ok", counter == n ? 1 : 0);
  print_kv("rss_delta_bytes", delta);
  print_kv("bytes_per_closure", delta / double(n));
  print_kv("handle_bytes", double(ops.handle_bytes));
  print_kv("bytes_per_closure_excl_handles", delta / double(n) - double(ops.handle_bytes));
  print_kv("anon_per_closure", (split1.anon - split0.anon) / double(n));
  print_kv("file_per_closure", (split1.file - split0.file) / double(n));
  print_kv("shmem_per_closure", (split1.shmem - split0.shmem) / double(n));
  print_kv("pss_per_closure", (split1.pss - split0.pss) / double(n));
  print_kv("wx_mappings", double(wx.size()));
  const std::size_t maps1 = mapping_count();
  const std::uint64_t t2 = thread_cpu_ns();
  ops.destroy_all();
  const std::uint64_t t3 = thread_cpu_ns();
  // After the burst: what of its growth is still resident (the handles'
  // storage is freed by destroy_all), and the mappings left.
  const std::size_t rss2 = resident_bytes();
  print_kv("after_burst_resident_fraction", (double(rss2) - double(rss0)) / delta);
  print_kv("maps_before", double(maps0));
  print_kv("maps_at_1M", double(maps1));
  print_kv("maps_after_burst", double(mapping_count()));
  // Creating 1M live closures from nothing: fresh pages, page faults included.
  print_kv("create_ns_at_1M", double(t1 - t0) / double(n));
  print_kv("destroy_ns_at_1M", double(t3 - t2) / double(n));
  std::fflush(stdout);
  for (const auto& line : wx) std::fprintf(stderr, "W+X: %s\n", line.c_str());
  return counter == n ? 0 : 3;
}

/// wx:NAME — a sampler thread scans /proc/self/maps without pause while the
/// main thread creates, calls and destroys closures (growing batches up to
/// live_closures/4, destroy, create again); reports the most W+X mappings any
/// scan saw.
int child_wx(const impl_ops& ops) {
  std::atomic<bool> stop{false};
  std::atomic<std::size_t> max_wx{0}, scans{0};
  std::string first;
  std::thread sampler([&] {
    while (!stop.load(std::memory_order_relaxed)) {
      auto wx = wx_mappings();
      if (wx.size() > max_wx.load()) {
        max_wx = wx.size();
        if (first.empty()) first = wx.front();
      }
      ++scans;
    }
  });
  while (scans.load() < 2) std::this_thread::yield();  // sampler running before the first closure
  std::uint64_t counter = 0;
  const std::size_t total = live_closures / 4;
  ops.warm();
  ops.reserve(total);
  std::size_t made = 0;
  for (std::size_t step = 1; made < total; step *= 4) {
    const std::size_t k = std::min(step, total - made);
    ops.create(k, &counter);
    made += k;
  }
  ops.call_all();
  const std::size_t after_create = wx_mappings().size();
  ops.destroy_all();
  ops.reserve(total);
  ops.create(total, &counter);
  ops.call_all();
  ops.destroy_all();
  const std::size_t at_end = wx_mappings().size();
  stop = true;
  sampler.join();
  print_kv("closures", double(total));
  print_kv("calls_ok", counter == 2 * total ? 1 : 0);
  print_kv("wx_max", double(std::max({max_wx.load(), after_create, at_end})));
  print_kv("wx_after_create", double(after_create));
  print_kv("wx_at_end", double(at_end));
  print_kv("scans", double(scans.load()));
  std::fflush(stdout);
  if (!first.empty()) std::fprintf(stderr, "W+X: %s\n", first.c_str());
  return 0;
}

}  // namespace

int run_child(const std::string& mode) {
  const auto colon = mode.find(':');
  const std::string kind = mode.substr(0, colon);
  const std::string name = colon == std::string::npos ? "" : mode.substr(colon + 1);
  auto it = impls().find(name);
  if (it == impls().end()) {
    std::fprintf(stderr, "thunk_bench: unknown implementation '%s'\n", name.c_str());
    return 2;
  }
  if (kind == "rss") return child_rss(it->second);
  if (kind == "wx") return child_wx(it->second);
  std::fprintf(stderr, "thunk_bench: unknown child mode '%s'\n", kind.c_str());
  return 2;
}

std::map<std::string, double> spawn_child(const std::string& mode, std::string* error) {
  std::map<std::string, double> out;
  int fds[2];
  if (pipe(fds) != 0) {
    *error = "pipe failed";
    return out;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  posix_spawn_file_actions_addclose(&actions, fds[1]);
  std::string arg = "--thunk-bench-child=" + mode;
  char exe[] = "/proc/self/exe";
  char* argv[] = {exe, arg.data(), nullptr};
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, exe, &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    *error = std::string("posix_spawn failed: ") + std::strerror(rc);
    return out;
  }
  std::string text;
  char buf[4096];
  ssize_t got;
  while ((got = read(fds[0], buf, sizeof buf)) > 0) text.append(buf, std::size_t(got));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    *error = "child '" + mode + "' failed (status " + std::to_string(status) + ")";
  }
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) out[line.substr(0, eq)] = std::strtod(line.c_str() + eq + 1, nullptr);
  }
  return out;
}

void report_child(benchmark::State& state, const std::string& mode) {
  std::map<std::string, double> values;
  std::string error;
  for (auto _ : state) {
    values = spawn_child(mode, &error);
    if (!error.empty()) break;
  }
  if (!error.empty()) {
    state.SkipWithError(error.c_str());
    return;
  }
  for (const auto& kv : values) state.counters[kv.first] = kv.second;
}

}  // namespace bench
