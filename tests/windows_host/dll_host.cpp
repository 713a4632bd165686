// Loads closure_dll.dll and frees it 100 times: the DLL must be gone after
// every FreeLibrary, and the TLS/FLS indices and the private memory after
// the last cycle must be what they were after the first.
//   dll_host PATH.dll               100 load/run/free cycles
//   dll_host PATH.dll --exhaust     first take every TEB TLS slot (64), then
//                                   the same: the general path must still work
#include <psapi.h>
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

std::size_t private_bytes() {
  PROCESS_MEMORY_COUNTERS_EX c{};
  c.cb = sizeof c;
  if (!GetProcessMemoryInfo(GetCurrentProcess(), reinterpret_cast<PROCESS_MEMORY_COUNTERS*>(&c), sizeof c)) return 0;
  return c.PrivateUsage;
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

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return fail("usage: dll_host PATH.dll [--exhaust]");
  const char* path = argv[1];
  const bool exhaust = argc > 2 && std::strcmp(argv[2], "--exhaust") == 0;
  std::vector<DWORD> taken;
  if (exhaust) {
    for (;;) {
      const DWORD i = TlsAlloc();
      if (i == TLS_OUT_OF_INDEXES) break;
      taken.push_back(i);
      if (i >= 63) break;  // every TEB slot (0..63) is taken now
    }
    std::printf("took %zu TLS indices (the last %lu)\n", taken.size(), taken.empty() ? 0ul : taken.back());
  }
  const char* base = std::strrchr(path, '/');
  const char* base2 = std::strrchr(path, '\\');
  if (base2 > base) base = base2;
  const std::string name = base ? base + 1 : path;

  const int cycles = 100;
  DWORD first_tls = 0, first_fls = 0;
  std::size_t first_private = 0;
  for (int cycle = 0; cycle < cycles; ++cycle) {
    HMODULE h = LoadLibraryA(path);
    if (!h) return fail("LoadLibrary " + std::string(path) + ": error " + std::to_string(GetLastError()));
    using run_fn = int (*)(int);
    auto run = reinterpret_cast<run_fn>(reinterpret_cast<void*>(GetProcAddress(h, "thunk_dll_run")));
    if (!run) return fail("GetProcAddress thunk_dll_run");
    const int r = run(cycle);
    if (r != 0) return fail("thunk_dll_run returned " + std::to_string(r) + " in cycle " + std::to_string(cycle + 1));
    if (!FreeLibrary(h)) return fail("FreeLibrary");
    if (GetModuleHandleA(name.c_str()) != nullptr)
      return fail(name + " is still loaded after FreeLibrary in cycle " + std::to_string(cycle + 1));
    if (cycle == 0) {
      first_tls = probe_tls();
      first_fls = probe_fls();
      first_private = private_bytes();
    }
  }
  const DWORD last_tls = probe_tls(), last_fls = probe_fls();
  const std::size_t last_private = private_bytes();
  std::printf(
      "%d cycles: unloaded every time; lowest free TLS index %lu -> %lu, FLS index %lu -> %lu, "
      "private bytes %zu KiB -> %zu KiB\n",
      cycles, first_tls, last_tls, first_fls, last_fls, first_private / 1024, last_private / 1024);
  if (last_tls != first_tls) return fail("a TLS index leaked");
  if (last_fls != first_fls) return fail("an FLS index leaked");
  if (last_private > first_private + 256 * 1024) return fail("private memory grew");
  for (DWORD i : taken) TlsFree(i);
  return 0;
}
