// Loads closure_dll.dll and frees it 100 times: the DLL must be gone after
// every FreeLibrary, and the TLS/FLS indices and the private memory after
// the last cycle must be what they were after the first.
//   dll_host THUNK.dll CONTROL.dll            100 load/run/free cycles of each
//   dll_host THUNK.dll CONTROL.dll --exhaust  first take every TEB TLS slot
//                                             (64): the general path must work
// CONTROL.dll is plain C++ built with the same runtime: MinGW's posix thread
// model leaks a TLS index per load of any DLL (winpthread); thunk may add none.
#include <windows.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

int fail(const std::string& what) {
  std::fprintf(stderr, "dll_host: FAILED: %s\n", what.c_str());
  return 1;
}

/// Committed private memory of the process (heap, thunk's chunks), summed
/// with VirtualQuery: wine does not fill PROCESS_MEMORY_COUNTERS_EX.PrivateUsage.
std::size_t private_bytes() {
  std::size_t total = 0;
  MEMORY_BASIC_INFORMATION m{};
  for (char* p = nullptr; VirtualQuery(p, &m, sizeof m) == sizeof m;
       p = static_cast<char*>(m.BaseAddress) + m.RegionSize) {
    if (m.State == MEM_COMMIT && m.Type == MEM_PRIVATE) total += m.RegionSize;
    if (m.RegionSize == 0) break;
  }
  return total;
}

// The lowest free TLS and FLS indices: a leaked index shows as a higher one.
DWORD probe_tls() {
  const DWORD i = TlsAlloc();
  TlsFree(i);
  return i;
}
DWORD probe_fls() {
  const DWORD i = FlsAlloc(nullptr);
  FlsFree(i);
  return i;
}

struct cycle_result {
  bool ok;
  DWORD first_tls, last_tls, first_fls, last_fls;
  std::size_t first_private, last_private;
};

/// 100 LoadLibrary / run / FreeLibrary cycles of `path`.
cycle_result cycles_of(const char* path, int cycles) {
  cycle_result res{};
  const char* base = std::strrchr(path, '/');
  const char* base2 = std::strrchr(path, '\\');
  if (base2 > base) base = base2;
  const std::string name = base ? base + 1 : path;
  for (int cycle = 0; cycle < cycles; ++cycle) {
    HMODULE h = LoadLibraryA(path);
    if (!h) return fail("LoadLibrary " + std::string(path) + ": error " + std::to_string(GetLastError())), res;
    using run_fn = int (*)(int);
    auto run = reinterpret_cast<run_fn>(reinterpret_cast<void*>(GetProcAddress(h, "thunk_dll_run")));
    if (!run) return fail("GetProcAddress thunk_dll_run"), res;
    const int r = run(cycle);
    if (r != 0)
      return fail("thunk_dll_run returned " + std::to_string(r) + " in cycle " + std::to_string(cycle + 1)), res;
    if (!FreeLibrary(h)) return fail("FreeLibrary"), res;
    if (GetModuleHandleA(name.c_str()) != nullptr)
      return fail(name + " is still loaded after FreeLibrary in cycle " + std::to_string(cycle + 1)), res;
    if (cycle == 0) {
      res.first_tls = probe_tls();
      res.first_fls = probe_fls();
      res.first_private = private_bytes();
    }
  }
  res.last_tls = probe_tls();
  res.last_fls = probe_fls();
  res.last_private = private_bytes();
  std::printf(
      "%s: %d cycles, unloaded every time; lowest free TLS index %lu -> %lu, FLS index %lu -> %lu, "
      "private bytes %zu KiB -> %zu KiB\n",
      name.c_str(), cycles, res.first_tls, res.last_tls, res.first_fls, res.last_fls, res.first_private / 1024,
      res.last_private / 1024);
  res.ok = true;
  return res;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return fail("usage: dll_host THUNK.dll CONTROL.dll [--exhaust]");
  const bool exhaust = argc > 3 && std::strcmp(argv[3], "--exhaust") == 0;
  std::vector<DWORD> taken;
  if (exhaust) {
    for (;;) {
      const DWORD i = TlsAlloc();
      if (i == TLS_OUT_OF_INDEXES) break;
      taken.push_back(i);
      if (i >= 63) break;  // every TEB slot (0..63) is taken now
    }
    std::printf("took %zu TLS indices (the last %lu): thunk's index is an expansion slot\n", taken.size(),
                taken.empty() ? 0ul : taken.back());
  }
  const int cycles = 100;
  const cycle_result control = cycles_of(argv[2], cycles);
  if (!control.ok) return 1;
  const cycle_result mine = cycles_of(argv[1], cycles);
  if (!mine.ok) return 1;
  const DWORD control_leak = control.last_tls - control.first_tls;
  if (mine.last_tls - mine.first_tls > control_leak)
    return fail("thunk's DLL leaked TLS indices beyond the runtime's (" + std::to_string(control_leak) + ")");
  if (mine.last_fls != mine.first_fls) return fail("an FLS index leaked");
  // Loading any DLL 100 times costs the process some memory under wine (the
  // control shows how much); thunk's chunks (128 KiB each) or per-thread
  // states left behind would add to it every cycle.
  const std::size_t control_growth =
      control.last_private > control.first_private ? control.last_private - control.first_private : 0;
  if (mine.last_private > mine.first_private + control_growth + 256 * 1024)
    return fail("private memory grew beyond the control's (" + std::to_string(control_growth / 1024) + " KiB)");
  std::printf(
      "dll_host: thunk's DLL left no module, TLS/FLS index or memory of its own behind "
      "(the control DLL, same runtime: %lu TLS indices and %zu KiB in %d loads)\n",
      control_leak, control_growth / 1024, cycles);
  for (DWORD i : taken) TlsFree(i);
  return 0;
}
