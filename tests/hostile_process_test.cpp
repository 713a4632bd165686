// A process that refuses every way to make code, as hardened systems do
// (SELinux without execmem, systemd's MemoryDenyWriteExecute, memfd_noexec):
// where the headers build pre-built trampoline tables (x86-64 and AArch64
// Linux), thunk::closure keeps working from copies of the table mapped from
// the program's own file: 20,000 live closures on the register path and on
// the general path, a qsort through one, and every executable mapping of the
// process backed by the program's file or a system library. Elsewhere
// thunk::closure fails with a clear thunk::error. thunk::static_closure keeps
// working, and libffi's closure, tried under the same rules, is reported
// beside them.
//
// The hostile process is a forked child that turns on the kernel's W^X
// enforcement (prctl PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN) and installs a
// seccomp filter — raw BPF, no library — refusing with EPERM:
//   mmap, mmap2  with PROT_EXEC, unless it maps a file (fd, not anonymous)
//   mprotect, pkey_mprotect  with PROT_EXEC in the protection
//   memfd_create             (closure's double-mapping fallback)
// so no page can become executable after it starts except by mapping a file
// that is already there (as a loader does), and none can hold code the
// process wrote. libffi is
// loaded with dlopen before the child is made (loading a library maps pages
// executable), when this target has it.
//
// The test prints what happened — run it directly to read the report:
//   build/.../bin/hostile_process_test -s
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <thunk/closure.hpp>
#include <thunk/code_source.hpp>
#include <thunk/detail/code_table.hpp>
#include <thunk/static_closure.hpp>
#include <vector>

#include "catch.hpp"
#include "support/skip.hpp"

#if defined(__linux__)
#  include <linux/audit.h>
#  include <linux/filter.h>
#  include <linux/seccomp.h>
#  include <sys/mman.h>
#  include <sys/prctl.h>
#  include <sys/syscall.h>
#  include <sys/wait.h>
#  include <unistd.h>

#  include <cerrno>
#  include <csignal>
#  include <cstddef>
#  if defined(__x86_64__) && !defined(__ILP32__)
#    define THUNK_TEST_AUDIT_ARCH AUDIT_ARCH_X86_64
#  elif defined(__i386__)
#    define THUNK_TEST_AUDIT_ARCH AUDIT_ARCH_I386
#  elif defined(__aarch64__)
#    define THUNK_TEST_AUDIT_ARCH AUDIT_ARCH_AARCH64
#  elif defined(__arm__)
#    define THUNK_TEST_AUDIT_ARCH AUDIT_ARCH_ARM
#  elif defined(__riscv) && __riscv_xlen == 64 && defined(AUDIT_ARCH_RISCV64)
#    define THUNK_TEST_AUDIT_ARCH AUDIT_ARCH_RISCV64
#  endif
#  if defined(__has_include)
#    if __has_include(<ffi.h>) && __has_include(<dlfcn.h>)
#      include <dlfcn.h>
#      include <ffi.h>
#      define THUNK_TEST_LIBFFI 1
#    endif
#  endif
#endif

#if defined(__linux__) && defined(THUNK_TEST_AUDIT_ARCH)

namespace {

// ---- the report: human lines and facts, through a pipe to the parent ------------

int report_fd = -1;

/// "| text": a line of the printed report.
void say(const char* fmt, ...) {
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(line + 2, sizeof line - 3, fmt, ap);
  va_end(ap);
  line[0] = '|';
  line[1] = ' ';
  std::size_t n = std::strlen(line);
  line[n++] = '\n';
  if (write(report_fd, line, n) < 0) _exit(90);
}

/// "@key value": a fact the parent checks.
void fact(const char* key, const std::string& value) {
  std::string line = std::string("@") + key + " " + value + "\n";
  if (write(report_fd, line.data(), line.size()) < 0) _exit(90);
}

// ---- the hostile rules ------------------------------------------------------------

/// A BPF program with symbolic jump targets, resolved when it is finished.
class bpf_builder {
 public:
  enum label { allow, deny, check_prot, check_map, allow_map, label_count };

  void load_arch() { stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)); }
  void load_nr() { stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)); }
  /// The low 32 bits of argument i (little-endian targets only, as all ours are).
  void load_arg_low(unsigned i) {
    stmt(BPF_LD | BPF_W | BPF_ABS, static_cast<unsigned>(offsetof(seccomp_data, args) + i * sizeof(std::uint64_t)));
  }
  void ret(std::uint32_t value) { stmt(BPF_RET | BPF_K, value); }
  /// if (A op k) goto t else goto f; -1: the next instruction. Targets are
  /// placed later (classic BPF jumps only forward).
  void jump(std::uint16_t op, std::uint32_t k, int t, int f) {
    fixups_.push_back({code_.size(), t, f});
    code_.push_back(BPF_JUMP(BPF_JMP | op | BPF_K, k, 0, 0));
  }
  void place(label l) { labels_[l] = code_.size(); }

  std::vector<sock_filter> finish() {
    for (const fixup& x : fixups_) {
      auto rel = [&](int target) -> std::uint8_t {
        if (target < 0) return 0;
        return static_cast<std::uint8_t>(labels_[target] - x.at - 1);
      };
      code_[x.at].jt = rel(x.t);
      code_[x.at].jf = rel(x.f);
    }
    return code_;
  }

 private:
  struct fixup {
    std::size_t at;
    int t, f;
  };
  void stmt(std::uint16_t code, std::uint32_t k) { code_.push_back(BPF_STMT(code, k)); }
  std::vector<sock_filter> code_;
  std::vector<fixup> fixups_;
  std::size_t labels_[label_count] = {};
};

/// Refuses (EPERM) every way to a new executable page; 0 or errno.
int install_filter() {
  bpf_builder b;
  b.load_arch();
  b.jump(BPF_JEQ, THUNK_TEST_AUDIT_ARCH, -1, bpf_builder::deny);  // another ABI: refuse everything
  b.load_nr();
#  if defined(__x86_64__)
  b.jump(BPF_JGE, 0x40000000u /* __X32_SYSCALL_BIT */, bpf_builder::deny, -1);
#  endif
  b.jump(BPF_JEQ, __NR_memfd_create, bpf_builder::deny, -1);
#  if defined(__NR_mmap2)
  b.jump(BPF_JEQ, __NR_mmap2, bpf_builder::check_map, -1);
#    if defined(__NR_mmap)
  b.jump(BPF_JEQ, __NR_mmap, bpf_builder::deny, -1);  // old_mmap takes a struct pointer: refused whole
#    endif
#  else
  b.jump(BPF_JEQ, __NR_mmap, bpf_builder::check_map, -1);
#  endif
  b.jump(BPF_JEQ, __NR_mprotect, bpf_builder::check_prot, -1);
#  if defined(__NR_pkey_mprotect)
  b.jump(BPF_JEQ, __NR_pkey_mprotect, bpf_builder::check_prot, -1);
#  endif
  b.place(bpf_builder::allow);
  b.ret(SECCOMP_RET_ALLOW);
  b.place(bpf_builder::check_prot);
  b.load_arg_low(2);  // mprotect(addr, len, prot), pkey_mprotect(addr, len, prot, key)
  b.jump(BPF_JSET, PROT_EXEC, bpf_builder::deny, -1);
  b.ret(SECCOMP_RET_ALLOW);  // (BPF jumps only forward: a second allow)
  // mmap(addr, len, prot, flags, fd, off): PROT_EXEC only from a file, as a
  // loader maps a library (anonymous or fd -1: refused).
  b.place(bpf_builder::check_map);
  b.load_arg_low(2);
  b.jump(BPF_JSET, PROT_EXEC, -1, bpf_builder::allow_map);
  b.load_arg_low(3);
  b.jump(BPF_JSET, MAP_ANONYMOUS, bpf_builder::deny, -1);
  b.load_arg_low(4);
  b.jump(BPF_JEQ, 0xFFFFFFFFu, bpf_builder::deny, -1);
  b.place(bpf_builder::allow_map);
  b.ret(SECCOMP_RET_ALLOW);
  b.place(bpf_builder::deny);
  b.ret(SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA));
  std::vector<sock_filter> code = b.finish();
  sock_fprog prog{static_cast<unsigned short>(code.size()), code.data()};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0) return errno;
  return 0;
}

// ---- libffi, loaded before the restrictions ------------------------------------------

#  if defined(THUNK_TEST_LIBFFI)
struct libffi_api {
  void* handle = nullptr;
  const char* file = nullptr;
  void* (*closure_alloc)(size_t, void**) = nullptr;
  void (*closure_free)(void*) = nullptr;
  ffi_status (*prep_cif)(ffi_cif*, ffi_abi, unsigned, ffi_type*, ffi_type**) = nullptr;
  ffi_status (*prep_closure_loc)(ffi_closure*, ffi_cif*, void (*)(ffi_cif*, void*, void**, void*), void*,
                                 void*) = nullptr;
  ffi_type* sint32 = nullptr;
};

libffi_api load_libffi() {
  libffi_api api;
  for (const char* name : {"libffi.so.8", "libffi.so.7", "libffi.so"}) {
    if ((api.handle = dlopen(name, RTLD_NOW))) {
      api.file = name;
      break;
    }
  }
  if (!api.handle) return api;
  api.closure_alloc = reinterpret_cast<decltype(api.closure_alloc)>(dlsym(api.handle, "ffi_closure_alloc"));
  api.closure_free = reinterpret_cast<decltype(api.closure_free)>(dlsym(api.handle, "ffi_closure_free"));
  api.prep_cif = reinterpret_cast<decltype(api.prep_cif)>(dlsym(api.handle, "ffi_prep_cif"));
  api.prep_closure_loc = reinterpret_cast<decltype(api.prep_closure_loc)>(dlsym(api.handle, "ffi_prep_closure_loc"));
  api.sint32 = static_cast<ffi_type*>(dlsym(api.handle, "ffi_type_sint32"));
  if (!api.closure_alloc || !api.closure_free || !api.prep_cif || !api.prep_closure_loc || !api.sint32) {
    api.handle = nullptr;
  }
  return api;
}

void ffi_add(ffi_cif*, void* ret, void** args, void* user) {
  *static_cast<ffi_arg*>(ret) = static_cast<ffi_arg>(*static_cast<int*>(args[0]) + *static_cast<int*>(user));
}

/// In a grandchild (it may crash): alloc, prep and call a libffi closure.
void try_libffi(const libffi_api& api) {
  if (!api.handle) {
    say("libffi: not loadable here (no libffi.so.8): not tried");
    fact("libffi", "absent");
    return;
  }
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    void* code = nullptr;
    auto* closure = static_cast<ffi_closure*>(api.closure_alloc(sizeof(ffi_closure), &code));
    if (!closure) {
      say("libffi (%s): ffi_closure_alloc returned NULL (errno %d: %s): no closure", api.file, errno,
          std::strerror(errno));
      fact("libffi", "alloc-null");
      _exit(0);
    }
    static ffi_cif cif;
    static ffi_type* args[1] = {api.sint32};
    static int offset = 1000;
    if (api.prep_cif(&cif, FFI_DEFAULT_ABI, 1, api.sint32, args) != FFI_OK ||
        api.prep_closure_loc(closure, &cif, &ffi_add, &offset, code) != FFI_OK) {
      say("libffi (%s): ffi_prep_closure_loc failed", api.file);
      fact("libffi", "prep-failed");
      _exit(0);
    }
    say("libffi (%s): ffi_closure_alloc gave a closure at %p; calling it ...", api.file, code);
    const int r = reinterpret_cast<int (*)(int)>(code)(7);
    say("libffi (%s): the closure returned %d", api.file, r);
    fact("libffi", r == 1007 ? "works" : "wrong-result");
    api.closure_free(closure);
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) {
    say("libffi (%s): the process died of signal %d (%s) making or calling a closure", api.file, WTERMSIG(status),
        strsignal(WTERMSIG(status)));
    fact("libffi", std::string("signal-") + std::to_string(WTERMSIG(status)));
  }
}
#  endif

// ---- what the hostile child does ---------------------------------------------------------

using handler_fn = void (*)(int);

using pair_fn = long (*)(long, long);

/// `before`: a closure the parent made before the fork (null without closure).
int hostile_child(pair_fn before
#  if defined(THUNK_TEST_LIBFFI)
                  ,
                  const libffi_api& ffi
#  endif
) {
  if (const int e = install_filter()) {
    say("seccomp: the filter could not be installed (%s): no hostile process here", std::strerror(e));
    return 77;
  }
  const bool mdwe = prctl(65 /* PR_SET_MDWE */, 1 /* PR_MDWE_REFUSE_EXEC_GAIN */, 0, 0, 0) == 0;
  const int mdwe_errno = errno;
  say("hostile process: seccomp refuses anonymous mmap/mmap2 with PROT_EXEC, mprotect/pkey_mprotect with PROT_EXEC and "
      "memfd_create; "
      "PR_SET_MDWE(REFUSE_EXEC_GAIN) %s",
      mdwe ? "on" : std::strerror(mdwe_errno));
  fact("mdwe", mdwe ? "on" : "off");

  // The rules hold: no executable page, no memfd.
  void* exec_page = mmap(nullptr, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  const int exec_errno = errno;
  void* rw_page = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  const bool mprotect_ok = rw_page != MAP_FAILED && mprotect(rw_page, 4096, PROT_READ | PROT_EXEC) == 0;
  const long memfd = syscall(__NR_memfd_create, "probe", 0u);
  const int memfd_errno = errno;
  say("probe: mmap(PROT_READ|PROT_EXEC) %s; mprotect(RW -> RX) %s; memfd_create %s",
      exec_page == MAP_FAILED ? ("refused: " + std::string(std::strerror(exec_errno))).c_str() : "ALLOWED",
      mprotect_ok ? "ALLOWED" : "refused",
      memfd < 0 ? ("refused: " + std::string(std::strerror(memfd_errno))).c_str() : "ALLOWED");
  fact("exec-refused", exec_page == MAP_FAILED && !mprotect_ok && memfd < 0 ? "yes" : "no");

  // thunk::closure: the one made before the rules still works; make 20,000
  // more on each path (the register path: (long, long) -> rdx / x2; the
  // general path: a struct argument), so that new chunks are needed.
#  if THUNK_HAS_CLOSURE
  {
    using P = pair_fn;
    struct triple {
      long a, b, c;
    };
    using G = long (*)(triple);
    const long old = before(40, 2);
    say("thunk::closure: a closure made before the rules is called: %s", old == 42 ? "works" : "BROKEN");
    fact("closure-before", old == 42 ? "works" : "broken");
    std::vector<thunk::closure<P>> made;
    std::vector<thunk::closure<G>> general;
    made.reserve(20000);
    general.reserve(20000);
    std::error_code ec;
    while (made.size() < 20000) {
      const long k = static_cast<long>(made.size());
      thunk::closure<P> c = thunk::make_closure<P>([k](long a, long b) { return a + b + k; }, ec);
      if (ec) break;
      made.push_back(std::move(c));
    }
    std::error_code gec;
    while (!ec && general.size() < 20000) {
      const long k = static_cast<long>(general.size());
      thunk::closure<G> c = thunk::make_closure<G>([k](triple t) { return t.a + t.b + t.c + k; }, gec);
      if (gec) break;
      general.push_back(std::move(c));
    }
    long bad = 0;
    for (std::size_t i = 0; i < made.size(); ++i) bad += made[i].get()(1, 2) != static_cast<long>(i) + 3;
    for (std::size_t i = 0; i < general.size(); ++i)
      bad += general[i].get()(triple{1, 2, 3}) != static_cast<long>(i) + 6;
    say("thunk::closure: %zu register-path and %zu general-path closures live, %ld wrong results; "
        "make_closure's error_code: %s",
        made.size(), general.size(), bad, ec ? ec.message().c_str() : (gec ? gec.message().c_str() : "none"));
    say("thunk::closure: code source: %s", thunk::describe_closure_code_source());
    fact("closure-count", std::to_string(made.size()) + "+" + std::to_string(general.size()) + (bad ? " wrong" : ""));
    fact("closure-ec", ec == thunk::errc::executable_memory_refused ? "executable_memory_refused"
                                                                    : (ec ? ec.message() : std::string("none")));
    fact("code-source", std::to_string(static_cast<int>(thunk::closure_code_source())));
    if (!ec) {
      // qsort through a capturing closure made under the rules.
      std::vector<int> values(1000);
      for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<int>((i * 7919) % 1000);
      long comparisons = 0;
      thunk::closure<int (*)(const void*, const void*)> ascending([&comparisons](const void* a, const void* b) {
        ++comparisons;
        const int x = *static_cast<const int*>(a), y = *static_cast<const int*>(b);
        return (x > y) - (x < y);
      });
      std::qsort(values.data(), values.size(), sizeof(int), ascending.get());
      bool sorted = true;
      for (std::size_t i = 0; i < values.size(); ++i) sorted = sorted && values[i] == static_cast<int>(i);
      say("thunk::closure: qsort of 1000 ints through a capturing closure: %s, %ld comparator calls",
          sorted ? "sorted" : "NOT SORTED", comparisons);
      fact("closure-qsort", sorted && comparisons > 0 ? "works" : "broken");
    }
#    if THUNK_HAS_EXCEPTIONS
    if (ec) {
      try {
        thunk::closure<P> one([](long a, long b) { return a - b; });
        say("thunk::closure: the throwing constructor SUCCEEDED");
        fact("closure-throw", "none");
      } catch (const thunk::error& e) {
        say("thunk::closure: the constructor threw thunk::error, code %s:%d, what(): \"%s\"",
            e.code().category().name(), e.code().value(), e.what());
        fact("closure-throw",
             e.code() == thunk::errc::executable_memory_refused ? "executable_memory_refused" : "other");
      }
    }
#    endif
    // Every executable mapping: the program's file or a system library.
    char self[4096] = {};
    const ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len > 0) self[len] = '\0';
    FILE* maps = std::fopen("/proc/self/maps", "r");
    int exec_maps = 0, from_self = 0, foreign = 0;
    char line[4352];
    while (maps && std::fgets(line, sizeof line, maps)) {
      char perms[8] = {};
      int path_at = 0;
      if (std::sscanf(line, "%*s %7s %*s %*s %*s %n", perms, &path_at) < 1 || perms[2] != 'x') continue;
      ++exec_maps;
      std::string path = line + path_at;
      while (!path.empty() && (path.back() == '\n' || path.back() == ' ')) path.pop_back();
      if (path == self) {
        ++from_self;
      } else if (path.rfind("/usr/", 0) == 0 || path.rfind("/lib", 0) == 0 || path == "[vdso]" ||
                 path == "[vsyscall]") {
      } else {
        ++foreign;
        say("/proc/self/maps: executable mapping NOT from a file we trust: %s", line);
      }
    }
    if (maps) std::fclose(maps);
    say("/proc/self/maps: %d executable mappings, %d of them from the program's file (%s), %d from elsewhere",
        exec_maps, from_self, self, foreign);
    fact("foreign-exec-maps", std::to_string(foreign));
  }
#  else
  (void)before;
  say("thunk::closure: compiled out in this build (THUNK_NO_JIT, or no thunk for this target)");
  fact("closure-ec", "compiled-out");
#  endif

  // thunk::static_closure: qsort (no context slot) and a signal handler.
  {
    std::vector<int> values(1000);
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<int>((i * 7919) % 1000);
    long comparisons = 0;
    thunk::static_closure<int (*)(const void*, const void*), 4> descending(
        [&comparisons](const void* a, const void* b) {
          ++comparisons;
          const int x = *static_cast<const int*>(a), y = *static_cast<const int*>(b);
          return (x < y) - (x > y);
        });
    std::qsort(values.data(), values.size(), sizeof(int), descending.get());
    bool sorted = true;
    for (std::size_t i = 0; i < values.size(); ++i) sorted = sorted && values[i] == static_cast<int>(999 - i);

    int seen = 0;
    thunk::static_closure<handler_fn, 2> on_signal([&seen](int sig) { seen = sig; });
    handler_fn previous = std::signal(SIGUSR1, on_signal.get());
    std::raise(SIGUSR1);
    std::signal(SIGUSR1, previous);

    say("thunk::static_closure: qsort of 1000 ints through a capturing comparator: %s, %ld comparator calls; "
        "signal(SIGUSR1) through a capturing handler: %s",
        sorted ? "sorted" : "NOT SORTED", comparisons, seen == SIGUSR1 ? "ran" : "DID NOT RUN");
    fact("static-closure", sorted && comparisons > 0 && seen == SIGUSR1 ? "works" : "broken");
  }

#  if defined(THUNK_TEST_LIBFFI)
  try_libffi(ffi);
#  else
  say("libffi: no <ffi.h> for this target: not tried");
  fact("libffi", "absent");
#  endif
  return 0;
}

struct hostile_result {
  int status = 0;
  std::vector<std::string> lines;
  std::map<std::string, std::string> facts;
};

hostile_result run_hostile() {
#  if defined(THUNK_TEST_LIBFFI)
  const libffi_api ffi = load_libffi();
#  endif
  // A closure made before the rules: its chunk is mapped, so the child can
  // make closures until that chunk is full and a new one is needed.
#  if THUNK_HAS_CLOSURE
  thunk::closure<pair_fn> before([](long a, long b) { return a + b; });
  const pair_fn before_fn = before.get();
#  else
  const pair_fn before_fn = nullptr;
#  endif
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  std::fflush(nullptr);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    report_fd = fds[1];
    signal(SIGABRT, SIG_DFL);
    _exit(hostile_child(before_fn
#  if defined(THUNK_TEST_LIBFFI)
                        ,
                        ffi
#  endif
                        ));
  }
  close(fds[1]);
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  hostile_result r;
  waitpid(pid, &r.status, 0);
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(at, end - at);
    at = end + 1;
    if (line.rfind("| ", 0) == 0) {
      r.lines.push_back(line.substr(2));
    } else if (line.rfind("@", 0) == 0) {
      const std::size_t sp = line.find(' ');
      r.facts[line.substr(1, sp - 1)] = sp == std::string::npos ? "" : line.substr(sp + 1);
    }
  }
  return r;
}

}  // namespace

TEST_CASE(
    "in a process that refuses every way to make code, closure runs from tables (or fails clearly) and static_closure "
    "works",
    "[static_closure][closure][hostile][.may-skip:refuses-new-pages]") {
  const hostile_result r = run_hostile();
  std::printf("---- hostile process report ----\n");
  for (const std::string& line : r.lines) std::printf("%s\n", line.c_str());
  if (WIFEXITED(r.status)) {
    std::printf("---- child exited with %d ----\n", WEXITSTATUS(r.status));
  } else if (WIFSIGNALED(r.status)) {
    std::printf("---- child died of signal %d ----\n", WTERMSIG(r.status));
  }
  std::fflush(stdout);
  REQUIRE(WIFEXITED(r.status));
  if (WEXITSTATUS(r.status) == 77) {
    THUNK_TEST_SKIP("no hostile process can be made here (under an emulator, seccomp is not passed to the kernel)");
  }
  REQUIRE(WEXITSTATUS(r.status) == 0);
  auto fact = [&](const char* key) {
    auto it = r.facts.find(key);
    return it == r.facts.end() ? std::string("(missing)") : it->second;
  };
  CHECK(fact("exec-refused") == "yes");
#  if THUNK_HAS_CLOSURE
  CHECK(fact("closure-before") == "works");
#    if THUNK_DETAIL_HAS_CODE_TABLES
  // (Without tables the chunk made before the rules is anonymous.)
  CHECK(fact("foreign-exec-maps") == "0");
  // Pre-built tables: closures keep working, with no code made.
  CHECK(fact("closure-ec") == "none");
  CHECK(fact("closure-count") == "20000+20000");
  CHECK(fact("closure-qsort") == "works");
  CHECK(fact("code-source") == std::to_string(static_cast<int>(thunk::code_source::table)));
#    else
  CHECK(fact("closure-ec") == "executable_memory_refused");
#      if THUNK_HAS_EXCEPTIONS
  CHECK(fact("closure-throw") == "executable_memory_refused");
#      endif
#    endif
#  else
  CHECK(fact("closure-ec") == "compiled-out");
#  endif
  CHECK(fact("static-closure") == "works");
  // libffi's result is reported, not asserted: it is the comparison.
  INFO("libffi: " << fact("libffi"));
  CHECK(fact("libffi") != "(missing)");
}

#else

TEST_CASE("the hostile-process test needs Linux (seccomp) on a known architecture",
          "[static_closure][hostile][.may-skip:refuses-new-pages]") {
  THUNK_TEST_SKIP("not Linux, or an architecture without a seccomp audit value here: nothing to check");
}

#endif
