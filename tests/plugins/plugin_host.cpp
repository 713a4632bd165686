// Loads the thunk plugins given on the command line, runs them, unloads
// them, 20 rounds, in changing orders; checks that every plugin is really
// gone after dlclose and that the process's mappings and resident memory
// after the last round are back where they were after the first.
// With HOST_USES_THUNK the host keeps closures of its own alive throughout.
//
//   plugin_host [--signals] [--no-memory-check] plugin.so...    exit 0: pass
#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#if HOST_USES_THUNK
#  include <thunk/thunk.hpp>
#endif

namespace {

std::size_t count_mappings(const char* containing) {
  FILE* f = std::fopen("/proc/self/maps", "r");
  if (!f) return 0;
  char line[4096];
  std::size_t n = 0;
  while (std::fgets(line, sizeof line, f))
    if (!containing || std::strstr(line, containing)) ++n;
  std::fclose(f);
  return n;
}

/// Resident memory that is not a file's (heap, stacks, thunk's chunks): the
/// pages of libraries' files come and go with the page cache.
long resident_kib() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  long size = 0, resident = 0, shared = 0;
  if (f) {
    if (std::fscanf(f, "%ld %ld %ld", &size, &resident, &shared) != 3) resident = shared = 0;
    std::fclose(f);
  }
  return (resident - shared) * (sysconf(_SC_PAGESIZE) / 1024);
}

int fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "plugin_host: FAILED: %s %s\n", what, detail.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  bool signals = false, memory_check = true;
  std::vector<std::string> plugins;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--signals") == 0)
      signals = true;
    else if (std::strcmp(argv[i], "--no-memory-check") == 0)
      memory_check = false;
    else
      plugins.push_back(argv[i]);
  }
  if (plugins.empty()) return fail("usage:", "plugin_host [--signals] plugin.so...");

#if HOST_USES_THUNK
  long host_calls = 0;
  thunk::closure<long (*)(long)> host_reg([&](long x) { return ++host_calls, x + 1; });
  thunk::closure<long (*)(long), thunk::path::general> host_gen([&](long x) { return ++host_calls, x + 2; });
#endif

  const int rounds = 20;
  std::size_t first_maps = 0;
  long first_rss = 0;
  for (int round = 0; round < rounds; ++round) {
    const std::size_t n = plugins.size();
    std::vector<void*> handles(n, nullptr);
    // Open in a rotated order; odd rounds backwards.
    for (std::size_t k = 0; k < n; ++k) {
      std::size_t i = (k + static_cast<std::size_t>(round)) % n;
      if (round % 2) i = n - 1 - i;
      handles[i] = dlopen(plugins[i].c_str(), RTLD_NOW | RTLD_LOCAL);
      if (!handles[i]) return fail("dlopen", dlerror());
    }
    for (std::size_t i = 0; i < n; ++i) {
      using run_fn = int (*)(int);
      auto run = reinterpret_cast<run_fn>(dlsym(handles[i], "thunk_plugin_run"));
      if (!run) return fail("dlsym", plugins[i]);
      const int r = run(round * 7 + static_cast<int>(i));
      if (r != 0) return fail("thunk_plugin_run returned", std::to_string(r) + " in " + plugins[i]);
      if (signals && round == 0) {
        using sig_fn = int (*)();
        auto nest = reinterpret_cast<sig_fn>(dlsym(handles[i], "thunk_plugin_signal_nesting"));
        const int s = nest ? nest() : -1;
        if (s != 0) return fail("thunk_plugin_signal_nesting returned", std::to_string(s) + " in " + plugins[i]);
      }
#if HOST_USES_THUNK
      if (host_reg.get()(1) != 2 || host_gen.get()(1) != 3) return fail("host closure", "wrong result");
      thunk::closure<long (*)(long, long, long, long, long, long, long)> h(
          [](long a, long, long, long, long, long, long g) { return a * g; });
      if (h.get()(6, 0, 0, 0, 0, 0, 7) != 42) return fail("host closure", "wrong result");
#endif
    }
    // Close in another order (every third round: the order they were opened).
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t i = round % 3 == 0 ? k : (n - 1 - k + static_cast<std::size_t>(round)) % n;
      if (dlclose(handles[i]) != 0) return fail("dlclose", dlerror());
      if (count_mappings(plugins[i].c_str()) != 0) return fail("still mapped after dlclose:", plugins[i]);
    }
    const std::size_t maps = count_mappings(nullptr);
    const long rss = resident_kib();
    std::printf("round %2d: %zu mappings, %ld KiB resident\n", round + 1, maps, rss);
    if (round == 0) {
      first_maps = maps;
      first_rss = rss;
    }
  }
  std::fflush(stdout);
  const std::size_t last_maps = count_mappings(nullptr);
  const long last_rss = resident_kib();
  if (memory_check && last_maps != first_maps)
    return fail("mappings",
                std::to_string(first_maps) + " after round 1, " + std::to_string(last_maps) + " at the end");
  // Resident memory: the allocator may keep a few pages; a leak of one
  // plugin's chunks (2 x 128 KiB per kind) or per-thread states per round
  // would show 20 times over.
  if (memory_check && last_rss > first_rss + 64)
    return fail("resident memory",
                std::to_string(first_rss) + " KiB after round 1, " + std::to_string(last_rss) + " KiB at the end");
#if HOST_USES_THUNK
  std::printf("host closures called %ld times\n", host_calls);
#endif
  std::printf("plugin_host: %zu plugins x %d rounds: all unloaded, %zu mappings, %ld KiB -> %ld KiB resident\n",
              plugins.size(), rounds, last_maps, first_rss, last_rss);
  return 0;
}
