// A closure-using program for scripts/check-cet.sh: built with the target's
// control-flow protection (-fcf-protection=full, -mbranch-protection=standard),
// as a PIE, a non-PIE, a static executable or through a shared library, it
// makes closures on the register path and on the general path, sorts through
// one, prints the first bytes of a thunk (the landing pad) and where the code
// came from. Exit 0 when every value crossed the boundary intact.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thunk/closure.hpp>
#include <thunk/code_source.hpp>
#include <vector>

#if defined(THUNK_PROBE_LIBRARY)
#  define THUNK_PROBE_API extern "C" __attribute__((visibility("default")))
#else
#  define THUNK_PROBE_API static
#endif

namespace {
struct triple {
  long a, b, c;
};
}  // namespace

#if !defined(THUNK_PROBE_DLOPEN) && !defined(THUNK_PROBE_LINKED)
THUNK_PROBE_API int thunk_probe_run() {
  int failures = 0;
  long offset = 1000;
  std::vector<thunk::closure<long (*)(long, long)>> reg;
  std::vector<thunk::closure<long (*)(triple)>> gen;
  for (long i = 0; i < 5000; ++i) {
    reg.emplace_back([i, &offset](long a, long b) { return a + b + i + offset; });
    gen.emplace_back([i](triple t) { return t.a + t.b + t.c + i; });
  }
  for (long i = 0; i < 5000; ++i) {
    failures += reg[static_cast<std::size_t>(i)].get()(1, 2) != 1003 + i;
    failures += gen[static_cast<std::size_t>(i)].get()(triple{1, 2, 3}) != 6 + i;
  }
  int values[64];
  for (int i = 0; i < 64; ++i) values[i] = (i * 37) % 64;
  thunk::closure<int (*)(const void*, const void*)> cmp([&offset](const void* a, const void* b) {
    const int x = *static_cast<const int*>(a), y = *static_cast<const int*>(b);
    return offset ? (x > y) - (x < y) : 0;
  });
  std::qsort(values, 64, sizeof(int), cmp.get());
  for (int i = 0; i < 64; ++i) failures += values[i] != i;
  const auto* r = reinterpret_cast<const unsigned char*>(reg[0].get());
  const auto* g = reinterpret_cast<const unsigned char*>(gen[0].get());
  std::printf("register thunk: %02x %02x %02x %02x\ngeneral thunk: %02x %02x %02x %02x\n", r[0], r[1], r[2], r[3], g[0],
              g[1], g[2], g[3]);
  std::printf("code source: %s\nfailures: %d\n", thunk::describe_closure_code_source(), failures);
  return failures;
}
#endif

#if !defined(THUNK_PROBE_LIBRARY)
#  if defined(THUNK_PROBE_DLOPEN)
#    include <dlfcn.h>
int main(int argc, char** argv) {
  if (argc < 2) return 2;
  void* h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    std::printf("dlopen: %s\n", dlerror());
    return 2;
  }
  auto run = reinterpret_cast<int (*)()>(dlsym(h, "thunk_probe_run"));
  return run ? run() : 2;
}
#  elif defined(THUNK_PROBE_LINKED)
extern "C" int thunk_probe_run();
int main() { return thunk_probe_run(); }
#  else
#    if defined(__aarch64__) && defined(__linux__)
#      include <sys/auxv.h>
#      include <sys/wait.h>
#      include <unistd.h>

#      include <csignal>
#    endif
int main(int argc, char** argv) {
#    if defined(__aarch64__) && defined(__linux__)
  // "bti-negative": where the CPU has BTI, the tables' copies are mapped
  // PROT_BTI, so an indirect call that skips a slot's `bti c` must fault.
  if (argc > 1 && std::string(argv[1]) == "bti-negative") {
    if (!(getauxval(AT_HWCAP2) & (1ul << 17))) {
      std::printf("no BTI on this CPU\n");
      return 77;
    }
    thunk::closure<long (*)(long, long)> c([](long a, long b) { return a + b; });
    std::fflush(stdout);
    const pid_t pid = fork();
    if (pid == 0) {
      auto past_pad = reinterpret_cast<long (*)(long, long)>(reinterpret_cast<std::uintptr_t>(c.get()) + 4);
      std::printf("called past the landing pad: %ld\n", past_pad(1, 2));
      _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    const bool trapped = WIFSIGNALED(status) && WTERMSIG(status) == SIGILL;
    std::printf("an indirect call past bti c: %s\n", trapped ? "SIGILL (BTI enforced)" : "NOT trapped");
    return trapped ? 0 : 1;
  }
#    endif
  (void)argc, (void)argv;
  return thunk_probe_run();
}
#  endif
#endif
